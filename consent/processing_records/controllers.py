"""The record of processing activities as a printable page and as JSON. HTTP glue only."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from concord.web.access import Access, access
from concord.web.pages import page
from consent.db import Vaults
from consent.host import Host
from consent.processing_records.services import RecordsOfProcessing, UnknownPartner, build

REPORT = "consent/processing_records/report/page.html"


def _records(host: Host, vaults: Vaults, partner: str) -> RecordsOfProcessing:
    try:
        with vaults.transaction(partner) as vault_session:
            return build(host, vault_session, partner)
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
        host: NamedDependency[Host],
        vaults: NamedDependency[Vaults],
        partner: FromPath[str],
    ) -> Template:
        records = _records(host, vaults, partner)
        return page(request, REPORT, {"partner": partner, "records": records})

    @get("/partners/{partner:str}/records-of-processing.json", sync_to_thread=True)
    def report_json(
        self, host: NamedDependency[Host], vaults: NamedDependency[Vaults], partner: FromPath[str]
    ) -> Response[dict[str, Any]]:
        records = _records(host, vaults, partner)
        return Response(records.as_dict(), media_type="application/json")
