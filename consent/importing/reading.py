"""Reading a contact file: size cap, encoding, delimiter, and rows with their line numbers.

Files come from spreadsheets and CRMs, so the reader accepts what they write: UTF-8 with or
without a byte order mark (UTF-16 when it has one), any other encoding the caller names,
comma, semicolon or tab as the delimiter, quoted fields that hold line breaks, and blank lines,
which are skipped rather than rejected.

A row's line number is the physical line it starts on, counting the header as line 1, so staff
can find it in their editor. :func:`inspect` reads the whole file once before anything is
written: a file that cannot be read fails before the first row is imported, not half-way.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

DELIMITERS = (",", ";", "\t")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_BLOCK = 1 << 20
_ZIP_MAGIC = b"PK\x03\x04"


class UnreadableFile(ValueError):
    """The file cannot be imported as it is; the message says why, never what a row holds."""


@dataclass(frozen=True)
class FileFacts:
    """What the first reading of a file found: enough to map its columns and import it."""

    sha256: str
    size: int
    encoding: str
    delimiter: str
    header: tuple[str, ...]
    # Rows under the header that are not blank.
    rows: int

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES[self.delimiter]


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def check_encoding_name(name: str) -> str:
    """The codec to read with for a name a person typed; ``UnreadableFile`` if unknown."""
    try:
        info = codecs.lookup(name.strip())
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        raise UnreadableFile(f"unknown encoding {name.strip()[:40]!r}") from None
    if not getattr(info, "_is_text_encoding", True):
        raise UnreadableFile(f"{name.strip()!r} is not a text encoding")
    # Excel writes a byte order mark even into UTF-8 files; it is never part of the header.
    return "utf-8-sig" if info.name == "utf-8" else info.name


def _detect_encoding(start: bytes) -> str:
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


class _Hashing(io.RawIOBase):
    """A read-only byte stream that hashes and counts what passes through it."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self._raw.read(len(buffer))
        buffer[: len(chunk)] = chunk
        self.digest.update(chunk)
        self.size += len(chunk)
        return len(chunk)


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most columns (comma on a tie)."""
    best, most = ",", 0
    for delimiter in DELIMITERS:
        count = len(next(csv.reader([header_line], delimiter=delimiter), []))
        if count > most:
            best, most = delimiter, count
    return best


def _first_line(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        for line in handle:
            if line.strip():
                return line
    return ""


def _records(handle: IO[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records, each with the physical line it starts on."""
    reader = csv.reader(handle, delimiter=delimiter)
    start = 1
    for cells in reader:
        # line_num counts the physical lines read so far, so a quoted line break is counted.
        line, start = start, reader.line_num + 1
        # A row of empty or blank cells is a blank line too (a spreadsheet's empty row).
        if "".join(cells).strip():
            yield line, cells


def _first_undecodable_line(path: Path, codec: str) -> int | None:
    """The line holding the first byte that does not decode (UTF-8 family only)."""
    if not codec.startswith("utf-8"):
        return None
    with path.open("rb") as raw:
        for number, line in enumerate(raw, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


def inspect(path: Path, *, max_bytes: int, encoding: str | None = None) -> FileFacts:
    """Read the whole file once: check its size and encoding, find its header, count its rows.

    Raises :class:`UnreadableFile` with a message fit to show the person who chose the file.
    """
    if path.exists() and not path.is_file():
        raise UnreadableFile("this is a folder, not a file")
    try:
        size = path.stat().st_size
        with path.open("rb") as raw:
            start = raw.read(4)
    except OSError as error:
        raise UnreadableFile(f"the file cannot be read ({error.strerror or 'no access'})") from None
    if size > max_bytes:
        raise UnreadableFile(
            f"the file is {megabytes(size)}, more than the limit of {megabytes(max_bytes)}"
        )
    if size == 0:
        raise UnreadableFile("the file is empty")
    if start.startswith(_ZIP_MAGIC):
        raise UnreadableFile("this looks like a spreadsheet workbook; save it as CSV first")
    codec = check_encoding_name(encoding) if encoding else _detect_encoding(start)
    delimiter = _sniff_delimiter(_first_line(path, codec))

    header: tuple[str, ...] = ()
    rows = 0
    line = 0
    with path.open("rb") as raw:
        hashing = _Hashing(raw)
        text = io.TextIOWrapper(io.BufferedReader(hashing, _BLOCK), encoding=codec, newline="")
        try:
            for number, cells in _records(text, delimiter):
                line = number
                if header:
                    rows += 1
                else:
                    header = tuple(cell.strip() for cell in cells)
        except UnicodeDecodeError:
            bad = _first_undecodable_line(path, codec)
            where = f"line {bad}" if bad else f"after line {line}"
            label = "UTF-8" if codec.startswith("utf-8") else codec
            raise UnreadableFile(
                f"the file is not valid {label} ({where}); "
                "save it as UTF-8 or name its encoding, for example latin-1"
            ) from None
        except csv.Error as error:
            raise UnreadableFile(f"after line {line}: {error}") from None
    if not header:
        raise UnreadableFile("the file holds only blank lines")
    if rows == 0:
        raise UnreadableFile("the file has a header but no rows under it")
    return FileFacts(
        sha256=hashing.digest.hexdigest(),
        size=hashing.size,
        encoding=codec,
        delimiter=delimiter,
        header=header,
        rows=rows,
    )


def rows(path: Path, facts: FileFacts, *, after_line: int = 0) -> Iterator[tuple[int, list[str]]]:
    """The data rows (not the header) that start after ``after_line``, with their line numbers."""
    with path.open(encoding=facts.encoding, newline="") as handle:
        records = _records(handle, facts.delimiter)
        next(records, None)  # the header
        for line, cells in records:
            if line > after_line:
                yield line, cells


def preview(path: Path, facts: FileFacts, count: int = 5) -> list[list[str]]:
    """The first ``count`` data rows, for the column-mapping page."""
    shown: list[list[str]] = []
    for _, cells in rows(path, facts):
        shown.append(cells)
        if len(shown) == count:
            break
    return shown
