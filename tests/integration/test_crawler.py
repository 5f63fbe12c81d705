"""The app, tried as an attacker would: every role opens every page it can reach from the
dashboard, submits every form it finds with hostile values and tries every route with hostile
path values. No answer may be a 5xx, partner B's space stays closed to partner A, and the data
checks (audit chain, every page touched, every background job) still pass afterwards.

Run with ``-s`` to see the request count and the number of 5xx per role.
"""

from __future__ import annotations

import importlib
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from concord import jobs
from concord.accounts import api_tokens
from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.audit import chain
from concord.cli.background import PACKAGE_JOBS
from concord.governance import seals
from concord.governance.actions.services import add_action
from concord.governance.decisions import services as decisions
from concord.governance.glossary import services as glossary
from concord.governance.meetings import services as meetings
from concord.governance.principles import services as principles
from concord.governance.reviews import services as reviews
from concord.scheduler import PERIODIC_JOBS
from concord.settings import Settings
from concord.web.access import PARTNER_SCOPED
from consent.importing.services import Importer
from consent.importing.terms import DEFAULT_PURPOSE, check_terms
from consent.outbox.models import OutboxMessage
from consent.public import Audience
from consent.purposes.models import LegalBasis
from consent.rights.models import RequestKind, Verification
from consent.rights.requests import receive_request
from outreach.calendar.demo import seed_quarter
from outreach.calendar.models import OutreachItem
from outreach.events import services as events
from outreach.events.lists import commit_list
from outreach.matching.rounds import open_round, run_round
from tests.conftest import PARTNER_A, PARTNER_B, PEOPLE, World
from tests.crawler import Crawler, Hit, Role, describe
from tests.integration.stakeholders import ENGAGEMENT, NEWSLETTER, add_contact, queue_newsletter

MATCHING_SECRET = "crawler matching secret for the tests " + "c" * 8
# Stakeholders first, while their event is open (staff crawls cancel it); then partner B's
# staff, so that partner A's staff can be sent to the pages of B's that they found.
ORDER = ["anonymous", "comms_b", "admin_b", "comms_a", "admin_a", "signatory_a", "secretariat"]
PAGE_BUDGET = 250
ACTOR = "test:crawler"


# Known 5xx that are being fixed elsewhere (issue 12). Each entry names what it excuses; delete
# the entry, and the test then demands the fix, once the fix has landed.
def static_nul_is_known(hit: Hit) -> bool:
    """``/static/%00`` answers 500 (ValueError in the static files app): issue 12, section 3."""
    return hit.template.startswith("/static/") and "%00" in hit.url


KNOWN_5XX: list[Callable[[Hit], bool]] = [static_nul_is_known]


def known(hit: Hit) -> bool:
    return not hit.failed or any(excuse(hit) for excuse in KNOWN_5XX)


