"""The glossary crosswalk: the secretariat keeps the shared column, each partner its own, and
every change is kept with who, when, before and after."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient

from concord.governance.errors import NotAllowed
from concord.governance.glossary import services
from tests.conftest import PARTNER_A, PARTNER_B, World, post_form

Client = TestClient[Litestar]


def _add(secretariat: Client) -> str:
    added = post_form(
        secretariat,
        "/governance/glossary",
        {"term": "stakeholder", "definition": "Anyone our standards affect."},
        follow_redirects=False,
    )
    assert added.status_code == 303
    return str(added.headers["location"])


def test_terms_side_by_side_with_history(world: World, as_user: Callable[[str], Client]) -> None:
    secretariat = as_user("secretariat")
    url = _add(secretariat)
    twin = post_form(secretariat, "/governance/glossary", {"term": "stakeholder"})
    assert twin.status_code == 400 and "already" in twin.text
    comms_a, admin_b = as_user("comms_a"), as_user("admin_b")
    saved = post_form(
        comms_a,
        f"{url}/partners/{PARTNER_A}",
        {"term": "community of interest", "definition": "People who follow our work."},
    )
    assert saved.status_code == 200
    post_form(admin_b, f"{url}/partners/{PARTNER_B}", {"term": "partie prenante"})
    post_form(comms_a, f"{url}/partners/{PARTNER_A}", {"term": "interested community"})
    walk = BeautifulSoup(comms_a.get("/governance/glossary").text, "html.parser")
    first = walk.select("table.glossary tbody tr")[0]
    row = [cell.get_text(" ", strip=True) for cell in first.find_all(["th", "td"])]
    assert row[0].startswith("stakeholder")
    assert any("interested community" in cell for cell in row)
    assert any("partie prenante" in cell for cell in row)
    history = BeautifulSoup(comms_a.get(url).text, "html.parser")
    lines = [
        [td.get_text(" ", strip=True) for td in tr.find_all("td")]
        for tr in history.select("table.glossary-history tbody tr")
    ]
    assert len(lines) == 4  # added, alpha, bravo, alpha again
    newest = lines[0]
    assert newest[1] == "Comms A"
    assert "community of interest" in newest[3] and "interested community" in newest[4]


def test_each_partner_edits_only_its_own_column(
    world: World, as_user: Callable[[str], Client]
) -> None:
    url = _add(as_user("secretariat"))
    comms_a = as_user("comms_a")
    other = post_form(comms_a, f"{url}/partners/{PARTNER_B}", {"term": "forged"})
    assert other.status_code == 404
    assert post_form(comms_a, url, {"term": "renamed"}).status_code == 403
    term_id = int(url.rsplit("/", 1)[1])
    with world.hub.transaction() as session, pytest.raises(NotAllowed):
        services.edit_wording(
            session,
            term_id,
            partner_slug=PARTNER_B,
            term_text="forged",
            definition="",
            editor_id=world.users["comms_a"],
        )
    with world.hub.transaction() as session:
        assert all(w is None for w in services.crosswalk(session).rows[0].wordings)


def test_the_secretariat_edits_the_shared_term(
    world: World, as_user: Callable[[str], Client]
) -> None:
    secretariat = as_user("secretariat")
    url = _add(secretariat)
    post_form(secretariat, url, {"term": "stakeholder", "definition": "Anyone affected."})
    page = secretariat.get(url)
    assert "Anyone affected." in page.text
    empty = post_form(secretariat, url, {"term": "  ", "definition": ""})
    assert empty.status_code == 400
    assert BeautifulSoup(empty.text, "html.parser").find(id="e-term") is not None
