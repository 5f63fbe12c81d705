"""Governance joined up: decisions linked to meetings and documents (and sealed with them),
agenda items linked to decisions, and meetings and action items on the shared calendar and in
every iCalendar feed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from bs4 import BeautifulSoup
from icalendar import Calendar
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import update

from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.db import utcnow
from concord.governance import seals
from concord.governance.actions import services as actions
from concord.governance.decisions import services as decisions
from concord.governance.decisions.models import Decision
from concord.governance.meetings import services as meetings
from concord.governance.meetings.models import AgendaItem, Meeting
from concord.governance.reviews import services as reviews
from tests.conftest import World, post_form

Client = Callable[[str], TestClient[Litestar]]


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def viewer(world: World, key: str) -> Viewer:
    with world.hub.transaction() as session:
        return Viewer.of(session.get_one(User, world.users[key]))


def a_meeting(world: World, on: date) -> int:
    with world.hub.transaction() as session:
        return meetings.add_meeting(
            session,
            viewer(world, "secretariat"),
            title="Monthly partnership meeting",
            on=on.isoformat(),
            start_time="10:00",
            duration="90",
            timezone="Europe/Brussels",
            location="Video call",
        ).id


def a_document(world: World) -> int:
    with world.hub.transaction() as session:
        return reviews.add_document(
            session,
            world.hub.settings,
            viewer(world, "secretariat"),
            title="Joint outreach charter",
            version="2.0",
            link="https://docs.example.org/charter",
        ).id


def test_the_propose_form_links_a_meeting_and_a_document_shown_on_both_pages(
    world: World, as_user: Client
) -> None:
    meeting_id = a_meeting(world, date.today() + timedelta(days=10))
    document_id = a_document(world)
    secretariat = as_user("secretariat")
    meeting_page = soup_of(secretariat.get(f"/governance/meetings/{meeting_id}").text)
    record = meeting_page.find("a", string="Record a decision for this meeting")
    assert record is not None
    form_page = soup_of(secretariat.get(str(record["href"])).text)
    chosen = form_page.select_one("#f-meeting option[selected]")
    assert chosen is not None and chosen["value"] == str(meeting_id)
    key = form_page.select_one("input[name=form_key]")
    assert key is not None
    form = {
        "title": "Adopt the charter",
        "text": "As circulated.",
        "meeting": str(meeting_id),
        "document": str(document_id),
        "form_key": str(key["value"]),
    }
    done = post_form(secretariat, "/governance/decisions", form, follow_redirects=False)
    assert done.status_code == 303
    decision_id = int(done.headers["location"].rsplit("/", 1)[1])
    decision_page = soup_of(as_user("comms_b").get(f"/governance/decisions/{decision_id}").text)
    meeting_link = decision_page.select_one("a.decision-meeting")
    document_link = decision_page.select_one("a.decision-document")
    assert meeting_link is not None and meeting_link["href"] == f"/governance/meetings/{meeting_id}"
    assert document_link is not None
    assert document_link["href"] == f"/governance/reviews/documents/{document_id}"
    here = soup_of(as_user("comms_a").get(f"/governance/meetings/{meeting_id}").text)
    listed = [a.get_text() for a in here.select("ul.meeting-decisions a")]
    assert listed == ["Adopt the charter"]
    # Partner comms staff read the meeting but do not propose.
    assert here.find("a", string="Record a decision for this meeting") is None
    with world.hub.transaction() as session:
        assert seals.verify(session) == []


def test_an_unknown_link_is_refused_beside_its_field(world: World, as_user: Client) -> None:
    form = {"title": "T", "text": "X", "meeting": "9999", "document": "abc", "form_key": "k" * 24}
    refused = post_form(as_user("secretariat"), "/governance/decisions", form)
    assert refused.status_code == 400
    soup = soup_of(refused.text)
    assert soup.find(id="e-meeting") is not None and soup.find(id="e-document") is not None


def test_links_are_sealed_and_editing_them_by_hand_fails_verification(world: World) -> None:
    meeting_id = a_meeting(world, date(2027, 3, 9))
    other = a_meeting(world, date(2027, 4, 13))
    with world.hub.transaction() as session:
        linked = decisions.propose(
            session,
            proposer_id=world.users["secretariat"],
            title="Linked",
            text="x",
            changes_principles=False,
            form_key="l" * 24,
            meeting=str(meeting_id),
        )
        unlinked = decisions.propose(
            session,
            proposer_id=world.users["secretariat"],
            title="Unlinked",
            text="x",
            changes_principles=False,
            form_key="u" * 24,
        )
        content = decisions.decision_content(unlinked)
    # A decision without links hashes as it did before links existed.
    assert "meeting_id" not in content and "document_id" not in content
    with world.hub.transaction() as session:
        assert seals.verify(session) == []
        session.execute(update(Decision).where(Decision.id == linked.id).values(meeting_id=other))
        session.execute(update(Decision).where(Decision.id == unlinked.id).values(meeting_id=other))
    with world.hub.transaction() as session:
        problems = {p.object_ref for p in seals.verify(session)}
    assert problems == {f"decision:{linked.id}", f"decision:{unlinked.id}"}


def test_an_agenda_item_links_a_decision_shown_on_the_agenda(world: World, as_user: Client) -> None:
    meeting_id = a_meeting(world, date(2027, 3, 9))
    with world.hub.transaction() as session:
        decision_id = decisions.propose(
            session,
            proposer_id=world.users["secretariat"],
            title="Adopt the glossary",
            text="x",
            changes_principles=False,
            form_key="g" * 24,
        ).id
    client = as_user("secretariat")
    page = soup_of(client.get(f"/governance/meetings/{meeting_id}").text)
    option = page.select_one(f"#f-decision option[value='{decision_id}']")
    assert option is not None
    form = {"title": "Glossary", "owner": "", "duration": "15", "decision": str(decision_id)}
    assert post_form(client, f"/governance/meetings/{meeting_id}/agenda", form).status_code == 200
    with world.hub.transaction() as session:
        item = session.query(AgendaItem).filter_by(meeting_id=meeting_id).one()
        assert item.decision_id == decision_id
    agenda = soup_of(as_user("comms_b").get(f"/governance/meetings/{meeting_id}").text)
    link = agenda.select_one("#agenda a.agenda-decision")
    assert link is not None and link["href"] == f"/governance/decisions/{decision_id}"
    bad = post_form(
        client, f"/governance/meetings/{meeting_id}/agenda", {**form, "decision": "999"}
    )
    assert bad.status_code == 400 and soup_of(bad.text).find(id="e-decision") is not None


def test_moving_a_meeting_raises_its_sequence_once(world: World, as_user: Client) -> None:
    meeting_id = a_meeting(world, date(2027, 3, 9))
    client = as_user("secretariat")
    form = {"on": "2027-03-10", "start_time": "11:00", "length": "60"}
    url = f"/governance/meetings/{meeting_id}/time"
    assert post_form(client, url, form).status_code == 200
    assert post_form(client, url, form).status_code == 200  # the same time again: no change
    with world.hub.transaction() as session:
        moved = session.get_one(Meeting, meeting_id)
        assert moved.sequence == 1 and moved.duration_minutes == 60
        assert meetings.local_start(moved).strftime("%Y-%m-%d %H:%M") == "2027-03-10 11:00"
    refused = post_form(client, url, {**form, "length": "0"})
    assert refused.status_code == 400 and soup_of(refused.text).find(id="e-length") is not None
    assert post_form(as_user("comms_a"), url, form).status_code == 403


def _calendar_entries(client: TestClient[Litestar], query: str) -> list[Any]:
    soup = soup_of(client.get(f"/calendar?{query}").text)
    return soup.select("a.entry.governance")


def test_meetings_and_action_items_appear_in_every_calendar_view(
    world: World, as_user: Client
) -> None:
    meeting_id = a_meeting(world, date(2027, 4, 13))
    with world.hub.transaction() as session:
        action_id = actions.add_action(
            session,
            viewer(world, "secretariat"),
            title="Send the charter to legal",
            owner=str(world.users["admin_b"]),
            due_on="2027-04-20",
        ).id
    for key in ("comms_a", "comms_b", "signatory_a", "secretariat"):
        client = as_user(key)
        for query in ("view=month&date=2027-04-01", "view=agenda&date=2027-04-10"):
            found = {str(a["href"]): a for a in _calendar_entries(client, query)}
            assert set(found) == {f"/governance/meetings/{meeting_id}", "/governance/actions"}
            assert "governance-meeting" in found[f"/governance/meetings/{meeting_id}"]["class"]
            assert "Meeting 10:00 Europe/Brussels" in found[
                f"/governance/meetings/{meeting_id}"
            ].get_text(" ", strip=True)
        week = _calendar_entries(client, "view=week&date=2027-04-13")
        assert [str(a["href"]) for a in week] == [f"/governance/meetings/{meeting_id}"]
        month = soup_of(client.get("/calendar?view=month&date=2027-04-01").text)
        cell = month.select_one("td[data-day='2027-04-20']")
        assert cell is not None and cell.select_one(f"a[data-uid='action-{action_id}@concord']")
        assert "style=" not in str(month.select_one("#calendar") or month)


def _feed(client: TestClient[Litestar], anonymous: TestClient[Litestar], scope: str) -> Calendar:
    page = post_form(
        client, "/calendar/feeds", {"label": "Mine", "scope": scope, "form_key": scope * 8}
    )
    address = re.search(r"https?://[^\s<\"]+/feeds/[^\s<\"]+\.ics", page.text)
    assert address is not None
    path = address.group(0).split("/feeds/", 1)[1]
    response = anonymous.get(f"/feeds/{path}")
    assert response.status_code == 200
    return Calendar.from_ical(response.content)


def _by_uid(calendar: Calendar) -> dict[str, Any]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_every_feed_carries_the_meeting_and_the_action_item(
    world: World, as_user: Client, anonymous: TestClient[Litestar]
) -> None:
    today = utcnow().date()
    meeting_id = a_meeting(world, today + timedelta(days=20))
    with world.hub.transaction() as session:
        action_id = actions.add_action(
            session,
            viewer(world, "secretariat"),
            title="Send the charter to legal",
            owner=str(world.users["admin_b"]),
            due_on=(today + timedelta(days=5)).isoformat(),
        ).id
    meeting_uid, action_uid = f"meeting-{meeting_id}@concord", f"action-{action_id}@concord"
    feeds = [
        _feed(as_user("comms_a"), anonymous, "user"),
        _feed(as_user("comms_b"), anonymous, "partner"),
        _feed(as_user("secretariat"), anonymous, "user"),
    ]
    for calendar in feeds:
        events = _by_uid(calendar)
        meeting, action = events[meeting_uid], events[action_uid]
        assert meeting["dtstart"].params["TZID"] == "Europe/Brussels"
        start = meeting["dtstart"].dt
        assert isinstance(start, datetime) and (start.hour, start.minute) == (10, 0)
        assert int(meeting["sequence"]) == 0 and str(meeting["status"]) == "CONFIRMED"
        assert "Monthly partnership meeting" in str(meeting["summary"])
        assert {str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")} >= {"Europe/Brussels"}
        due = action["dtstart"].dt
        assert not isinstance(due, datetime) and due == today + timedelta(days=5)
        assert action["dtstart"].params.get("VALUE") == "DATE"
        assert str(action["transp"]) == "TRANSPARENT" and str(action["status"]) == "CONFIRMED"
    # Moving the meeting and dropping the action raise their SEQUENCE; UIDs stay.
    secretariat = as_user("secretariat")
    post_form(
        secretariat,
        f"/governance/meetings/{meeting_id}/time",
        {"on": (today + timedelta(days=21)).isoformat(), "start_time": "14:00", "length": "90"},
    )
    with world.hub.transaction() as session:
        actions.set_status(session, viewer(world, "secretariat"), action_id, "dropped")
    events = _by_uid(_feed(as_user("comms_a"), anonymous, "partner"))
    moved, dropped = events[meeting_uid], events[action_uid]
    assert int(moved["sequence"]) == 1 and moved["dtstart"].dt.hour == 14
    assert int(dropped["sequence"]) == 1 and str(dropped["status"]) == "CANCELLED"
