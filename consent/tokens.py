"""Keyed tokens of normalised identifiers, the only form in which identifiers leave a vault.

``token = BLAKE2b-256(key = KDF(matching_secret, round_id), data = kind || 0x00 || value)``.
The key changes with every round, so tokens of different rounds cannot be linked, and the hub,
which never holds the matching secret, cannot run a dictionary attack on them.
"""

from __future__ import annotations

import hashlib

from concord.settings import Settings
from consent.public import TOKEN_BYTES

__all__ = ["TOKEN_BYTES", "matching_key", "round_key", "token"]


def round_key(matching_secret: bytes, round_id: str) -> bytes:
    """Derive the round's token key (a keyed BLAKE2b acting as the KDF)."""
    if len(matching_secret) < 32:
        raise ValueError("the matching secret must be at least 32 bytes")
    return hashlib.blake2b(
        round_id.encode("utf-8"), key=matching_secret[:64], digest_size=32, person=b"concord-round"
    ).digest()


def token(key: bytes, kind: str, value: str) -> bytes:
    """The token of one normalised identifier under a round key."""
    return hashlib.blake2b(
        kind.encode("ascii") + b"\x00" + value.encode("utf-8"), key=key, digest_size=TOKEN_BYTES
    ).digest()


def matching_key(settings: Settings, label: str) -> bytes:
    """The token key of one round, calendar period or event, from the vault's matching secret.

    ``label`` names what the key is for (``calendar-period:<id>``, ``event:<id>`` or a round
    id); the secret never leaves the vault, and keys for different labels cannot be linked.
    """
    if not settings.matching_secret:
        raise RuntimeError(
            "no matching secret: set CONCORD_MATCHING_SECRET or CONCORD_MATCHING_SECRET_FILE"
        )
    return round_key(settings.matching_secret.encode("utf-8"), label)
