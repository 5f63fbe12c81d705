"""The demo's governance records, so that the secretariat's pages are not empty on first start.

Everything goes through the governance services, as the pages would, and each piece is made
once: a restart of the demo on the same folder finds it (by its form key, title or version)
and changes nothing, not even what people changed in the demo since.
"""

from __future__ import annotations

from datetime import date, timedelta

import click
from sqlalchemy import select

from concord.accounts.models import Role, User
from concord.accounts.viewer import Viewer
from concord.cli.platform import Platform
from concord.db import utcnow
from concord.governance.actions import services as actions
from concord.governance.glossary import services as glossary
from concord.governance.glossary.models import GlossaryTerm
from concord.governance.meetings import services as meetings
from concord.governance.meetings.models import AgendaItem, Meeting, MeetingSeries
from concord.governance.principles import services as principles
from concord.governance.principles.models import PrinciplesVersion
from concord.governance.reviews import services as reviews
from concord.governance.reviews.models import ReviewRound
from concord.partners.models import Partner

SERIES_KEY = "demo-monthly-meeting-series"
SERIES_TITLE = "Monthly partnership meeting"
AGENDA = [
    ("Welcome and approval of the last minutes", 10),
    ("Joint outreach charter: review round", 30),
    ("Shared calendar: the next quarter", 20),
    ("Any other business", 10),
]
# (title, owner's mailbox at which partner, days from today it is due): one already overdue.
ACTIONS = [
    ("Send the charter's legal comments to the secretariat", "admin@coastal.example", -7),
    ("Propose dates for the joint autumn event", "comms@northmere.example", 12),
]
DOCUMENT_KEY = "demo-review-document-charter"
ROUND_KEY = "demo-review-round-charter"
# Each partner's state in the demo round, set by that partner's own admin.
ROUND_STATES = {
    "northmere": "approved",
    "coastal": "legal_review",
    "alpine": "changes_requested",
    "riverbend": "not_started",
}
GLOSSARY = [
    (
        "stakeholder",
        "A person or organisation with an interest in a standard.",
        {
            "northmere": ("community of interest", "People who follow a committee's work."),
            "coastal": ("stakeholder", "Anyone affected by a standard."),
            "alpine": ("interested party", "A body consulted on a draft."),
        },
    ),
    (
        "operation",
        "A place where a member organisation carries out its work.",
        {
            "northmere": ("site", "A physical location of a member."),
            "riverbend": ("facility", "A plant or office covered by a certificate."),
        },
    ),
    (
        "consultation",
        "An open call for comments on a draft.",
        {
            "coastal": ("public enquiry", "The formal comment period on a draft standard."),
            "alpine": ("Stellungnahmeverfahren", "The comment procedure on a draft."),
            "riverbend": ("public comment", "Comments invited from anyone on a draft."),
        },
    ),
]


def _account(platform: Platform, email: str) -> User:
    with platform.hub.transaction() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        session.expunge(user)
        return user


def seed_demo_governance(platform: Platform, secretariat_email: str) -> None:
    """Make whichever demo governance records are missing."""
    secretariat = Viewer.of(_account(platform, secretariat_email))
    _principles(platform)
    _meetings(platform, secretariat)
    _actions(platform, secretariat)
    _review(platform, secretariat)
    _glossary(platform, secretariat)


def _principles(platform: Platform) -> None:
    """Version 1 (the defaults), signed by every partner's signatory: the defaults banner goes."""
    with platform.hub.transaction() as session:
        first = session.scalar(select(PrinciplesVersion).where(PrinciplesVersion.number == 1))
        if first is None:
            first = principles.draft_new_version(session, actor="operator:demo")
        if principles.in_force(session) is not None:
            return
        signatories = session.scalars(
            select(User).where(User.role == Role.SIGNATORY, User.is_active.is_(True))
        ).all()
        for signer in signatories:
            assert signer.partner is not None
            principles.sign(
                session,
                first.id,
                signer_id=signer.id,
                partner_slug=signer.partner.slug,
                shown_hash=first.content_hash,
            )
    click.echo("Signed the demo's Principles for Collaboration, version 1.", err=True)


