"""Review rounds of joint documents: uploads, per-partner state, comments, deadlines."""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from concord import jobs
from concord.accounts.models import User
from concord.accounts.viewer import Viewer
from concord.app import create_app
from concord.governance.background import JOBS
from concord.governance.meetings import services as meetings
from concord.governance.permissions import NotAllowed
from concord.governance.reviews import services
from concord.governance.reviews.jobs import remind_and_close
from concord.governance.reviews.models import (
    PartnerReview,
    ReviewDocument,
    ReviewRound,
    ReviewState,
    RoundStatus,
)
from concord.hub import Hub
from concord.mail.models import StaffMessage
from concord.partners.services import by_slug
from concord.partnership.settings import PartnershipSettings
from tests.conftest import EMAILS, PARTNER_A, PARTNER_B, World, csrf_token, new_client, post_form

Client = Callable[[str], TestClient[Litestar]]
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def package(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in entries:
            archive.writestr(name, body)
    return out.getvalue()


DOCX = package([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
ODT = package(
    [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office/>")]
)


def viewer(world: World, key: str) -> Viewer:
    with world.hub.transaction() as session:
        return Viewer.of(session.get_one(User, world.users[key]))


def upload(
    client: TestClient[Litestar], name: str, body: bytes, **fields: str
) -> tuple[int, BeautifulSoup, str]:
    response = client.post(
        "/governance/reviews/documents",
        data={
            "title": "Joint charter",
            "version": "1.0",
            **fields,
            "_csrf_token": csrf_token(client),
        },
        files={"file": (name, body, "application/octet-stream")},
        follow_redirects=False,
    )
    return response.status_code, soup_of(response.text), response.headers.get("location", "")


def documents(world: World) -> list[ReviewDocument]:
    with world.hub.transaction() as session:
        return list(session.scalars(select(ReviewDocument).order_by(ReviewDocument.id)))


@pytest.mark.parametrize(
    ("name", "body", "kind"),
    [
        ("charter.pdf", PDF, "pdf"),
        ("charter.docx", DOCX, "docx"),
        ("charter.odt", ODT, "odt"),
        ("charter.md", "# Charter\n\nÉquipe commune.\n".encode(), "md"),
        ("charter.txt", b"Plain text charter\n", "txt"),
    ],
)
def test_accepted_documents_are_stored_under_a_random_name_and_served_as_attachments(
    world: World, as_user: Client, name: str, body: bytes, kind: str
) -> None:
    status, _, location = upload(as_user("secretariat"), name, body)
    assert status == 303
    [document] = documents(world)
    assert (document.kind, document.size, document.file_name) == (kind, len(body), name)
    assert document.stored_name and name not in document.stored_name
    stored = world.settings.data_dir / "documents" / document.stored_name
    assert stored.read_bytes() == body
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    reader = as_user("comms_b")
    assert reader.get(location).status_code == 200
    response = reader.get(f"/governance/reviews/documents/{document.id}/file")
    assert response.status_code == 200 and response.content == body
    assert response.headers["content-disposition"].startswith("attachment")
    assert name in response.headers["content-disposition"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_strangers_cannot_download_documents(world: World, as_user: Client, app: Litestar) -> None:
    upload(as_user("secretariat"), "charter.pdf", PDF)
    [document] = documents(world)
    response = new_client(app).get(
        f"/governance/reviews/documents/{document.id}/file", follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("charter.pdf", b"<html><script>alert(1)</script></html>"),  # not a PDF inside
        ("charter.docx", package([("word/document.xml", b"x")])),  # no content types
        ("charter.docx", PDF),
        ("charter.odt", package([("content.xml", b"x"), ("mimetype", b"x")])),
        ("charter.txt", b"\x00\x01binary"),
        ("charter.md", b"\xff\xfe not utf-8"),
        ("charter.txt", DOCX),
        ("charter.exe", b"MZ"),
        ("charter.html", b"<html></html>"),
        ("charter.pdf", b""),
    ],
)
def test_a_file_whose_content_is_not_its_type_is_refused(
    world: World, as_user: Client, name: str, body: bytes
) -> None:
    status, soup, _ = upload(as_user("secretariat"), name, body)
    assert status == 400
    message = soup.select_one("#e-file")
    assert message is not None and message.get_text(strip=True)
    assert documents(world) == []
    assert list((world.settings.data_dir / "documents").glob("*")) == []


def test_files_over_the_size_limit_are_refused(world: World) -> None:
    small = world.settings.with_changes(document_max_bytes=4096)
    hub = Hub(small)  # the same databases, with the smaller limit
    app = create_app(small, hub=hub, vaults=world.vaults)
    client = new_client(app)
    post_form(
        client,
        "/login",
        {"email": EMAILS["secretariat"], "password": "correct horse battery staple"},
    )
    # Just over the limit: refused while it is copied.
    status, soup, _ = upload(client, "big.txt", b"a" * 4097)
    assert status == 400
    assert soup.select_one("#e-file") is not None
    # Far over it: refused before the body is read.
    status, soup, _ = upload(client, "huge.txt", b"a" * (200 * 1024))
    assert status == 413
    message = soup.select_one("#e-file")
    assert message is not None and "4 KB" in message.get_text()
    assert documents(world) == []
    hub.dispose()


def test_a_document_by_link_and_the_form_rules(world: World, as_user: Client) -> None:
    client = as_user("secretariat")
    response = post_form(
        client,
        "/governance/reviews/documents",
        {"title": "Shared glossary", "version": "draft 2", "link": "https://docs.example/g"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    response = post_form(client, "/governance/reviews/documents", {"title": "", "version": ""})
    assert response.status_code == 400
    soup = soup_of(response.text)
    for field in ("title", "version", "file"):
        assert soup.select_one(f"#e-{field}") is not None, field
    bad = post_form(
        client,
        "/governance/reviews/documents",
        {"title": "x", "version": "1", "link": "javascript:alert(1)"},
    )
    assert bad.status_code == 400
    assert [d.link for d in documents(world)] == ["https://docs.example/g"]


def test_partner_staff_cannot_add_documents(world: World, as_user: Client) -> None:
    status, _, _ = upload(as_user("admin_a"), "charter.pdf", PDF)
    assert status == 403
    assert documents(world) == []


def a_round(world: World, *, deadline: str = "", today: date | None = None) -> int:
    secretariat = viewer(world, "secretariat")
    with world.hub.transaction() as session:
        document = services.add_document(
            session,
            world.settings,
            secretariat,
            title="Joint charter",
            version="1.0",
            link="https://docs.example/charter",
        )
        return services.open_round(
            session, secretariat, document=str(document.id), deadline=deadline, today=today
        ).id


def states(world: World, round_id: int) -> dict[str, ReviewState]:
    with world.hub.transaction() as session:
        alpha, bravo = by_slug(session, PARTNER_A), by_slug(session, PARTNER_B)
        assert alpha and bravo
        found = services.states_of(session, round_id)
        return {PARTNER_A: found[alpha.id], PARTNER_B: found[bravo.id]}


def test_a_round_starts_every_partner_at_not_started_with_the_default_window(
    world: World, as_user: Client
) -> None:
    client = as_user("secretariat")
    with world.hub.transaction() as session:
        document_id = services.add_document(
            session,
            world.settings,
            viewer(world, "secretariat"),
            title="Joint charter",
            version="1.0",
            link="https://docs.example/charter",
        ).id
    key = soup_of(client.get("/governance/reviews").text).select_one(
        'form[action="/governance/reviews/rounds"] input[name="form_key"]'
    )
    assert key is not None
    form = {"document": str(document_id), "form_key": str(key["value"])}
    first = post_form(client, "/governance/reviews/rounds", form, follow_redirects=False)
    second = post_form(client, "/governance/reviews/rounds", form, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    with world.hub.transaction() as session:
        [review_round] = session.scalars(select(ReviewRound)).all()
        window = (review_round.deadline - review_round.opened_at.date()).days
    assert window == PartnershipSettings().review_window_days
    assert set(states(world, review_round.id).values()) == {ReviewState.NOT_STARTED}
    # A second round on a document already under review is refused.
    again = post_form(client, "/governance/reviews/rounds", {"document": str(document_id)})
    assert again.status_code == 400


def test_bravo_can_never_set_alphas_state(world: World, as_user: Client) -> None:
    round_id = a_round(world)
    url = f"/governance/reviews/rounds/{round_id}/state"
    for key in ("comms_b", "admin_b", "secretariat"):
        response = post_form(as_user(key), url, {"partner": PARTNER_A, "state": "approved"})
        assert response.status_code == 403, key
    with pytest.raises(NotAllowed), world.hub.transaction() as session:
        services.set_partner_state(
            session, viewer(world, "comms_b"), round_id, PARTNER_A, "approved"
        )
    assert states(world, round_id)[PARTNER_A] is ReviewState.NOT_STARTED

    response = post_form(as_user("comms_b"), url, {"partner": PARTNER_B, "state": "legal_review"})
    assert response.status_code == 200
    post_form(as_user("signatory_a"), url, {"partner": PARTNER_A, "state": "approved"})
    assert states(world, round_id) == {
        PARTNER_A: ReviewState.APPROVED,
        PARTNER_B: ReviewState.LEGAL_REVIEW,
    }
    # Only the states a person may choose; the deadline's outcomes are not among them.
    refused = post_form(
        as_user("comms_a"), url, {"partner": PARTNER_A, "state": "approved_by_silence"}
    )
    assert refused.status_code == 400

    grid = soup_of(as_user("comms_a").get("/governance/reviews").text)
    cells = {
        str(td["data-partner"]): td.get_text(strip=True)
        for td in grid.select("#open-rounds tbody td[data-partner]")
    }
    assert cells == {PARTNER_A: "Approved", PARTNER_B: "Legal review"}


def test_partners_comment_for_their_own_organisation(world: World, as_user: Client) -> None:
    round_id = a_round(world)
    url = f"/governance/reviews/rounds/{round_id}/comments"
    post_form(as_user("comms_b"), url, {"comment": "Clause 4 needs our lawyers."})
    assert post_form(as_user("comms_b"), url, {"comment": " "}).status_code == 400
    page = soup_of(as_user("admin_a").get(f"/governance/reviews/rounds/{round_id}").text)
    [comment] = page.select("#comments li")
    assert "Clause 4" in comment.get_text() and "Bravo Norms Office" in comment.get_text()


def test_reminders_go_to_partners_that_have_not_answered_once(world: World) -> None:
    today = date(2027, 5, 1)
    round_id = a_round(world, deadline="2027-05-03", today=date(2027, 4, 1))
    with world.hub.transaction() as session:
        services.set_partner_state(
            session, viewer(world, "comms_a"), round_id, PARTNER_A, "approved"
        )
    with world.hub.transaction() as session:
        assert services.send_reminders(session, world.settings, today) == 1
    with world.hub.transaction() as session:
        assert services.send_reminders(session, world.settings, today) == 0
        sent = session.scalars(select(StaffMessage)).all()
    assert {m.to_address for m in sent} == {EMAILS["comms_b"], EMAILS["admin_b"]}
    assert all(m.subject == "Review of “Joint charter” closes in 2 days" for m in sent)
    assert all(f"/governance/reviews/rounds/{round_id}" in m.text_body for m in sent)


def test_at_the_deadline_silence_is_no_response_unless_the_principles_say_consent(
    world: World,
) -> None:
    silent = a_round(world, deadline="2027-05-03", today=date(2027, 4, 1))
    with world.hub.transaction() as session:
        services.set_partner_state(
            session, viewer(world, "comms_a"), silent, PARTNER_A, "changes_requested"
        )
        assert services.close_due_rounds(session, date(2027, 5, 3)) == 0  # deadline day: open
    with world.hub.transaction() as session:
        assert services.close_due_rounds(session, date(2027, 5, 4)) == 1
        assert services.close_due_rounds(session, date(2027, 5, 4)) == 0
        assert session.get_one(ReviewRound, silent).status is RoundStatus.CLOSED
    assert states(world, silent) == {
        PARTNER_A: ReviewState.CHANGES_REQUESTED,
        PARTNER_B: ReviewState.NO_RESPONSE,
    }
    secretariat = viewer(world, "secretariat")
    with world.hub.transaction() as session:
        document = services.add_document(
            session,
            world.settings,
            secretariat,
            title="Second",
            version="1",
            link="https://docs.example/2",
        )
        consenting = services.open_round(
            session,
            secretariat,
            document=str(document.id),
            deadline="2027-05-03",
            today=date(2027, 4, 1),
        ).id
    with world.hub.transaction() as session:
        rules = PartnershipSettings(silence_is_consent=True)
        assert services.close_due_rounds(session, date(2027, 5, 4), rules) == 1
    assert set(states(world, consenting).values()) == {ReviewState.APPROVED_BY_SILENCE}


def test_closed_rounds_refuse_new_states(world: World, as_user: Client) -> None:
    round_id = a_round(world, deadline="2027-05-03", today=date(2027, 4, 1))
    with world.hub.transaction() as session:
        services.close_due_rounds(session, date(2027, 5, 4))
    url = f"/governance/reviews/rounds/{round_id}/state"
    response = post_form(as_user("comms_a"), url, {"partner": PARTNER_A, "state": "approved"})
    assert response.status_code == 400
    with world.hub.transaction() as session:
        row = session.scalars(select(PartnerReview)).first()
        assert row is not None and row.state is ReviewState.NO_RESPONSE


def test_the_deadline_job_is_registered_and_idempotent(world: World) -> None:
    assert "concord.governance.reviews.jobs:remind_and_close" in {ref for _, ref, _ in JOBS}
    a_round(world, deadline=(date.today() + timedelta(days=1)).isoformat())
    jobs.bind(world.hub)
    remind_and_close()
    remind_and_close()
    with world.hub.transaction() as session:
        # Every active account of each partner: three at alpha, two at bravo.
        assert len(session.scalars(select(StaffMessage)).all()) == 5


def test_an_agenda_item_links_to_a_document_under_review(world: World, as_user: Client) -> None:
    round_id = a_round(world)
    secretariat = viewer(world, "secretariat")
    with world.hub.transaction() as session:
        review_round = session.get_one(ReviewRound, round_id)
        meeting_id = meetings.add_meeting(
            session,
            secretariat,
            title="Monthly",
            on="2027-04-13",
            start_time="10:00",
            duration="60",
            timezone="Europe/Brussels",
        ).id
        document_id = review_round.document_id
    post_form(
        as_user("secretariat"),
        f"/governance/meetings/{meeting_id}/agenda",
        {"title": "Charter review", "duration": "20", "document": str(document_id)},
    )
    page = soup_of(as_user("comms_b").get(f"/governance/meetings/{meeting_id}").text)
    link = page.select_one(f'#agenda a[href="/governance/reviews/documents/{document_id}"]')
    assert link is not None and link.get_text(strip=True) == "Joint charter"
