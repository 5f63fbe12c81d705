"""The preference centre and one-click unsubscribe, as a stakeholder with no account uses them."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from concord.db import utcnow
from concord.mail.smtp import text_of
from concord.secrets import token_hash
from consent.contacts.models import Contact, ContactChange
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentEvent, ConsentState
from consent.links import services as links
from consent.links.models import LinkKind
from consent.outbox import services as outbox
from consent.outbox.models import MessageStatus
from consent.purposes.models import Channel
from tests.conftest import PARTNER_A, World, new_client, post_form
from tests.integration.stakeholders import (
    ENGAGEMENT,
    NEWSLETTER,
    add_contact,
    all_rows,
    purpose_id,
    queue_newsletter,
)
from tests.mailserver import MailServer

CONSULTATIONS = "dpv:PublicRelations"


def _link(
    world: World, contact_id: int, kind: LinkKind = LinkKind.PREFERENCES, **kw: object
) -> str:
    with world.vaults.transaction(PARTNER_A) as session:
        return links.issue(session, kind, contact_id, **kw)  # type: ignore[arg-type]


def _states(world: World, contact_id: int) -> dict[tuple[int, Channel], ConsentState]:
    with world.vaults.transaction(PARTNER_A) as session:
        return ledger.current(session, contact_id)


def _events(world: World, contact_id: int) -> list[ConsentEvent]:
    with world.vaults.transaction(PARTNER_A) as session:
        rows = list(ledger.history(session, contact_id))
        session.expunge_all()
        return rows


def _rows(page: str) -> dict[str, str]:
    """Purpose name and channel -> the state shown."""
    soup = BeautifulSoup(page, "html.parser")
    shown = {}
    for row in soup.select("table.choices tbody tr"):
        cells = row.find_all("td")
        strong = cells[0].find("strong")
        assert strong is not None
        name = strong.get_text(strip=True)
        shown[f"{name}/{cells[1].get_text(strip=True)}"] = cells[2].get_text(strip=True)
    return shown


@pytest.mark.parametrize("expired", [False, True])
def test_unknown_and_expired_links_get_a_friendly_page(
    world: World, anonymous: TestClient[Litestar], expired: bool
) -> None:
    token = "no-such-token"
    if expired:
        contact_id = add_contact(world)
        with world.vaults.transaction(PARTNER_A) as session:
            token = links.issue(
                session, LinkKind.PREFERENCES, contact_id, now=utcnow() - timedelta(days=91)
            )
    for path in (f"/p/{token}", f"/u/{token}"):
        response = anonymous.get(path)
        assert response.status_code == (410 if expired and path.startswith("/p/") else 404)
        soup = BeautifulSoup(response.text, "html.parser")
        assert soup.h1 is not None
        assert "Traceback" not in response.text
        assert "/my-data" in soup.get_text()


def test_the_centre_shows_and_changes_each_purpose(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    contact_id = add_contact(world, consent_to=(NEWSLETTER,))
    token = _link(world, contact_id)
    page = anonymous.get(f"/p/{token}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    shown = _rows(page.text)
    assert shown["Newsletter and events/email"] == "Yes"
    assert shown["Consultations/email"] == "No"
    assert shown["Stakeholder engagement/post"] == "Yes"  # legitimate interest until objected

    response = post_form(
        anonymous,
        f"/p/{token}/consent",
        {"purpose": str(purpose_id(world, NEWSLETTER)), "channel": "email", "choice": "withdraw"},
        headers={"user-agent": "Stakeholder Browser/1.0"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/p/{token}?done=withdrawn"
    assert _rows(anonymous.get(f"/p/{token}").text)["Newsletter and events/email"] == "No"
    [event, *_] = _events(world, contact_id)
    assert event.state is ConsentState.WITHDRAWN
    assert event.method is CollectionMethod.PREFERENCE_CENTRE
    assert event.actor == "stakeholder"
    evidence = json.loads(event.evidence)
    assert evidence["token_sha256"] == token_hash(token)
    assert evidence["user_agent"] == "Stakeholder Browser/1.0"
    assert evidence["address"].endswith(("/24", "/48")) or evidence["address"] == "unknown"


def test_forms_need_the_csrf_token(world: World, anonymous: TestClient[Litestar]) -> None:
    token = _link(world, add_contact(world))
    response = anonymous.post(f"/p/{token}/withdraw-all", data={})
    assert response.status_code == 403


def test_withdraw_everything(world: World, anonymous: TestClient[Litestar]) -> None:
    contact_id = add_contact(world, consent_to=(NEWSLETTER, CONSULTATIONS))
    token = _link(world, contact_id)
    queue_newsletter(world, contact_id)
    response = post_form(anonymous, f"/p/{token}/withdraw-all", {}, follow_redirects=False)
    assert response.status_code == 303
    shown = _rows(anonymous.get(f"/p/{token}").text)
    assert set(shown.values()) == {"No"}
    assert [row.status for row in all_rows(world)] == [MessageStatus.CANCELLED]


def test_the_stakeholder_corrects_name_and_organisation(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    contact_id = add_contact(world)
    token = _link(world, contact_id)
    form = {
        "given_name": "Augusta Ada",
        "family_name": "King",
        "organisation": "  Analytical  Society ",
    }
    assert post_form(anonymous, f"/p/{token}/profile", form).status_code == 200
    with world.vaults.transaction(PARTNER_A) as session:
        contact = session.get_one(Contact, contact_id)
        assert (contact.given_name, contact.family_name, contact.organisation) == (
            "Augusta Ada",
            "King",
            "Analytical Society",
        )
        change = session.scalars(
            select(ContactChange)
            .where(ContactChange.contact_id == contact_id)
            .order_by(ContactChange.id.desc())
        ).first()
        assert change is not None
        assert change.actor == "stakeholder"
        assert "Augusta" not in change.summary


def test_double_opt_in_waits_for_the_confirmation_link(
    world: World, app: Litestar, mail_server: MailServer
) -> None:
    contact_id = add_contact(world, consent_to=())
    consultations = purpose_id(world, CONSULTATIONS)
    token = _link(world, contact_id)
    client = new_client(app)
    form = {"purpose": str(consultations), "channel": "email", "choice": "give"}
    response = post_form(client, f"/p/{token}/consent", form, follow_redirects=False)
    assert response.headers["location"] == f"/p/{token}?done=pending"
    # A double submit queues no second confirmation.
    post_form(client, f"/p/{token}/consent", form)
    assert _states(world, contact_id)[(consultations, Channel.EMAIL)] is ConsentState.PENDING
    shown = _rows(client.get(f"/p/{token}").text)
    assert shown["Consultations/email"] == "Waiting for your confirmation"

    assert outbox.send_due(world.vaults, mail_server.settings(world.settings), PARTNER_A).sent == 1
    [received] = mail_server.messages()
    assert received["List-Unsubscribe"] is None  # a confirmation is not outreach
    match = re.search(r"https://testserver\.local(/p/[\w.-]+/confirm/[\w.-]+)", text_of(received))
    assert match is not None
    confirm_path = match.group(1)

    # Opening the link (as a mail scanner would) confirms nothing.
    page = client.get(confirm_path)
    assert page.status_code == 200
    assert BeautifulSoup(page.text, "html.parser").find("button") is not None
    assert _states(world, contact_id)[(consultations, Channel.EMAIL)] is ConsentState.PENDING

    response = post_form(client, confirm_path, {}, follow_redirects=False)
    assert response.headers["location"] == f"/p/{token}?done=confirmed"
    assert _states(world, contact_id)[(consultations, Channel.EMAIL)] is ConsentState.GIVEN
    [event, *_] = _events(world, contact_id)
    assert "confirmed_at" in json.loads(event.evidence)
    # The link works once.
    assert client.get(confirm_path).status_code == 410


def test_one_click_unsubscribe_needs_a_post(world: World, app: Litestar) -> None:
    contact_id = add_contact(world)
    newsletter = purpose_id(world, NEWSLETTER)
    token = _link(
        world, contact_id, LinkKind.UNSUBSCRIBE, purpose_id=newsletter, channel=Channel.EMAIL
    )
    browser = new_client(app)
    page = browser.get(f"/u/{token}")
    assert page.status_code == 200
    assert BeautifulSoup(page.text, "html.parser").find("button") is not None
    assert _states(world, contact_id)[(newsletter, Channel.EMAIL)] is ConsentState.GIVEN

    # RFC 8058: a mail client posts with no cookies and no CSRF token.
    mail_client = new_client(app)
    for _ in range(2):
        response = mail_client.post(
            f"/u/{token}",
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200
    assert _states(world, contact_id)[(newsletter, Channel.EMAIL)] is ConsentState.WITHDRAWN
    withdrawals = [e for e in _events(world, contact_id) if e.state is ConsentState.WITHDRAWN]
    assert len(withdrawals) == 1
    assert withdrawals[0].method is CollectionMethod.ONE_CLICK
    # Engagement by email was not touched.
    engagement = purpose_id(world, ENGAGEMENT)
    assert (engagement, Channel.EMAIL) not in _states(world, contact_id)


def test_tokens_never_reach_the_logs(
    world: World, anonymous: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    contact_id = add_contact(world)
    token = _link(world, contact_id)
    unsubscribe = _link(
        world,
        contact_id,
        LinkKind.UNSUBSCRIBE,
        purpose_id=purpose_id(world, NEWSLETTER),
        channel=Channel.EMAIL,
    )
    with caplog.at_level(logging.DEBUG):
        anonymous.get(f"/p/{token}")
        anonymous.post(f"/u/{unsubscribe}")
        anonymous.get("/p/unknown-token-value")
    # The test client's own httpx log is the caller's, not the server's.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "httpx")
    assert "GET /p/{token} 200" in logged
    for secret in (token, unsubscribe, "unknown-token-value"):
        assert secret not in logged


def test_email_consent_that_cannot_be_confirmed_is_not_recorded(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    contact_id = add_contact(world, consent_to=())
    with world.vaults.transaction(PARTNER_A) as session:
        session.get_one(Contact, contact_id).restricted = True
    token = _link(world, contact_id)
    consultations = purpose_id(world, CONSULTATIONS)
    form = {"purpose": str(consultations), "channel": "email", "choice": "give"}
    response = post_form(anonymous, f"/p/{token}/consent", form)
    assert response.status_code == 409
    assert "cannot send you a confirmation" in response.text
    assert (consultations, Channel.EMAIL) not in _states(world, contact_id)
    assert all_rows(world) == []
