"""Importing contact files from the web: upload, column mapping, progress, rejected rows.

HTTP glue only; the rules live in :mod:`consent.importing.services`. The flow:

1. ``GET/POST .../imports/new``: the file, its lawful basis, source and purpose. A second
   upload of the same file lands on the same pending batch, so a double submit makes one;
2. ``GET/POST .../imports/{batch}/columns``: the guessed column mapping and a preview of the
   first rows; confirming starts the import in the background (once, by compare-and-set);
3. ``GET .../imports/{batch}``: progress, polled by htmx while it runs (a plain reload works
   too), then the counts and the link to ``rejected.csv``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template

from concord.errors import InvalidInput
from concord.settings import Settings
from concord.web.access import Access, access, allows
from concord.web.errors import http_error
from concord.web.pages import FormBody, MultipartForm, page, see_other, text_fields, viewer_of
from consent.db import Vaults
from consent.host import Host
from consent.importing import background, uploads
from consent.importing.columns import FIELD_LABELS, FIELDS, ColumnMapping
from consent.importing.models import BatchStatus, ImportBatch
from consent.importing.reading import (
    FileFacts,
    UnreadableFile,
    check_encoding_name,
    megabytes,
    preview,
)
from consent.importing.report import report_blocks
from consent.importing.services import Importer, UnknownPartner
from consent.importing.terms import DEFAULT_PURPOSE, check_terms
from consent.purposes.models import LegalBasis
from consent.purposes.services import all_purposes

LIST = "consent/importing/list/page.html"
NEW = "consent/importing/new/page.html"
COLUMNS = "consent/importing/columns/page.html"
BATCH = "consent/importing/batch/page.html"
PROGRESS = "consent/importing/batch/_progress.html"
PREVIEW_ROWS = 5
# Room for the form's other fields and the multipart framing around the file.
FORM_ROOM = 64 * 1024


def _sentence(error: Exception) -> str:
    """A reader's error message as a sentence for the page."""
    text = str(error)
    return f"{text[:1].upper()}{text[1:]}."


def _importer(host: Host, vaults: Vaults, partner: str) -> Importer:
    try:
        return Importer.for_partner(vaults, host, partner)
    except UnknownPartner:
        raise NotFoundException() from None


def _batch(importer: Importer, batch_id: str) -> ImportBatch:
    batch = importer.batch(batch_id)
    if batch is None:
        raise NotFoundException()
    return batch


def _batch_path(partner: str, batch_id: str, suffix: str = "") -> str:
    return f"/partners/{partner}/imports/{batch_id}{suffix}"


