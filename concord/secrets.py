"""Opaque tokens for links, cookies and API access, and the keyed hashes stored in their place."""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def new_token() -> str:
    """A random URL-safe token carrying 256 bits of entropy and no meaning."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, enough for high-entropy tokens."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def keyed_hash(key: str, purpose: str, value: str) -> str:
    """An HMAC of ``value`` for one purpose, used where the value itself must not be stored."""
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()
