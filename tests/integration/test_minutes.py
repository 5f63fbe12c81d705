"""Minutes: drafted by the secretariat, circulated for comment, approved and locked, amended."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update

from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.audit import chain
from concord.audit.models import AuditEntry
from concord.governance.meetings import services as meetings
from concord.governance.minutes.diff import html_diff
from concord.governance.minutes.models import Minutes, MinutesComment, MinutesStatus
from concord.governance.minutes.services import amendments
from tests.conftest import World, post_form

Client = Callable[[str], TestClient[Litestar]]
DRAFT = "1. Welcome\r\nThe chair opened the meeting.\r\n2. Budget\r\nThe budget was discussed."
STORED = DRAFT.replace("\r\n", "\n")


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def a_meeting(world: World) -> int:
    with world.hub.transaction() as session:
        secretariat = Viewer.of(session.get_one(User, world.users["secretariat"]))
        return meetings.add_meeting(
            session,
            secretariat,
            title="Monthly partnership meeting",
            on="2027-02-09",
            start_time="10:00",
            duration="90",
            timezone="Europe/Brussels",
        ).id


def minutes_row(world: World, meeting_id: int) -> Minutes:
    with world.hub.transaction() as session:
        return session.get_one(Minutes, meeting_id)


def entries(world: World, action: str) -> list[AuditEntry]:
    with world.hub.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def status_shown(client: TestClient[Litestar], base: str) -> str:
    badge = soup_of(client.get(base).text).select_one("#minutes-status")
    assert badge is not None
    return badge.get_text(strip=True)


def approved_minutes(world: World, as_user: Client) -> tuple[int, str]:
    meeting_id = a_meeting(world)
    base = f"/governance/meetings/{meeting_id}/minutes"
    secretariat = as_user("secretariat")
    post_form(secretariat, base, {"text": DRAFT})
    post_form(secretariat, f"{base}/circulate", {})
    post_form(secretariat, f"{base}/approve", {})
    return meeting_id, base


def test_draft_circulate_comment_approve(world: World, as_user: Client) -> None:
    meeting_id = a_meeting(world)
    base = f"/governance/meetings/{meeting_id}/minutes"
    secretariat, alpha, bravo = as_user("secretariat"), as_user("comms_a"), as_user("admin_b")

    assert post_form(secretariat, base, {"text": DRAFT}, follow_redirects=False).status_code == 303
    assert minutes_row(world, meeting_id).text == STORED
    # Partners do not read a draft, and cannot comment on it yet.
    assert soup_of(alpha.get(base).text).select_one("#minutes-text") is None
    assert post_form(alpha, f"{base}/comments", {"comment": "Early"}).status_code == 403
    assert status_shown(alpha, base) == "Draft"

    assert post_form(secretariat, f"{base}/circulate", {}).status_code == 200
    assert status_shown(bravo, base) == "Circulated for comment"
    text = soup_of(bravo.get(base).text).select_one("#minutes-text")
    assert text is not None and text.get_text() == STORED

    post_form(alpha, f"{base}/comments", {"comment": "Item 2: say who presented."})
    post_form(bravo, f"{base}/comments", {"comment": "Fine for Bravo."})
    shown = [
        li.get_text(" ", strip=True)
        for li in soup_of(secretariat.get(base).text).select("#comments li")
    ]
    assert "Alpha Standards Body" in shown[0] and "Item 2" in shown[0]
    assert "Bravo Norms Office" in shown[1]

    # Partners cannot approve; the secretariat can, once.
    assert post_form(alpha, f"{base}/approve", {}).status_code == 403
    post_form(secretariat, f"{base}/approve", {})
    post_form(secretariat, f"{base}/approve", {})
    row = minutes_row(world, meeting_id)
    digest = hashlib.sha256(STORED.encode()).hexdigest()
    assert (row.status, row.approved_hash) == (MinutesStatus.APPROVED, digest)
    [entry] = entries(world, "minutes.approve")
    assert (entry.object_ref, entry.detail) == (f"meeting:{meeting_id}", f"sha256:{digest}")
    assert status_shown(alpha, base) == "Approved and locked"
    hash_shown = soup_of(alpha.get(base).text).select_one("#approved-hash")
    assert hash_shown is not None and hash_shown.get_text() == digest
    with world.hub.transaction() as session:
        assert chain.verify(session).ok


def test_approved_minutes_are_locked(world: World, as_user: Client) -> None:
    meeting_id, base = approved_minutes(world, as_user)
    secretariat = as_user("secretariat")
    response = post_form(secretariat, base, {"text": "Rewritten history"})
    assert response.status_code == 400
    assert soup_of(response.text).select_one("#e-text") is not None
    assert post_form(secretariat, f"{base}/redraft", {}).status_code == 200
    assert post_form(as_user("comms_a"), f"{base}/comments", {"comment": "Late"}).status_code == 403
    row = minutes_row(world, meeting_id)
    assert (row.status, row.text) == (MinutesStatus.APPROVED, STORED)


def test_circulated_minutes_can_go_back_to_draft_and_keep_their_comments(
    world: World, as_user: Client
) -> None:
    meeting_id = a_meeting(world)
    base = f"/governance/meetings/{meeting_id}/minutes"
    secretariat = as_user("secretariat")
    post_form(secretariat, base, {"text": DRAFT})
    assert post_form(secretariat, base, {"text": ""}, follow_redirects=False).status_code == 303
    assert post_form(secretariat, f"{base}/circulate", {}).status_code == 400
    post_form(secretariat, base, {"text": DRAFT})
    post_form(secretariat, f"{base}/circulate", {})
    post_form(as_user("comms_b"), f"{base}/comments", {"comment": "Typo in item 1"})
    assert post_form(secretariat, base, {"text": "Too early"}).status_code == 400
    post_form(secretariat, f"{base}/redraft", {})
    post_form(secretariat, base, {"text": DRAFT + "\nTypo fixed."})
    row = minutes_row(world, meeting_id)
    assert row.status is MinutesStatus.DRAFT and row.text.endswith("Typo fixed.")
    with world.hub.transaction() as session:
        assert len(list(session.scalars(select(MinutesComment)))) == 1


def test_a_comment_posted_twice_is_kept_once(world: World, as_user: Client) -> None:
    meeting_id = a_meeting(world)
    base = f"/governance/meetings/{meeting_id}/minutes"
    secretariat = as_user("secretariat")
    post_form(secretariat, base, {"text": DRAFT})
    post_form(secretariat, f"{base}/circulate", {})
    client = as_user("comms_a")
    key = soup_of(client.get(base).text).select_one('#comments input[name="form_key"]')
    assert key is not None
    form = {"comment": "Once only", "form_key": str(key["value"])}
    post_form(client, f"{base}/comments", form)
    post_form(client, f"{base}/comments", form)
    with world.hub.transaction() as session:
        assert len(list(session.scalars(select(MinutesComment)))) == 1


def test_an_amendment_shows_its_diff_and_is_approved_in_turn(world: World, as_user: Client) -> None:
    meeting_id, base = approved_minutes(world, as_user)
    secretariat = as_user("secretariat")
    amended = STORED.replace("was discussed", "was <b>adopted</b>")
    response = post_form(
        secretariat,
        f"{base}/amendments",
        {"reason": "The budget was adopted, not only discussed.", "text": amended},
        follow_redirects=False,
    )
    assert response.status_code == 303
    # A second amendment waits until the first is approved.
    again = post_form(secretariat, f"{base}/amendments", {"reason": "More", "text": "Other"})
    assert again.status_code == 400

    page = soup_of(as_user("comms_b").get(base).text)
    diff = page.select_one(".amendment .diff")
    assert diff is not None
    assert [d.get_text() for d in diff.select("del")] == ["discussed."]
    assert [i.get_text() for i in diff.select("ins")] == ["<b>adopted</b>."]
    assert diff.select("b") == []  # the markup in the text is shown, never rendered
    # Until it is approved, the text in force is the approved one.
    in_force = page.select_one("#minutes-text")
    assert in_force is not None and in_force.get_text() == STORED

    with world.hub.transaction() as session:
        [amendment] = amendments(session, meeting_id)
    assert (
        post_form(as_user("admin_a"), f"{base}/amendments/{amendment.id}/approve", {}).status_code
        == 403
    )
    post_form(secretariat, f"{base}/amendments/{amendment.id}/approve", {})
    post_form(secretariat, f"{base}/amendments/{amendment.id}/approve", {})
    in_force = soup_of(as_user("comms_a").get(base).text).select_one("#minutes-text")
    assert in_force is not None and in_force.get_text() == amended
    [entry] = entries(world, "minutes.amendment.approve")
    digest = hashlib.sha256(amended.encode()).hexdigest()
    assert entry.detail == f"amendment:{amendment.id} sha256:{digest}"
    # The original approved text is kept as it was.
    assert minutes_row(world, meeting_id).text == STORED


def test_an_amendment_that_changes_nothing_is_refused(world: World, as_user: Client) -> None:
    _, base = approved_minutes(world, as_user)
    response = post_form(
        as_user("secretariat"), f"{base}/amendments", {"reason": "x", "text": DRAFT}
    )
    assert response.status_code == 400


def test_the_diff_marks_words_and_escapes_everything() -> None:
    shown = str(html_diff("a <x> b c", "a <y> b d"))
    assert shown == "a <del>&lt;x&gt;</del><ins>&lt;y&gt;</ins> b <del>c</del><ins>d</ins>"
    assert str(html_diff("same", "same")) == "same"


def test_minutes_of_an_unknown_meeting_are_not_found(as_user: Client) -> None:
    assert as_user("comms_a").get("/governance/meetings/999999/minutes").status_code == 404


def test_agenda_and_minutes_print_from_the_stylesheet_without_inline_style(
    world: World, as_user: Client
) -> None:
    from concord.paths import STATIC

    meeting_id, base = approved_minutes(world, as_user)
    css = (STATIC / "concord.css").read_text(encoding="utf-8")
    governance = css[css.index("/* Governance") :]
    assert "@media print" in governance and ".no-print" in governance
    client = as_user("secretariat")
    for url in (base, f"/governance/meetings/{meeting_id}"):
        soup = soup_of(client.get(url).text)
        assert soup.select("[style]") == [] and soup.select("style") == []
        assert soup.select_one('link[rel="stylesheet"][href="/static/concord.css"]') is not None
        # What only works on screen is marked so that print leaves it out.
        assert soup.select(".no-print")


def test_an_edit_to_approved_minutes_outside_concord_is_shown(
    world: World, as_user: Client
) -> None:
    meeting_id, base = approved_minutes(world, as_user)
    client = as_user("comms_a")
    shown = soup_of(client.get(base).text).select_one("#integrity")
    assert shown is not None and "matches" in shown.get_text()
    with world.hub.transaction() as session:
        session.execute(
            update(Minutes).where(Minutes.meeting_id == meeting_id).values(text="Forged")
        )
    shown = soup_of(client.get(base).text).select_one("#integrity")
    assert shown is not None and "no longer matches" in shown.get_text()