# A partnership with something on every page


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, with a matching secret so that rounds and event lists can run."""
    return settings.with_changes(matching_secret=MATCHING_SECRET)


def viewer(world: World, key: str) -> Viewer:
    with world.hub.transaction() as session:
        return Viewer.of(session.get_one(User, world.users[key]))


def seed(world: World, tmp_path: Path) -> None:
    """Contacts, an import, requests, a matching round, calendar items, an event with its
    invitations, a meeting with an agenda, a decision, a review round, an action item, a
    glossary term and a draft of the principles: each made through its own service."""
    for partner in (PARTNER_A, PARTNER_B):
        for number in range(4):
            add_contact(
                world,
                f"person{number}@{partner}.example.org",
                partner=partner,
                consent_to=(NEWSLETTER, ENGAGEMENT),
                given_name=f"Person{number}",
            )
        add_contact(world, "shared.person@example.org", partner=partner)
        with world.vaults.transaction(partner) as session:
            receive_request(
                session,
                contact_id=1,
                kind=RequestKind.ACCESS,
                verified_by=Verification.EMAIL_CODE,
                actor=ACTOR,
            )
            terms, _ = check_terms(
                session,
                lawful_basis=LegalBasis.LEGITIMATE_INTEREST.value,
                source="crawler list",
                purpose_code=DEFAULT_PURPOSE,
            )
        listing = tmp_path / f"{partner}.csv"
        listing.write_text(
            "email,given_name,family_name\n"
            f"imported@{partner}.example.org,Imported,Person\nnot-an-address,Broken,Row\n"
        )
        Importer.for_partner(world.vaults, world.host, partner).import_once(
            listing, terms=terms, operator=ACTOR
        )
    round_id = open_round(world.hub, scope="all", actor=ACTOR)
    run_round(world.hub, world.directory, round_id)
    seed_quarter(world.hub, world.directory, today=date.today(), actor=ACTOR)
    secretariat = viewer(world, "secretariat")
    start = (datetime.now(UTC) + timedelta(days=40)).replace(microsecond=0)
    with world.hub.transaction() as session:
        event = events.create_event(
            session,
            events.EventDetails(
                title="Standards day",
                description="Talks.",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                timezone="Europe/Berlin",
                venue="Berlin",
                online_url="https://meet.example.org/day",
                capacity=20,
                registration_deadline=start - timedelta(days=1),
            ),
            partner_slug=PARTNER_A,
            actor=ACTOR,
        )
        event_id = event.id
        events.invite_cohost(
            session, event, partner_slug=PARTNER_A, cohost_slug=PARTNER_B, actor=ACTOR
        )
        events.answer_cohosting(session, event_id, partner_slug=PARTNER_B, accept=True, actor=ACTOR)
    queue_newsletter(world, 1)
    commit_list(
        world.hub,
        world.directory,
        world.settings,
        event_id=event_id,
        partner_slug=PARTNER_A,
        audience=Audience(NEWSLETTER),
        actor=ACTOR,
    )
    with world.hub.transaction() as session:
        meeting = meetings.add_meeting(
            session,
            secretariat,
            title="Monthly meeting",
            on=(date.today() + timedelta(days=20)).isoformat(),
            start_time="10:00",
            duration="90",
            timezone="Europe/Brussels",
        )
        meetings.add_agenda_item(
            session,
            secretariat,
            meeting.id,
            title="The joint charter",
            owner=str(world.users["admin_a"]),
            duration="20",
        )
        document = reviews.add_document(
            session,
            world.settings,
            secretariat,
            title="Joint charter",
            version="1.0",
            link="https://example.org/charter",
        )
        reviews.open_round(
            session,
            secretariat,
            document=str(document.id),
            deadline=(date.today() + timedelta(days=30)).isoformat(),
        )
        decisions.propose(
            session,
            proposer_id=world.users["secretariat"],
            title="One joint consultation calendar",
            text="We publish one joint calendar.",
            changes_principles=False,
            form_key="crawler-decision-0001",
        )
        add_action(
            session,
            secretariat,
            title="Send the charter to legal",
            owner=str(world.users["comms_a"]),
            due_on=(date.today() + timedelta(days=10)).isoformat(),
        )
        glossary.add_term(
            session,
            term="stakeholder",
            definition="A person with an interest in a standard.",
            editor_id=world.users["secretariat"],
        )
        principles.draft_new_version(session, actor=ACTOR)


def stakeholder_links(world: World) -> list[str]:
    """The preference-centre, unsubscribe and RSVP links that partner A's messages carry."""
    with world.vaults.transaction(PARTNER_A) as session:
        bodies = session.scalars(select(OutboxMessage.text_body)).all()
    found = sorted(
        {
            match.group(1)
            for body in bodies
            for match in re.finditer(r"https://testserver\.local(/(?:p|u|rsvp)/[^\s>\"]+)", body)
        }
    )
    # Two of each kind: every one of a kind leads to the same pages.
    return [
        link
        for kind in ("/p/", "/u/", "/rsvp/")
        for link in [link for link in found if link.startswith(kind)][:2]
    ]


def bearer_token(world: World, key: str) -> str:
    """A fresh API token: the crawl may well have revoked the last one on the tokens page."""
    with world.hub.transaction() as session:
        _, clear = api_tokens.issue(session, session.get_one(User, world.users[key]), "crawler")
    return clear


def run_every_job(world: World) -> list[str]:
    """Each background job once, as the worker would run it; returns the ones that raised."""
    jobs.bind(world.hub, **world.job_services())
    raised = []
    for job_id, reference, _ in PERIODIC_JOBS + PACKAGE_JOBS:
        module, name = reference.split(":")
        try:
            getattr(importlib.import_module(module), name)()
        except Exception as exc:
            raised.append(f"{job_id}: {type(exc).__name__}")
    return raised


