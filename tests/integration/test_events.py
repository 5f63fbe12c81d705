"""Joint events: co-hosting, matched invitation lists with an .ics, RSVPs under a capacity
held across partners (parallel requests), the waiting list, the deadline and attendance."""

from __future__ import annotations

import logging
import re
import threading
from datetime import timedelta

import icalendar
import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select, update

from concord.app import create_app
from concord.db import utcnow
from consent.outbox import services as outbox
from consent.outbox.models import OutboxMessage
from consent.public import Answer, Audience
from outreach.events import rsvp, services
from outreach.events.lists import ListBusy, clear_leftovers, commit_list
from outreach.events.models import EventHost, EventListToken, JointEvent, WaitingPlace
from outreach.events.rsvp import Choice, InvitationHandle, answer
from tests.conftest import PARTNER_A, PARTNER_B, World, csrf_token, new_client, sign_in
from tests.integration.stakeholders import NEWSLETTER, add_contact
from tests.mailserver import MailServer

pytestmark = pytest.mark.crosses_boundary

MATCHING_SECRET = "event matching secret for the tests " + "m" * 8


@pytest.fixture
def events_world(world: World) -> World:
    world.settings = world.settings.with_changes(matching_secret=MATCHING_SECRET)
    return world


@pytest.fixture
def events_app(events_world: World) -> Litestar:
    return create_app(
        events_world.settings,
        hub=events_world.hub,
        vaults=events_world.vaults,
        directory=events_world.directory,
    )


def client_as(app: Litestar, key: str) -> TestClient[Litestar]:
    client = new_client(app)
    sign_in(client, key)
    return client


def make_event(world: World, *, capacity: int = 50, cohost: bool = True) -> str:
    start = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    details = services.EventDetails(
        title="Standards and society day",
        description="A day of talks.",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        timezone="Europe/Berlin",
        venue="Haus der Normen, Berlin",
        online_url="https://meet.example.org/day",
        capacity=capacity,
        registration_deadline=start - timedelta(days=1),
    )
    with world.hub.transaction() as session:
        event = services.create_event(session, details, partner_slug=PARTNER_A, actor="user:1")
        event_id = event.id
        if cohost:
            services.invite_cohost(
                session, event, partner_slug=PARTNER_A, cohost_slug=PARTNER_B, actor="user:1"
            )
            services.answer_cohosting(
                session, event_id, partner_slug=PARTNER_B, accept=True, actor="user:4"
            )
    return event_id


def commit(world: World, event_id: str, partner: str) -> tuple[int, int]:
    report = commit_list(
        world.hub,
        world.directory,
        world.settings,
        event_id=event_id,
        partner_slug=partner,
        audience=Audience(NEWSLETTER),
        actor="user:1",
    )
    return report.invited, report.skipped


def rsvp_tokens(world: World, partner: str) -> list[str]:
    with world.vaults.transaction(partner) as session:
        bodies = session.scalars(
            select(OutboxMessage.text_body)
            .where(OutboxMessage.kind == "event_invitation")
            .order_by(OutboxMessage.id)
        ).all()
    return [re.search(r"/rsvp/(\S+)", body).group(1) for body in bodies]  # type: ignore[union-attr]


def event_row(world: World, event_id: str) -> JointEvent:
    with world.hub.transaction() as session:
        return session.get_one(JointEvent, event_id)


def host_row(world: World, event_id: str, partner: str) -> EventHost:
    with world.hub.transaction() as session:
        return session.get_one(EventHost, (event_id, partner))


