"""The stakeholder's rights from the preference centre: a copy of their data, erasure, objection.

The link's opaque token is the proof of identity (recorded as such on each request). A copy
is given at once and logged as an access request answered; erasure is logged for the
partner's staff to carry out (they check, for example, for a legal hold); an objection to
direct marketing is absolute (GDPR Art. 21(3)) and applied at once.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.orm import Session

from concord.translations import N_
from concord.web.access import Access, access
from concord.web.language import keep_language
from concord.web.pages import FormBody, see_other, stakeholder_page
from consent.audit import chain as audit
from consent.db import Vaults
from consent.host import Host
from consent.links.locate import LinkHolder
from consent.links.models import LinkKind
from consent.preferences.controllers import CHOOSE, holder_of
from consent.preferences.services import ACTOR as STAKEHOLDER
from consent.rights.models import RequestKind, Verification
from consent.rights.requests import receive_request
from consent.rights.services import carry_out, object_now
from consent.rights.subject_data import SubjectData, subject_data
from consent.suppression.services import SuppressionKey

DATA = "consent/preferences/data/page.html"
NO_LONGER_HELD = N_("We no longer hold data about you.")


def _audit(vaults: Vaults, partner: str, action: str, detail: str) -> None:
    with vaults.transaction(partner) as session:
        audit.record(
            session,
            actor=STAKEHOLDER,
            action=action,
            object_ref=f"partner:{partner}",
            detail=detail,
        )


def _copy(session: Session, host: Host, partner: str, contact_id: int) -> SubjectData:
    copy = subject_data(
        session, contact_id, partner=partner, inactive_months=host.settings.inactive_months
    )
    if copy is None:
        raise HTTPException(status_code=404, detail=NO_LONGER_HELD)
    request = receive_request(
        session,
        contact_id=contact_id,
        kind=RequestKind.ACCESS,
        verified_by=Verification.PREFERENCE_CENTRE,
        actor=STAKEHOLDER,
    )
    key = SuppressionKey(host.settings, partner)
    carry_out(session, request, key=key, handled_by=None, actor=STAKEHOLDER)
    return copy


class StakeholderRightsController(Controller):
    """Copy, erasure and objection, for the person a preference link belongs to."""

    path = "/p/{token:str}"
    opt = access(Access.PUBLIC)
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get("/data", sync_to_thread=True)
    def data_page(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
    ) -> Template:
        copy, holder = self._given(host, vaults, token, "html")
        context = {"token": token, "data": copy, "partner_name": holder.partner_name}
        preferred = copy.section("profile").records[0].get("language", "")
        return stakeholder_page(request, DATA, context, preferred=preferred)

    @get("/data.json", sync_to_thread=True)
    def data_json(
        self, host: NamedDependency[Host], vaults: NamedDependency[Vaults], token: FromPath[str]
    ) -> Response[str]:
        copy, _ = self._given(host, vaults, token, "json")
        return _download(copy.as_json(), "application/json", copy, "json")

    @get("/data.csv", sync_to_thread=True)
    def data_csv(
        self, host: NamedDependency[Host], vaults: NamedDependency[Vaults], token: FromPath[str]
    ) -> Response[str]:
        copy, _ = self._given(host, vaults, token, "csv")
        return _download(copy.as_csv(), "text/csv", copy, "csv")

    @post("/requests", sync_to_thread=True)
    def ask(
        self,
        request: Request[Any, Any, Any],
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        token: FromPath[str],
        data: FormBody,
    ) -> Response[Any]:
        kind = data.get("kind")
        if kind not in ("erasure", "objection"):
            raise HTTPException(status_code=400, detail=CHOOSE)
        holder = holder_of(host, vaults, token, LinkKind.PREFERENCES)
        with vaults.transaction(holder.partner_slug) as session:
            if kind == "objection":
                logged = object_now(
                    session,
                    contact_id=holder.contact_id,
                    key=SuppressionKey(host.settings, holder.partner_slug),
                    verified_by=Verification.PREFERENCE_CENTRE,
                    actor=STAKEHOLDER,
                )
            else:
                logged = receive_request(
                    session,
                    contact_id=holder.contact_id,
                    kind=RequestKind.ERASURE,
                    verified_by=Verification.PREFERENCE_CENTRE,
                    actor=STAKEHOLDER,
                )
            request_id = logged.id
        _audit(vaults, holder.partner_slug, f"rights.{kind}_received", f"request={request_id}")
        return see_other(keep_language(request, f"/p/{token}?done={kind}"))

    def _given(
        self, host: Host, vaults: Vaults, token: str, form: str
    ) -> tuple[SubjectData, LinkHolder]:
        holder = holder_of(host, vaults, token, LinkKind.PREFERENCES)
        with vaults.transaction(holder.partner_slug) as session:
            copy = _copy(session, host, holder.partner_slug, holder.contact_id)
        detail = f"format={form} sections={len(copy.sections)} records={copy.record_count}"
        _audit(vaults, holder.partner_slug, "rights.access_copy", detail)
        return copy, holder


def _download(body: str, media_type: str, copy: SubjectData, suffix: str) -> Response[str]:
    name = f"{copy.partner}-my-data-{copy.generated_at.date().isoformat()}.{suffix}"
    return Response(
        body,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