# The crawl


def test_no_role_finds_a_5xx_and_the_data_checks_still_pass_afterwards(
    world: World,
    app: Litestar,
    as_user: Callable[[str], TestClient[Litestar]],
    anonymous: TestClient[Litestar],
    tmp_path: Path,
) -> None:
    seed(world, tmp_path)
    partner_of = {key: partner for key, _, _, partner in PEOPLE}
    roles = {
        key: Role(key, as_user(key), partner_of[key] or PARTNER_A)
        for key in ORDER
        if key != "anonymous"
    }
    roles["anonymous"] = Role(
        "anonymous", anonymous, PARTNER_A, starts=[*stakeholder_links(world), "/my-data"]
    )
    anonymous.get("/login")  # the CSRF cookie a visitor's browser would hold
    crawler = Crawler(app, page_budget=PAGE_BUDGET)
    started = time.monotonic()
    leaks: list[Hit] = []
    try:
        for key in ORDER:
            role = roles[key]
            crawler.crawl(role)
            crawler.probe_static(role)
            if key != "anonymous":
                role.bearer = bearer_token(world, key)
            other = PARTNER_B if partner_of.get(key) == PARTNER_A else None
            leaks += crawler.sweep_routes(role, other_partner=other)
            if other:
                b_pages = {
                    page
                    for b_role in ("comms_b", "admin_b")
                    for page in crawler.pages_ok.get(b_role, set())
                    if page[0].startswith(f"/partners/{PARTNER_B}")
                }
                leaks += crawler.replay(role, b_pages, "foreign")
        crawled = time.monotonic() - started
        counts_before_recheck = crawler.counts()
        rechecked = [
            hit
            for key in ORDER
            for hit in crawler.replay(roles[key], crawler.pages_ok.get(key, set()), "recheck")
        ]
    finally:
        crawler.close()

    failures = describe(crawler.hits, known)
    excused = [hit for hit in crawler.hits if hit.failed and known(hit)]
    # Every check runs and reports, so one failing run says all that is wrong at once.
    problems = [f"5xx: {line}" for line in failures]
    # A crawl that lost its session, or met a wall of redirects, would pass without testing.
    for key, role in roles.items():
        if key != "anonymous" and role.client.get("/account").status_code != 200:
            problems.append(f"signed out during the crawl: {key}")
        if len(crawler.pages_ok.get(key, ())) < 20:
            problems.append(f"opened too few pages: {key}")
    problems += sorted(
        {
            f"partner B's space answered partner A: {h.role} {h.method} {h.template} {h.status}"
            for h in leaks
            if h.status not in {403, 404}
            and (route := crawler.table.route(h.method, h.template)) is not None
            and route.level in PARTNER_SCOPED
        }
    )
    with world.hub.transaction() as session:
        items = session.execute(select(OutreachItem.partner_slug, OutreachItem.id)).all()
    comms = {PARTNER_A: roles["comms_a"].client, PARTNER_B: roles["comms_b"].client}
    for partner, item_id in items:
        # Every item, the crawl's own included: a stored bad date must not break its page.
        status = comms[partner].get(f"/partners/{partner}/calendar/items/{item_id}").status_code
        if status >= 500:
            problems.append(f"item page answers {status}: an item of {partner}")
    with world.hub.transaction() as session:
        audit = chain.verify(session)
        sealed = seals.verify(session)
    if not audit.ok:
        problems.append(f"audit chain broken at {audit.first_bad_seq}: {audit.reason}")
    problems += [f"governance record off the chain: {problem}" for problem in sealed]
    problems += [f"job raised: {line}" for line in run_every_job(world)]

    report = {
        "seconds": round(time.monotonic() - started, 1),
        "crawl_seconds": round(crawled, 1),
        "per_role": counts_before_recheck,
        "recheck": crawler.counts(rechecked),
        "problems": problems,
        "known_5xx_excused": describe(excused, lambda _: False),
    }
    (tmp_path / "crawler-report.json").write_text(json.dumps(report, indent=2))
    (tmp_path / "crawler-hits.json").write_text(json.dumps([vars(h) for h in crawler.hits]))
    print("\ncrawler:", json.dumps({k: report[k] for k in ("seconds", "per_role")}))

    assert not problems, "\n".join(problems)
