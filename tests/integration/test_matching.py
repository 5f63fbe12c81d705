"""Matching rounds on the demo's generated lists: exact counts equal the generator's ground
truth, published counts are suppressed and rounded, and the hub keeps no address."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from concord.categories.models import SharedCategory
from concord.categories.services import ensure_shared_categories
from concord.demo.contacts import (
    CATEGORIES,
    DEMO_PARTNER_NAMES,
    DEMO_PARTNER_TIMEZONES,
    DEMO_PARTNERS,
    Generated,
    generate,
)
from concord.hub import Hub
from concord.partners.services import add_partner
from concord.partnership.settings import PartnershipSettings
from concord.settings import Settings
from consent.contacts.queries import ContactFilters, matching_ids
from consent.contacts.services import CleanContact, ContactInput, clean, save, split_tags
from consent.db import Vaults
from consent.public import VaultDirectory
from consent.setup import prepare_vault
from outreach.matching.disclosure import publish
from outreach.matching.models import MatchingRound, RoundStatus, RoundSubmission
from outreach.matching.rounds import figures, open_round, run_round
from tests.conftest import vault_ports

pytestmark = pytest.mark.crosses_boundary

MATCHING_SECRET = "matching-secret-for-tests-" + "m" * 20


@dataclass
class Partnership:
    settings: Settings
    hub: Hub
    vaults: Vaults
    generated: Generated
    adapter: str

    @property
    def directory(self) -> VaultDirectory:
        return vault_ports(self.hub, self.vaults, self.settings, self.adapter)


def load_contacts(vaults: Vaults, generated: Generated) -> None:
    for partner in DEMO_PARTNERS:
        with vaults.transaction(partner.slug) as session:
            for row in generated.rows[partner.slug]:
                entry = clean(
                    ContactInput(
                        given_name=row["given_name"],
                        family_name=row["family_name"],
                        organisation=row["organisation"],
                        country=row["country"],
                        category=row["category"],
                        tags=split_tags(row["tags"]),
                        emails=[row["email"]],
                        phones=[row["phone"]],
                    ),
                    partner.country,
                )
                if isinstance(entry, CleanContact):
                    save(session, entry, actor="test")


@pytest.fixture
def partnership(settings: Settings, vault_adapter: str) -> Iterator[Partnership]:
    settings = settings.with_changes(matching_secret=MATCHING_SECRET)
    hub = Hub(settings)
    hub.migrate()
    vaults = Vaults(settings)
    with hub.transaction() as session:
        for partner in DEMO_PARTNERS:
            add_partner(
                session,
                slug=partner.slug,
                name=DEMO_PARTNER_NAMES[partner.slug],
                country=partner.country,
                timezone=DEMO_PARTNER_TIMEZONES[partner.slug],
                actor="test",
            )
        ensure_shared_categories(session)
        assert {c.replace(" ", "-") for c in CATEGORIES} <= set(
            session.scalars(select(SharedCategory.slug))
        )
    for partner in DEMO_PARTNERS:
        prepare_vault(vaults, partner.slug)
    generated = generate(DEMO_PARTNERS, people=400, seed=2026)
    load_contacts(vaults, generated)
    yield Partnership(settings, hub, vaults, generated, vault_adapter)
    vaults.dispose()
    hub.dispose()


def _exact(partnership: Partnership, scope: str = "all") -> dict[str, object]:
    round_id = open_round(partnership.hub, scope=scope, actor="test")
    overlap = run_round(partnership.hub, partnership.directory, round_id)
    assert overlap is not None
    return figures(round_id, overlap, rules=PartnershipSettings(), exact=True)


def test_exact_counts_equal_the_ground_truth(partnership: Partnership) -> None:
    result = _exact(partnership)
    truth = partnership.generated.truth.as_match_json()
    assert result["partners"] == truth["partners"]
    assert result["totals"] == truth["totals"]
    assert result["pairwise"] == truth["pairwise"]
    assert result["subsets"] == truth["subsets"]
    by_category = result["by_category"]
    assert isinstance(by_category, dict)
    for category, groups in partnership.generated.truth.by_category.items():
        published = by_category[category.replace(" ", "-")]["subsets"]
        assert {frozenset(g["partners"]): g["count"] for g in published} == groups


def test_a_category_round_counts_only_that_category(partnership: Partnership) -> None:
    result = _exact(partnership, scope="category:ngo")
    expected = partnership.generated.truth.by_category["ngo"]
    subsets = result["subsets"]
    assert isinstance(subsets, list)
    assert {frozenset(s["partners"]): s["count"] for s in subsets} == expected


def test_the_stored_result_is_published_not_exact(partnership: Partnership) -> None:
    round_id = open_round(partnership.hub, scope="all", actor="test")
    run_round(partnership.hub, partnership.directory, round_id)
    with partnership.hub.transaction() as session:
        stored = session.get_one(MatchingRound, round_id)
        assert stored.status is RoundStatus.DONE
        published = json.loads(stored.result)
        assert session.scalars(select(RoundSubmission)).all() == []
    rules = PartnershipSettings()
    truth = partnership.generated.truth
    for slug, count in truth.totals.items():
        assert published["totals"][slug] == publish(count, rules).value
    assert published["suppression"] == {"threshold": 10, "rounding": 5, "exact": False}
    assert all(value is None or value % 5 == 0 for value in published["totals"].values())


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, 0), (1, None), (9, None), (10, 10), (12, 10), (13, 15), (17, 15), (18, 20), (102, 100)],
)
def test_publishing_suppresses_small_cells_and_rounds(count: int, expected: int | None) -> None:
    assert publish(count, PartnershipSettings()).value == expected


def _identifiers(generated: Generated) -> set[str]:
    values: set[str] = set()
    for rows in generated.rows.values():
        for row in rows:
            entry = clean(
                ContactInput(emails=[row["email"]], phones=[row["phone"]], country=row["country"]),
                "GB",
            )
            if isinstance(entry, CleanContact):
                values.update(entry.emails)
                values.update(entry.phones)
    return values


def _hub_dump(partnership: Partnership, tmp_path: Path) -> bytes:
    """Every text and blob value of every hub table, plus the raw file when it is SQLite."""
    chunks: list[bytes] = []
    engine = partnership.hub.engine
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        chunks.append(bytes(value))
                    elif value is not None:
                        chunks.append(str(value).encode("utf-8"))
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database
        for suffix in ("", "-wal"):
            path = Path(database + suffix)
            if path.exists():
                chunks.append(path.read_bytes())
    return b"\n".join(chunks)


def test_no_identifier_reaches_the_hub_in_clear_or_hashed(
    partnership: Partnership, tmp_path: Path
) -> None:
    round_id = open_round(partnership.hub, scope="all", actor="test")
    run_round(partnership.hub, partnership.directory, round_id)
    dump = _hub_dump(partnership, tmp_path)
    identifiers = _identifiers(partnership.generated)
    assert len(identifiers) > 500
    lowered = dump.lower()
    for value in identifiers:
        assert value.encode() not in lowered
        digest = hashlib.sha256(value.encode()).hexdigest().encode()
        assert digest not in lowered
        assert hashlib.sha256(value.encode()).digest() not in dump


def test_a_dictionary_attack_on_a_stolen_hub_finds_nothing(partnership: Partnership) -> None:
    """An attacker with the hub database and the demo's address list, but not the matching
    secret, tries every keyless and guessed-key hash of every address against the tokens."""
    from consent.tokens import round_key, token

    round_id = open_round(partnership.hub, scope="all", actor="test")
    # Capture what a submission holds (the hub deletes it at the end of the round).
    submission = partnership.directory.vault("northmere").round_submission(
        round_id, shared_categories=()
    )
    stolen = {t for record in submission.records for t in record.tokens}
    assert stolen
    identifiers = _identifiers(partnership.generated)
    guesses = [b"", round_id.encode(), b"concord", b"x" * 32]
    for value in identifiers:
        for kind in ("email", "phone"):
            data = kind.encode() + b"\x00" + value.encode()
            assert hashlib.blake2b(data, digest_size=32).digest() not in stolen
            assert hashlib.sha256(data).digest() not in stolen
            for guess in guesses[2:]:
                assert (
                    token(round_key(guess.ljust(32, b"\x00"), round_id), kind, value) not in stolen
                )


def test_tokens_of_two_rounds_cannot_be_linked(partnership: Partnership) -> None:
    def tokens(round_id: str) -> set[bytes]:
        submission = partnership.directory.vault("alpine").round_submission(
            round_id, shared_categories=()
        )
        return {t for record in submission.records for t in record.tokens}

    assert tokens("round-one").isdisjoint(tokens("round-two"))


def test_every_pair_is_reported(partnership: Partnership) -> None:
    result = _exact(partnership)
    pairs = {tuple(p["partners"]) for p in result["pairwise"]}  # type: ignore[attr-defined]
    slugs = sorted(p.slug for p in DEMO_PARTNERS)
    assert pairs == set(combinations(slugs, 2))


def test_results_page_shows_published_figures_only(partnership: Partnership) -> None:
    from bs4 import BeautifulSoup
    from litestar.testing import TestClient

    from concord.accounts.models import Role
    from concord.accounts.users import add_user
    from concord.app import create_app
    from tests.conftest import PASSWORD, post_form

    with partnership.hub.transaction() as session:
        for email, role, partner in (
            ("sec@partnership.example", Role.SECRETARIAT, None),
            ("comms@northmere.example", Role.COMMS, "northmere"),
        ):
            add_user(
                session,
                partnership.hub.password_hasher,
                email=email,
                role=role.value,
                password=PASSWORD,
                partner_slug=partner,
                actor="test",
            )
    app = create_app(
        partnership.settings,
        hub=partnership.hub,
        vaults=partnership.vaults,
        directory=partnership.directory,
    )
    secretariat = TestClient(app, base_url="https://testserver.local")
    post_form(secretariat, "/login", {"email": "sec@partnership.example", "password": PASSWORD})
    opened = post_form(secretariat, "/matching/rounds", {"scope": "all"}, follow_redirects=False)
    assert opened.status_code == 303
    round_id = opened.headers["location"].rsplit("/", 1)[1]
    run_round(partnership.hub, partnership.directory, round_id)
    comms = TestClient(app, base_url="https://testserver.local")
    post_form(comms, "/login", {"email": "comms@northmere.example", "password": PASSWORD})
    page = comms.get(f"/matching/rounds/{round_id}")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    cells = [td.get_text(strip=True) for td in soup.select("table td")]
    truth = partnership.generated.truth
    exact_values = {str(v) for v in truth.totals.values()} | {
        str(v) for v in truth.subsets.values()
    }
    published_values = {c for c in cells if c.isdigit()}
    assert published_values
    assert all(int(v) % 5 == 0 for v in published_values)
    assert not (published_values & exact_values - {str(v) for v in range(0, 1000, 5)})
    assert "switchboard" in page.text  # the partner's own note about shared identifiers
    figures_json = comms.get(f"/matching/rounds/{round_id}/figures.json").json()
    assert "shared_identifiers" not in figures_json
    assert figures_json["suppression"]["exact"] is False
    csv_text = comms.get(f"/matching/rounds/{round_id}/figures.csv").text
    assert csv_text.startswith("category,measure,partners,count")
    bad = post_form(secretariat, "/matching/rounds", {"scope": "category:nonsense"})
    assert bad.status_code == 400
    assert "Choose all contacts" in bad.text
    refused = post_form(comms, "/matching/rounds", {"scope": "all"})
    assert refused.status_code == 403


def test_contact_flags_return_only_where_the_principles_allow(partnership: Partnership) -> None:
    from concord.partnership.settings import Disclosure
    from consent.overlap.models import OverlapFlag, RoundPseudonym

    aggregates_only = open_round(partnership.hub, scope="all", actor="test")
    run_round(partnership.hub, partnership.directory, aggregates_only)
    with partnership.vaults.transaction("northmere") as session:
        assert session.scalars(select(OverlapFlag)).all() == []
    flags_round = open_round(
        partnership.hub,
        scope="all",
        actor="test",
        rules=PartnershipSettings(disclosure=Disclosure.CONTACT_FLAGS),
    )
    run_round(partnership.hub, partnership.directory, flags_round)
    truth = partnership.generated.truth
    for partner in DEMO_PARTNERS:
        with partnership.vaults.transaction(partner.slug) as session:
            flags = session.scalars(select(OverlapFlag)).all()
            assert session.scalars(select(RoundPseudonym)).all() == []  # forgotten after use
        # Every person this partner shares with at least one other partner is flagged once.
        shared = sum(
            c for group, c in truth.subsets.items() if partner.slug in group and len(group) > 1
        )
        assert len(flags) == shared
        with partnership.vaults.transaction(partner.slug) as session:
            listed = matching_ids(
                session,
                ContactFilters(shared=True),
                default_country=partner.country,
                include_restricted=True,
            )
        assert sorted(listed) == sorted(f.contact_id for f in flags)
        histogram = {n: sum(1 for f in flags if f.other_partners == n) for n in (1, 2, 3)}
        expected = {
            n: sum(c for g, c in truth.subsets.items() if partner.slug in g and len(g) == n + 1)
            for n in (1, 2, 3)
        }
        assert histogram == expected
