"""The shared calendar: items, audiences, the rules across partners, the pages and the feeds."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from icalendar import Calendar
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from concord.partnership.settings import Disclosure, PartnershipSettings
from concord.settings import Settings
from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.ledger.models import CollectionMethod, ConsentState
from consent.ledger.services import append
from consent.public import AudienceSegment
from consent.purposes.models import Channel
from consent.purposes.services import by_code
from outreach.calendar.evaluation import evaluate, reevaluate_stale
from outreach.calendar.items import (
    EditConflict,
    clear_expired_audiences,
    leave_out_over_cap,
    parse_item,
    update_item,
)
from outreach.calendar.models import CalendarAudience, CalendarFeed, OutreachItem
from tests.conftest import PARTNER_A, PARTNER_B, World, post_form

MATCHING_SECRET = "calendar-test-matching-secret-" + "m" * 32
PURPOSE = "dpv:DirectMarketing"


pytestmark = pytest.mark.crosses_boundary


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_changes(matching_secret=MATCHING_SECRET)


def add_contacts(
    world: World,
    partner: str,
    emails: list[str],
    *,
    consent: bool = True,
    category: str = "Industry",
    tags: tuple[str, ...] = (),
    restricted: bool = False,
) -> None:
    with world.vaults.transaction(partner) as session:
        purpose = by_code(session, PURPOSE)
        assert purpose is not None
        for email in emails:
            entry = clean(
                ContactInput(given_name="Test", category=category, tags=tags, emails=[email]), "DE"
            )
            assert isinstance(entry, CleanContact)
            contact = save(session, entry, actor="test").contact
            contact.restricted = restricted
            session.flush()
            if consent:
                append(
                    session,
                    contact_id=contact.id,
                    purpose=purpose,
                    channel=Channel.EMAIL,
                    state=ConsentState.GIVEN,
                    method=CollectionMethod.STAFF,
                    actor="test",
                )


def item_form(day: date, **changes: str) -> dict[str, str]:
    form = {
        "title": "Energy consultation",
        "kind": "consultation",
        "channel": "email",
        "purpose_code": PURPOSE,
        "topics": "energy",
        "audience_category": "",
        "audience_tags": "",
        "starts_at": f"{day.isoformat()}T10:00",
        "ends_at": f"{day.isoformat()}T11:00",
        "timezone": "Europe/Berlin",
        "status": "planned",
        "visibility": "partnership",
    }
    return {**form, **changes}


def plan(client: TestClient[Litestar], partner: str, form: dict[str, str]) -> str:
    response = post_form(
        client, f"/partners/{partner}/calendar/items", form, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).rsplit("/", 1)[1]


def soup(response: Any) -> Any:
    """The parsed page, loosely typed: the tests index into it freely."""
    return BeautifulSoup(response.text, "html.parser")


SHARED = [f"person{n}@shared.example" for n in range(30)]
DAY = date(2027, 2, 10)


def test_audience_counts_only_consenting_unrestricted_contacts_in_the_segment(
    world: World,
) -> None:
    add_contacts(world, PARTNER_A, ["a1@x.example", "a2@x.example"], tags=("energy",))
    add_contacts(world, PARTNER_A, ["a3@x.example"], category="Academia")
    add_contacts(world, PARTNER_A, ["no-consent@x.example"], consent=False)
    add_contacts(world, PARTNER_A, ["restricted@x.example"], restricted=True)

    def size(segment: AudienceSegment) -> int:
        return world.directory.vault(PARTNER_A).audience_size(segment)

    assert size(AudienceSegment(PURPOSE, "email")) == 3
    assert size(AudienceSegment(PURPOSE, "email", "own:Academia")) == 1
    assert size(AudienceSegment(PURPOSE, "email", tags=("energy", "water"))) == 2
    # The purpose covers email only; an unknown purpose reaches nobody.
    assert size(AudienceSegment(PURPOSE, "phone")) == 0
    assert size(AudienceSegment("dpv:Nothing", "email")) == 0
    tokens = world.directory.vault(PARTNER_A).audience_tokens(
        AudienceSegment(PURPOSE, "email"),
        period_id="2027Q1",
    )
    assert len(tokens.records) == 3
    assert all(len(token) == 32 for record in tokens.records for token in record)
    other_period = world.directory.vault(PARTNER_A).audience_tokens(
        AudienceSegment(PURPOSE, "email"),
        period_id="2027Q2",
    )
    # Tokens of different periods cannot be linked.
    assert not {t for r in tokens.records for t in r} & {t for r in other_period.records for t in r}


def test_audience_size_preview_is_a_fragment_for_htmx_and_a_page_without(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    add_contacts(world, PARTNER_A, ["a1@x.example", "a2@x.example"])
    client = as_user("comms_a")
    query = {"purpose_code": PURPOSE, "channel": "email"}
    fragment = client.get(
        f"/partners/{PARTNER_A}/calendar/audience", params=query, headers={"hx-request": "true"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert soup(fragment).find("strong").text == "2"
    full = client.get(f"/partners/{PARTNER_A}/calendar/audience", params=query)
    assert "<html" in full.text and soup(full).select_one("#audience-size strong").text == "2"


def test_plan_an_item_once_even_when_the_form_is_posted_twice(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    client = as_user("comms_a")
    form = item_form(DAY, form_key="k1")
    first = plan(client, PARTNER_A, form)
    second = plan(client, PARTNER_A, form)
    assert first == second
    with world.hub.transaction() as session:
        assert session.scalar(select(func.count()).select_from(OutreachItem)) == 1
        item = session.get_one(OutreachItem, first)
        assert item.starts_at == datetime(2027, 2, 10, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
        assert item.timezone == "Europe/Berlin"


def test_invalid_items_are_refused_beside_the_fields(
    as_user: Callable[[str], TestClient[Litestar]],
) -> None:
    client = as_user("comms_a")
    bad = item_form(DAY, title="", timezone="Mars/Olympus", purpose_code="dpv:Unknown")
    response = post_form(client, f"/partners/{PARTNER_A}/calendar/items", bad)
    assert response.status_code == 400
    page = soup(response)
    assert page.select_one("#e-title") and page.select_one("#e-timezone")
    wrong_channel = item_form(DAY, channel="phone")
    response = post_form(client, f"/partners/{PARTNER_A}/calendar/items", wrong_channel)
    assert response.status_code == 400
    assert "email only" in soup(response).select_one("#e-channel").text


def test_a_second_editor_gets_a_conflict_not_a_silent_overwrite(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    first, second = as_user("comms_a"), as_user("admin_a")
    item_id = plan(first, PARTNER_A, item_form(DAY))
    path = f"/partners/{PARTNER_A}/calendar/items/{item_id}"
    saved = post_form(
        first, path, item_form(DAY, title="First editor", version="1"), follow_redirects=False
    )
    assert saved.status_code == 303
    clash = post_form(second, path, item_form(DAY, title="Second editor", version="1"))
    assert clash.status_code == 409
    page = soup(clash)
    conflict = page.select_one("#conflict")
    assert conflict is not None and "First editor" in conflict.text
    # The second editor's text is kept in the form, now against the stored version.
    assert page.select_one("#f-title")["value"] == "Second editor"
    assert page.select_one("input[name=version]")["value"] == "2"
    with world.hub.transaction() as session:
        assert session.get_one(OutreachItem, item_id).title == "First editor"
    again = post_form(
        second, path, item_form(DAY, title="Second editor", version="2"), follow_redirects=False
    )
    assert again.status_code == 303


def test_only_the_owning_partners_vault_staff_edit_its_items(
    as_user: Callable[[str], TestClient[Litestar]],
) -> None:
    item_id = plan(as_user("comms_a"), PARTNER_A, item_form(DAY))
    path = f"/partners/{PARTNER_A}/calendar/items/{item_id}"
    assert as_user("admin_a").get(path).status_code == 200
    assert as_user("comms_b").get(path).status_code == 404
    assert as_user("signatory_a").get(path).status_code == 403
    assert as_user("secretariat").get(path).status_code == 404
    # Bravo's staff cannot reach Alpha's item through their own partner's path either.
    assert (
        as_user("comms_b").get(f"/partners/{PARTNER_B}/calendar/items/{item_id}").status_code == 404
    )
    moved = post_form(
        as_user("comms_b"),
        f"/partners/{PARTNER_B}/calendar/items/{item_id}/move",
        {"day": "2027-02-20", "version": "1"},
    )
    assert moved.status_code == 404


def _calendar_titles(client: TestClient[Litestar], day: date) -> set[str]:
    response = client.get("/calendar", params={"view": "month", "date": day.isoformat()})
    assert response.status_code == 200
    return {a.select_one(".what").text for a in soup(response).select("a.entry")}


def test_private_items_and_drafts_stay_with_their_partner(
    as_user: Callable[[str], TestClient[Litestar]],
) -> None:
    comms_a = as_user("comms_a")
    shared = plan(comms_a, PARTNER_A, item_form(DAY, title="Shared launch"))
    private = plan(comms_a, PARTNER_A, item_form(DAY, title="Private plan", visibility="private"))
    draft = plan(comms_a, PARTNER_A, item_form(DAY, title="Draft idea", status="draft"))
    for key in ("comms_b", "secretariat"):
        client = as_user(key)
        assert client.get(f"/calendar/items/{shared}").status_code == 200
        assert client.get(f"/calendar/items/{private}").status_code == 404
        assert client.get(f"/calendar/items/{draft}").status_code == 404
    assert as_user("signatory_a").get(f"/calendar/items/{private}").status_code == 200
    assert _calendar_titles(comms_a, DAY) == {"Shared launch", "Private plan", "Draft idea"}
    assert _calendar_titles(as_user("secretariat"), DAY) == {"Shared launch"}
    assert _calendar_titles(as_user("comms_b"), DAY) == {"Shared launch"}
    assert _calendar_titles(as_user("signatory_a"), DAY) == {
        "Shared launch",
        "Private plan",
        "Draft idea",
    }


def test_calendar_views_filters_and_htmx_partial(
    as_user: Callable[[str], TestClient[Litestar]],
) -> None:
    plan(as_user("comms_a"), PARTNER_A, item_form(DAY, title="Alpha news", kind="newsletter"))
    plan(as_user("comms_b"), PARTNER_B, item_form(DAY, title="Bravo survey", kind="survey"))
    client = as_user("secretariat")
    assert _calendar_titles(client, DAY) == {"Alpha news", "Bravo survey"}
    for view in ("week", "agenda"):
        response = client.get("/calendar", params={"view": view, "date": DAY.isoformat()})
        titles = {a.select_one(".what").text for a in soup(response).select("a.entry")}
        assert titles == {"Alpha news", "Bravo survey"}, view
    filtered = client.get(
        "/calendar", params={"view": "month", "date": DAY.isoformat(), "partner": PARTNER_B}
    )
    assert {a.select_one(".what").text for a in soup(filtered).select("a.entry")} == {
        "Bravo survey"
    }
    by_kind = client.get("/calendar", params={"date": DAY.isoformat(), "kind": "newsletter"})
    assert {a.select_one(".what").text for a in soup(by_kind).select("a.entry")} == {"Alpha news"}
    colours = {a["class"][1] for a in soup(filtered).select("a.entry")} | {
        a["class"][1] for a in soup(by_kind).select("a.entry")
    }
    assert len(colours) == 2
    partial = client.get(
        "/calendar", params={"date": DAY.isoformat()}, headers={"hx-request": "true"}
    )
    assert "<html" not in partial.text and soup(partial).select_one("table.month-grid")
    # Navigation works as plain links too, and pushes the URL under htmx.
    link = soup(partial).select_one("nav.calendar-nav a")
    assert link["href"].startswith("/calendar?") and link["hx-push-url"] == "true"


def _shared_audiences(world: World) -> None:
    add_contacts(world, PARTNER_A, [*SHARED, "only-a@x.example"])
    add_contacts(world, PARTNER_B, [*SHARED[:20], "only-b@x.example"])


def test_clashes_are_reported_in_published_counts_and_a_move_clears_them(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    _shared_audiences(world)
    comms_a, comms_b = as_user("comms_a"), as_user("comms_b")
    theirs = plan(comms_b, PARTNER_B, item_form(DAY + timedelta(days=2), title="Grid survey"))
    ours = plan(comms_a, PARTNER_A, item_form(DAY))
    page = soup(comms_a.get(f"/partners/{PARTNER_A}/calendar/items/{ours}"))
    clashes = [li.text for li in page.select("#clashes li")]
    assert any("Same topic (energy)" in text and "Grid survey" in text for text in clashes)
    overlaps = [li.text for li in page.select(".overlaps li")]
    assert overlaps == [
        "About 20 also receive Bravo Norms Office's consultation “Grid survey” on 12 Feb 2027."
    ]
    suggestions = [
        form.select_one("input[name=day]")["value"] for form in page.select(".suggestions form")
    ]
    assert suggestions
    target = date.fromisoformat(suggestions[0])
    assert abs((target - (DAY + timedelta(days=2))).days) >= 7
    with world.hub.transaction() as session:
        before = session.get_one(OutreachItem, ours).sequence
    moved = post_form(
        comms_a,
        f"/partners/{PARTNER_A}/calendar/items/{ours}/move",
        {"day": target.isoformat(), "version": "1"},
        follow_redirects=False,
    )
    assert moved.status_code == 303
    page = soup(comms_a.get(f"/partners/{PARTNER_A}/calendar/items/{ours}"))
    assert page.select_one("#no-clashes") is not None
    with world.hub.transaction() as session:
        item = session.get_one(OutreachItem, ours)
        assert item.sequence == before + 1
        assert item.starts_at.astimezone(UTC).date() == target
    # Bravo's item was marked for re-evaluation; the background job clears its badge too.
    with world.hub.transaction() as session:
        assert session.get_one(OutreachItem, theirs).clashes_stale
    assert reevaluate_stale(world.hub) >= 1
    with world.hub.transaction() as session:
        refreshed = session.get_one(OutreachItem, theirs)
        assert refreshed.clash_count == 0 and not refreshed.clashes_stale


def test_small_overlaps_are_never_mentioned(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    add_contacts(world, PARTNER_A, SHARED[:5] + [f"a{n}@x.example" for n in range(20)])
    add_contacts(world, PARTNER_B, SHARED[:5] + [f"b{n}@x.example" for n in range(20)])
    plan(as_user("comms_b"), PARTNER_B, item_form(DAY, topics="water"))
    ours = plan(as_user("comms_a"), PARTNER_A, item_form(DAY))
    report = evaluate(world.hub, ours)
    assert report is not None and report.overlaps == []


def test_the_fatigue_cap_counts_messages_across_partners(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    _shared_audiences(world)
    comms_a, comms_b = as_user("comms_a"), as_user("comms_b")
    # Four messages (the default cap) to the shared people within 30 days, on distinct topics.
    for offset, topic in ((0, "one"), (8, "two"), (16, "three")):
        plan(comms_b, PARTNER_B, item_form(DAY + timedelta(days=offset), topics=topic))
    plan(comms_a, PARTNER_A, item_form(DAY + timedelta(days=4), topics="four"))
    fifth = plan(comms_a, PARTNER_A, item_form(DAY + timedelta(days=12), topics="five"))
    report = evaluate(world.hub, fifth)
    assert report is not None
    cap = [c.text for c in report.clashes if c.rule == "cap"]
    # 20 people get five messages in 30 days; published rounded, never exact.
    assert cap == ["About 20 recipients would exceed the cap of 4 messages in 30 days."]
    assert report.suggestions
    for day in report.suggestions:
        assert (
            date.fromisoformat(day) >= DAY + timedelta(days=12 + 14)
            or date.fromisoformat(day) < DAY
        )


def test_cancelling_deletes_the_audience_tokens_and_retention_clears_ended_periods(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    _shared_audiences(world)
    client = as_user("comms_a")
    item_id = plan(client, PARTNER_A, item_form(DAY))
    with world.hub.transaction() as session:
        audience = session.get_one(CalendarAudience, item_id)
        assert audience.period_id == "2027Q1" and audience.records == 31
    post_form(
        client,
        f"/partners/{PARTNER_A}/calendar/items/{item_id}",
        item_form(DAY, status="cancelled", version="1"),
    )
    with world.hub.transaction() as session:
        assert session.get(CalendarAudience, item_id) is None
    other = plan(client, PARTNER_A, item_form(DAY, title="Another"))
    assert clear_expired_audiences(world.hub, now=datetime(2027, 3, 31, 23, tzinfo=UTC)) == 0
    assert (
        clear_expired_audiences(
            world.hub, now=datetime(2027, 4, 1, 0, tzinfo=UTC), vaults=world.directory
        )
        == 1
    )
    with world.hub.transaction() as session:
        assert session.get(CalendarAudience, other) is None


def _new_feed(client: TestClient[Litestar], scope: str = "user") -> str:
    form_key = soup(client.get("/calendar/feeds")).select_one("input[name=form_key]")["value"]
    form = {"label": "Mine", "scope": scope, "form_key": form_key}
    response = post_form(client, "/calendar/feeds", form)
    assert response.status_code == 200
    address = soup(response).select_one("#new-feed code").text
    match = re.search(r"/feeds/[^/]+\.ics$", address)
    assert match
    return match.group(0)


def _events(response: Any) -> dict[str, Any]:
    parsed = Calendar.from_ical(response.content)
    return {str(e["uid"]): e for e in parsed.walk("VEVENT")}


def test_feeds_parse_keep_uids_and_raise_sequence(
    world: World, as_user: Callable[[str], TestClient[Litestar]], anonymous: TestClient[Litestar]
) -> None:
    comms_a = as_user("comms_a")
    today = date.today()
    item_id = plan(comms_a, PARTNER_A, item_form(today + timedelta(days=10)))
    plan(
        comms_a,
        PARTNER_A,
        item_form(today + timedelta(days=11), title="Secret", visibility="private"),
    )
    plan(as_user("comms_b"), PARTNER_B, item_form(today + timedelta(days=12), title="Bravo's"))
    address = _new_feed(comms_a)
    first = anonymous.get(address)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(first.content)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    assert calendar["name"] and calendar["url"] and calendar["refresh-interval"]
    assert {str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")} >= {"Europe/Berlin"}
    events = _events(first)
    assert len(events) == 3  # Alpha's staff see Alpha's private item in their own feed
    event = events[f"{item_id}@concord"]
    assert event["dtstart"].params["TZID"] == "Europe/Berlin"
    assert "dtend" in event and "duration" not in event
    assert int(event["sequence"]) == 0 and str(event["status"]) == "TENTATIVE"
    assert event["dtstamp"]
    # Conditional GET.
    etag = first.headers["etag"]
    assert anonymous.get(address, headers={"if-none-match": etag}).status_code == 304
    # Moving the item keeps its UID and raises its SEQUENCE.
    post_form(
        comms_a,
        f"/partners/{PARTNER_A}/calendar/items/{item_id}/move",
        {"day": (today + timedelta(days=20)).isoformat(), "version": "1"},
    )
    second = anonymous.get(address, headers={"if-none-match": etag})
    assert second.status_code == 200
    moved = _events(second)[f"{item_id}@concord"]
    assert int(moved["sequence"]) == 1
    # Editing the title alone keeps the SEQUENCE; cancelling raises it and says so.
    post_form(
        comms_a,
        f"/partners/{PARTNER_A}/calendar/items/{item_id}",
        item_form(today + timedelta(days=20), title="Renamed", version="2"),
    )
    renamed = _events(anonymous.get(address))[f"{item_id}@concord"]
    assert int(renamed["sequence"]) == 1 and "Renamed" in str(renamed["summary"])
    post_form(
        comms_a,
        f"/partners/{PARTNER_A}/calendar/items/{item_id}",
        item_form(today + timedelta(days=20), title="Renamed", status="cancelled", version="3"),
    )
    cancelled = _events(anonymous.get(address))[f"{item_id}@concord"]
    assert str(cancelled["status"]) == "CANCELLED" and int(cancelled["sequence"]) == 2
    # Bravo's own feed shows Alpha's shared item but never its private one.
    bravo = _events(anonymous.get(_new_feed(as_user("comms_b"))))
    assert "Secret" not in {str(e["summary"]).split(": ", 1)[1] for e in bravo.values()}
    # A partner feed shows that partner's items only; the secretariat's shows shared items.
    partner_feed = _events(anonymous.get(_new_feed(as_user("comms_b"), scope="partner")))
    assert {str(e["summary"]) for e in partner_feed.values()} == {"Bravo Norms Office: Bravo's"}
    secretariat = _events(anonymous.get(_new_feed(as_user("secretariat"))))
    assert len(secretariat) == 2


def test_a_revoked_feed_address_stops_working(
    world: World, as_user: Callable[[str], TestClient[Litestar]], anonymous: TestClient[Litestar]
) -> None:
    client = as_user("comms_a")
    address = _new_feed(client)
    assert anonymous.get(address).status_code == 200
    assert anonymous.get("/feeds/not-a-real-token.ics").status_code == 404
    page = soup(client.get("/calendar/feeds"))
    form = page.select_one("form[action$='/revoke']")
    # Another person cannot revoke it.
    assert post_form(as_user("comms_b"), form["action"], {}).status_code == 404
    assert anonymous.get(address).status_code == 200
    response = post_form(client, form["action"], {}, follow_redirects=False)
    assert response.status_code == 303
    assert anonymous.get(address).status_code == 404


def test_over_cap_recipients_can_be_left_out_where_the_principles_allow(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    _shared_audiences(world)
    comms_a, comms_b = as_user("comms_a"), as_user("comms_b")
    for offset, topic in ((0, "one"), (8, "two"), (16, "three")):
        plan(comms_b, PARTNER_B, item_form(DAY + timedelta(days=offset), topics=topic))
    plan(comms_a, PARTNER_A, item_form(DAY + timedelta(days=4), topics="four"))
    fifth = plan(comms_a, PARTNER_A, item_form(DAY + timedelta(days=12), topics="five"))
    # Under the default principles (aggregates only) nobody is left out.
    refused = post_form(comms_a, f"/partners/{PARTNER_A}/calendar/items/{fifth}/leave-out", {})
    assert refused.status_code == 400
    assert "do not allow" in refused.text
    flags = PartnershipSettings(disclosure=Disclosure.CONTACT_FLAGS)
    left_out = leave_out_over_cap(
        world.hub, world.directory, PARTNER_A, fifth, actor="test", rules=flags
    )
    assert left_out == 20
    report = evaluate(world.hub, fifth)
    assert report is not None and not [c for c in report.clashes if c.rule == "cap"]
    segment = AudienceSegment(PURPOSE, "email")
    size = world.directory.vault(PARTNER_A).audience_size(segment, item_ref=fifth)
    assert size == 11  # 31 less the 20 who would have had five messages
    # Doing it again leaves nobody else out; the other items keep their whole audience.
    assert (
        leave_out_over_cap(world.hub, world.directory, PARTNER_A, fifth, actor="test", rules=flags)
        == 0
    )
    assert world.directory.vault(PARTNER_A).audience_size(segment) == 31


def test_the_size_preview_without_javascript_keeps_the_item_being_edited(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    add_contacts(world, PARTNER_A, ["a1@x.example"], tags=("energy",))
    add_contacts(world, PARTNER_A, ["a2@x.example"])
    client = as_user("comms_a")
    item_id = plan(client, PARTNER_A, item_form(DAY))
    query = {**item_form(DAY, audience_tags="energy"), "item_ref": item_id, "version": "1"}
    page = soup(client.get(f"/partners/{PARTNER_A}/calendar/audience", params=query))
    assert page.select_one("#audience-size strong").text == "1"
    form = page.select_one("form.item-form")
    assert form["action"].endswith(f"/calendar/items/{item_id}")
    assert page.select_one("#f-audience_tags")["value"] == "energy"


def test_a_feed_form_sent_twice_makes_one_feed(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    client = as_user("comms_a")
    form = {"label": "Mine", "scope": "user", "form_key": "same-key"}
    first = post_form(client, "/calendar/feeds", form)
    assert soup(first).select_one("#new-feed code")
    second = post_form(client, "/calendar/feeds", form)
    assert second.status_code == 200
    assert soup(second).select_one("#new-feed") is None
    assert soup(second).select_one("#repeated") is not None
    with world.hub.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CalendarFeed)) == 1


def test_parallel_saves_of_one_version_let_exactly_one_through(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    item_id = plan(as_user("comms_a"), PARTNER_A, item_form(DAY))
    outcomes: list[str] = []

    def save(number: int) -> None:
        fields = parse_item(item_form(DAY, title=f"Editor {number}"))
        try:
            directory = world.directory
            update_item(
                world.hub, directory, PARTNER_A, item_id, fields, expected_version=1, actor="t"
            )
            outcomes.append(f"Editor {number}")
        except EditConflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [o for o in outcomes if o != "conflict"]
    assert len(outcomes) == 4 and len(winners) == 1
    with world.hub.transaction() as session:
        item = session.get_one(OutreachItem, item_id)
        assert item.title == winners[0] and item.version == 2
