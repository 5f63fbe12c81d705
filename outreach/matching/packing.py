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


def unpack(blob: bytes) -> Iterator[tuple[str | None, list[bytes]]]:
    """The (category, tokens) of every record; pseudonyms are not needed for counting."""
    (header_length,) = struct.unpack_from(">I", blob, 0)
    offset = 4 + header_length
    categories: list[str] = json.loads(blob[4:offset])["categories"]
    view = memoryview(blob)
    while offset < len(blob):
        offset += PSEUDONYM_BYTES
        category, count = blob[offset], blob[offset + 1]
        offset += 2
        tokens = [
            bytes(view[offset + i * TOKEN_BYTES : offset + (i + 1) * TOKEN_BYTES])
            for i in range(count)
        ]
        offset += count * TOKEN_BYTES
        yield (categories[category - 1] if category else None), tokens
