"""The record of processing activities as a printable page and as JSON. HTTP glue only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from concord.hub import Hub
from concord.web.access import Access, access
from concord.web.pages import page
from consent.db import Vaults
from consent.processing_records.services import RecordsOfProcessing, UnknownPartner, build

REPORT = "consent/processing_records/report/page.html"


def _records(hub: Hub, vaults: Vaults, partner: str) -> RecordsOfProcessing:
    try:
        with hub.transaction() as hub_session, vaults.transaction(partner) as vault_session:
            return build(hub_session, vault_session, hub.settings, partner)
    except UnknownPartner:
        raise NotFoundException() from None


class ProcessingRecordsController(Controller):
    """Any staff member of the partner may read its record: it names no person."""

    opt = access(Access.PARTNER_MEMBER)
    include_in_schema = False

    @get("/partners/{partner:str}/records-of-processing", sync_to_thread=True)
    def report(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        records = _records(hub, vaults, partner)
        return page(request, REPORT, {"partner": partner, "records": records})

    @get("/partners/{partner:str}/records-of-processing.json", sync_to_thread=True)
    def report_json(
        self, hub: NamedDependency[Hub], vaults: NamedDependency[Vaults], partner: FromPath[str]
    ) -> Response[dict[str, Any]]:
        records = _records(hub, vaults, partner)
        return Response(records.as_dict(), media_type="application/json")
