"""Commutative blinding on ristretto255 (libsodium, through ``rbcl``) for federated rounds.

Each identifier becomes a group element, ``H(x)`` = ``crypto_core_ristretto255_from_hash``
of a domain-separated SHA-512, and is raised to the node's scalar for the round. Raising is
commutative, so once every node has blinded every set, ``H(x)^(k1·…·kn)`` is the same point
at every partner that holds ``x``, and no party ever held every scalar. Large sets are
blinded on every core of the node (a process pool).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import rbcl

from consent.public import RoundRefused

DOMAIN = b"concord/blinded-matching/v1\x00"
POINT_BYTES = 32
# Below this many points a pool costs more than it saves.
POOL_THRESHOLD = 8192
_CHUNK = 4096


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
    multiply = rbcl.crypto_scalarmult_ristretto255
    return [bytes(multiply(scalar, point)) for point in points]


def check_points(points: Sequence[bytes]) -> None:
    """Refuse anything but valid, encoded group elements."""
    valid = rbcl.crypto_core_ristretto255_is_valid_point
    for point in points:
        if len(point) != POINT_BYTES or not valid(point):
            raise RoundRefused("a set holds something that is not a group element")


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _in_pool(
    function: Callable[[Sequence[Any], bytes], list[bytes]], items: Sequence[Any], scalar: bytes
) -> list[bytes]:
    chunks = [items[start : start + _CHUNK] for start in range(0, len(items), _CHUNK)]
    # Spawned workers: a fork of a threaded server could inherit a held lock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=_cores(), mp_context=context) as pool:
        done = pool.map(function, chunks, [scalar] * len(chunks))
        return [point for chunk in done for point in chunk]


def hash_and_blind(pairs: Sequence[tuple[str, str]], scalar: bytes) -> list[bytes]:
    """``H(kind, value)^scalar`` for each identifier, in order."""
    if len(pairs) < POOL_THRESHOLD or _cores() == 1:
        return _hash_and_blind(pairs, scalar)
    return _in_pool(_hash_and_blind, pairs, scalar)


def blind(points: Sequence[bytes], scalar: bytes) -> list[bytes]:
    """Each point raised to ``scalar``, in order; points are checked first."""
    check_points(points)
    if len(points) < POOL_THRESHOLD or _cores() == 1:
        return _blind(points, scalar)
    return _in_pool(_blind, points, scalar)
