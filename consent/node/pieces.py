"""Large answers handed to the hub in pieces, so that no single body grows with the vault.

A node keeps an answer longer than one piece in memory under an opaque id, answers its
first piece, and gives the rest as the hub asks for them, in order, each in a signed
answer of its own. An answer is dropped once its last piece is out, when it has waited
longer than :data:`KEPT_SECONDS`, or when a round is forgotten (its blinded points must not
outlive it); the node never keeps more than :data:`MAX_WAITING` at once.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from concord.federation.codec import Piece

KEPT_SECONDS = 300.0
MAX_WAITING = 8


@dataclass
class _Waiting:
    body: bytes
    until: float


@dataclass
class Pieces:
    """The answers waiting to be fetched, and the size of each piece."""

    piece_bytes: int
    _waiting: dict[str, _Waiting] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def first(self, body: bytes) -> Piece | None:
        """The first piece of ``body``, kept for the rest; None when one piece holds it."""
        if len(body) <= self.piece_bytes:
            return None
        transfer = secrets.token_urlsafe(18)
        with self._lock:
            self._expire()
            while len(self._waiting) >= MAX_WAITING:
                del self._waiting[next(iter(self._waiting))]  # the oldest gives way
            self._waiting[transfer] = _Waiting(body, time.monotonic() + KEPT_SECONDS)
        return self._cut(transfer, body, 0)

    def next(self, transfer: str, offset: int) -> Piece | None:
        """The piece of a kept answer at ``offset``; None when it is unknown or gone."""
        with self._lock:
            self._expire()
            waiting = self._waiting.get(transfer)
            if waiting is None or not 0 < offset < len(waiting.body):
                return None
            if offset + self.piece_bytes >= len(waiting.body):
                del self._waiting[transfer]
            else:
                waiting.until = time.monotonic() + KEPT_SECONDS
        return self._cut(transfer, waiting.body, offset)

    def forget(self) -> None:
        """Drop every kept answer."""
        with self._lock:
            self._waiting.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _cut(self, transfer: str, body: bytes, offset: int) -> Piece:
        return Piece(transfer, len(body), offset, body[offset : offset + self.piece_bytes])

    def _expire(self) -> None:
        now = time.monotonic()
        for transfer in [t for t, w in self._waiting.items() if w.until < now]:
            del self._waiting[transfer]
