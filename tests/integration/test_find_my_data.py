"""Find my data: the same answer for any address, exactly the holding partners once verified."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient

from concord.app import create_app
from consent.ledger import services as ledger
from consent.ledger.models import ConsentState
from consent.purposes.models import Channel
from tests.conftest import PARTNER_A, PARTNER_B, World, new_client, post_form
from tests.integration.stakeholders import NEWSLETTER, add_contact, purpose_id
from tests.mailserver import MailServer

BOTH = "grace.hopper@example.org"
ONLY_A = "ada.lovelace@example.org"
NOBODY = "nobody.known@example.org"

pytestmark = pytest.mark.crosses_boundary


@pytest.fixture
def mail_app(world: World, mail_server: MailServer) -> Litestar:
    settings = mail_server.settings(world.settings)
    return create_app(settings, hub=world.hub, vaults=world.vaults, directory=world.ports(settings))


@pytest.fixture
def people(world: World) -> dict[str, int]:
    return {
        "both_a": add_contact(world, BOTH, partner=PARTNER_A, given_name="Grace"),
        "both_b": add_contact(world, BOTH, partner=PARTNER_B, given_name="Grace"),
        "only_a": add_contact(world, ONLY_A, partner=PARTNER_A),
    }


def _ask(client: TestClient[Litestar], email: str) -> object:
    return post_form(client, "/my-data", {"email": email}, follow_redirects=False)


def _code(mail_server: MailServer, address: str) -> str:
    sent = [m for m in mail_server.messages() if m["To"] == address]
    assert sent, "no code arrived"
    match = re.search(r"\b(\d{6})\b", str(sent[-1]["Subject"]))
    assert match is not None
    return match.group(1)


def _verify(client: TestClient[Litestar], mail_server: MailServer, address: str) -> None:
    response = _ask(client, address)
    assert response.status_code == 303  # type: ignore[attr-defined]
    done = post_form(
        client, "/my-data/code", {"code": _code(mail_server, address)}, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/my-data/found"


def _partners_shown(client: TestClient[Litestar]) -> list[str]:
    page = client.get("/my-data/found")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    return [li.strong.get_text() for li in soup.select("ul.partners-found li") if li.strong]


@pytest.mark.usefixtures("people")
def test_known_and_unknown_addresses_get_the_same_answer(
    mail_app: Litestar, mail_server: MailServer
) -> None:
    client = new_client(mail_app)
    answers = []
    for address in (BOTH, NOBODY):
        response = _ask(client, address)
        page = client.get("/my-data/code")
        cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
        answers.append(
            (
                response.status_code,  # type: ignore[attr-defined]
                response.headers["location"],  # type: ignore[attr-defined]
                response.text,  # type: ignore[attr-defined]
                re.sub(r"concord_finder_code=[^;]+", "", cookie),
                page.status_code,
                page.text,
            )
        )
    assert answers[0] == answers[1]
    # Both got a code: sending never depends on whether anyone holds the address.
    assert sorted(str(m["To"]) for m in mail_server.messages()) == sorted([BOTH, NOBODY])
    assert mail_server.messages()[0]["Auto-Submitted"] == "auto-generated"


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    ("address", "expected"),
    [
        (BOTH, ["Alpha Standards Body", "Bravo Norms Office"]),
        (" Ada.Lovelace@EXAMPLE.org ", ["Alpha Standards Body"]),
        (NOBODY, []),
    ],
)
def test_a_verified_person_sees_exactly_the_partners_holding_them(
    mail_app: Litestar, mail_server: MailServer, address: str, expected: list[str]
) -> None:
    client = new_client(mail_app)
    _verify(client, mail_server, address.strip().lower())
    assert _partners_shown(client) == expected
    soup = BeautifulSoup(client.get("/my-data/found").text, "html.parser")
    for link in soup.select("ul.partners-found a"):
        centre = client.get(str(link["href"]))
        assert centre.status_code == 200
    if not expected:
        assert "No organisation" in soup.get_text()


def test_withdraw_from_all(
    world: World, mail_app: Litestar, mail_server: MailServer, people: dict[str, int]
) -> None:
    client = new_client(mail_app)
    _verify(client, mail_server, BOTH)
    response = post_form(client, "/my-data/withdraw-all", {}, follow_redirects=False)
    assert response.headers["location"] == "/my-data/found?done=1"
    for partner, key in ((PARTNER_A, "both_a"), (PARTNER_B, "both_b")):
        newsletter = purpose_id(world, NEWSLETTER, partner)
        with world.vaults.transaction(partner) as session:
            states = ledger.current(session, people[key])
        assert states[(newsletter, Channel.EMAIL)] is ConsentState.WITHDRAWN
    # Ada, held by alpha only, is untouched.
    with world.vaults.transaction(PARTNER_A) as session:
        states = ledger.current(session, people["only_a"])
    assert states[(purpose_id(world, NEWSLETTER), Channel.EMAIL)] is ConsentState.GIVEN


def test_codes_are_rate_limited_per_address_and_per_client(mail_app: Litestar) -> None:
    client = new_client(mail_app)
    for _ in range(3):
        assert _ask(client, BOTH).status_code == 303  # type: ignore[attr-defined]
    refused = _ask(client, BOTH)
    assert refused.status_code == 429  # type: ignore[attr-defined]
    soup = BeautifulSoup(refused.text, "html.parser")  # type: ignore[attr-defined]
    assert "Wait 15 minutes" in soup.get_text()
    other = new_client(mail_app)
    statuses = [
        _ask(other, f"person{n}@example.org").status_code  # type: ignore[attr-defined]
        for n in range(8)
    ]
    # The client asked for 3 + 8 codes: the per-client limit is 10.
    assert statuses[:6] == [303] * 6
    assert statuses[-1] == 429


def test_wrong_codes_are_limited_and_codes_work_once(
    mail_app: Litestar, mail_server: MailServer
) -> None:
    client = new_client(mail_app)
    _ask(client, ONLY_A)
    right = _code(mail_server, ONLY_A)
    wrong = "000000" if right != "000000" else "111111"
    assert post_form(client, "/my-data/code", {"code": wrong}).status_code == 400
    assert post_form(client, "/my-data/code", {"code": right}).status_code == 200
    # The challenge cookie is gone with the code: asking again starts afresh.
    again = post_form(client, "/my-data/code", {"code": right})
    assert again.status_code == 410
    other = new_client(mail_app)
    _ask(other, BOTH)
    for _ in range(5):
        post_form(other, "/my-data/code", {"code": "999999x"})
    assert post_form(other, "/my-data/code", {"code": _code(mail_server, BOTH)}).status_code == 429


def test_no_session_no_results(anonymous: TestClient[Litestar]) -> None:
    response = anonymous.get("/my-data/found", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/my-data"
    forged = new_client(anonymous.app)
    forged.cookies.set("concord_finder", "forged.value", domain="testserver.local", path="/my-data")
    assert forged.get("/my-data/found", follow_redirects=False).status_code == 303


@pytest.mark.usefixtures("people")
def test_the_hub_database_never_holds_the_address(
    world: World, mail_app: Litestar, mail_server: MailServer
) -> None:
    if world.settings.hub_url:
        pytest.skip("the file check is for the embedded SQLite hub")
    client = new_client(mail_app)
    _verify(client, mail_server, BOTH)
    _partners_shown(client)
    post_form(client, "/my-data/withdraw-all", {})
    hub_files = list(Path(world.settings.data_dir).glob("hub.sqlite3*"))
    assert hub_files
    for path in hub_files:
        content = path.read_bytes()
        for needle in (BOTH, "grace.hopper", "grace"):
            assert needle.encode() not in content, path.name