def _meetings(platform: Platform, secretariat: Viewer) -> None:
    """The monthly series (second Tuesday, 10:00 Brussels) and the next meeting's agenda."""
    with platform.hub.transaction() as session:
        series = session.scalar(select(MeetingSeries).where(MeetingSeries.form_key == SERIES_KEY))
        if series is None:
            series = meetings.add_series(
                session,
                secretariat,
                title=SERIES_TITLE,
                rrule_text="FREQ=MONTHLY;BYDAY=2TU",
                first_date=date.today().isoformat(),
                start_time="10:00",
                duration="90",
                timezone="Europe/Brussels",
                location="Video call",
                form_key=SERIES_KEY,
            )
        if session.scalar(select(AgendaItem.id).where(AgendaItem.form_key == "demo-agenda-1")):
            return
        following = session.scalar(
            select(Meeting)
            .where(Meeting.series_id == series.id, Meeting.starts_at >= utcnow())
            .order_by(Meeting.starts_at)
            .limit(1)
        )
        if following is None:
            return
        for number, (title, minutes) in enumerate(AGENDA, start=1):
            meetings.add_agenda_item(
                session,
                secretariat,
                following.id,
                title=title,
                owner="",
                duration=str(minutes),
                form_key=f"demo-agenda-{number}",
            )
    click.echo("Scheduled the demo's monthly meetings, with the next agenda.", err=True)


def _actions(platform: Platform, secretariat: Viewer) -> None:
    today = date.today()
    with platform.hub.transaction() as session:
        for number, (title, owner_email, days) in enumerate(ACTIONS, start=1):
            owner = session.scalars(select(User).where(User.email == owner_email)).one()
            actions.add_action(
                session,
                secretariat,
                title=title,
                owner=str(owner.id),
                due_on=(today + timedelta(days=days)).isoformat(),
                form_key=f"demo-action-{number}",
            )


def _review(platform: Platform, secretariat: Viewer) -> None:
    """One joint document (a link) in a round where the partners stand at different stages."""
    with platform.hub.transaction() as session:
        if session.scalar(select(ReviewRound.id).where(ReviewRound.form_key == ROUND_KEY)):
            return
        document = reviews.add_document(
            session,
            platform.settings,
            secretariat,
            title="Joint outreach charter",
            version="2.0",
            link="https://docs.example.org/partnership/joint-outreach-charter-v2",
            form_key=DOCUMENT_KEY,
        )
        opened = reviews.open_round(
            session, secretariat, document=str(document.id), form_key=ROUND_KEY
        )
        for slug, state in ROUND_STATES.items():
            if state == "not_started":
                continue
            admin = session.scalars(select(User).where(User.email == f"admin@{slug}.example")).one()
            reviews.set_partner_state(session, Viewer.of(admin), opened.id, slug, state)


def _glossary(platform: Platform, secretariat: Viewer) -> None:
    """Three shared terms beside the partners' own words for them."""
    with platform.hub.transaction() as session:
        partners = {p.slug: p for p in session.scalars(select(Partner))}
        for term, definition, wordings in GLOSSARY:
            if session.scalar(select(GlossaryTerm.id).where(GlossaryTerm.term == term)):
                continue
            added = glossary.add_term(
                session, term=term, definition=definition, editor_id=secretariat.id
            )
            for slug, (own, meaning) in wordings.items():
                if slug not in partners:
                    continue
                staff = session.scalars(select(User).where(User.email == f"comms@{slug}.example"))
                glossary.edit_wording(
                    session,
                    added.id,
                    partner_slug=slug,
                    term_text=own,
                    definition=meaning,
                    editor_id=staff.one().id,
                )
