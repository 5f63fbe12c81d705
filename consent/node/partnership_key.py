"""The partnership key: the one secret the nodes share, which keys calendar and event tokens.

The first node makes it; each other node receives it sealed to its X25519 key (a libsodium
sealed box), relayed by a hub that cannot open it. A newer key (``concord node rotate-key``)
replaces an older one wherever it arrives. The hub never holds it.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import SealedBox

from concord.federation.keys import SealingPair, sealing_key, write_private

FILE = "partnership.key"


class SealError(ValueError):
    """A sealed key that is not for this node, or not a key."""


@dataclass(frozen=True)
class PartnershipKey:
    key_id: str
    created: float
    secret: str

    def to_bytes(self) -> bytes:
        return json.dumps(
            {"key_id": self.key_id, "created": self.created, "secret": self.secret}
        ).encode()


def read(folder: Path) -> PartnershipKey | None:
    path = folder / FILE
    if not path.exists():
        return None
    return PartnershipKey(**json.loads(path.read_text("utf-8")))


def current_secret(folder: Path) -> str | None:
    key = read(folder)
    return key.secret if key else None


def _store(folder: Path, key: PartnershipKey) -> None:
    staged = folder / (FILE + ".new")
    staged.unlink(missing_ok=True)
    write_private(staged, key.to_bytes())
    os.replace(staged, folder / FILE)


def generate(folder: Path) -> PartnershipKey:
    """A fresh key, stored here; it wins over any older key on every node it reaches."""
    key = PartnershipKey(secrets.token_hex(8), time.time(), secrets.token_urlsafe(48))
    _store(folder, key)
    return key


def seal_for(folder: Path, recipient: str) -> bytes:
    """This node's key in a sealed box only ``recipient``'s X25519 key opens."""
    key = read(folder)
    if key is None:
        raise SealError("this node has no partnership key yet")
    return SealedBox(sealing_key(recipient)).encrypt(key.to_bytes())


def accept(folder: Path, sealed: bytes, pair: SealingPair) -> PartnershipKey:
    """Open a sealed key and keep it if it is newer than the one held; returns the key held."""
    try:
        opened = json.loads(SealedBox(pair.private).decrypt(sealed))
        offered = PartnershipKey(
            str(opened["key_id"]), float(opened["created"]), str(opened["secret"])
        )
    except (CryptoError, ValueError, KeyError, TypeError):
        raise SealError("the sealed key does not open with this node's key") from None
    held = read(folder)
    if held is None or (offered.created, offered.key_id) > (held.created, held.key_id):
        _store(folder, offered)
        return offered
    return held
