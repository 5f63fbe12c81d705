"""Checking a file's rows chunk by chunk, in worker processes that read the file themselves.

The importer's own process is the only one that may write to the vault, so everything else
goes to workers: each worker opens the file, reads it forward, and checks the chunks it is
given (chunk *n* is the *n*-th run of ``size`` non-blank rows after the resume point), while
the importer writes the chunks checked before. Only chunk numbers travel to the workers, and
checked rows back; the rows themselves are never copied between processes.

A file under the size where workers pay off is checked here, in the importer's process.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from consent.importing.checking import Checked, Numbered, RowChecker
from consent.importing.reading import FileFacts, rows

WORKER_NICENESS = 10


@dataclass(frozen=True)
class FileChunks:
    """Which rows of which file to check, cut into chunks of ``size`` rows."""

    path: Path
    facts: FileFacts
    after_line: int
    size: int


class ChunkReader:
    """One pass over the file's rows, handing out chunks by number, forward only."""

    def __init__(self, source: FileChunks) -> None:
        self._rows = rows(source.path, source.facts, after_line=source.after_line)
        self._size = source.size
        self._next = 0

    def chunk(self, number: int) -> list[Numbered]:
        if number < self._next:
            raise RuntimeError("chunks must be asked for in increasing order")
        # Skip the chunks other workers check: reading them costs little next to checking.
        skipped = (number - self._next) * self._size
        next(itertools.islice(self._rows, skipped, skipped), None)
        self._next = number + 1
        return list(itertools.islice(self._rows, self._size))


@dataclass
class _Worker:
    checker: RowChecker
    reader: ChunkReader


_worker: _Worker | None = None


def _exit_with_parent(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _start_worker(checker: RowChecker, source: FileChunks) -> None:
    global _worker
    _worker = _Worker(checker, ChunkReader(source))
    # Below the importer's own process, which writes and so sets the pace: the workers take
    # what time it leaves. (The web server's threads come first as well.)
    if hasattr(os, "nice"):
        os.nice(WORKER_NICENESS)
    # What the worker imported lives as long as it does: keep collections from walking it.
    gc.freeze()
    # A worker blocks on its task queue, whose pipe it holds both ends of, so it would wait
    # forever if the importer were killed outright (SIGKILL): it watches its parent instead.
    parent = multiprocessing.parent_process()
    if parent is not None:
        watcher = threading.Thread(target=_exit_with_parent, args=(parent.sentinel,), daemon=True)
        watcher.start()


def _check_chunk(number: int) -> list[Checked]:
    assert _worker is not None, "worker started without its file"
    return _worker.checker.check_all(_worker.reader.chunk(number))


def checked_chunks(
    source: FileChunks, checker: RowChecker, *, workers: int
) -> Iterator[list[Checked]]:
    """The file's chunks, checked, in file order; by ``workers`` processes, or here if 0."""
    if workers <= 0:
        reader = ChunkReader(source)
        for number in itertools.count():
            chunk = reader.chunk(number)
            if not chunk:
                return
            yield checker.check_all(chunk)
    # Spawned, not forked: the web server starts imports from a thread, and forking a
    # threaded process can copy a lock that some other thread holds.
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(checker, source),
    )
    # A few chunks ahead and no more: memory stays flat however long the file.
    pending: deque[Future[list[Checked]]] = deque()
    numbers = itertools.count()
    ended = False
    try:
        while True:
            while not ended and len(pending) < 2 * workers:
                pending.append(pool.submit(_check_chunk, next(numbers)))
            if not pending:
                return
            checked = pending.popleft().result()
            if checked:
                yield checked
            else:
                # The end of the file: chunks asked for beyond it come back empty.
                ended = True
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def worker_count() -> int:
    """One worker per core; they run below the importer's process, so it is never starved."""
    return max(1, os.cpu_count() or 1)
