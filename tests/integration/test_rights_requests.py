"""Data-subject requests: receiving, due dates and extensions, the admin's pages, counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from concord.db import utcnow
from concord.errors import InvalidInput
from consent.audit.models import VaultAuditEntry
from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.rights import requests as tracking
from consent.rights.models import RequestKind, RequestStatus, RightsRequest, Verification
from tests.conftest import PARTNER_A, PARTNER_B, World, post_form

Client = Callable[[str], TestClient[Litestar]]
REQUESTS = f"/partners/{PARTNER_A}/requests"


def add_person(
    world: World, given: str = "Mira", family: str = "Okafor", slug: str = PARTNER_A
) -> int:
    entry = clean(
        ContactInput(given_name=given, family_name=family, emails=[f"{given.lower()}@example.org"]),
        "DE",
    )
    assert isinstance(entry, CleanContact)
    with world.vaults.transaction(slug) as session:
        return save(session, entry, actor="test").contact.id


def receive(world: World, contact_id: int, kind: str = "access", **extra: object) -> int:
    with world.vaults.transaction(PARTNER_A) as session:
        request = tracking.receive_request(
            session,
            contact_id=contact_id,
            kind=kind,
            verified_by="preference_centre_link",
            actor="stakeholder",
            **extra,  # type: ignore[arg-type]
        )
        return request.id


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_a_request_is_due_one_calendar_month_later_and_never_twinned(world: World) -> None:
    person = add_person(world)
    first = receive(world, person, "erasure")
    again = receive(world, person, "erasure")
    other = receive(world, person, "access")
    assert first == again != other
    with world.vaults.transaction(PARTNER_A) as session:
        request = session.get_one(RightsRequest, first)
        assert request.status is RequestStatus.RECEIVED
        assert request.verified_by is Verification.PREFERENCE_CENTRE
        assert request.due_at == tracking.add_months(request.received_at, 1)
        assert session.scalar(select(func.count()).select_from(RightsRequest)) == 2


def test_unknown_contacts_kinds_and_checks_are_refused(world: World) -> None:
    person = add_person(world)
    with world.vaults.transaction(PARTNER_A) as session:
        with pytest.raises(tracking.UnknownContact):
            tracking.receive_request(
                session, contact_id=999_999, kind="access", verified_by="staff_in_person", actor="x"
            )
        with pytest.raises(InvalidInput) as kind:
            tracking.receive_request(
                session,
                contact_id=person,
                kind="deletion",
                verified_by="staff_in_person",
                actor="x",
            )
        assert set(kind.value.errors) == {"kind"}
        with pytest.raises(InvalidInput) as note:
            tracking.receive_request(
                session, contact_id=person, kind="access", verified_by="staff_other", actor="x"
            )
        assert set(note.value.errors) == {"note"}


def test_extensions_add_at_most_two_further_months(world: World) -> None:
    person = add_person(world)
    request_id = receive(world, person)
    with world.vaults.transaction(PARTNER_A) as session:
        request = session.get_one(RightsRequest, request_id)
        with pytest.raises(InvalidInput) as no_reason:
            tracking.extend(session, request, months=1, reason=" ", actor="user:1")
        assert set(no_reason.value.errors) == {"reason"}
        tracking.extend(session, request, months=1, reason="many records", actor="user:1")
        assert request.due_at == tracking.add_months(request.received_at, 2)
        with pytest.raises(InvalidInput) as too_far:
            tracking.extend(session, request, months=2, reason="still more", actor="user:1")
        assert "two further months" in too_far.value.errors["months"]
        tracking.extend(session, request, months=1, reason="still more", actor="user:1")
        assert request.due_at == tracking.latest_due(request)
        assert [e.reason for e in request.extensions] == ["many records", "still more"]


def test_a_refusal_needs_its_reason_and_a_closed_request_stays_closed(world: World) -> None:
    person = add_person(world)
    request_id = receive(world, person, "rectification")
    with world.vaults.transaction(PARTNER_A) as session:
        request = session.get_one(RightsRequest, request_id)
        with pytest.raises(InvalidInput):
            tracking.close(session, request, status=RequestStatus.REFUSED, handled_by=1)
        tracking.close(
            session,
            request,
            status=RequestStatus.REFUSED,
            handled_by=1,
            refusal_reason="The record is already correct.",
        )
        with pytest.raises(InvalidInput):
            tracking.start(session, request)
    # Closed, so a new request of the same kind is a new one.
    assert receive(world, person, "rectification") != request_id


@pytest.mark.crosses_boundary
def test_the_public_counts_give_open_and_overdue_only(world: World) -> None:
    person = add_person(world)
    receive(world, person, "access", received_at=utcnow() - timedelta(days=45))
    receive(world, person, "objection")
    done = receive(world, add_person(world, "Jonas", "Berg"), "access")
    with world.vaults.transaction(PARTNER_A) as session:
        tracking.close(
            session, session.get_one(RightsRequest, done), status=RequestStatus.DONE, handled_by=1
        )
    counts = world.directory.vault(PARTNER_A).request_counts()
    assert (counts.open, counts.overdue) == (2, 1)
    assert world.directory.vault(PARTNER_B).request_counts().open == 0


def test_staff_log_a_request_from_the_contact_page_once(world: World, as_user: Client) -> None:
    person = add_person(world)
    comms = as_user("comms_a")
    page = soup(comms.get(f"/partners/{PARTNER_A}/contacts/{person}").text)
    link = page.select_one("#rights a[href$='/requests/new']")
    assert link is not None
    form_page = soup(comms.get(str(link["href"])).text)
    assert form_page.select_one("form.log-request input[name=_csrf_token]") is not None
    # Self-service checks are not offered to staff.
    offered = {o["value"] for o in form_page.select("#f-verified_by option") if o["value"]}
    assert offered == {"staff_in_person", "staff_by_letter", "staff_other"}

    form = {"kind": "erasure", "verified_by": "staff_by_letter", "note": "letter ref 42"}
    for _ in range(2):  # a double submit finds the first request
        response = post_form(comms, str(link["href"]), form, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].endswith("?requested=1#rights")
    with world.vaults.transaction(PARTNER_A) as session:
        logged = session.scalars(select(RightsRequest)).one()
        assert logged.kind is RequestKind.ERASURE
        assert logged.verified_by is Verification.STAFF_BY_LETTER
        assert logged.received_by == f"user:{world.users['comms_a']}"
    with world.vaults.transaction(PARTNER_A) as session:
        received = session.scalars(
            select(VaultAuditEntry.detail).where(VaultAuditEntry.action == "rights.receive")
        ).all()
    assert received == [f"request={logged.id} kind=erasure"]
    contact_page = soup(comms.get(f"/partners/{PARTNER_A}/contacts/{person}").text)
    listed = contact_page.select_one("#rights .contact-requests")
    assert listed is not None and "erasure" in listed.get_text()

    bad = post_form(comms, str(link["href"]), {"kind": "", "verified_by": "staff_other"})
    assert bad.status_code == 400
    errors = soup(bad.text)
    assert errors.select_one("#e-kind") is not None
    control = errors.select_one("#f-kind")
    assert control is not None and control["aria-invalid"] == "true"


def test_the_admin_list_highlights_overdue_requests(world: World, as_user: Client) -> None:
    late = receive(world, add_person(world), "access", received_at=utcnow() - timedelta(days=40))
    fresh = receive(world, add_person(world, "Jonas", "Berg"), "objection")
    admin = as_user("admin_a")
    page = soup(admin.get(REQUESTS).text)
    rows = {
        int(str(tr["data-request"])): tr
        for tr in page.select("table.requests tbody tr[data-request]")
    }
    assert set(rows) == {late, fresh}
    assert "overdue" in str(rows[late].get("class"))
    assert "overdue" not in str(rows[fresh].get("class"))
    assert "Mira Okafor" in rows[late].get_text()
    assert as_user("comms_a").get(REQUESTS).status_code == 403
    assert as_user("admin_b").get(REQUESTS).status_code == 404


def test_the_request_page_extends_refuses_and_completes(world: World, as_user: Client) -> None:
    person = add_person(world)
    request_id = receive(world, person, "access")
    admin = as_user("admin_a")
    url = f"{REQUESTS}/{request_id}"
    page = soup(admin.get(url).text)
    assert page.select_one(f"a[href='/partners/{PARTNER_A}/contacts/{person}/data.json']")

    assert post_form(admin, f"{url}/start", {}, follow_redirects=False).status_code == 303
    bad = post_form(admin, f"{url}/extend", {"months": "3", "reason": ""})
    assert bad.status_code == 400
    shown = soup(bad.text)
    assert shown.select_one("#e-months") is not None and shown.select_one("#e-reason") is not None
    for _ in range(2):  # a double submit extends once
        good = post_form(admin, f"{url}/extend", {"months": "2", "reason": "archive search"})
        assert good.status_code == 200  # followed to the page
    assert "archive search" in soup(good.text).get_text()

    assert post_form(admin, f"{url}/refuse", {"refusal_reason": ""}).status_code == 400
    done = post_form(admin, f"{url}/complete", {}, follow_redirects=False)
    assert done.status_code == 303
    with world.vaults.transaction(PARTNER_A) as session:
        request = session.get_one(RightsRequest, request_id)
        assert request.status is RequestStatus.DONE
        assert request.handled_by == world.users["admin_a"]
        assert request.done_at is not None
    closed = soup(admin.get(url).text).select_one("dl.facts")
    assert closed is not None and "by Admin A" in closed.get_text()
    # Completing twice (a double click) is done once; refusing a done request is refused.
    again = post_form(admin, f"{url}/complete", {}, follow_redirects=False)
    assert again.status_code == 303
    assert post_form(admin, f"{url}/refuse", {"refusal_reason": "late"}).status_code == 400
    with world.vaults.transaction(PARTNER_A) as session:
        details = [
            (e.action, e.detail)
            for e in session.scalars(
                select(VaultAuditEntry).where(VaultAuditEntry.action.like("rights.%"))
            )
        ]
    assert ("rights.extend", f"request={request_id} kind=access months=2") in details
    assert ("rights.complete", f"request={request_id} kind=access") in details
    assert [a for a, _ in details].count("rights.complete") == 1
    assert [a for a, _ in details].count("rights.extend") == 1
    with world.vaults.transaction(PARTNER_A) as session:
        assert len(session.get_one(RightsRequest, request_id).extensions) == 1
