"""Uploaded files and import plans, kept on disk only until their import completes.

An upload is a partner's contact list, so it is handled like the vault it is going into:

- it lives under ``<data_dir>/uploads/<partner>/`` in a folder only the server's user can open
  (0700), as a file only that user can read (0600);
- it is deleted as soon as its import completes, or when staff discard the import;
- the plan beside it (``<batch>.json``: encoding, delimiter, header, column mapping) holds no
  row of the file, and lets any process, the web server or ``concord import``, resume an
  interrupted import exactly as it started.

A file rather than a vault table, so that a 50 MB upload streams to disk instead of sitting
in memory and in the database's write-ahead log, and needs no schema change.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from datetime import timedelta
from pathlib import Path
from typing import IO

from concord.settings import Settings
from consent.importing.columns import ColumnMapping
from consent.importing.reading import FileFacts, UnreadableFile, megabytes

_COPY_BLOCK = 1 << 20


def folder(settings: Settings, partner_slug: str) -> Path:
    """The partner's upload folder, created with owner-only permissions."""
    path = settings.data_dir / "uploads" / partner_slug
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def upload_path(settings: Settings, partner_slug: str, batch_id: str) -> Path:
    return folder(settings, partner_slug) / f"{batch_id}.csv"


def _plan_path(settings: Settings, partner_slug: str, batch_id: str) -> Path:
    return folder(settings, partner_slug) / f"{batch_id}.json"


def receive(settings: Settings, partner_slug: str, source: IO[bytes]) -> Path:
    """Copy an upload into the partner's folder under a random name, refusing it past the cap."""
    target = folder(settings, partner_slug) / f"incoming-{secrets.token_hex(16)}.csv"
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    written = 0
    try:
        with os.fdopen(descriptor, "wb") as out:
            while block := source.read(_COPY_BLOCK):
                written += len(block)
                if written > settings.import_max_bytes:
                    raise UnreadableFile(
                        "the file is larger than the limit of "
                        f"{megabytes(settings.import_max_bytes)}"
                    )
                out.write(block)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def keep_for(settings: Settings, partner_slug: str, received: Path, batch_id: str) -> Path:
    """Give a received upload its batch's name (replacing an earlier upload of the same file)."""
    target = upload_path(settings, partner_slug, batch_id)
    shutil.move(received, target)
    return target


def has_upload(settings: Settings, partner_slug: str, batch_id: str) -> bool:
    return upload_path(settings, partner_slug, batch_id).exists()


def save_plan(
    settings: Settings, partner_slug: str, batch_id: str, facts: FileFacts, mapping: ColumnMapping
) -> None:
    document = {
        "sha256": facts.sha256,
        "size": facts.size,
        "encoding": facts.encoding,
        "delimiter": facts.delimiter,
        "header": list(facts.header),
        "rows": facts.rows,
        "mapping": list(mapping.fields),
    }
    path = _plan_path(settings, partner_slug, batch_id)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(document), encoding="utf-8")
    temporary.chmod(0o600)
    temporary.replace(path)


def load_plan(
    settings: Settings, partner_slug: str, batch_id: str
) -> tuple[FileFacts, ColumnMapping] | None:
    path = _plan_path(settings, partner_slug, batch_id)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    facts = FileFacts(
        sha256=document["sha256"],
        size=document["size"],
        encoding=document["encoding"],
        delimiter=document["delimiter"],
        header=tuple(document["header"]),
        rows=document["rows"],
    )
    return facts, ColumnMapping(tuple(document["mapping"]))


def discard(settings: Settings, partner_slug: str, batch_id: str) -> None:
    """Delete the batch's upload and plan, if any."""
    upload_path(settings, partner_slug, batch_id).unlink(missing_ok=True)
    _plan_path(settings, partner_slug, batch_id).unlink(missing_ok=True)


def discard_received(received: Path) -> None:
    received.unlink(missing_ok=True)


def discard_abandoned(settings: Settings, partner_slug: str, older_than: timedelta) -> None:
    """Delete uploads a crash left half-received, once they are ``older_than``."""
    cutoff = time.time() - older_than.total_seconds()
    for path in folder(settings, partner_slug).glob("incoming-*.csv"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < cutoff:
                path.unlink()
