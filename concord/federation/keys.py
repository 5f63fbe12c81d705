"""A party's key pairs: Ed25519 to sign requests and answers, X25519 to receive sealed boxes.

A public key travels as text, ``ed25519:<base64url>`` or ``x25519:<base64url>``; that text is
also its fingerprint, which people compare out of band at enrolment. Private keys live in
files readable by their owner only, as 32 raw bytes.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from nacl.public import PrivateKey, PublicKey

SIGNING = "ed25519"
SEALING = "x25519"


class BadKey(ValueError):
    """A key text or key file that is not what it claims to be."""


def _text(kind: str, raw: bytes) -> str:
    return f"{kind}:{base64.urlsafe_b64encode(raw).decode('ascii').rstrip('=')}"


def raw_key(text: str, kind: str) -> bytes:
    """The 32 bytes of a public key text of ``kind``; :class:`BadKey` otherwise."""
    prefix, _, encoded = text.strip().partition(":")
    if prefix != kind or not encoded:
        raise BadKey(f"a {kind} key reads {kind}:<base64url>")
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except ValueError:
        raise BadKey(f"a {kind} key reads {kind}:<base64url>") from None
    if len(raw) != 32:
        raise BadKey(f"a {kind} key is 32 bytes")
    return raw


def verification_key(text: str) -> Ed25519PublicKey:
    """The Ed25519 public key a fingerprint names."""
    return Ed25519PublicKey.from_public_bytes(raw_key(text, SIGNING))


def write_private(path: Path, raw: bytes) -> None:
    """Write a private key file that only its owner can read, never over an existing one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(raw)


def _read_private(path: Path) -> bytes:
    raw = path.read_bytes()
    if len(raw) != 32:
        raise BadKey(f"{path.name} is not a 32-byte private key")
    return raw


@dataclass(frozen=True)
class SigningPair:
    """An Ed25519 key pair."""

    private: Ed25519PrivateKey

    @classmethod
    def generate(cls) -> SigningPair:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> SigningPair:
        return cls(Ed25519PrivateKey.from_private_bytes(_read_private(path)))

    def save(self, path: Path) -> None:
        raw = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        write_private(path, raw)

    @property
    def public_text(self) -> str:
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return _text(SIGNING, raw)


@dataclass(frozen=True)
class SealingPair:
    """An X25519 key pair, for libsodium sealed boxes addressed to its owner."""

    private: PrivateKey

    @classmethod
    def generate(cls) -> SealingPair:
        return cls(PrivateKey.generate())

    @classmethod
    def load(cls, path: Path) -> SealingPair:
        return cls(PrivateKey(_read_private(path)))

    def save(self, path: Path) -> None:
        write_private(path, bytes(self.private))

    @property
    def public_text(self) -> str:
        return _text(SEALING, bytes(self.private.public_key))


def sealing_key(text: str) -> PublicKey:
    """The X25519 public key a sealing-key text names."""
    return PublicKey(raw_key(text, SEALING))
