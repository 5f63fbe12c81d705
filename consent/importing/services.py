"""Running a contact import: one batch per file, written chunk by chunk, resumable.

An :class:`ImportBatch` goes through these states:

- ``pending``: opened, not started (the web waits here for the column mapping);
- ``running``: claimed by a runner. Each chunk of rows commits in one transaction together
  with the batch's counters and ``committed_line``, so a crash or a kill leaves every chunk
  whole or absent;
- ``done``: every row is counted, the vault's audit chain has one entry, the upload is deleted;
- ``failed``: stopped by a strict refusal, an error or an interruption.

Opening the same file again (same SHA-256, same vault) finds its unfinished batch and resumes
it after ``committed_line``; a runner killed outright leaves ``running``, which resumes the same
way. Two runners on one batch cannot both commit a chunk: each chunk moves ``committed_line``
by compare-and-set, and the runner that loses stops with :class:`ImportBusy`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.exc import IntegrityError

from concord.db import utcnow
from concord.settings import Settings
from consent.audit import chain as audit
from consent.db import Vaults
from consent.host import Host
from consent.importing import uploads
from consent.importing.batches import (
    BATCH_ID,
    UNFINISHED,
    all_batches,
    imported_before,
    rejected_page,
    serialise_opens,
    unfinished,
)
from consent.importing.bulk import collector_paused, tune_sqlite
from consent.importing.checking import Checked, Rejected, RowChecker
from consent.importing.columns import ColumnMapping
from consent.importing.merging import ChunkCounts
from consent.importing.models import BatchStatus, ImportBatch, RejectedRow
from consent.importing.parallel import FileChunks, checked_chunks, worker_count
from consent.importing.reading import FileFacts, UnreadableFile, inspect
from consent.importing.report import RejectedEntry
from consent.importing.terms import DEFAULT_PURPOSE, ImportTerms
from consent.importing.writing import ImportContext, write_chunk
from consent.purposes.services import by_code
from consent.suppression.services import SuppressionKey

BATCHES = cast(Table, ImportBatch.__table__)
# Rows per transaction: big enough that per-statement costs vanish, small enough that a kill
# loses little work and a chunk holds the vault's write lock only briefly.
CHUNK_ROWS = 5_000
# Below this a file is checked in-process: starting worker processes would cost more.
POOL_FROM_BYTES = 1024 * 1024
_WRITE_ATTEMPTS = 3

REPORT_PAGE = 2_000
# A pending upload nobody confirmed for this long is deleted at the next upload.
STALE_UPLOADS = timedelta(days=2)

Progress = Callable[[int], None]


class UnknownPartner(LookupError):
    """No partner has this slug."""


class ImportBusy(RuntimeError):
    """Another runner moved the batch on first; this one stops without writing."""


class ImportGone(LookupError):
    """The batch, or the file it reads, no longer exists."""


@dataclass(frozen=True)
class Opened:
    """A batch ready to run, and whether it continues an import that got part of the way."""

    batch_id: str
    status: BatchStatus
    resumed: bool
    facts: FileFacts
    mapping: ColumnMapping


@dataclass(frozen=True)
class ImportResult:
    """How an import ended, in the words of its summary."""

    batch_id: str
    status: BatchStatus
    counts: ChunkCounts
    refused_rows: int = 0
    flagged_duplicates: int = 0

    @property
    def refused(self) -> bool:
        """A strict import that found rejected rows and imported nothing."""
        return self.refused_rows > 0


@dataclass
class _Run:
    batch_id: str
    committed_line: int
    counts: ChunkCounts
    context: ImportContext
    flagged: int = field(default=0)


class Importer:
    """Imports contact files into one partner's vault, for the CLI, the web and the demo."""

    def __init__(self, settings: Settings, vaults: Vaults, partner_slug: str, country: str) -> None:
        self.settings = settings
        self.vaults = vaults
        self.partner = partner_slug
        self.default_country = country

    @classmethod
    def for_partner(cls, vaults: Vaults, host: Host, partner_slug: str) -> Importer:
        """The importer of a registered partner; :class:`UnknownPartner` otherwise."""
        partner = host.partner(partner_slug)
        if partner is None:
            raise UnknownPartner(partner_slug)
        return cls(host.settings, vaults, partner_slug, partner.country)

    def read(self, path: Path, encoding: str | None = None) -> tuple[FileFacts, ColumnMapping]:
        """Read the file once and guess its columns; :class:`UnreadableFile` says what is wrong."""
        facts = inspect(path, max_bytes=self.settings.import_max_bytes, encoding=encoding)
        return facts, ColumnMapping.guess(facts.header)

    def open(
        self,
        facts: FileFacts,
        mapping: ColumnMapping,
        *,
        file_name: str,
        terms: ImportTerms,
        operator: str,
    ) -> Opened:
        """Create the file's batch, or find its unfinished one (an import is never doubled).

        A batch none of whose rows is in yet takes the newest terms and columns; one that has
        started keeps its own, which the rows it imported carry.
        """
        with self.vaults.transaction(self.partner) as session:
            serialise_opens(session)
            batch = unfinished(session, facts.sha256)
            if batch is None:
                batch = ImportBatch(
                    file_sha256=facts.sha256,
                    total_rows=facts.rows,
                    status=BatchStatus.PENDING,
                    committed_line=0,
                )
                session.add(batch)
            started = batch.committed_line > 0
            if not started:
                batch.file_name = file_name[:300]
                batch.lawful_basis = terms.lawful_basis
                batch.source = terms.source
                batch.purpose_code = terms.purpose_code
                batch.notice_language = terms.notice_language
                batch.operator = operator
            session.flush()
            batch_id, status = batch.id, batch.status
        stored = uploads.load_plan(self.settings, self.partner, batch_id)
        if started and stored is not None:
            facts, mapping = stored
        else:
            uploads.save_plan(self.settings, self.partner, batch_id, facts, mapping)
        return Opened(batch_id, status, started, facts, mapping)

    def import_once(
        self, path: Path, *, terms: ImportTerms, operator: str, encoding: str | None = None
    ) -> ImportResult | None:
        """Import the file unless this exact file was imported completely already (the demo).

        Returns None when it was; an unfinished earlier import of it is continued.
        """
        facts, mapping = self.read(path, encoding)
        with self.vaults.transaction(self.partner) as session:
            if imported_before(session, facts.sha256):
                return None
        opened = self.open(facts, mapping, file_name=path.name, terms=terms, operator=operator)
        return self.run(opened.batch_id, path)

    def discard_stale(self, older_than: timedelta = STALE_UPLOADS) -> int:
        """Drop uploads that were never confirmed, after a while: they hold personal data."""
        cutoff = utcnow() - older_than
        with self.vaults.transaction(self.partner) as session:
            stale = session.scalars(
                select(ImportBatch.id).where(
                    ImportBatch.status == BatchStatus.PENDING, ImportBatch.created_at < cutoff
                )
            ).all()
        dropped = sum(1 for batch_id in stale if self.discard(batch_id))
        uploads.discard_abandoned(self.settings, self.partner, older_than)
        return dropped

    def choose_columns(self, batch_id: str, mapping: ColumnMapping) -> None:
        """Record the mapping staff chose for a pending batch."""
        stored = uploads.load_plan(self.settings, self.partner, batch_id)
        if stored is None:
            raise ImportGone(batch_id)
        uploads.save_plan(self.settings, self.partner, batch_id, stored[0], mapping)

    def batch(self, batch_id: str) -> ImportBatch | None:
        """The batch, or None for an id this vault does not know (another vault's too)."""
        if not BATCH_ID.fullmatch(batch_id):
            return None
        with self.vaults.transaction(self.partner) as session:
            return session.get(ImportBatch, batch_id)

    def recent(self) -> Sequence[ImportBatch]:
        with self.vaults.transaction(self.partner) as session:
            return all_batches(session)

    def rejected(self, batch_id: str) -> Iterator[RejectedEntry]:
        """The batch's rejected rows in line order, read a page per short transaction.

        Short, because a SQLite transaction here holds the vault's write lock: a long download
        must not stall an import meanwhile.
        """
        after = (-1, -1)
        while True:
            with self.vaults.transaction(self.partner) as session:
                page = rejected_page(session, batch_id, after, REPORT_PAGE)
            yield from ((line, reason, row) for line, _, reason, row in page)
            if len(page) < REPORT_PAGE:
                return
            after = (page[-1][0], page[-1][1])

    def plan(self, batch_id: str) -> tuple[FileFacts, ColumnMapping] | None:
        return uploads.load_plan(self.settings, self.partner, batch_id)

    def claim(self, batch_id: str, from_states: Sequence[BatchStatus] = UNFINISHED) -> bool:
        """Mark the batch running if it is in one of ``from_states``; True when this call did.

        A compare-and-set: of two requests that confirm the same import, one starts it.
        """
        with self.vaults.transaction(self.partner) as session:
            moved = session.execute(
                update(BATCHES)
                .where(BATCHES.c.id == batch_id, BATCHES.c.status.in_(from_states))
                .values(status=BatchStatus.RUNNING, error="")
            )
            return int(moved.rowcount) == 1  # type: ignore[attr-defined]

    def discard(self, batch_id: str) -> bool:
        """Drop a batch that has not started, and its upload."""
        with self.vaults.transaction(self.partner) as session:
            gone = session.execute(
                delete(BATCHES).where(
                    BATCHES.c.id == batch_id, BATCHES.c.status == BatchStatus.PENDING
                )
            )
            dropped = int(gone.rowcount) == 1  # type: ignore[attr-defined]
        if dropped:
            uploads.discard(self.settings, self.partner, batch_id)
        return dropped

    def run(
        self,
        batch_id: str,
        path: Path,
        *,
        strict: bool = False,
        progress: Progress | None = None,
        workers: int | None = None,
    ) -> ImportResult:
        """Import the batch's file from where it stopped; see the module docstring."""
        stored = uploads.load_plan(self.settings, self.partner, batch_id)
        if stored is None:
            raise ImportGone(batch_id)
        facts, mapping = stored
        self.claim(batch_id)
        run = self._start(batch_id, facts)
        if run is None:
            return self.result(batch_id)
        try:
            if workers is None:
                workers = worker_count() if facts.size >= POOL_FROM_BYTES else 0
            checker = RowChecker(facts.header, mapping, self.default_country)
            if strict:
                refused = self._strict_check(run, path, facts, checker, workers)
                if refused:
                    return self._refuse(run, refused)
            self._import(run, path, facts, checker, workers, progress)
            return self._finish(run)
        except ImportBusy:
            raise
        except BaseException as error:
            self._fail(batch_id, error)
            raise

    def _start(self, batch_id: str, facts: FileFacts) -> _Run | None:
        with self.vaults.transaction(self.partner) as session:
            batch = session.get(ImportBatch, batch_id)
            if batch is None:
                raise ImportGone(batch_id)
            if batch.status is not BatchStatus.RUNNING:
                return None
            if batch.file_sha256 != facts.sha256:
                raise UnreadableFile("the file changed since its import started")
            # Left by a strict check that refused the file: the rows get checked again.
            session.execute(
                delete(RejectedRow).where(
                    RejectedRow.batch_id == batch_id, RejectedRow.line > batch.committed_line
                )
            )
            purpose = by_code(session, batch.purpose_code or DEFAULT_PURPOSE)
            if purpose is None:
                raise ImportGone("the import's purpose was removed")
            notice = purpose.current_notice
            context = ImportContext(
                batch_id=batch_id,
                operator=batch.operator,
                source=batch.source,
                lawful_basis=batch.lawful_basis,
                purpose_id=purpose.id,
                channels=tuple(purpose.channel_list),
                notice_version=notice.version if notice else None,
                notice_language=batch.notice_language,
                suppression_key=SuppressionKey(self.settings, self.partner),
            )
            counts = ChunkCounts(batch.added, batch.updated, batch.rejected, batch.suppressed)
            return _Run(batch_id, batch.committed_line, counts, context)

    def _import(
        self,
        run: _Run,
        path: Path,
        facts: FileFacts,
        checker: RowChecker,
        workers: int,
        progress: Progress | None,
    ) -> None:
        remaining = FileChunks(path.resolve(), facts, run.committed_line, CHUNK_ROWS)
        for chunk in checked_chunks(remaining, checker, workers=workers):
            self._commit(run, chunk)
            if progress is not None:
                progress(run.counts.rows)

    def _commit(self, run: _Run, chunk: list[Checked]) -> None:
        last_line = chunk[-1].line
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                with self.vaults.transaction(self.partner) as session, collector_paused():
                    connection = session.connection()
                    if connection.dialect.name == "sqlite":
                        tune_sqlite(connection)
                    result = write_chunk(connection, run.context, chunk, utcnow())
                    counts = result.counts
                    moved = connection.execute(
                        update(BATCHES)
                        .where(
                            BATCHES.c.id == run.batch_id,
                            BATCHES.c.status == BatchStatus.RUNNING,
                            BATCHES.c.committed_line == run.committed_line,
                        )
                        .values(
                            committed_line=last_line,
                            added=BATCHES.c.added + counts.added,
                            updated=BATCHES.c.updated + counts.updated,
                            rejected=BATCHES.c.rejected + counts.rejected,
                            suppressed=BATCHES.c.suppressed + counts.suppressed,
                        )
                    )
                    if int(moved.rowcount) != 1:
                        raise ImportBusy(run.batch_id)
                break
            except IntegrityError:
                # Someone added one of these emails by hand while the chunk was being
                # written (PostgreSQL only; SQLite locks the vault): merge again.
                if attempt == _WRITE_ATTEMPTS - 1:
                    raise
        run.committed_line = last_line
        run.counts += counts
        run.flagged += result.flagged_duplicates

    def _strict_check(
        self, run: _Run, path: Path, facts: FileFacts, checker: RowChecker, workers: int
    ) -> int:
        """Check every remaining row without importing; keep the rejected ones for the report."""
        refused = 0
        remaining = FileChunks(path.resolve(), facts, run.committed_line, CHUNK_ROWS)
        for chunk in checked_chunks(remaining, checker, workers=workers):
            bad = [row for row in chunk if isinstance(row, Rejected)]
            if not bad:
                continue
            refused += len(bad)
            with self.vaults.transaction(self.partner) as session:
                session.add_all(
                    RejectedRow(
                        batch_id=run.batch_id,
                        line=row.line,
                        reason=row.reason[:300],
                        row=row.row_json(),
                    )
                    for row in bad
                )
        return refused

    def _refuse(self, run: _Run, refused: int) -> ImportResult:
        message = f"strict import refused: {refused} rows would be rejected; nothing was imported"
        self._set_failed(run.batch_id, message)
        self._audit(run, "refused", extra=f" refused={refused}")
        return ImportResult(run.batch_id, BatchStatus.FAILED, run.counts, refused_rows=refused)

    def _finish(self, run: _Run) -> ImportResult:
        with self.vaults.transaction(self.partner) as session:
            moved = session.execute(
                update(BATCHES)
                .where(
                    BATCHES.c.id == run.batch_id,
                    BATCHES.c.status == BatchStatus.RUNNING,
                    BATCHES.c.committed_line == run.committed_line,
                )
                .values(
                    status=BatchStatus.DONE,
                    total_rows=run.counts.rows,
                    finished_at=utcnow(),
                    error="",
                )
            )
            if int(moved.rowcount) != 1:  # type: ignore[attr-defined]
                raise ImportBusy(run.batch_id)
        # Only the runner that completed the batch gets here, so the chain gets one entry.
        self._audit(run, "done")
        uploads.discard(self.settings, self.partner, run.batch_id)
        return ImportResult(
            run.batch_id, BatchStatus.DONE, run.counts, flagged_duplicates=run.flagged
        )

    def _audit(self, run: _Run, status: str, extra: str = "") -> None:
        counts = run.counts
        detail = (
            f"status={status} added={counts.added} updated={counts.updated} "
            f"rejected={counts.rejected} suppressed={counts.suppressed}{extra}"
        )
        with self.vaults.transaction(self.partner) as session:
            audit.record(
                session,
                actor=run.context.operator,
                action="contacts.import",
                object_ref=f"partner:{self.partner}/import:{run.batch_id}",
                detail=detail,
            )

    def _set_failed(self, batch_id: str, message: str) -> None:
        with self.vaults.transaction(self.partner) as session:
            session.execute(
                update(BATCHES)
                .where(BATCHES.c.id == batch_id, BATCHES.c.status == BatchStatus.RUNNING)
                .values(status=BatchStatus.FAILED, error=message)
            )

    def _fail(self, batch_id: str, error: BaseException) -> None:
        if isinstance(error, KeyboardInterrupt):
            message = "interrupted; run it again to continue"
        elif isinstance(error, UnreadableFile):
            message = str(error)
        else:
            # The type only: a database error's message can quote a row's values.
            message = f"stopped by an unexpected error ({type(error).__name__})"
        # The original error matters more than one from recording it.
        with contextlib.suppress(Exception):
            self._set_failed(batch_id, message)

    def result(self, batch_id: str) -> ImportResult:
        with self.vaults.transaction(self.partner) as session:
            batch = session.get(ImportBatch, batch_id)
            if batch is None:
                raise ImportGone(batch_id)
            counts = ChunkCounts(batch.added, batch.updated, batch.rejected, batch.suppressed)
            return ImportResult(batch_id, batch.status, counts)
