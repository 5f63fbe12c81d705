"""The contact list: search, filters, keyset pages, and the htmx partial."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient

from consent.contacts.queries import ContactFilters, find_contacts, parse_filters
from consent.contacts.services import CleanContact, ContactInput, clean, save
from consent.ledger import services as ledger
from consent.ledger.models import CollectionMethod, ConsentState
from consent.purposes.models import Channel
from consent.purposes.services import by_code
from tests.conftest import PARTNER_A, World

LIST = f"/partners/{PARTNER_A}/contacts"
Client = Callable[[str], TestClient[Litestar]]


def add(
    world: World,
    given: str,
    family: str,
    *,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    organisation: str = "",
    category: str = "",
    tags: Sequence[str] = (),
) -> int:
    entry = clean(
        ContactInput(
            given_name=given,
            family_name=family,
            organisation=organisation,
            category=category,
            tags=tags,
            emails=emails,
            phones=phones,
        ),
        "DE",
    )
    assert isinstance(entry, CleanContact), entry
    with world.vaults.transaction(PARTNER_A) as session:
        return save(session, entry, actor="test").contact.id


def names(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [th.get_text(strip=True) for th in soup.select("table.contacts tbody tr > th")]


def pager_link(html: str, rel: str) -> str | None:
    link = BeautifulSoup(html, "html.parser").select_one(f'nav.pager a[rel="{rel}"]')
    return str(link["href"]) if link else None


@pytest.fixture
def people(world: World) -> dict[str, int]:
    return {
        "ada": add(
            world,
            "Ada",
            "Lovelace",
            emails=["Ada.Lovelace@gmail.com"],
            organisation="Analytical Engines Ltd",
            category="company",
            tags=["board"],
        ),
        "grace": add(
            world,
            "Grace",
            "Hopper",
            emails=["grace@navy.example"],
            phones=["030 1234567"],
            organisation="Navy Standards",
            category="public body",
            tags=["board", "cobol"],
        ),
        "alan": add(
            world,
            "Alan",
            "Turing",
            emails=["alan@bletchley.example"],
            phones=["+49 30 1234567"],
            category="community",
        ),
    }


def test_the_list_shows_the_partners_contacts_in_family_name_order(
    as_user: Client, people: dict[str, int]
) -> None:
    response = as_user("comms_a").get(LIST)
    assert response.status_code == 200
    assert names(response.text) == ["Grace Hopper", "Ada Lovelace", "Alan Turing"]
    soup = BeautifulSoup(response.text, "html.parser")
    table = soup.select_one("table.contacts")
    assert table is not None and table.caption is not None
    assert all(th.get("scope") == "col" for th in table.select("thead th"))
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hopper", ["Grace Hopper"]),
        ("GRACE", ["Grace Hopper"]),
        ("turing alan", ["Alan Turing"]),
        ("analytical", ["Ada Lovelace"]),
        ("navy.example", ["Grace Hopper"]),
        # The stored address lost its gmail dots; the exact identifier match still finds it.
        ("Ada.Lovelace@gmail.com", ["Ada Lovelace"]),
        ("030 1234567", ["Grace Hopper", "Alan Turing"]),
        ("nobody", []),
        ("100%_", []),
    ],
)
def test_search_by_name_email_organisation_or_phone(
    as_user: Client, people: dict[str, int], query: str, expected: list[str]
) -> None:
    response = as_user("comms_a").get(LIST, params={"q": query})
    assert response.status_code == 200
    assert names(response.text) == expected
    field = BeautifulSoup(response.text, "html.parser").select_one("input#f-q")
    assert field is not None and field["value"] == query


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "company"}, ["Ada Lovelace"]),
        ({"tag": "board"}, ["Grace Hopper", "Ada Lovelace"]),
        ({"tag": "cobol", "q": "grace"}, ["Grace Hopper"]),
        ({"duplicates": "1"}, ["Grace Hopper", "Alan Turing"]),
        ({"category": "company", "tag": "cobol"}, []),
    ],
)
def test_filters_by_category_tag_and_possible_duplicates(
    as_user: Client, people: dict[str, int], params: dict[str, str], expected: list[str]
) -> None:
    response = as_user("comms_a").get(LIST, params=params)
    assert names(response.text) == expected


def _record(world: World, contact_id: int, channel: Channel, state: ConsentState) -> int:
    with world.vaults.transaction(PARTNER_A) as session:
        purpose = by_code(session, "dpv:PublicRelations")
        assert purpose is not None
        ledger.append(
            session,
            contact_id=contact_id,
            purpose=purpose,
            channel=channel,
            state=state,
            method=CollectionMethod.STAFF,
            actor="test",
        )
        return purpose.id


def test_filter_by_consent_state_for_a_purpose(
    world: World, as_user: Client, people: dict[str, int]
) -> None:
    purpose_id = _record(world, people["ada"], Channel.EMAIL, ConsentState.GIVEN)
    _record(world, people["grace"], Channel.EMAIL, ConsentState.GIVEN)
    _record(world, people["grace"], Channel.EMAIL, ConsentState.WITHDRAWN)
    _record(world, people["alan"], Channel.PHONE, ConsentState.GIVEN)
    client = as_user("comms_a")

    def listed(**params: str) -> list[str]:
        response = client.get(LIST, params={"purpose": str(purpose_id), **params})
        assert response.status_code == 200
        return names(response.text)

    assert listed(consent="given") == ["Ada Lovelace", "Alan Turing"]
    assert listed(consent="given", channel="email") == ["Ada Lovelace"]
    assert listed(consent="withdrawn") == ["Grace Hopper"]
    assert listed(consent="none", channel="phone") == ["Grace Hopper", "Ada Lovelace"]
    assert listed(consent="none", channel="email") == ["Alan Turing"]
    assert listed(consent="refused") == []


def test_a_consent_state_without_a_purpose_is_explained_beside_the_field(
    as_user: Client, people: dict[str, int]
) -> None:
    response = as_user("comms_a").get(LIST, params={"consent": "given", "channel": "fax"})
    assert response.status_code == 400
    soup = BeautifulSoup(response.text, "html.parser")
    purpose = soup.select_one("select#f-purpose")
    assert purpose is not None and purpose["aria-describedby"] == "e-purpose"
    error = soup.select_one("#e-purpose")
    assert error is not None and "purpose" in error.get_text()
    channel_error = soup.select_one("#e-channel")
    assert channel_error is not None and "channel" in channel_error.get_text()


def test_the_filter_form_works_without_javascript(as_user: Client, people: dict[str, int]) -> None:
    soup = BeautifulSoup(as_user("comms_a").get(LIST).text, "html.parser")
    form = soup.select_one("form.filters")
    assert form is not None
    assert form["method"] == "get" and form["action"] == LIST
    assert form.select_one('button[type="submit"]') is not None
    for control in form.select("input, select"):
        label = soup.select_one(f'label[for="{control["id"]}"]')
        assert label is not None, control["id"]


def test_htmx_search_gets_the_results_partial_and_pushes_its_url(
    as_user: Client, people: dict[str, int]
) -> None:
    client = as_user("comms_a")
    page = BeautifulSoup(client.get(LIST).text, "html.parser")
    form = page.select_one("form.filters")
    assert form is not None
    assert form["hx-target"] == "#contact-results" and form["hx-push-url"] == "true"
    assert page.select_one("#contact-results table.contacts") is not None

    partial = client.get(LIST, params={"q": "ada"}, headers={"hx-request": "true"})
    assert partial.status_code == 200
    soup = BeautifulSoup(partial.text, "html.parser")
    assert soup.find("html") is None and soup.find("form") is None
    assert names(partial.text) == ["Ada Lovelace"]
    assert "HX-Request" in partial.headers["vary"]
    export = soup.select_one("p.export a")
    assert export is not None and export["href"] == f"{LIST}/export.csv?q=ada"

    for extra in ({"hx-boosted": "true"}, {"hx-history-restore-request": "true"}):
        whole = client.get(LIST, params={"q": "ada"}, headers={"hx-request": "true", **extra})
        assert BeautifulSoup(whole.text, "html.parser").find("html") is not None, extra


def test_the_request_log_names_the_route_not_the_search(
    as_user: Client, people: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    client = as_user("comms_a")
    with caplog.at_level(logging.INFO, logger="concord.requests"):
        client.get(LIST, params={"q": "lovelace"})
        client.get(f"{LIST}/{people['ada']}")
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "concord.requests")
    assert "/partners/{partner}/contacts" in logged
    assert "/partners/{partner}/contacts/{contact_id}" in logged
    assert "lovelace" not in logged.lower()
    assert f"/{people['ada']}" not in logged


def test_keyset_pages_cover_every_contact_once_despite_ties(world: World) -> None:
    # Five people share one name, so the sort key alone cannot tell pages apart.
    ids = [add(world, "Sam", "Smith", emails=[f"sam{i}@example.org"]) for i in range(5)]
    ids += [add(world, "Ann", "Able", emails=["ann@example.org"])]
    ids += [add(world, "Zoe", "Zed", emails=["zoe@example.org"])]
    filters = ContactFilters()
    seen: list[int] = []
    pages: list[list[int]] = []
    with world.vaults.transaction(PARTNER_A) as session:
        page = find_contacts(session, filters, default_country="DE", size=2)
        assert page.previous_before is None
        while True:
            pages.append([c.id for c in page.contacts])
            seen.extend(pages[-1])
            if page.next_after is None:
                break
            page = find_contacts(
                session, filters, default_country="DE", after=page.next_after, size=2
            )
        assert len(seen) == len(set(seen)) == 7
        smiths = sorted(i for i in ids if i not in (ids[5], ids[6]))
        assert seen == [ids[5], *smiths, ids[6]]
        # Walking back from the last page gives the same pages in reverse.
        back: list[list[int]] = [[c.id for c in page.contacts]]
        while page.previous_before is not None:
            page = find_contacts(
                session, filters, default_country="DE", before=page.previous_before, size=2
            )
            back.append([c.id for c in page.contacts])
        assert back[::-1] == pages


def test_pages_of_fifty_follow_next_and_previous_links(world: World, as_user: Client) -> None:
    for i in range(120):
        add(world, f"Person{i:03d}", "Same", emails=[f"p{i}@example.org"])
    client = as_user("comms_a")
    response = client.get(LIST)
    collected = names(response.text)
    assert len(collected) == 50 and pager_link(response.text, "prev") is None
    visited = [response.text]
    while (link := pager_link(response.text, "next")) is not None:
        # The cursor is an id, never a name.
        assert set(parse_qs(urlsplit(link).query)) == {"after"}
        response = client.get(link)
        visited.append(response.text)
        collected += names(response.text)
    assert len(collected) == 120 == len(set(collected))
    assert [len(names(html)) for html in visited] == [50, 50, 20]
    link = pager_link(response.text, "prev")
    assert link is not None
    assert names(client.get(link).text) == names(visited[1])


def test_a_stale_cursor_starts_again_from_the_beginning(
    as_user: Client, people: dict[str, int]
) -> None:
    response = as_user("comms_a").get(LIST, params={"after": "999999"})
    assert names(response.text) == ["Grace Hopper", "Ada Lovelace", "Alan Turing"]


def test_filters_round_trip_through_the_query_string() -> None:
    filters, errors = parse_filters(q=" ada ", tag="board", purpose="3", consent="none")
    assert errors == {}
    assert filters.query_string(after=7) == "q=ada&tag=board&purpose=3&consent=none&after=7"
