"""The purpose catalogue: staff read it, the partner's admins add purposes and publish notices."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup, Tag
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from consent.audit.models import VaultAuditEntry
from consent.purposes.models import Notice, Purpose
from consent.purposes.services import by_code
from tests.conftest import PARTNER_A, World, post_form

BASE = f"/partners/{PARTNER_A}/purposes"
Client = Callable[[str], TestClient[Litestar]]
NEW = {
    "name": "Membership renewals",
    "code": "dpv:MembershipManagement",
    "description": "Reminders to renew a membership.",
    "legal_basis": "contract",
    "channel_email": "1",
    "channel_post": "1",
    "retention_days": "730",
    "notice_text": "We remind you when your membership is due for renewal.",
}


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def table_rows(html: str) -> dict[str, list[str]]:
    rows = soup_of(html).select("table tbody tr")
    return {
        row.th.get_text(strip=True): [td.get_text(strip=True) for td in row.select("td")]
        for row in rows
        if row.th is not None
    }


def test_staff_read_the_purposes_with_code_basis_channels_retention_and_notice(
    as_user: Client,
) -> None:
    response = as_user("comms_a").get(BASE)
    assert response.status_code == 200
    rows = table_rows(response.text)
    assert rows["Newsletter and events"] == [
        "dpv:DirectMarketing",
        "Consent",
        "email",
        "730 days",
        "version 1",
    ]
    assert rows["Stakeholder engagement"][1:3] == ["Legitimate interest", "email, post"]
    # Comms staff read; only admins see the form.
    assert soup_of(response.text).select_one(f'form[action="{BASE}"]') is None


def test_comms_staff_cannot_change_purposes(world: World, as_user: Client) -> None:
    client = as_user("comms_a")
    assert post_form(client, BASE, NEW).status_code == 403
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, "dpv:DirectMarketing")
        assert purpose is not None
        purpose_id = purpose.id
    notice = {"notice_text": "Changed by comms"}
    assert post_form(client, f"{BASE}/{purpose_id}/notices", notice).status_code == 403


def test_an_admin_adds_a_purpose(world: World, as_user: Client) -> None:
    client = as_user("admin_a")
    response = post_form(client, BASE, NEW, follow_redirects=False)
    assert response.status_code == 303
    page = soup_of(client.get(response.headers["location"]).text)
    assert page.h1 is not None and page.h1.get_text(strip=True) == "Membership renewals"
    assert table_rows(client.get(BASE).text)["Membership renewals"] == [
        "dpv:MembershipManagement",
        "Contract",
        "email, post",
        "730 days",
        "version 1",
    ]
    with world.vaults.transaction(PARTNER_A) as session:
        entry = session.scalars(
            select(VaultAuditEntry).where(VaultAuditEntry.action == "purposes.add")
        ).one()
    assert (entry.object_ref, entry.detail) == (f"partner:{PARTNER_A}", "dpv:MembershipManagement")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "DirectMarketing"}, "code"),
        ({"code": "dpv:DirectMarketing"}, "code"),
        ({"name": " "}, "name"),
        ({"legal_basis": "whim"}, "legal_basis"),
        ({"channel_email": "", "channel_post": ""}, "channels"),
        ({"retention_days": "forever"}, "retention_days"),
        ({"retention_days": "0"}, "retention_days"),
        ({"notice_text": ""}, "notice_text"),
    ],
)
def test_the_purpose_form_comes_back_with_its_error_beside_the_field(
    world: World, as_user: Client, changes: dict[str, str], field: str
) -> None:
    response = post_form(as_user("admin_a"), BASE, {**NEW, **changes})
    assert response.status_code == 400
    soup = soup_of(response.text)
    message = soup.select_one(f"#e-{field}")
    assert message is not None and message.get_text(strip=True)
    described = soup.select_one(f'[aria-describedby~="e-{field}"]')
    assert isinstance(described, Tag)
    name = soup.select_one("#f-name")
    assert name is not None and name["value"] == changes.get("name", NEW["name"])
    with world.vaults.transaction(PARTNER_A) as session:
        assert by_code(session, "dpv:MembershipManagement") is None


def test_publishing_a_notice_adds_a_version_and_keeps_the_old_one(
    world: World, as_user: Client
) -> None:
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, "dpv:DirectMarketing")
        assert purpose is not None and purpose.current_notice is not None
        purpose_id, first_text = purpose.id, purpose.current_notice.text
    client = as_user("admin_a")
    path = f"{BASE}/{purpose_id}/notices"
    response = post_form(client, path, {"notice_text": "Monthly now."}, follow_redirects=False)
    assert response.status_code == 303
    soup = soup_of(client.get(f"{BASE}/{purpose_id}").text)
    versions = [h.get_text(strip=True) for h in soup.select("ol.notices h3")]
    assert versions == ["Version 2 (current)", "Version 1"]
    texts = [q.get_text(strip=True) for q in soup.select("ol.notices > li > blockquote")]
    assert texts == ["Monthly now.", first_text]
    with world.vaults.transaction(PARTNER_A) as session:
        notices = session.scalars(
            select(Notice).where(Notice.purpose_id == purpose_id).order_by(Notice.version)
        ).all()
        assert [(n.version, n.text) for n in notices] == [(1, first_text), (2, "Monthly now.")]
    assert table_rows(client.get(BASE).text)["Newsletter and events"][-1] == "version 2"


@pytest.mark.parametrize("text", ["", "CURRENT"])
def test_an_empty_or_unchanged_notice_is_refused(world: World, as_user: Client, text: str) -> None:
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = session.scalars(select(Purpose).order_by(Purpose.id)).first()
        assert purpose is not None and purpose.current_notice is not None
        purpose_id, current = purpose.id, purpose.current_notice.text
    form = {"notice_text": current if text == "CURRENT" else text}
    response = post_form(as_user("admin_a"), f"{BASE}/{purpose_id}/notices", form)
    assert response.status_code == 400
    message = soup_of(response.text).select_one("#e-notice_text")
    assert message is not None and message.get_text(strip=True)
    with world.vaults.transaction(PARTNER_A) as session:
        notice = session.get_one(Purpose, purpose_id).current_notice
        assert notice is not None and notice.version == 1


def test_a_missing_purpose_is_not_found(as_user: Client) -> None:
    client = as_user("admin_a")
    assert client.get(f"{BASE}/424242").status_code == 404
    assert post_form(client, f"{BASE}/424242/notices", {"notice_text": "x"}).status_code == 404
