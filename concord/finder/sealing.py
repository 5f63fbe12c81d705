"""Sealing the verified address into the person's own cookie, so that the hub never holds it.

The key is derived from the secret key and the cookie's own random token, of which the hub
keeps only a hash: neither a copy of the hub database nor the cookie alone opens the seal.
The standard library has no AEAD cipher, so this is encrypt-then-MAC with HMAC-SHA256 as
both the keystream generator (counter mode) and the MAC, each under its own derived key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

NONCE_BYTES = 16
TAG_BYTES = 32


def _keys(secret_key: str, token: str) -> tuple[bytes, bytes]:
    base = hmac.new(secret_key.encode(), f"finder-seal\x00{token}".encode(), hashlib.sha256)
    root = base.digest()
    encrypt = hmac.new(root, b"encrypt", hashlib.sha256).digest()
    authenticate = hmac.new(root, b"authenticate", hashlib.sha256).digest()
    return encrypt, authenticate


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (
        hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        for counter in range((length + 31) // 32)
    )
    return b"".join(blocks)[:length]


def seal(secret_key: str, token: str, plaintext: str) -> str:
    encrypt, authenticate = _keys(secret_key, token)
    nonce = secrets.token_bytes(NONCE_BYTES)
    data = plaintext.encode()
    cipher = bytes(a ^ b for a, b in zip(data, _stream(encrypt, nonce, len(data)), strict=True))
    tag = hmac.new(authenticate, nonce + cipher, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(nonce + cipher + tag).decode().rstrip("=")


def unseal(secret_key: str, token: str, sealed: str) -> str | None:
    """The plaintext, or None if the seal was changed or made under another token."""
    try:
        raw = base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    except ValueError:
        return None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        return None
    nonce, cipher, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    encrypt, authenticate = _keys(secret_key, token)
    expected = hmac.new(authenticate, nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        return None
    data = bytes(a ^ b for a, b in zip(cipher, _stream(encrypt, nonce, len(cipher)), strict=True))
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None
