"""The demo partnership: fictional partners, staff for every role, synthetic contact lists.

Running it again changes nothing that exists, so ``concord demo`` can start the same demo
every time.
"""

from __future__ import annotations

import os
import secrets
from datetime import date
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from concord.accounts.models import Role, User
from concord.accounts.passwords import check_password
from concord.accounts.users import add_user
from concord.categories.services import ensure_shared_categories
from concord.cli.demo_governance import seed_demo_governance
from concord.cli.demo_rights import seed_demo_requests
from concord.cli.demo_welcome import send_welcome
from concord.cli.platform import DEMO_MARKER, Platform
from concord.demo.contacts import (
    DEMO_PARTNER_NAMES,
    DEMO_PARTNER_TIMEZONES,
    DEMO_PARTNERS,
    generate,
    write_csvs,
)
from concord.partners.services import add_partner, by_slug
from concord.settings import Settings
from consent.importing.services import Importer
from consent.importing.terms import DEFAULT_PURPOSE, check_terms
from consent.purposes.models import LegalBasis
from outreach.calendar.demo import seed_quarter
from outreach.matching.models import MatchingRound, RoundStatus
from outreach.matching.rounds import open_round, run_round

ACTOR = "operator:demo"
DEMO_SOURCE = "demo synthetic list"
DEMO_PEOPLE = 400
DEMO_SEED = 2026
SECRETARIAT_EMAIL = "secretariat@partnership.example"
PARTNER_ROLES = (Role.PARTNER_ADMIN, Role.COMMS, Role.SIGNATORY)
ROLE_MAILBOX = {Role.PARTNER_ADMIN: "admin", Role.COMMS: "comms", Role.SIGNATORY: "signatory"}


def _secret_file(settings: Settings, name: str) -> str:
    """A random secret kept in the data folder (never in the hub database), made once."""
    path = settings.data_dir / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def demo_settings(settings: Settings) -> Settings:
    """Demo settings: secrets generated into the data folder unless given explicitly."""
    changes: dict[str, object] = {"demo": True}
    if not settings.secret_key:
        changes["secret_key"] = _secret_file(settings, "secret_key")
    if not settings.matching_secret and not settings.federated:
        changes["matching_secret"] = _secret_file(settings, "matching_secret")
    return settings.with_changes(**changes)


def demo_accounts() -> list[tuple[str, Role, str | None, str]]:
    """(email, role, partner slug, display name) of every demo account."""
    accounts: list[tuple[str, Role, str | None, str]] = [
        (SECRETARIAT_EMAIL, Role.SECRETARIAT, None, "Sam Secretariat")
    ]
    for partner in DEMO_PARTNERS:
        for role in PARTNER_ROLES:
            email = f"{ROLE_MAILBOX[role]}@{partner.slug}.example"
            name = f"{role.label} at {DEMO_PARTNER_NAMES[partner.slug].split()[0]}"
            accounts.append((email, role, partner.slug, name))
    return accounts


def seed_demo(platform: Platform) -> None:
    """Create whatever part of the demo partnership is missing."""
    platform.settings.data_dir.mkdir(parents=True, exist_ok=True)
    (platform.settings.data_dir / DEMO_MARKER).write_text(
        "This data folder holds a Concord demo: fictional data, secrets in secrets/.\n"
    )
    platform.migrate_all()
    hub = platform.hub
    with hub.transaction() as session:
        add_demo_partners(session)
    for partner in DEMO_PARTNERS:
        platform.open_vault(partner.slug)
    _seed_accounts(platform)
    _write_contact_files(platform.settings.data_dir / "demo")
    _import_contact_files(platform, platform.settings.data_dir / "demo" / "contacts")
    _first_round(platform)
    send_welcome(platform)
    seed_demo_requests(platform, [partner.slug for partner in DEMO_PARTNERS])
    _plan_quarter(platform)
    seed_demo_governance(platform, SECRETARIAT_EMAIL)


