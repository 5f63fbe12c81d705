"""Action items: owners, due dates, status, overdue items, reminders and the calendar service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from concord import jobs
from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.governance.actions.jobs import remind_owners
from concord.governance.actions.models import ActionItem, ActionStatus
from concord.governance.actions.services import add_action, send_reminders
from concord.governance.background import JOBS
from concord.governance.calendar_entries import entries_between
from concord.governance.meetings import services as meetings
from concord.mail.models import StaffMessage
from tests.conftest import EMAILS, World, post_form

Client = Callable[[str], TestClient[Litestar]]


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def secretariat(world: World) -> Viewer:
    with world.hub.transaction() as session:
        return Viewer.of(session.get_one(User, world.users["secretariat"]))


def an_action(world: World, due: date, owner: str = "comms_a", meeting: str = "") -> int:
    with world.hub.transaction() as session:
        return add_action(
            session,
            secretariat(world),
            title="Send the draft charter to legal",
            owner=str(world.users[owner]),
            due_on=due.isoformat(),
            meeting=meeting,
        ).id


def row_titles(html: str, table: str) -> list[str]:
    return [th.get_text(" ", strip=True) for th in soup_of(html).select(f"#{table} tbody th")]


def messages(world: World) -> list[StaffMessage]:
    with world.hub.transaction() as session:
        return list(session.scalars(select(StaffMessage).order_by(StaffMessage.id)))


def test_the_secretariat_adds_an_action_once_even_if_posted_twice(
    world: World, as_user: Client
) -> None:
    client = as_user("secretariat")
    key = soup_of(client.get("/governance/actions").text).select_one('input[name="form_key"]')
    assert key is not None
    form = {
        "title": "Circulate the budget",
        "owner": str(world.users["admin_b"]),
        "due_on": (date.today() + timedelta(days=20)).isoformat(),
        "form_key": str(key["value"]),
    }
    assert post_form(client, "/governance/actions", form, follow_redirects=False).status_code == 303
    assert post_form(client, "/governance/actions", form, follow_redirects=False).status_code == 303
    listing = as_user("comms_a").get("/governance/actions").text
    assert row_titles(listing, "open") == ["Circulate the budget"]
    cells = [td.get_text(strip=True) for td in soup_of(listing).select("#open tbody td")]
    assert cells[0] == "Admin B" and cells[2] == "Open"


def test_a_bad_action_comes_back_with_errors_beside_the_fields(as_user: Client) -> None:
    response = post_form(
        as_user("secretariat"), "/governance/actions", {"title": "", "owner": "", "due_on": "x"}
    )
    assert response.status_code == 400
    soup = soup_of(response.text)
    for field in ("title", "owner", "due_on"):
        assert soup.select_one(f"#e-{field}") is not None, field


def test_partner_staff_cannot_add_actions(as_user: Client) -> None:
    form = {"title": "x", "owner": "1", "due_on": "2027-01-01"}
    assert post_form(as_user("admin_a"), "/governance/actions", form).status_code == 403


def test_the_owner_or_the_secretariat_close_an_item_and_nobody_else(
    world: World, as_user: Client
) -> None:
    action_id = an_action(world, date.today() + timedelta(days=5))
    url = f"/governance/actions/{action_id}/status"
    assert post_form(as_user("comms_b"), url, {"status": "done"}).status_code == 403
    assert post_form(as_user("admin_a"), url, {"status": "done"}).status_code == 403
    assert post_form(as_user("comms_a"), url, {"status": "finished"}).status_code == 400
    assert post_form(as_user("comms_a"), url, {"status": "done"}).status_code == 200
    with world.hub.transaction() as session:
        assert session.get_one(ActionItem, action_id).status is ActionStatus.DONE
    post_form(as_user("secretariat"), url, {"status": "open"})
    with world.hub.transaction() as session:
        assert session.get_one(ActionItem, action_id).status is ActionStatus.OPEN


def test_overdue_items_are_listed_as_overdue(world: World, as_user: Client) -> None:
    an_action(world, date.today() - timedelta(days=2))
    listing = as_user("comms_b").get("/governance/actions").text
    assert row_titles(listing, "overdue") == ["Send the draft charter to legal"]
    row = soup_of(listing).select_one("#overdue tbody tr")
    assert row is not None and "overdue" in (row.get_attribute_list("class") or [])


def test_one_reminder_per_item_per_due_date(world: World) -> None:
    today = date(2027, 3, 1)
    soon = an_action(world, today + timedelta(days=2))
    an_action(world, today + timedelta(days=10))  # not yet
    an_action(world, today - timedelta(days=1))  # overdue: listed, not reminded
    closed = an_action(world, today + timedelta(days=1), owner="admin_b")
    with world.hub.transaction() as session:
        session.get_one(ActionItem, closed).status = ActionStatus.DROPPED
    settings = world.settings
    with world.hub.transaction() as session:
        assert send_reminders(session, settings, today) == 1
    with world.hub.transaction() as session:
        assert send_reminders(session, settings, today) == 0
        assert send_reminders(session, settings, today + timedelta(days=1)) == 0
    [message] = messages(world)
    assert message.to_address == EMAILS["comms_a"]
    assert message.subject == "Action due in 2 days: Send the draft charter to legal"
    assert "/governance/actions" in message.text_body
    # A new due date earns a new reminder.
    with world.hub.transaction() as session:
        session.get_one(ActionItem, soon).due_on = today + timedelta(days=3)
    with world.hub.transaction() as session:
        assert send_reminders(session, settings, today) == 1
    assert len(messages(world)) == 2


def test_the_reminder_job_is_registered_and_runs(world: World) -> None:
    assert "concord.governance.actions.jobs:remind_owners" in {ref for _, ref, _ in JOBS}
    an_action(world, date.today() + timedelta(days=1))
    jobs.bind(world.hub)
    remind_owners()
    remind_owners()
    assert len(messages(world)) == 1


def test_a_meetings_actions_show_on_its_page_and_in_the_calendar_service(
    world: World, as_user: Client
) -> None:
    with world.hub.transaction() as session:
        meeting_id = meetings.add_meeting(
            session,
            secretariat(world),
            title="Monthly partnership meeting",
            on="2027-04-13",
            start_time="10:00",
            duration="90",
            timezone="Europe/Brussels",
        ).id
    an_action(world, date(2027, 4, 20), meeting=str(meeting_id))
    an_action(world, date(2027, 5, 20))
    page = as_user("comms_a").get(f"/governance/meetings/{meeting_id}").text
    assert row_titles(page, "meeting-actions") == ["Send the draft charter to legal"]
    with world.hub.transaction() as session:
        entries = entries_between(session, date(2027, 4, 1), date(2027, 4, 30))
    assert [(e.kind, e.path) for e in entries] == [
        ("meeting", f"/governance/meetings/{meeting_id}"),
        ("action", "/governance/actions"),
    ]
    meeting, action = entries
    assert meeting.starts_at is not None and meeting.ends_at is not None
    assert (meeting.ends_at - meeting.starts_at) == timedelta(minutes=90)
    assert (action.due_on, action.status, action.starts_at) == (date(2027, 4, 20), "open", None)
