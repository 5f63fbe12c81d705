"""Commutative blinding on ristretto255 (libsodium, through ``rbcl``) for federated rounds.

Each identifier becomes a group element, ``H(x)`` = ``crypto_core_ristretto255_from_hash``
of a domain-separated SHA-512, and is raised to the node's scalar for the round. Raising is
commutative, so once every node has blinded every set, ``H(x)^(k1·…·kn)`` is the same point
at every partner that holds ``x``, and no party ever held every scalar. Large sets are
blinded on every core of the node, by a process pool that lives while a round is open.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import rbcl

from consent.public import RoundRefused

DOMAIN = b"concord/blinded-matching/v1\x00"
POINT_BYTES = 32
# Below this many points a pool costs more than it saves.
POOL_THRESHOLD = 8192
_CHUNK = 4096
NOT_A_POINT = "a set holds something that is not a group element"


def new_scalar() -> bytes:
    """A fresh, uniformly random non-zero scalar, for one round only."""
    return bytes(rbcl.crypto_core_ristretto255_scalar_random())


def to_group(kind: str, value: str) -> bytes:
    """The group element of a normalised identifier."""
    digest = hashlib.sha512(DOMAIN + kind.encode("ascii") + b"\x00" + value.encode("utf-8"))
    return bytes(rbcl.crypto_core_ristretto255_from_hash(digest.digest()))


def _hash_and_blind(pairs: Sequence[tuple[str, str]], scalar: bytes) -> list[bytes]:
    multiply = rbcl.crypto_scalarmult_ristretto255
    return [bytes(multiply(scalar, to_group(kind, value))) for kind, value in pairs]


def _blind(points: Sequence[bytes], scalar: bytes) -> list[bytes]:
    # libsodium refuses anything but a canonical encoding of a group element other than
    # the identity, so the multiplication is also the check.
    multiply = rbcl.crypto_scalarmult_ristretto255
    try:
        return [bytes(multiply(scalar, point)) for point in points]
    except RuntimeError:
        raise RoundRefused(NOT_A_POINT) from None


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _exit_with(parent: int) -> None:
    """A worker's initialiser: leave when the node that started it is gone (even SIGKILLed)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class _Workers:
    """One process pool, started for the first large set of a round and kept until
    :func:`release_workers`: starting interpreters for each chunk cost more than the
    blinding it saved."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def map(
        self,
        function: Callable[[Sequence[Any], bytes], list[bytes]],
        chunks: list[Sequence[Any]],
        scalar: bytes,
    ) -> list[bytes]:
        with self._lock:
            if self._pool is None:
                # Spawned workers: a fork of a threaded server could inherit a held lock.
                self._pool = ProcessPoolExecutor(
                    max_workers=_cores(),
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_exit_with,
                    initargs=(os.getpid(),),
                )
            pool = self._pool
        try:
            done = pool.map(function, chunks, [scalar] * len(chunks))
            return [point for chunk in done for point in chunk]
        except BrokenProcessPool:
            self.release()
            raise

    def release(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


_workers = _Workers()


def release_workers() -> None:
    """Stop the blinding workers (when no round is open here any more)."""
    _workers.release()


def _in_pool(
    function: Callable[[Sequence[Any], bytes], list[bytes]], items: Sequence[Any], scalar: bytes
) -> list[bytes]:
    chunks = [items[start : start + _CHUNK] for start in range(0, len(items), _CHUNK)]
    return _workers.map(function, chunks, scalar)


def hash_and_blind(pairs: Sequence[tuple[str, str]], scalar: bytes) -> list[bytes]:
    """``H(kind, value)^scalar`` for each identifier, in order."""
    if len(pairs) < POOL_THRESHOLD or _cores() == 1:
        return _hash_and_blind(pairs, scalar)
    return _in_pool(_hash_and_blind, pairs, scalar)


def blind(points: Sequence[bytes], scalar: bytes) -> list[bytes]:
    """Each point raised to ``scalar``, in order; raises RoundRefused for anything that is
    not an encoded group element."""
    if any(len(point) != POINT_BYTES for point in points):
        raise RoundRefused(NOT_A_POINT)
    if len(points) < POOL_THRESHOLD or _cores() == 1:
        return _blind(points, scalar)
    return _in_pool(_blind, points, scalar)
