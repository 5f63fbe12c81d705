"""Matching rounds on the web: the list, opening a round (secretariat), the results page and
its downloads. Only published (suppressed, rounded) figures ever reach a page."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import select

from concord.categories.models import SharedCategory
from concord.errors import InvalidInput
from concord.hub import Hub
from concord.partners.models import Partner
from concord.partnership import settings as partnership
from concord.web.access import Access, access
from concord.web.pages import FormBody, page, see_other, viewer_of
from outreach.matching.charts import heatmap, upset
from outreach.matching.models import MatchingRound, RoundStatus
from outreach.matching.rounds import open_round

RECENT = 50


def _round(hub: Hub, round_id: str) -> MatchingRound:
    with hub.transaction() as session:
        found = session.get(MatchingRound, round_id)
    if found is None:
        raise NotFoundException()
    return found


def published_view(matching_round: MatchingRound, viewer_partner: str | None) -> dict[str, Any]:
    """The stored figures as a viewer may see them: other partners' private notes removed."""
    if not matching_round.result:
        return {}
    result: dict[str, Any] = json.loads(matching_round.result)
    private = result.pop("shared_identifiers", {})
    if viewer_partner and viewer_partner in private:
        result["own_shared_identifiers"] = private[viewer_partner]
    return result


class MatchingController(Controller):
    path = "/matching"

    @get("/", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def rounds(self, request: Request[Any, Any, Any], hub: NamedDependency[Hub]) -> Template:
        return self._list(request, hub, errors={})

    @post("/rounds", sync_to_thread=True, opt=access(Access.SECRETARIAT))
    def open(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], data: FormBody
    ) -> Response[Any]:
        try:
            round_id = open_round(
                hub, scope=data.get("scope", "all"), actor=viewer_of(request).actor
            )
        except InvalidInput as error:
            return self._list(request, hub, errors=error.errors, status=400)
        return see_other(f"/matching/rounds/{round_id}")

    @get("/rounds/{round_id:str}", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def round(
        self,
        request: Request[Any, Any, Any],
        hub: NamedDependency[Hub],
        round_id: FromPath[str],
        category: FromQuery[str | None] = None,
    ) -> Template:
        matching_round = _round(hub, round_id)
        result = published_view(matching_round, viewer_of(request).partner_slug)
        with hub.transaction() as session:
            names = dict(session.execute(select(Partner.slug, Partner.name)).all())
        view = result
        if category and result:
            view = {
                **result.get("by_category", {}).get(category, {}),
                "suppression": result["suppression"],
            }
        return page(
            request,
            "outreach/matching/round/page.html",
            {
                "round": matching_round,
                "result": result,
                "view": view,
                "category": category if category in result.get("by_category", {}) else None,
                "names": names,
                "running": matching_round.status in {RoundStatus.QUEUED, RoundStatus.RUNNING},
                "heatmap": heatmap(view, names) if view else None,
                "upset": upset(view, names) if view else None,
            },
            partial="outreach/matching/round/_status.html",
        )

    @get("/rounds/{round_id:str}/figures.json", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def figures_json(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], round_id: FromPath[str]
    ) -> Response[Any]:
        result = published_view(_round(hub, round_id), viewer_of(request).partner_slug)
        if not result:
            raise NotFoundException("This round has no results yet.")
        return Response(
            result,
            headers={"content-disposition": f'attachment; filename="overlap-{round_id[:8]}.json"'},
        )

    @get("/rounds/{round_id:str}/figures.csv", sync_to_thread=True, opt=access(Access.SIGNED_IN))
    def figures_csv(
        self, request: Request[Any, Any, Any], hub: NamedDependency[Hub], round_id: FromPath[str]
    ) -> Response[bytes]:
        result = published_view(_round(hub, round_id), viewer_of(request).partner_slug)
        if not result:
            raise NotFoundException("This round has no results yet.")
        threshold = result["suppression"]["threshold"]

        def shown(count: int | None) -> str:
            return f"<{threshold}" if count is None else str(count)

        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["category", "measure", "partners", "count"])
        sections = [("all", result), *sorted(result.get("by_category", {}).items())]
        for name, figures in sections:
            for slug, count in figures["totals"].items():
                writer.writerow([name, "total", slug, shown(count)])
            for row in figures["pairwise"]:
                together = "+".join(row["partners"])
                writer.writerow([name, "at least both", together, shown(row["count"])])
            for row in figures["subsets"]:
                together = "+".join(row["partners"])
                writer.writerow([name, "exactly these", together, shown(row["count"])])
        return Response(
            out.getvalue().encode("utf-8"),
            media_type="text/csv",
            headers={"content-disposition": f'attachment; filename="overlap-{round_id[:8]}.csv"'},
        )

    def _list(
        self,
        request: Request[Any, Any, Any],
        hub: Hub,
        *,
        errors: dict[str, str],
        status: int = 200,
    ) -> Template:
        with hub.transaction() as session:
            rounds = session.scalars(
                select(MatchingRound).order_by(MatchingRound.opened_at.desc()).limit(RECENT)
            ).all()
            categories = session.scalars(select(SharedCategory).order_by(SharedCategory.name)).all()
            rules = partnership.current(session)
        return page(
            request,
            "outreach/matching/rounds/page.html",
            {"rounds": rounds, "categories": categories, "errors": errors, "rules": rules},
            status_code=status,
        )