def _plan_quarter(platform: Platform) -> None:
    """Fill the shared calendar's coming weeks once, with a few clashes to look at."""
    planned = seed_quarter(platform.hub, platform.directory, today=date.today(), actor=ACTOR)
    if planned:
        click.echo(f"Planned {planned} demo outreach items on the shared calendar.", err=True)


def add_demo_partners(session: Session) -> None:
    """The four demo partners, once (both demos call this)."""
    for partner in DEMO_PARTNERS:
        if by_slug(session, partner.slug) is None:
            add_partner(
                session,
                slug=partner.slug,
                name=DEMO_PARTNER_NAMES[partner.slug],
                country=partner.country,
                timezone=DEMO_PARTNER_TIMEZONES[partner.slug],
                actor=ACTOR,
            )


def _seed_accounts(platform: Platform) -> None:
    hub = platform.hub
    wanted = os.environ.get("CONCORD_DEMO_PASSWORD")
    generated = None
    with hub.transaction() as session:
        existing = {u.email: u for u in session.scalars(select(User))}
        for email, role, partner_slug, name in demo_accounts():
            account = existing.get(email)
            if account is None:
                password = wanted or generated or secrets.token_urlsafe(12)
                if not wanted:
                    generated = password
                add_user(
                    session,
                    hub.password_hasher,
                    email=email,
                    role=role.value,
                    password=password,
                    partner_slug=partner_slug,
                    display_name=name,
                    actor=ACTOR,
                )
            elif wanted and not check_password(account.password_hash, wanted, hub.password_hasher):
                account.password_hash = hub.password_hasher.hash(wanted)
    click.echo("Demo accounts (one per role and partner):", err=True)
    for email, role, partner_slug, _ in demo_accounts():
        click.echo(f"  {email:<34} {role.value:<14} {partner_slug or ''}", err=True)
    if generated:
        click.echo(
            f"Their password (shown once; set CONCORD_DEMO_PASSWORD to choose one): {generated}",
            err=True,
        )
    elif not wanted:
        click.echo(
            "Their password was printed when the demo was first created; set "
            "CONCORD_DEMO_PASSWORD to reset it.",
            err=True,
        )


def _import_contact_files(platform: Platform, folder: Path) -> None:
    """Import each demo partner's list through the importer, once per file."""
    for partner in DEMO_PARTNERS:
        importer = Importer.for_partner(platform.vaults, platform.host, partner.slug)
        with platform.vaults.transaction(partner.slug) as session:
            terms, _ = check_terms(
                session,
                lawful_basis=LegalBasis.LEGITIMATE_INTEREST.value,
                source=DEMO_SOURCE,
                purpose_code=DEFAULT_PURPOSE,
            )
        result = importer.import_once(folder / f"{partner.slug}.csv", terms=terms, operator=ACTOR)
        if result is not None:
            counts = result.counts
            click.echo(
                f"Imported the demo contacts of {partner.slug}: {counts.added} added, "
                f"{counts.updated} merged, {counts.rejected} rejected rows to look at.",
                err=True,
            )


def _first_round(platform: Platform) -> None:
    """Run one matching round over the demo lists, so the results page has figures at once."""
    with platform.hub.transaction() as session:
        ensure_shared_categories(session, actor=ACTOR)
        done = session.scalar(
            select(MatchingRound.id).where(MatchingRound.status == RoundStatus.DONE).limit(1)
        )
    if done is None:
        round_id = open_round(platform.hub, scope="all", actor=ACTOR)
        run_round(platform.hub, platform.directory, round_id)
        click.echo("Ran a first matching round over the demo lists.", err=True)


def _write_contact_files(folder: Path) -> None:
    if (folder / "contacts" / "ground_truth.json").exists():
        return
    generated = generate(DEMO_PARTNERS, people=DEMO_PEOPLE, seed=DEMO_SEED)
    write_csvs(generated, folder / "contacts")
