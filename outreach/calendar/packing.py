"""An item's audience packed for the hub: per person the count of tokens, then the tokens.

Only the first 8 bytes of each keyed token are kept: enough to tell a period's million or so
tokens apart (a chance collision merges two people's counts, about one in ten million per
period), and less for a stolen hub database to hold. Layout: ``CAL1``, the number of records
(4 bytes, little-endian), one byte per record with its token count, then the 8-byte tokens.
Where the principles allow per-contact answers the layout is ``CAL2``: the same, with each
record's 16-byte pseudonym between the counts and the tokens.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from consent.public import PSEUDONYM_BYTES

MAGIC = b"CAL1"
MAGIC_WITH_PSEUDONYMS = b"CAL2"
KEY_BYTES = 8
MAX_TOKENS = 255


def pack(records: Sequence[tuple[bytes, ...]], pseudonyms: Sequence[bytes] | None = None) -> bytes:
    if pseudonyms is not None and len(pseudonyms) != len(records):
        raise ValueError("one pseudonym per record")
    keep = [n for n, tokens in enumerate(records) if tokens]
    kept = [records[n][:MAX_TOKENS] for n in keep]
    counts = bytes(len(tokens) for tokens in kept)
    keys = b"".join(token[:KEY_BYTES] for tokens in kept for token in tokens)
    head = struct.pack("<I", len(kept)) + counts
    if pseudonyms is None:
        return MAGIC + head + keys
    return MAGIC_WITH_PSEUDONYMS + head + b"".join(pseudonyms[n] for n in keep) + keys


def _layout(blob: bytes) -> tuple[int, int, int]:
    """(records, offset of the pseudonyms or -1, offset of the keys)."""
    if blob[:4] not in {MAGIC, MAGIC_WITH_PSEUDONYMS}:
        raise ValueError("not a packed calendar audience")
    (records,) = struct.unpack_from("<I", blob, 4)
    if blob[:4] == MAGIC:
        return records, -1, 8 + records
    return records, 8 + records, 8 + records + PSEUDONYM_BYTES * records


def unpack(blob: bytes) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint64]]:
    """The token counts per record and the tokens as integers, without copying."""
    records, _, keys_at = _layout(blob)
    counts = np.frombuffer(blob, dtype=np.uint8, count=records, offset=8)
    keys = np.frombuffer(blob, dtype="<u8", offset=keys_at).astype(np.uint64, copy=False)
    if int(counts.sum(dtype=np.int64)) != keys.size:
        raise ValueError("a packed calendar audience is truncated")
    return counts, keys


def pseudonyms(blob: bytes) -> list[bytes] | None:
    """Each record's pseudonym, in packing order (None if the blob carries none)."""
    records, at, _ = _layout(blob)
    if at < 0:
        return None
    return [blob[at + n * PSEUDONYM_BYTES : at + (n + 1) * PSEUDONYM_BYTES] for n in range(records)]
