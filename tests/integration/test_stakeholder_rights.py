"""A stakeholder's rights from the preference centre: copy, objection, erasure request."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from consent.links import services as links
from consent.links.models import LinkKind
from consent.rights.models import RequestKind, RequestStatus, RightsRequest
from consent.suppression.models import Suppression
from tests.conftest import PARTNER_A, World, post_form
from tests.integration.stakeholders import NEWSLETTER, add_contact


def _token(world: World, contact_id: int) -> str:
    with world.vaults.transaction(PARTNER_A) as session:
        return links.issue(session, LinkKind.PREFERENCES, contact_id)


def _requests(world: World) -> list[tuple[RequestKind, RequestStatus, str]]:
    with world.vaults.transaction(PARTNER_A) as session:
        rows = session.scalars(select(RightsRequest).order_by(RightsRequest.id))
        return [(r.kind, r.status, r.verified_by.value) for r in rows]


def test_the_stakeholder_downloads_a_copy_and_it_is_logged(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    contact_id = add_contact(world, consent_to=(NEWSLETTER,))
    token = _token(world, contact_id)
    html = anonymous.get(f"/p/{token}/data")
    assert html.status_code == 200
    assert "Everything" in html.text
    download = anonymous.get(f"/p/{token}/data.json")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["cache-control"] == "no-store"
    sections = set(json.loads(download.text)["sections"])
    assert {"profile", "identifiers", "consent_history"} <= sections
    assert anonymous.get(f"/p/{token}/data.csv").status_code == 200
    # Each copy given is an access request, answered at once, proven by the link.
    assert (
        _requests(world) == [(RequestKind.ACCESS, RequestStatus.DONE, "preference_centre_link")] * 3
    )


def test_objection_suppresses_at_once_and_erasure_waits_for_staff(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    contact_id = add_contact(world, consent_to=(NEWSLETTER,))
    token = _token(world, contact_id)
    objected = post_form(anonymous, f"/p/{token}/requests", {"kind": "objection"})
    assert objected.status_code == 200
    assert "no direct marketing" in objected.text
    asked = post_form(anonymous, f"/p/{token}/requests", {"kind": "erasure"})
    assert "erase your data" in asked.text
    # A second click finds the open request instead of logging a twin.
    post_form(anonymous, f"/p/{token}/requests", {"kind": "erasure"})
    assert _requests(world) == [
        (RequestKind.OBJECTION, RequestStatus.DONE, "preference_centre_link"),
        (RequestKind.ERASURE, RequestStatus.RECEIVED, "preference_centre_link"),
    ]
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.scalars(select(Suppression)).first() is not None


def test_an_unknown_request_kind_is_refused(world: World, anonymous: TestClient[Litestar]) -> None:
    token = _token(world, add_contact(world))
    response = post_form(anonymous, f"/p/{token}/requests", {"kind": "delete-everyone"})
    assert response.status_code == 400
    assert _requests(world) == []
