"""Review pages: the overview grid, documents (upload and download), one round's page.

HTTP glue only; the rules live in :mod:`concord.governance.reviews.services`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import File, Template
from sqlalchemy import select

from concord.accounts.models import User
from concord.errors import InvalidInput
from concord.governance.permissions import clean_form_key, new_form_key
from concord.governance.reviews import files, services
from concord.governance.reviews.models import SETTABLE_STATES, RoundStatus
from concord.governance.web import http_errors
from concord.hub import Hub
from concord.partners.models import Partner
from concord.partners.services import all_partners
from concord.settings import Settings
from concord.web.access import Access, access, allows
from concord.web.errors import http_error
from concord.web.pages import FormBody, MultipartForm, page, see_other, text_fields, viewer_of

OVERVIEW = "concord/governance/reviews/overview/page.html"
DOCUMENT = "concord/governance/reviews/document/page.html"
ROUND = "concord/governance/reviews/round/page.html"
# Room for the form's other fields and the multipart framing around the file.
FORM_ROOM = 64 * 1024


def _overview(
    request: Request[Any, Any, Any],
    hub: Hub,
    *,
    document_form: dict[str, str] | None = None,
    document_errors: dict[str, str] | None = None,
    round_form: dict[str, str] | None = None,
    round_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    with hub.transaction() as session:
        context: dict[str, Any] = {
            "partners": all_partners(session),
            "open_rounds": services.overview(session),
            "closed_rounds": services.overview(session, status=RoundStatus.CLOSED),
            "documents": services.all_documents(session),
        }
    context.update(
        document_form=document_form or {"form_key": new_form_key()},
        document_errors=document_errors or {},
        round_form=round_form or {"form_key": new_form_key()},
        round_errors=round_errors or {},
        max_size=files.megabytes(hub.settings.document_max_bytes),
    )
    return page(request, OVERVIEW, context, status_code=status)


def _too_large(request: Request[Any, Any, Any], exc: RequestEntityTooLarge) -> Response[Any]:
    """An upload over the cap: the form again with the reason beside the file field."""
    state = request.app.state
    viewer = request.scope.get("user")
    # The body was refused before the access guard ran: answer as the guard would have.
    if not allows(Access.SECRETARIAT, viewer, None, state.settings.demo):
        if viewer is None:
            return http_error(request, NotAuthorizedException())
        return http_error(request, PermissionDeniedException())
    limit = files.megabytes(state.settings.document_max_bytes)
    errors = {"file": f"The file is larger than the limit of {limit}."}
    return _overview(request, state.hub, document_errors=errors, status=413)


class _DocumentUploadController(Controller):
    """The upload, with a body limit taken from the settings (see review_controllers)."""

    path = "/governance/reviews/documents"
    include_in_schema = False

    @post("/", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def add_document(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: MultipartForm
    ) -> Response[Any]:
        form = text_fields(data)
        upload = data.get("file")
        chosen = (
            (upload.filename, upload.file)
            if isinstance(upload, UploadFile) and upload.filename
            else None
        )
        try:
            with hub.transaction() as session, http_errors():
                document = services.add_document(
                    session,
                    hub.settings,
                    viewer_of(request),
                    title=form.get("title", ""),
                    version=form.get("version", ""),
                    link=form.get("link", ""),
                    upload=chosen,
                    form_key=clean_form_key(form.get("form_key")),
                )
                document_id = document.id
        except InvalidInput as error:
            return _overview(
                request, hub, document_form=form, document_errors=error.errors, status=400
            )
        return see_other(f"/governance/reviews/documents/{document_id}?added=1")


class ReviewsController(Controller):
    path = "/governance/reviews"
    include_in_schema = False

    @get("/", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def reviews(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        return _overview(request, hub)

    @get("/documents/{document_id:int}", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def document(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        document_id: FromPath[int],
    ) -> Template:
        with hub.transaction() as session, http_errors():
            document = services.get_document(session, document_id)
            rounds = [
                row
                for status in RoundStatus
                for row in services.overview(session, status=status)
                if row.document.id == document_id
            ]
            partners = all_partners(session)
        context = {"document": document, "rounds": rounds, "partners": partners}
        return page(request, DOCUMENT, context)

    @get("/documents/{document_id:int}/file", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def download(self, hub: NamedDependency[Hub], document_id: FromPath[int]) -> File:
        with hub.transaction() as session, http_errors():
            document = services.get_document(session, document_id)
        if not (document.stored_name and document.kind and document.file_name):
            raise NotFoundException()
        path = files.path_of(hub.settings, document.stored_name)
        if not path.exists():
            raise NotFoundException()
        return File(
            path=path,
            filename=document.file_name,
            media_type=document.kind.media_type,
            content_disposition_type="attachment",
            headers={"x-content-type-options": "nosniff", "cache-control": "private, no-store"},
        )

    @post("/rounds", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def open_round(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                review_round = services.open_round(
                    session,
                    viewer_of(request),
                    document=data.get("document", ""),
                    deadline=data.get("deadline", ""),
                    form_key=clean_form_key(data.get("form_key")),
                )
                round_id = review_round.id
        except InvalidInput as error:
            return _overview(request, hub, round_form=data, round_errors=error.errors, status=400)
        return see_other(f"/governance/reviews/rounds/{round_id}")

    @get("/rounds/{round_id:int}", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def round(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], round_id: FromPath[int]
    ) -> Template:
        return self._round_page(request, hub, round_id)

    @post("/rounds/{round_id:int}/state", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def set_state(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        round_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.set_partner_state(
                    session,
                    viewer_of(request),
                    round_id,
                    data.get("partner", ""),
                    data.get("state", ""),
                )
        except InvalidInput as error:
            return self._round_page(request, hub, round_id, errors=error.errors, status=400)
        return see_other(f"/governance/reviews/rounds/{round_id}?saved=1")

    @post("/rounds/{round_id:int}/comments", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def comment(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        round_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with hub.transaction() as session, http_errors():
                services.add_comment(
                    session,
                    viewer_of(request),
                    round_id,
                    data.get("comment", ""),
                    form_key=clean_form_key(data.get("form_key")),
                )
        except InvalidInput as error:
            return self._round_page(
                request, hub, round_id, form=data, errors=error.errors, status=400
            )
        return see_other(f"/governance/reviews/rounds/{round_id}#comments")

    def _round_page(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        round_id: int,
        *,
        form: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
        status: int = 200,
    ) -> Template:
        with hub.transaction() as session, http_errors():
            review_round = services.get_round(session, round_id)
            document = services.get_document(session, review_round.document_id)
            comments = services.comments(session, round_id)
            authors = {c.author_id for c in comments}
            names = dict(
                session.execute(
                    select(User.id, User.display_name).where(User.id.in_(authors))
                ).all()
            )
            partner_names = dict(session.execute(select(Partner.id, Partner.name)).all())
            context: dict[str, Any] = {
                "round": review_round,
                "document": document,
                "partners": all_partners(session),
                "states": services.states_of(session, round_id),
                "comments": comments,
                "names": names,
                "partner_names": partner_names,
                "settable": SETTABLE_STATES,
                "is_open": review_round.status is RoundStatus.OPEN,
            }
        context.update(form=form or {"form_key": new_form_key()}, errors=errors or {})
        return page(request, ROUND, context, status_code=status)


def review_controllers(settings: Settings) -> list[type[Controller]]:
    """The review routes, with the document upload's body limit set from ``settings``."""
    upload = type(
        "DocumentUploadController",
        (_DocumentUploadController,),
        {
            "request_max_body_size": settings.document_max_bytes + FORM_ROOM,
            "exception_handlers": {RequestEntityTooLarge: _too_large},
        },
    )
    return [ReviewsController, upload]
