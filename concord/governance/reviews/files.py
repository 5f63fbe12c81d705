"""Uploaded joint documents: size and type limits, and storage under random names.

A file is accepted only when its content is what its extension says: the magic bytes of a
PDF, the parts a Word (docx) or OpenDocument (odt) package must hold, or UTF-8 text for
Markdown and plain text. It lands in ``<data_dir>/documents/`` (owner-only) under a random
name, so that nothing a user typed ever becomes a path.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from concord.governance.reviews.models import DocumentKind
from concord.settings import Settings

_BLOCK = 1 << 20
EXTENSIONS = {
    ".pdf": DocumentKind.PDF,
    ".docx": DocumentKind.DOCX,
    ".odt": DocumentKind.ODT,
    ".md": DocumentKind.MD,
    ".markdown": DocumentKind.MD,
    ".txt": DocumentKind.TXT,
}
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class RefusedFile(ValueError):
    """The upload is too large or not the type it claims; the message is for the page."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    file_name: str
    kind: DocumentKind
    size: int
    sha256: str


def folder(settings: Settings) -> Path:
    path = settings.data_dir / "documents"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def path_of(settings: Settings, stored_name: str) -> Path:
    if not stored_name.isalnum():
        raise ValueError("not a stored document name")
    return folder(settings) / stored_name


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def clean_file_name(raw: str) -> str:
    """The uploaded file's own name, reduced to something safe to show and to send back."""
    name = Path(raw.replace("\\", "/")).name
    name = "".join(c for c in unicodedata.normalize("NFC", name) if c.isprintable())
    name = name.replace('"', "'").strip() or "document"
    if len(name) > 200:
        stem, suffix = os.path.splitext(name)
        name = stem[: 200 - len(suffix)] + suffix
    return name


def kind_of_content(path: Path, claimed: DocumentKind) -> DocumentKind | None:
    """The claimed kind if the content bears it out, else None."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if claimed is DocumentKind.PDF:
        return claimed if head.startswith(b"%PDF-") else None
    if claimed in {DocumentKind.DOCX, DocumentKind.ODT}:
        if not head.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(path):
            return None
        try:
            with zipfile.ZipFile(path) as package:
                names = package.namelist()
                if claimed is DocumentKind.DOCX:
                    ok = "[Content_Types].xml" in names and any(
                        n.startswith("word/") for n in names
                    )
                else:
                    ok = bool(names) and names[0] == "mimetype"
                    ok = ok and package.read("mimetype").strip() == ODT_MIMETYPE
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
        return claimed if ok else None
    # Markdown and plain text: UTF-8 without NUL bytes, and not a known binary format.
    if head.startswith((b"%PDF-", b"PK\x03\x04")):
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            if b"\x00" in block:
                return None
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return None
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return claimed


def receive(settings: Settings, file_name: str, source: IO[bytes]) -> StoredFile:
    """Check and keep an upload; raise :class:`RefusedFile` (and keep nothing) if it fails."""
    name = clean_file_name(file_name)
    claimed = EXTENSIONS.get(Path(name).suffix.lower())
    if claimed is None:
        raise RefusedFile("Upload a PDF, Word (.docx), OpenDocument (.odt), Markdown or text file.")
    stored_name = secrets.token_hex(16)
    target = path_of(settings, stored_name)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            while block := source.read(_BLOCK):
                size += len(block)
                if size > settings.document_max_bytes:
                    limit = megabytes(settings.document_max_bytes)
                    raise RefusedFile(f"The file is larger than the limit of {limit}.")
                digest.update(block)
                out.write(block)
        if size == 0:
            raise RefusedFile("The file is empty.")
        if kind_of_content(target, claimed) is None:
            raise RefusedFile(
                f"The file's content is not a {claimed.value} document, whatever its name says."
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return StoredFile(stored_name, name, claimed, size, digest.hexdigest())
