"""A vault's round records packed into one blob, so a submission is one row, not millions.

Layout: a 4-byte header length, a JSON header (the categories used), then per record: the
16-byte pseudonym, one byte of category index (0 = none), one byte of token count, the tokens.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator, Sequence

from consent.public import PSEUDONYM_BYTES, TOKEN_BYTES, RoundRecord

MAX_TOKENS = 255


def pack(records: Sequence[RoundRecord]) -> bytes:
    categories = sorted({r.category for r in records if r.category is not None})
    index = {category: number for number, category in enumerate(categories, start=1)}
    if len(categories) > 255:
        raise ValueError("at most 255 shared categories")
    header = json.dumps({"categories": categories}).encode("utf-8")
    parts = [struct.pack(">I", len(header)), header]
    for record in records:
        tokens = record.tokens[:MAX_TOKENS]
        category = index[record.category] if record.category is not None else 0
        parts.append(record.pseudonym)
        parts.append(bytes((category, len(tokens))))
        parts.extend(tokens)
    return b"".join(parts)


def unpack(blob: bytes) -> Iterator[tuple[str | None, tuple[bytes, ...]]]:
    """The (category, tokens) of every record; pseudonyms are not needed for counting."""
    (header_length,) = struct.unpack_from(">I", blob, 0)
    offset = 4 + header_length
    # Index 0 is "no shared category".
    categories: list[str | None] = [None, *json.loads(blob[4:offset])["categories"]]
    end = len(blob)
    while offset < end:
        offset += PSEUDONYM_BYTES
        category, count = blob[offset], blob[offset + 1]
        start = offset + 2
        offset = start + count * TOKEN_BYTES
        # Tuples of bytes, not lists, since the garbage collector can stop tracking those; and
        # the usual one or two tokens sliced directly, which halves the time unpacking takes.
        if count == 1:
            tokens: tuple[bytes, ...] = (blob[start:offset],)
        elif count == 2:
            tokens = (blob[start : start + TOKEN_BYTES], blob[start + TOKEN_BYTES : offset])
        else:
            tokens = tuple(blob[i : i + TOKEN_BYTES] for i in range(start, offset, TOKEN_BYTES))
        yield categories[category], tokens


def pseudonyms(blob: bytes) -> list[bytes]:
    """The pseudonym of every record, in packing order (for per-contact flags)."""
    (header_length,) = struct.unpack_from(">I", blob, 0)
    offset = 4 + header_length
    found = []
    while offset < len(blob):
        found.append(blob[offset : offset + PSEUDONYM_BYTES])
        count = blob[offset + PSEUDONYM_BYTES + 1]
        offset += PSEUDONYM_BYTES + 2 + count * TOKEN_BYTES
    return found
