"""Data-subject requests on the web: the admin's list and request pages, logging a request
from a contact's page, restriction, and the copy of a person's data. HTTP glue only.

The vault's audit chain gets ids, kinds and counts, never a name, an address or a contact id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from concord.db import utcnow
from concord.errors import InvalidInput
from concord.inputs import row_id
from concord.web.access import Access, access, allows
from concord.web.pages import FormBody, found_or_404, page, see_other, viewer_of
from consent.audit import chain as audit
from consent.contacts.models import Contact
from consent.contacts.profile import staff_names
from consent.db import Vaults
from consent.host import Host
from consent.rights import requests as tracking
from consent.rights.models import RequestKind, RequestStatus, RightsRequest, Verification
from consent.rights.restriction import set_restricted
from consent.rights.services import carry_out
from consent.rights.subject_data import SubjectData, subject_data
from consent.suppression.services import SuppressionKey

LIST = "consent/rights/requests/page.html"
REQUEST = "consent/rights/request/page.html"
NEW = "consent/rights/new/page.html"
DATA = "consent/rights/subject_data/page.html"
PRIVATE = {"cache-control": "no-store"}


def _audit(
    vaults: Vaults, request: Request[Any, Any, Any], partner: str, action: str, detail: str
) -> None:
    with vaults.transaction(partner) as session:
        audit.record(
            session,
            actor=viewer_of(request).actor,
            action=action,
            object_ref=f"partner:{partner}",
            detail=detail,
        )


def _private(template: Template) -> Template:
    template.headers.update(PRIVATE)
    return template


class RightsRequestsController(Controller):
    """The partner admin's list of requests and the page of each, with its actions."""

    path = "/partners/{partner:str}/requests"
    opt = access(Access.PARTNER_ADMIN)
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def requests(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        show: FromQuery[str] = "open",
    ) -> Template:
        everything = show == "all"
        now = utcnow()
        with vaults.transaction(partner) as session:
            found = tracking.all_requests(session, open_only=not everything)
            counts = tracking.counts(session, now)
            names = {
                c.id: c.display_name
                for c in (session.get(Contact, r.contact_id) for r in found if r.contact_id)
                if c is not None
            }
        context = {
            "partner": partner,
            "requests": found,
            "counts": counts,
            "names": names,
            "now": now,
            "everything": everything,
        }
        return _private(page(request, LIST, context))

    @get("/{request_id:int}", sync_to_thread=True)
    def request_page(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        request_id: FromPath[int],
    ) -> Template:
        return self._page(request, host, vaults, partner, request_id, {}, {})

    @post("/{request_id:int}/start", sync_to_thread=True)
    def start(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        request_id: FromPath[int],
    ) -> Response[Any]:
        try:
            with vaults.transaction(partner) as session:
                tracking.start(session, found_or_404(session, RightsRequest, request_id))
        except InvalidInput as error:
            return self._page(request, host, vaults, partner, request_id, error.errors, {}, 400)
        return see_other(f"/partners/{partner}/requests/{request_id}")

    @post("/{request_id:int}/extend", sync_to_thread=True)
    def extend(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        request_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        months = row_id(data.get("months", "")) or 0
        try:
            with vaults.transaction(partner) as session:
                found = found_or_404(session, RightsRequest, request_id)
                before = len(found.extensions)
                tracking.extend(
                    session,
                    found,
                    months=months,
                    reason=data.get("reason", ""),
                    actor=viewer_of(request).actor,
                )
                kind, extended = found.kind.value, len(found.extensions) > before
        except InvalidInput as error:
            return self._page(request, host, vaults, partner, request_id, error.errors, data, 400)
        if extended:
            detail = f"request={request_id} kind={kind} months={months}"
            _audit(vaults, request, partner, "rights.extend", detail)
        return see_other(f"/partners/{partner}/requests/{request_id}?extended=1")

    @post("/{request_id:int}/complete", sync_to_thread=True)
    def complete(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        request_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        viewer = viewer_of(request)
        try:
            with vaults.transaction(partner) as session:
                found = found_or_404(session, RightsRequest, request_id)
                if found.status is RequestStatus.DONE:  # sent twice: done by the first
                    return see_other(f"/partners/{partner}/requests/{request_id}?done=1")
                if found.kind is RequestKind.ERASURE and data.get("confirm") != "erase":
                    raise InvalidInput.one(
                        "confirm", "Tick the box to confirm: erasure cannot be undone."
                    )
                kind = found.kind
                done = carry_out(
                    session,
                    found,
                    key=SuppressionKey(host.settings, partner),
                    handled_by=viewer.id,
                    actor=viewer.actor,
                )
        except InvalidInput as error:
            return self._page(request, host, vaults, partner, request_id, error.errors, data, 400)
        if done.erased is not None:
            vaults.scrub(partner)
            detail = f"request={request_id} kind={kind.value} {done.erased.summary()}"
        else:
            detail = f"request={request_id} kind={kind.value}"
        _audit(vaults, request, partner, "rights.complete", detail)
        return see_other(f"/partners/{partner}/requests/{request_id}?done=1")

    @post("/{request_id:int}/refuse", sync_to_thread=True)
    def refuse(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        request_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        try:
            with vaults.transaction(partner) as session:
                found = found_or_404(session, RightsRequest, request_id)
                if found.status is RequestStatus.REFUSED:  # sent twice: refused by the first
                    return see_other(f"/partners/{partner}/requests/{request_id}?refused=1")
                tracking.close(
                    session,
                    found,
                    status=RequestStatus.REFUSED,
                    handled_by=viewer_of(request).id,
                    refusal_reason=data.get("refusal_reason", ""),
                )
                kind = found.kind.value
        except InvalidInput as error:
            return self._page(request, host, vaults, partner, request_id, error.errors, data, 400)
        _audit(vaults, request, partner, "rights.refuse", f"request={request_id} kind={kind}")
        return see_other(f"/partners/{partner}/requests/{request_id}?refused=1")

    def _page(
        self,
        request: Request[Any, Any, Any],
        host: Host,
        vaults: Vaults,
        partner: str,
        request_id: int,
        errors: dict[str, str],
        form: dict[str, str],
        status: int = 200,
    ) -> Template:
        with vaults.transaction(partner) as session:
            found = found_or_404(session, RightsRequest, request_id)
            contact = session.get(Contact, found.contact_id) if found.contact_id else None
            name = contact.display_name if contact else None
            latest = tracking.latest_due(found)
        actors = {found.received_by, *(e.actor for e in found.extensions)}
        if found.handled_by is not None:
            actors.add(f"user:{found.handled_by}")
        staff = staff_names(host, actors)
        context = {
            "partner": partner,
            "item": found,
            "staff": staff,
            "contact_name": name,
            "latest_due": latest,
            "now": utcnow(),
            "errors": errors,
            "form": form,
        }
        return _private(page(request, REQUEST, context, status_code=status))


class ContactRightsController(Controller):
    """What a contact's page offers about rights: log a request, restrict, copy the data."""

    path = "/partners/{partner:str}/contacts/{contact_id:int}"
    include_in_schema = False

    @get("/requests/new", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def new_request(
        self,
        request: Request[Any, Any, Any],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
    ) -> Template:
        return self._form(request, vaults, partner, contact_id, {}, {})

    @post("/requests/new", sync_to_thread=True, opt=access(Access.PARTNER_VAULT))
    def log_request(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        viewer = viewer_of(request)
        verified_by = data.get("verified_by", "")
        try:
            if not verified_by.startswith("staff_"):
                # Staff log what reached them in person, by letter or otherwise; the other
                # checks are the self-service ones, recorded by those paths themselves.
                raise InvalidInput.one("verified_by", "Say how you checked who the person is.")
            with vaults.transaction(partner) as session:
                found_or_404(session, Contact, contact_id)
                known = {r.id for r in tracking.requests_of(session, contact_id)}
                logged = tracking.receive_request(
                    session,
                    contact_id=contact_id,
                    kind=data.get("kind", ""),
                    verified_by=verified_by,
                    actor=viewer.actor,
                    note=data.get("note", ""),
                )
                request_id, kind = logged.id, logged.kind.value
        except InvalidInput as error:
            return self._form(request, vaults, partner, contact_id, error.errors, data, 400)
        if request_id not in known:  # not a second sending of the same request
            _audit(vaults, request, partner, "rights.receive", f"request={request_id} kind={kind}")
        if allows(Access.PARTNER_ADMIN, viewer, partner, demo=False):
            return see_other(f"/partners/{partner}/requests/{request_id}")
        return see_other(f"/partners/{partner}/contacts/{contact_id}?requested=1#rights")

    @post("/restriction", sync_to_thread=True, opt=access(Access.PARTNER_ADMIN))
    def restriction(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
        data: FormBody,
    ) -> Response[Any]:
        restrict = data.get("restricted") == "1"
        with vaults.transaction(partner) as session:
            changed = set_restricted(
                session,
                found_or_404(session, Contact, contact_id),
                restrict,
                actor=viewer_of(request).actor,
            )
        if changed:
            action = "rights.restrict" if restrict else "rights.lift_restriction"
            _audit(vaults, request, partner, action, "contacts=1")
        return see_other(f"/partners/{partner}/contacts/{contact_id}#rights")

    @get("/data", sync_to_thread=True, opt=access(Access.PARTNER_ADMIN))
    def data_page(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
    ) -> Template:
        copy = self._copy(request, host, vaults, partner, contact_id, "html")
        context = {"partner": partner, "contact_id": contact_id, "data": copy}
        return _private(page(request, DATA, context))

    @get("/data.json", sync_to_thread=True, opt=access(Access.PARTNER_ADMIN))
    def data_json(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
    ) -> Response[str]:
        copy = self._copy(request, host, vaults, partner, contact_id, "json")
        return self._download(
            copy.as_json(), "application/json", partner, copy.generated_at, "json"
        )

    @get("/data.csv", sync_to_thread=True, opt=access(Access.PARTNER_ADMIN))
    def data_csv(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
        contact_id: FromPath[int],
    ) -> Response[str]:
        copy = self._copy(request, host, vaults, partner, contact_id, "csv")
        return self._download(copy.as_csv(), "text/csv", partner, copy.generated_at, "csv")

    def _copy(
        self,
        request: Request[Any, Any, Any],
        host: Host,
        vaults: Vaults,
        partner: str,
        contact_id: int,
        form: str,
    ) -> SubjectData:
        with vaults.transaction(partner) as session:
            copy = subject_data(
                session,
                contact_id,
                partner=partner,
                inactive_months=host.settings.inactive_months,
            )
        if copy is None:
            raise NotFoundException()
        detail = f"format={form} sections={len(copy.sections)} records={copy.record_count}"
        _audit(vaults, request, partner, "rights.access_copy", detail)
        return copy

    def _download(
        self, body: str, media_type: str, partner: str, at: datetime, suffix: str
    ) -> Response[str]:
        name = f"{partner}-personal-data-{at.date().isoformat()}.{suffix}"
        return Response(
            body,
            media_type=media_type,
            headers={
                "content-disposition": f'attachment; filename="{name}"',
                "cache-control": "no-store",
            },
        )

    def _form(
        self,
        request: Request[Any, Any, Any],
        vaults: Vaults,
        partner: str,
        contact_id: int,
        errors: dict[str, str],
        form: dict[str, str],
        status: int = 200,
    ) -> Template:
        with vaults.transaction(partner) as session:
            name = found_or_404(session, Contact, contact_id).display_name
        context = {
            "partner": partner,
            "contact_id": contact_id,
            "contact_name": name,
            "kinds": list(RequestKind),
            "verifications": [v for v in Verification if v.by_staff],
            "errors": errors,
            "form": form,
        }
        return _private(page(request, NEW, context, status_code=status))