def test_comms_staff_create_an_event_and_another_partner_cohosts_it(events_app: Litestar) -> None:
    alpha = client_as(events_app, "comms_a")
    form = {
        "title": "Open standards evening",
        "starts_at": (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT18:00"),
        "ends_at": (utcnow() + timedelta(days=20)).strftime("%Y-%m-%dT21:00"),
        "registration_deadline": (utcnow() + timedelta(days=18)).strftime("%Y-%m-%dT12:00"),
        "timezone": "Europe/Berlin",
        "venue": "Berlin",
        "capacity": "40",
        "_csrf_token": csrf_token(alpha),
    }
    bad = alpha.post("/partners/alpha/events/new", data={**form, "capacity": "lots"})
    assert bad.status_code == 400
    assert BeautifulSoup(bad.text, "html.parser").select_one("#e-capacity") is not None
    created = alpha.post("/partners/alpha/events/new", data=form, follow_redirects=False)
    assert created.status_code == 303
    path = created.headers["location"]
    event_id = path.rsplit("/", 1)[1]
    invited = alpha.post(
        f"/partners/alpha/events/{event_id}/cohosts",
        data={"cohost": "bravo", "_csrf_token": csrf_token(alpha)},
        follow_redirects=False,
    )
    assert invited.status_code == 303

    bravo = client_as(events_app, "comms_b")
    page = BeautifulSoup(bravo.get(path).text, "html.parser")
    assert page.h1 is not None and page.h1.text == "Open standards evening"
    accepted = bravo.post(
        f"/partners/bravo/events/{event_id}/cohosting",
        data={"answer": "accept", "_csrf_token": csrf_token(bravo)},
        follow_redirects=False,
    )
    assert accepted.status_code == 303
    # Bravo cannot invite co-hosts to alpha's event, nor act in alpha's space.
    assert (
        bravo.post(
            f"/partners/alpha/events/{event_id}/cohosts",
            data={"cohost": "bravo", "_csrf_token": csrf_token(bravo)},
        ).status_code
        == 404
    )
    listed = BeautifulSoup(client_as(events_app, "secretariat").get("/events").text, "html.parser")
    assert [a.text for a in listed.select("table.events a")] == ["Open standards evening"]
    rows = BeautifulSoup(bravo.get(path).text, "html.parser").select("table.event-hosts tbody tr")
    assert [(r["data-partner"], r.select("td")[0].text) for r in rows] == [
        ("alpha", "accepted"),
        ("bravo", "accepted"),
    ]


def test_lists_are_matched_the_earlier_invitation_wins_and_the_ics_parses(
    events_world: World, mail_server: MailServer
) -> None:
    world = events_world
    add_contact(world, "shared@example.org", partner=PARTNER_A)
    add_contact(world, "only.alpha@example.org", partner=PARTNER_A)
    add_contact(world, "Shared@Example.org", partner=PARTNER_B, given_name="Sam")
    add_contact(world, "only.bravo@example.org", partner=PARTNER_B)
    add_contact(world, "no.consent@example.org", partner=PARTNER_B, consent_to=())
    event_id = make_event(world)

    assert commit(world, event_id, PARTNER_A) == (2, 0)
    assert commit(world, event_id, PARTNER_B) == (1, 1)
    # A double submit invites nobody twice.
    assert commit(world, event_id, PARTNER_B) == (1, 1)
    with world.hub.transaction() as session:
        assert session.scalar(select(func.count()).select_from(EventListToken)) == 0
    assert host_row(world, event_id, PARTNER_A).list_order == 1
    assert host_row(world, event_id, PARTNER_B).list_order == 2

    settings = mail_server.settings(world.settings)
    outbox.send_due(world.vaults, settings, PARTNER_A)
    outbox.send_due(world.vaults, settings, PARTNER_B)
    recipients = sorted(r.rcpt_tos[0] for r in mail_server.received)
    assert recipients == [
        "only.alpha@example.org",
        "only.bravo@example.org",
        "shared@example.org",
    ]
    message = mail_server.received[0].message
    [ics_part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert ics_part.get_param("method") == "REQUEST"
    assert ics_part.get_filename() == "invitation.ics"
    calendar = icalendar.Calendar.from_ical(ics_part.get_content())
    assert calendar["METHOD"] == "REQUEST"
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event_id}@concord"
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert vevent["DTEND"].params["TZID"] == "Europe/Berlin"
    assert vevent.decoded("DTSTART") == event_row(world, event_id).starts_at
    assert str(vevent["SUMMARY"]) == "Standards and society day"
    assert str(vevent["LOCATION"]) == "Haus der Normen, Berlin"
    assert str(vevent["URL"]) == "https://meet.example.org/day"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "https://testserver.local/rsvp/" in text
    assert message["List-Unsubscribe"]


def test_a_cohost_sees_how_many_were_skipped_suppressed_never_who(
    events_world: World, events_app: Litestar
) -> None:
    world = events_world
    add_contact(world, "shared@example.org", partner=PARTNER_A)
    add_contact(world, "shared@example.org", partner=PARTNER_B)
    event_id = make_event(world)
    commit(world, event_id, PARTNER_A)
    bravo = client_as(events_app, "comms_b")
    response = bravo.post(
        f"/partners/bravo/events/{event_id}/invitations",
        data={"purpose": NEWSLETTER, "_csrf_token": csrf_token(bravo)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    page = BeautifulSoup(bravo.get(response.headers["location"]).text, "html.parser")
    report = page.select_one("#list-report")
    assert report is not None
    assert "0 invited" in report.text
    assert "<10 of your list were skipped" in report.text
    assert "shared@example.org" not in bravo.get(f"/events/{event_id}").text


def test_a_full_event_puts_people_on_the_waiting_list_and_a_decline_promotes_across_partners(
    events_world: World, events_app: Litestar
) -> None:
    world = events_world
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    add_contact(world, "bea@example.org", partner=PARTNER_B)
    event_id = make_event(world, capacity=1)
    commit(world, event_id, PARTNER_A)
    commit(world, event_id, PARTNER_B)
    [ada] = rsvp_tokens(world, PARTNER_A)
    [bea] = rsvp_tokens(world, PARTNER_B)
    invitee = new_client(events_app)

    shown = BeautifulSoup(invitee.get(f"/rsvp/{ada}").text, "html.parser")
    assert shown.h1 is not None and shown.h1.text == "Standards and society day"
    accepted = invitee.post(
        f"/rsvp/{ada}", data={"answer": "accept", "_csrf_token": csrf_token(invitee)}
    )
    assert "your place is booked" in accepted.text
    waiting = invitee.post(
        f"/rsvp/{bea}", data={"answer": "accept", "_csrf_token": csrf_token(invitee)}
    )
    assert "you are on the waiting list" in waiting.text
    assert event_row(world, event_id).accepted == 1
    assert host_row(world, event_id, PARTNER_B).waiting == 1

    invitee.post(f"/rsvp/{ada}", data={"answer": "decline", "_csrf_token": csrf_token(invitee)})

    assert event_row(world, event_id).accepted == 1
    assert host_row(world, event_id, PARTNER_A).accepted == 0
    assert host_row(world, event_id, PARTNER_A).declined == 1
    assert host_row(world, event_id, PARTNER_B).accepted == 1
    assert host_row(world, event_id, PARTNER_B).waiting == 0
    with world.hub.transaction() as session:
        assert session.scalar(select(func.count()).select_from(WaitingPlace)) == 0
    page = BeautifulSoup(invitee.get(f"/rsvp/{bea}").text, "html.parser")
    assert "you are coming" in page.select_one("#rsvp-answer").text  # type: ignore[union-attr]
    with world.vaults.transaction(PARTNER_B) as session:
        kinds = session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["event_invitation", "event_place"]


def test_parallel_rsvps_across_partners_never_exceed_capacity(events_world: World) -> None:
    world = events_world
    for n in range(6):
        add_contact(world, f"alpha{n}@example.org", partner=PARTNER_A)
        add_contact(world, f"bravo{n}@example.org", partner=PARTNER_B)
    event_id = make_event(world, capacity=4)
    commit(world, event_id, PARTNER_A)
    commit(world, event_id, PARTNER_B)
    tokens = rsvp_tokens(world, PARTNER_A) + rsvp_tokens(world, PARTNER_B)
    assert len(tokens) == 12
    barrier = threading.Barrier(len(tokens))
    errors: list[BaseException] = []

    def accept(token: str) -> None:
        try:
            barrier.wait()
            answer(world.hub, world.directory, token, Choice.ACCEPT)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=accept, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert event_row(world, event_id).accepted == 4
    counts = [
        world.directory.vault(p).event_invitation_counts(event_id) for p in (PARTNER_A, PARTNER_B)
    ]
    assert sum(c.get("accepted", 0) for c in counts) == 4
    assert sum(c.get("waiting", 0) for c in counts) == 8
    hosts = [host_row(world, event_id, p) for p in (PARTNER_A, PARTNER_B)]
    assert sum(h.accepted for h in hosts) == 4
    assert sum(h.waiting for h in hosts) == 8
    with world.hub.transaction() as session:
        assert session.scalar(select(func.count()).select_from(WaitingPlace)) == 8


def test_parallel_requests_through_the_web_hold_capacity(
    events_world: World, events_app: Litestar
) -> None:
    world = events_world
    for n in range(5):
        add_contact(world, f"alpha{n}@example.org", partner=PARTNER_A)
        add_contact(world, f"bravo{n}@example.org", partner=PARTNER_B)
    event_id = make_event(world, capacity=3)
    commit(world, event_id, PARTNER_A)
    commit(world, event_id, PARTNER_B)
    tokens = rsvp_tokens(world, PARTNER_A) + rsvp_tokens(world, PARTNER_B)
    clients = [new_client(events_app) for _ in tokens]
    forms = [{"answer": "accept", "_csrf_token": csrf_token(c)} for c in clients]
    barrier = threading.Barrier(len(tokens))
    statuses: list[int] = []

    def post(client: TestClient[Litestar], token: str, form: dict[str, str]) -> None:
        barrier.wait()
        statuses.append(client.post(f"/rsvp/{token}", data=form).status_code)

    threads = [
        threading.Thread(target=post, args=(c, t, f))
        for c, t, f in zip(clients, tokens, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(tokens)
    assert event_row(world, event_id).accepted == 3


def test_answers_close_at_the_registration_deadline(
    events_world: World, events_app: Litestar
) -> None:
    world = events_world
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    event_id = make_event(world)
    commit(world, event_id, PARTNER_A)
    [token] = rsvp_tokens(world, PARTNER_A)
    with world.hub.transaction() as session:
        session.execute(
            update(JointEvent)
            .where(JointEvent.id == event_id)
            .values(registration_deadline=utcnow() - timedelta(minutes=1))
        )
    invitee = new_client(events_app)
    response = invitee.post(
        f"/rsvp/{token}", data={"answer": "accept", "_csrf_token": csrf_token(invitee)}
    )
    assert response.status_code == 409
    assert "Registration for this event has closed." in response.text
    assert event_row(world, event_id).accepted == 0
    assert new_client(events_app).get("/rsvp/not-a-token").status_code == 404


def test_attendance_is_recorded_by_the_inviting_partner_and_counted_for_the_secretariat(
    events_world: World, events_app: Litestar
) -> None:
    world = events_world
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    add_contact(world, "bea@example.org", partner=PARTNER_B, given_name="Bea")
    event_id = make_event(world)
    commit(world, event_id, PARTNER_A)
    commit(world, event_id, PARTNER_B)
    for partner in (PARTNER_A, PARTNER_B):
        [token] = rsvp_tokens(world, partner)
        answer(world.hub, world.directory, token, Choice.ACCEPT)

    alpha = client_as(events_app, "comms_a")
    sheet = BeautifulSoup(
        alpha.get(f"/partners/alpha/events/{event_id}/attendance").text, "html.parser"
    )
    boxes = sheet.select("input[type=checkbox]")
    assert len(boxes) == 1  # alpha sees only its own invitee
    assert "Bea" not in sheet.text
    saved = alpha.post(
        f"/partners/alpha/events/{event_id}/attendance",
        data={str(boxes[0]["name"]): "on", "_csrf_token": csrf_token(alpha)},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert "Attendance was saved." in alpha.get(saved.headers["location"]).text

    # The hub asks each co-host's vault how many came when the event is looked at.
    secretariat = client_as(events_app, "secretariat")
    page = BeautifulSoup(secretariat.get(f"/events/{event_id}").text, "html.parser")
    assert host_row(world, event_id, PARTNER_A).attended == 1
    assert host_row(world, event_id, PARTNER_B).attended == 0
    rows = {
        str(r["data-partner"]): [td.text for td in r.select("td")][1:]
        for r in page.select("table.event-hosts tbody tr")
    }
    assert rows == {"alpha": ["1", "1", "0", "0", "1"], "bravo": ["1", "1", "0", "0", "0"]}
    assert "ada@example.org" not in page.text
    assert secretariat.get(f"/partners/alpha/events/{event_id}/attendance").status_code in {
        403,
        404,
    }


def test_the_rsvp_page_says_when_registration_has_closed(
    events_world: World, events_app: Litestar
) -> None:
    world = events_world
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    event_id = make_event(world)
    commit(world, event_id, PARTNER_A)
    [token] = rsvp_tokens(world, PARTNER_A)
    with world.hub.transaction() as session:
        session.execute(
            update(JointEvent)
            .where(JointEvent.id == event_id)
            .values(registration_deadline=utcnow() - timedelta(minutes=1))
        )
    page = BeautifulSoup(new_client(events_app).get(f"/rsvp/{token}").text, "html.parser")
    assert page.select("button") == []
    assert "Registration for this event has closed." in page.text


def test_one_invitee_answering_twice_at_once_takes_one_place(events_world: World) -> None:
    world = events_world
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    event_id = make_event(world, capacity=5)
    commit(world, event_id, PARTNER_A)
    [token] = rsvp_tokens(world, PARTNER_A)
    barrier = threading.Barrier(6)

    def accept() -> None:
        barrier.wait()
        answer(world.hub, world.directory, token, Choice.ACCEPT)

    threads = [threading.Thread(target=accept) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert event_row(world, event_id).accepted == 1
    assert host_row(world, event_id, PARTNER_A).accepted == 1


def test_a_place_taken_in_the_hub_is_given_back_when_the_vault_write_loses(
    events_world: World,
) -> None:
    """The compensation path: the hub reserved a place, the vault's compare-and-set failed."""
    world = events_world
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    event_id = make_event(world, capacity=5)
    commit(world, event_id, PARTNER_A)
    [token] = rsvp_tokens(world, PARTNER_A)
    found = rsvp.invitation(world.hub, world.directory, token)
    stale = InvitationHandle(found.partner_slug, found.ref, found.event_id, Answer.DECLINED)

    result = rsvp._accept(world.hub, world.directory, stale, token)

    assert result == rsvp.Rsvp(Answer.NONE, changed=False)
    assert event_row(world, event_id).accepted == 0
    assert host_row(world, event_id, PARTNER_A).accepted == 0


def test_a_crashed_matching_slot_is_taken_over_after_a_while(events_world: World) -> None:
    world = events_world
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    event_id = make_event(world)
    with world.hub.transaction() as session:
        session.execute(
            update(JointEvent)
            .where(JointEvent.id == event_id)
            .values(matching_partner=PARTNER_B, matching_since=utcnow())
        )
    with pytest.raises(ListBusy):
        commit(world, event_id, PARTNER_A)
    with world.hub.transaction() as session:
        session.execute(
            update(JointEvent)
            .where(JointEvent.id == event_id)
            .values(matching_since=utcnow() - timedelta(minutes=11))
        )
    assert commit(world, event_id, PARTNER_A) == (1, 0)
    assert event_row(world, event_id).matching_partner is None


def test_cancelling_tells_every_cohosts_invitees_with_a_cancel_ics(
    events_world: World, events_app: Litestar, mail_server: MailServer
) -> None:
    world = events_world
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    add_contact(world, "dan@example.org", partner=PARTNER_A, given_name="Dan")
    add_contact(world, "bea@example.org", partner=PARTNER_B, given_name="Bea")
    event_id = make_event(world)
    commit(world, event_id, PARTNER_A)
    commit(world, event_id, PARTNER_B)
    ada, dan = rsvp_tokens(world, PARTNER_A)
    answer(world.hub, world.directory, ada, Choice.ACCEPT)
    answer(world.hub, world.directory, dan, Choice.DECLINE)
    settings = mail_server.settings(world.settings)
    for partner in (PARTNER_A, PARTNER_B):
        outbox.send_due(world.vaults, settings, partner)
    mail_server.received.clear()

    bravo = client_as(events_app, "comms_b")
    refused = bravo.post(
        f"/partners/bravo/events/{event_id}/cancel", data={"_csrf_token": csrf_token(bravo)}
    )
    assert refused.status_code == 400
    alpha = client_as(events_app, "comms_a")
    for _ in range(2):  # a double submit tells nobody twice
        done = alpha.post(
            f"/partners/alpha/events/{event_id}/cancel",
            data={"_csrf_token": csrf_token(alpha)},
            follow_redirects=False,
        )
        assert done.status_code == 303
    assert event_row(world, event_id).status.value == "cancelled"
    for partner in (PARTNER_A, PARTNER_B):
        outbox.send_due(world.vaults, settings, partner)
    assert sorted(r.rcpt_tos[0] for r in mail_server.received) == [
        "ada@example.org",
        "bea@example.org",
    ]
    message = mail_server.received[0].message
    [ics_part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = icalendar.Calendar.from_ical(ics_part.get_content())
    assert calendar["METHOD"] == "CANCEL"
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == f"event-{event_id}@concord"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent.decoded("SEQUENCE") == 1
    invitee = new_client(events_app)
    closed = invitee.post(
        f"/rsvp/{ada}", data={"answer": "decline", "_csrf_token": csrf_token(invitee)}
    )
    assert closed.status_code == 409
    assert "cancelled" in closed.text


def test_the_audience_size_previews_as_the_purpose_is_chosen(
    events_world: World, events_app: Litestar
) -> None:
    world = events_world
    add_contact(world, "ada@example.org", partner=PARTNER_A)
    add_contact(world, "dan@example.org", partner=PARTNER_A, consent_to=())
    event_id = make_event(world)
    alpha = client_as(events_app, "comms_a")
    path = f"/partners/alpha/events/{event_id}/invitations"
    partial = alpha.get(path, params={"purpose": NEWSLETTER}, headers={"HX-Request": "true"})
    fragment = BeautifulSoup(partial.text, "html.parser")
    assert fragment.find("html") is None
    size = fragment.select_one("#audience-size")
    assert size is not None and size.text.startswith("1 contact would")
    full = BeautifulSoup(alpha.get(path).text, "html.parser")
    assert full.select_one("select#f-purpose") is not None
    missing = alpha.post(path, data={"purpose": "", "_csrf_token": csrf_token(alpha)})
    assert missing.status_code == 400
    assert BeautifulSoup(missing.text, "html.parser").select_one("#e-purpose") is not None


def test_newcomers_queue_behind_the_waiting_list_for_a_free_place(events_world: World) -> None:
    world = events_world
    for name in ("ada", "bea", "cy"):
        add_contact(world, f"{name}@example.org", partner=PARTNER_A, given_name=name)
    event_id = make_event(world, capacity=1)
    commit(world, event_id, PARTNER_A)
    ada, bea, cy = rsvp_tokens(world, PARTNER_A)
    assert answer(world.hub, world.directory, ada, Choice.ACCEPT).answer.value == ("accepted")
    assert answer(world.hub, world.directory, bea, Choice.ACCEPT).answer.value == ("waiting")
    # A place comes free without its promotion running (as after a crash).
    with world.hub.transaction() as session:
        session.execute(update(JointEvent).where(JointEvent.id == event_id).values(accepted=0))

    late = answer(world.hub, world.directory, cy, Choice.ACCEPT)

    assert late.answer.value == "waiting"
    assert rsvp.invitation(world.hub, world.directory, bea).answer.value == "accepted"
    assert event_row(world, event_id).accepted == 1


def test_an_event_run_leaves_no_personal_data_or_tokens_in_the_logs(
    events_world: World,
    events_app: Litestar,
    mail_server: MailServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    world = events_world
    add_contact(world, "ada.private@example.org", partner=PARTNER_A, given_name="Adelheid")
    add_contact(world, "ada.private@example.org", partner=PARTNER_B, given_name="Adelheid")
    with caplog.at_level(logging.DEBUG):
        event_id = make_event(world, capacity=1)
        bravo = client_as(events_app, "comms_b")
        bravo.post(
            f"/partners/bravo/events/{event_id}/invitations",
            data={"purpose": NEWSLETTER, "_csrf_token": csrf_token(bravo)},
        )
        commit(world, event_id, PARTNER_A)
        outbox.send_due(world.vaults, mail_server.settings(world.settings), PARTNER_B)
        [token] = rsvp_tokens(world, PARTNER_B)
        invitee = new_client(events_app)
        invitee.get(f"/rsvp/{token}")
        invitee.post(
            f"/rsvp/{token}", data={"answer": "accept", "_csrf_token": csrf_token(invitee)}
        )
    # The test client's httpx log and the test SMTP server's log are the test's, not the app's.
    logged = "\n".join(
        r.getMessage() for r in caplog.records if r.name not in ("httpx", "mail.log")
    )
    assert "POST /rsvp/{token} 303" in logged
    for secret in (token, "ada.private", "Adelheid"):
        assert secret not in logged


def test_the_retention_job_clears_tokens_a_crash_left_behind(events_world: World) -> None:
    world = events_world
    event_id = make_event(world)
    with world.hub.transaction() as session:
        session.add(
            EventListToken(
                event_id=event_id, partner_slug=PARTNER_A, pseudonym=b"p" * 16, token=b"t" * 32
            )
        )
        session.execute(
            update(JointEvent)
            .where(JointEvent.id == event_id)
            .values(matching_partner=PARTNER_A, matching_since=utcnow())
        )
    assert clear_leftovers(world.hub) == 0  # a list being matched now keeps its tokens
    with world.hub.transaction() as session:
        session.execute(
            update(JointEvent)
            .where(JointEvent.id == event_id)
            .values(matching_since=utcnow() - timedelta(hours=1))
        )
    assert clear_leftovers(world.hub) == 1
    with world.hub.transaction() as session:
        assert session.scalar(select(func.count()).select_from(EventListToken)) == 0
    assert event_row(world, event_id).matching_partner is None