def _upload_page(
    request: Request[Any, Any, Any],
    vaults: Vaults,
    settings: Settings,
    partner: str,
    *,
    form: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    with vaults.transaction(partner) as session:
        purposes = [(p.code, p.name, p.legal_basis.label) for p in all_purposes(session)]
    return page(
        request,
        NEW,
        {
            "partner": partner,
            "form": {"purpose": DEFAULT_PURPOSE, **form},
            "errors": errors,
            "purposes": purposes,
            "bases": list(LegalBasis),
            "max_size": megabytes(settings.import_max_bytes),
        },
        status_code=status,
    )


def _too_large(request: Request[Any, Any, Any], exc: RequestEntityTooLarge) -> Response[Any]:
    """An upload over the cap: the form again with the reason beside the file field."""
    partner = str(request.path_params.get("partner", ""))
    state = request.app.state
    viewer = request.scope.get("user")
    # The body was refused before the access guard ran: answer as the guard would have.
    if not allows(Access.PARTNER_VAULT, viewer, partner, state.settings.demo):
        if viewer is None:
            return http_error(request, NotAuthorizedException())
        if viewer.works_for(partner):
            return http_error(request, PermissionDeniedException())
        return http_error(request, NotFoundException())
    limit = megabytes(state.settings.import_max_bytes)
    errors = {"file": f"The file is larger than the limit of {limit}."}
    return _upload_page(
        request, state.vaults, state.settings, partner, form={}, errors=errors, status=413
    )


class ImportController(Controller):
    """A partner's imports: the list, the column mapping, progress and the rejected rows."""

    path = "/partners/{partner:str}/imports"
    opt = access(Access.PARTNER_VAULT)

    @get("/", sync_to_thread=True)
    def imports(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        importer = _importer(host, vaults, partner)
        return page(request, LIST, {"partner": partner, "batches": importer.recent()})

    @get("/{batch_id:str}", sync_to_thread=True)
    def batch(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        batch_id: FromPath[str],
    ) -> Template:
        importer = _importer(host, vaults, partner)
        batch = _batch(importer, batch_id)
        running_here = background.is_running(batch_id)
        interrupted = batch.status is BatchStatus.FAILED or (
            batch.status is BatchStatus.RUNNING and not running_here
        )
        done = batch.added + batch.updated + batch.rejected + batch.suppressed
        context = {
            "partner": partner,
            "batch": batch,
            "done": done,
            "percent": min(100, round(100 * done / batch.total_rows)) if batch.total_rows else 0,
            "polling": batch.status is BatchStatus.RUNNING and running_here,
            "interrupted": interrupted,
            "can_resume": interrupted and uploads.has_upload(host.settings, partner, batch_id),
            "turned_away": batch.rejected + batch.suppressed,
        }
        return page(request, BATCH, context, partial=PROGRESS)

    @get("/{batch_id:str}/columns", sync_to_thread=True)
    def columns(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        batch_id: FromPath[str],
    ) -> Response[Any]:
        importer = _importer(host, vaults, partner)
        batch = _batch(importer, batch_id)
        if batch.status is not BatchStatus.PENDING:
            return see_other(_batch_path(partner, batch_id))
        return self._columns_page(request, importer, batch, errors={})

    @post("/{batch_id:str}/columns", sync_to_thread=True)
    def confirm(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        batch_id: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        importer = _importer(host, vaults, partner)
        batch = _batch(importer, batch_id)
        if batch.status is not BatchStatus.PENDING:
            # A second click on "Import": the first one started it already.
            return see_other(_batch_path(partner, batch_id))
        plan = importer.plan(batch_id)
        if plan is None:
            raise NotFoundException()
        facts, _ = plan
        mapping = ColumnMapping(
            tuple(data.get(f"column-{i}", "") for i in range(len(facts.header)))
        )
        if problems := mapping.problems():
            return self._columns_page(
                request, importer, batch, errors=problems, mapping=mapping, status=400
            )
        importer.choose_columns(batch_id, mapping)
        if importer.claim(batch_id, from_states=(BatchStatus.PENDING,)):
            background.start(importer, batch_id)
        return see_other(_batch_path(partner, batch_id))

    @post("/{batch_id:str}/resume", sync_to_thread=True)
    def resume(
        self,
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        batch_id: FromPath[str],
    ) -> Redirect:
        importer = _importer(host, vaults, partner)
        _batch(importer, batch_id)
        if (
            uploads.has_upload(host.settings, partner, batch_id)
            and not background.is_running(batch_id)
            and importer.claim(batch_id, from_states=(BatchStatus.RUNNING, BatchStatus.FAILED))
        ):
            background.start(importer, batch_id)
        return see_other(_batch_path(partner, batch_id))

    @post("/{batch_id:str}/discard", sync_to_thread=True)
    def discard(
        self,
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        batch_id: FromPath[str],
    ) -> Redirect:
        importer = _importer(host, vaults, partner)
        _batch(importer, batch_id)
        if importer.discard(batch_id):
            return see_other(f"/partners/{partner}/imports")
        return see_other(_batch_path(partner, batch_id))

    @get("/{batch_id:str}/rejected.csv", sync_to_thread=True)
    def rejected(
        self,
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        batch_id: FromPath[str],
    ) -> Stream:
        importer = _importer(host, vaults, partner)
        _batch(importer, batch_id)

        def blocks() -> Iterator[str]:
            # A byte order mark, so that spreadsheets read accented names as UTF-8.
            yield "\ufeff"
            yield from report_blocks(lambda: importer.rejected(batch_id))

        return Stream(
            blocks(),
            media_type="text/csv; charset=utf-8",
            headers={
                "content-disposition": f'attachment; filename="rejected-rows-{batch_id[:8]}.csv"',
                "cache-control": "no-store",
            },
        )

    def _columns_page(
        self,
        request: Request[Any, Any, Any],
        importer: Importer,
        batch: ImportBatch,
        *,
        errors: dict[str, str],
        mapping: ColumnMapping | None = None,
        status: int = 200,
    ) -> Response[Any]:
        plan = importer.plan(batch.id)
        path = uploads.upload_path(importer.settings, importer.partner, batch.id)
        if plan is None or not path.exists():
            # The upload is gone (the data folder was cleaned): start again.
            importer.discard(batch.id)
            return see_other(f"/partners/{importer.partner}/imports/new")
        facts, guessed = plan
        chosen = mapping or guessed
        return page(
            request,
            COLUMNS,
            {
                "partner": importer.partner,
                "batch": batch,
                "facts": facts,
                "columns": list(zip(facts.header, chosen.fields, strict=True)),
                "preview": _preview(path, facts),
                "fields": FIELDS,
                "labels": FIELD_LABELS,
                "errors": errors,
            },
            status_code=status,
        )


def _preview(path: Path, facts: FileFacts) -> list[list[str]]:
    width = len(facts.header)
    return [(cells + [""] * width)[:width] for cells in preview(path, facts, PREVIEW_ROWS)]


class _UploadController(Controller):
    """The upload itself, with a body limit taken from the settings (see import_controllers)."""

    path = "/partners/{partner:str}/imports"
    opt = access(Access.PARTNER_VAULT)

    @get("/new", sync_to_thread=True)
    def new(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        return _upload_page(request, vaults, host.settings, partner, form={}, errors={})

    @post("/new", sync_to_thread=True)
    def upload(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        data: MultipartForm,
    ) -> Response[Any]:
        settings = host.settings
        form = {k: v.strip() for k, v in text_fields(data).items()}
        errors: dict[str, str] = {}
        try:
            with vaults.transaction(partner) as session:
                terms, _ = check_terms(
                    session,
                    lawful_basis=form.get("lawful_basis", ""),
                    source=form.get("source", ""),
                    purpose_code=form.get("purpose", ""),
                    notice_language=form.get("notice_language", ""),
                )
        except InvalidInput as error:
            errors.update(error.errors)
        encoding = form.get("encoding") or None
        if encoding:
            try:
                check_encoding_name(encoding)
            except UnreadableFile as error:
                errors["encoding"] = _sentence(error)
        upload = data.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            errors["file"] = "Choose a CSV file."
        if errors or not isinstance(upload, UploadFile):
            return _upload_page(
                request, vaults, settings, partner, form=form, errors=errors, status=400
            )
        importer = _importer(host, vaults, partner)
        importer.discard_stale()
        try:
            received = uploads.receive(settings, partner, upload.file)
        except UnreadableFile as error:
            errors["file"] = _sentence(error)
            return _upload_page(
                request, vaults, settings, partner, form=form, errors=errors, status=413
            )
        try:
            facts, mapping = importer.read(received, encoding)
        except UnreadableFile as error:
            uploads.discard_received(received)
            errors["file"] = _sentence(error)
            return _upload_page(
                request, vaults, settings, partner, form=form, errors=errors, status=400
            )
        opened = importer.open(
            facts,
            mapping,
            file_name=Path(upload.filename).name,
            terms=terms,
            operator=viewer_of(request).actor,
        )
        uploads.keep_for(settings, partner, received, opened.batch_id)
        if opened.status is BatchStatus.PENDING:
            return see_other(_batch_path(partner, opened.batch_id, "/columns"))
        return see_other(_batch_path(partner, opened.batch_id))


def import_controllers(settings: Settings) -> list[type[Controller]]:
    """The import routes, with the upload's body limit set from ``settings``."""
    upload = type(
        "ImportUploadController",
        (_UploadController,),
        {
            "request_max_body_size": settings.import_max_bytes + FORM_ROOM,
            "exception_handlers": {RequestEntityTooLarge: _too_large},
        },
    )
    return [ImportController, upload]
