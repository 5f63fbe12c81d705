"""An item's audience packed for the hub: per person the count of tokens, then the tokens.

Only the first 8 bytes of each keyed token are kept: enough to tell a period's million or so
tokens apart (a chance collision merges two people's counts, about one in ten million per
period), and less for a stolen hub database to hold. Layout: ``CAL1``, the number of records
(4 bytes, little-endian), one byte per record with its token count, then the 8-byte tokens.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

MAGIC = b"CAL1"
KEY_BYTES = 8
MAX_TOKENS = 255


def pack(records: Sequence[tuple[bytes, ...]]) -> bytes:
    kept = [tokens[:MAX_TOKENS] for tokens in records if tokens]
    counts = bytes(len(tokens) for tokens in kept)
    keys = b"".join(token[:KEY_BYTES] for tokens in kept for token in tokens)
    return MAGIC + struct.pack("<I", len(kept)) + counts + keys


def unpack(blob: bytes) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint64]]:
    """The token counts per record and the tokens as integers, without copying."""
    if blob[:4] != MAGIC:
        raise ValueError("not a packed calendar audience")
    (records,) = struct.unpack_from("<I", blob, 4)
    counts = np.frombuffer(blob, dtype=np.uint8, count=records, offset=8)
    keys = np.frombuffer(blob, dtype="<u8", offset=8 + records).astype(np.uint64, copy=False)
    if int(counts.sum(dtype=np.int64)) != keys.size:
        raise ValueError("a packed calendar audience is truncated")
    return counts, keys
