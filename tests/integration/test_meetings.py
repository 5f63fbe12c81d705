"""Monthly meetings: the series and its occurrences, single meetings, agendas, attendance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.errors import InvalidInput
from concord.governance.meetings import services
from concord.governance.meetings.models import AgendaItem, Meeting, MeetingSeries, Presence
from concord.governance.permissions import NotAllowed
from concord.partners.services import by_slug
from tests.conftest import PARTNER_A, PARTNER_B, World, post_form

Client = Callable[[str], TestClient[Litestar]]
SERIES = {
    "title": "Monthly partnership meeting",
    "rrule": "FREQ=MONTHLY;BYDAY=2TU",
    "first_date": "2027-01-01",
    "start_time": "10:00",
    "duration": "90",
    "timezone": "Europe/Brussels",
    "location": "Video call",
}


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def viewer(world: World, key: str) -> Viewer:
    with world.hub.transaction() as session:
        return Viewer.of(session.get_one(User, world.users[key]))


def make_series(world: World, today: date, **changes: str) -> int:
    form = {**SERIES, **changes}
    with world.hub.transaction() as session:
        series = services.add_series(
            session,
            viewer(world, "secretariat"),
            title=form["title"],
            rrule_text=form["rrule"],
            first_date=form["first_date"],
            start_time=form["start_time"],
            duration=form["duration"],
            timezone=form["timezone"],
            location=form["location"],
            today=today,
        )
        return series.id


def series_meetings(world: World, series_id: int) -> list[Meeting]:
    with world.hub.transaction() as session:
        query = select(Meeting).where(Meeting.series_id == series_id).order_by(Meeting.starts_at)
        return list(session.scalars(query))


def test_a_monthly_rule_becomes_twelve_months_of_second_tuesdays_at_local_ten(
    world: World,
) -> None:
    series_id = make_series(world, today=date(2027, 1, 1))
    meetings = series_meetings(world, series_id)
    local = [m.starts_at.astimezone(ZoneInfo("Europe/Brussels")) for m in meetings]
    # 12 Jan 2027 .. 14 Dec 2027; 1 Jan 2028 is within the horizon but its 2nd Tuesday is not.
    assert [d.date() for d in local][:3] == [date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)]
    assert len(local) == 12
    assert all(d.weekday() == 1 and 8 <= d.day <= 14 for d in local)
    # The wall-clock time survives the change to summer time; UTC moves instead.
    assert {(d.hour, d.minute) for d in local} == {(10, 0)}
    assert {m.starts_at.hour for m in meetings} == {9, 8}
    assert all(m.occurrence_date == d.date() for m, d in zip(meetings, local, strict=True))


def test_materialising_again_adds_only_what_the_horizon_gained(world: World) -> None:
    series_id = make_series(world, today=date(2027, 1, 1))
    with world.hub.transaction() as session:
        series = session.get_one(MeetingSeries, series_id)
        assert services.materialise(session, series, date(2027, 1, 1)) == 0
        assert services.materialise_all(session, date(2027, 1, 1)) == 0
        # A month later, one more second Tuesday falls within twelve months.
        assert services.materialise(session, series, date(2027, 2, 1)) == 1
    assert len(series_meetings(world, series_id)) == 13


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rrule": "FREQ=FORTNIGHTLY"}, "rrule"),
        ({"rrule": "FREQ=SECONDLY"}, "rrule"),
        ({"rrule": "FREQ=MONTHLY;BYHOUR=3"}, "rrule"),
        ({"rrule": "BYDAY=2TU"}, "rrule"),
        ({"rrule": "FREQ=MONTHLY;DTSTART=20270101T100000"}, "rrule"),
        ({"rrule": "FREQ=MONTHLY;UNTIL=20261231"}, "rrule"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"start_time": "25:00"}, "start_time"),
        ({"duration": "0"}, "duration"),
        ({"first_date": "soon"}, "first_date"),
        ({"title": " "}, "title"),
    ],
)
def test_a_bad_series_is_refused_with_the_field_named(
    world: World, changes: dict[str, str], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        make_series(world, today=date(2027, 1, 1), **changes)
    assert field in raised.value.errors


def test_only_the_secretariat_schedules(world: World) -> None:
    with pytest.raises(NotAllowed), world.hub.transaction() as session:
        services.add_meeting(
            session,
            viewer(world, "admin_a"),
            title="Side meeting",
            on="2027-03-01",
            start_time="09:00",
            duration="30",
            timezone="Europe/Paris",
        )


def test_the_secretariat_schedules_a_series_on_the_web_once_even_if_posted_twice(
    world: World, as_user: Client
) -> None:
    client = as_user("secretariat")
    form_page = soup_of(client.get("/governance/meetings/new-series").text)
    key_input = form_page.select_one('input[name="form_key"]')
    assert key_input is not None
    first_date = (date.today() + timedelta(days=1)).isoformat()
    form = {**SERIES, "first_date": first_date, "form_key": str(key_input["value"])}
    first = post_form(client, "/governance/meetings/series", form, follow_redirects=False)
    second = post_form(client, "/governance/meetings/series", form, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    with world.hub.transaction() as session:
        assert session.scalar(select(func.count()).select_from(MeetingSeries)) == 1
        count = session.scalar(select(func.count()).select_from(Meeting)) or 0
    assert 11 <= count <= 13
    listing = soup_of(as_user("comms_b").get("/governance/meetings").text)
    rows = listing.select("table.meetings tbody tr th a")
    assert len(rows) == count
    assert rows[0].get_text(strip=True) == SERIES["title"]


def test_a_bad_series_form_comes_back_with_the_error_beside_the_field(as_user: Client) -> None:
    response = post_form(
        as_user("secretariat"), "/governance/meetings/series", {**SERIES, "rrule": "every month"}
    )
    assert response.status_code == 400
    soup = soup_of(response.text)
    message = soup.select_one("#e-rrule")
    assert message is not None and "FREQ" in message.get_text()
    title = soup.select_one("#f-title")
    assert title is not None and title["value"] == SERIES["title"]


def test_partner_staff_read_meetings_but_cannot_schedule(as_user: Client) -> None:
    client = as_user("comms_a")
    assert client.get("/governance/meetings").status_code == 200
    assert client.get("/governance/meetings/new-series").status_code == 403
    form = {**SERIES, "on": "2027-02-02"}
    assert post_form(client, "/governance/meetings", form).status_code == 403


def single_meeting(world: World) -> int:
    with world.hub.transaction() as session:
        return services.add_meeting(
            session,
            viewer(world, "secretariat"),
            title="Extraordinary meeting",
            on="2027-06-15",
            start_time="14:30",
            duration="60",
            timezone="Europe/Berlin",
        ).id


def test_a_single_meeting_keeps_its_local_time(world: World, as_user: Client) -> None:
    meeting_id = single_meeting(world)
    response = as_user("comms_b").get(f"/governance/meetings/{meeting_id}")
    assert response.status_code == 200
    soup = soup_of(response.text)
    when = soup.select_one("dl.facts time")
    assert when is not None and "15 June 2027, 14:30" in when.get_text()
    assert when["datetime"] == "2027-06-15T12:30:00+00:00"


def test_the_agenda_keeps_order_owner_and_duration(world: World, as_user: Client) -> None:
    meeting_id = single_meeting(world)
    client = as_user("secretariat")
    base = f"/governance/meetings/{meeting_id}"
    owner = str(world.users["signatory_a"])
    for title, minutes in (("Welcome", "5"), ("Budget", "30"), ("Any other business", "10")):
        response = post_form(
            client,
            f"{base}/agenda",
            {"title": title, "owner": owner, "duration": minutes},
            follow_redirects=False,
        )
        assert response.status_code == 303
    # Insert at place 2, then move the last item up.
    post_form(client, f"{base}/agenda", {"title": "Minutes", "duration": "5", "position": "2"})
    with world.hub.transaction() as session:
        last = session.scalars(select(AgendaItem).where(AgendaItem.title == "Any other business"))
        last_id = last.one().id
    # A double click moves it once: the second post names the place it no longer has.
    move = {"direction": "up", "position": "4"}
    post_form(client, f"{base}/agenda/{last_id}/move", move)
    post_form(client, f"{base}/agenda/{last_id}/move", move)
    soup = soup_of(as_user("comms_a").get(base).text)
    rows = [
        [cell.get_text(strip=True) for cell in row.select("td, th")]
        for row in soup.select("#agenda tbody tr")
    ]
    assert [row[1] for row in rows] == ["Welcome", "Minutes", "Any other business", "Budget"]
    assert rows[0][:4] == ["1", "Welcome", "Signatory A", "5"]
    assert rows[1][2] == "—"
    caption = soup.select_one("#agenda caption")
    assert caption is not None and "50 minutes" in caption.get_text()
    with world.hub.transaction() as session:
        welcome = session.scalars(select(AgendaItem).where(AgendaItem.title == "Welcome")).one()
    for _ in range(2):
        response = post_form(client, f"{base}/agenda/{welcome.id}/remove", {})
        assert response.status_code == 200
    titles = [
        th.get_text(strip=True) for th in soup_of(client.get(base).text).select("#agenda tbody th")
    ]
    assert titles == ["Minutes", "Any other business", "Budget"]


def test_an_agenda_item_with_an_unknown_owner_is_refused(world: World, as_user: Client) -> None:
    meeting_id = single_meeting(world)
    response = post_form(
        as_user("secretariat"),
        f"/governance/meetings/{meeting_id}/agenda",
        {"title": "Budget", "owner": "999999", "duration": "30"},
    )
    assert response.status_code == 400
    assert soup_of(response.text).select_one("#e-owner") is not None


def test_attendance_and_quorum_counted_in_organisations(world: World, as_user: Client) -> None:
    meeting_id = single_meeting(world)
    with world.hub.transaction() as session:
        alpha, bravo = by_slug(session, PARTNER_A), by_slug(session, PARTNER_B)
        assert alpha and bravo
        alpha_id, bravo_id = alpha.id, bravo.id
    client = as_user("secretariat")
    form = {
        f"person-{world.users['comms_a']}": "present",
        f"person-{world.users['comms_b']}": "apologies",
        f"partner-{bravo_id}": "apologies",
        f"partner-{alpha_id}": "",
    }
    url = f"/governance/meetings/{meeting_id}/attendance"
    assert post_form(client, url, form, follow_redirects=False).status_code == 303
    assert post_form(client, url, form, follow_redirects=False).status_code == 303
    with world.hub.transaction() as session:
        quorum = services.quorum(session, meeting_id)
        people, partners = services.attendance(session, meeting_id)
    # Alpha is present through its staff member; the default quorum is three organisations.
    assert (quorum.present, quorum.required, quorum.partners, quorum.met) == (1, 3, 2, False)
    assert len(people) == 2 and partners == {bravo_id: Presence.APOLOGIES}
    page = soup_of(as_user("comms_b").get(f"/governance/meetings/{meeting_id}").text)
    shown = page.select_one("#quorum")
    assert shown is not None
    assert shown.get_text(strip=True) == ("1 of 2 organisations present; 3 needed: not quorate")


def test_attendance_refuses_a_choice_that_is_not_one(world: World, as_user: Client) -> None:
    meeting_id = single_meeting(world)
    response = post_form(
        as_user("secretariat"),
        f"/governance/meetings/{meeting_id}/attendance",
        {f"person-{world.users['comms_a']}": "maybe"},
    )
    assert response.status_code == 400


def test_meetings_between_lists_meetings_in_a_date_range(world: World) -> None:
    meeting_id = single_meeting(world)
    with world.hub.transaction() as session:
        found = services.meetings_between(session, date(2027, 6, 15), date(2027, 6, 15))
        assert [m.id for m in found] == [meeting_id]
        assert services.meetings_between(session, date(2027, 6, 16), date(2027, 7, 1)) == []


def test_an_unknown_meeting_is_not_found(as_user: Client) -> None:
    assert as_user("comms_a").get("/governance/meetings/999999").status_code == 404


def test_the_daily_job_materialises_series_and_is_registered(world: World) -> None:
    from concord import jobs
    from concord.governance.background import JOBS
    from concord.governance.meetings.jobs import materialise_series

    assert "concord.governance.meetings.jobs:materialise_series" in {ref for _, ref, _ in JOBS}
    first = (date.today() + timedelta(days=3)).isoformat()
    series_id = make_series(world, today=date.today(), first_date=first)
    with world.hub.transaction() as session:
        session.query(Meeting).filter(Meeting.series_id == series_id).delete()
    jobs.bind(world.hub)
    materialise_series()
    count = len(series_meetings(world, series_id))
    materialise_series()
    assert 11 <= count == len(series_meetings(world, series_id))
