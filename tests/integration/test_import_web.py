"""Importing from the web, end to end: upload, columns, background run, result, report."""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from concord.app import create_app
from concord.hub import Hub
from consent.contacts.models import Contact
from consent.importing.models import BatchStatus, ImportBatch
from tests.conftest import PARTNER_A, PARTNER_B, World, csrf_token, new_client, sign_in
from tests.integration.test_import import (
    MESSY,
    MESSY_COUNTS,
    MESSY_REJECTED_LINES,
    prepare_messy_vault,
)

Clients = Callable[[str], TestClient[Litestar]]
BASE = f"/partners/{PARTNER_A}/imports"
TERMS = {
    "lawful_basis": "legitimate_interest",
    "source": "stakeholder day 2026",
    "purpose": "dpv:CommunicationManagement",
}


def upload(
    client: TestClient[Litestar],
    content: bytes,
    form: dict[str, str] | None = None,
    name: str = "stakeholders.csv",
    base: str = BASE,
) -> httpx.Response:
    return client.post(
        f"{base}/new",
        data={**(TERMS if form is None else form), "_csrf_token": csrf_token(client)},
        files={"file": (name, content, "text/csv")},
        follow_redirects=False,
    )


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def chosen_columns(html: str) -> dict[str, str]:
    """The column-mapping form as a browser would submit it."""
    form: dict[str, str] = {}
    for select_tag in soup(html).select("select[name^=column-]"):
        option = select_tag.select_one("option[selected]")
        form[str(select_tag["name"])] = str(option["value"]) if option else ""
    return form


def wait_until_done(world: World, batch_id: str, slug: str = PARTNER_A) -> ImportBatch:
    deadline = time.monotonic() + 60
    while True:
        with world.vaults.transaction(slug) as session:
            batch = session.get_one(ImportBatch, batch_id)
        if batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
            return batch
        assert time.monotonic() < deadline, "the background import did not finish"
        time.sleep(0.05)


def batch_count(world: World) -> int:
    with world.vaults.transaction(PARTNER_A) as session:
        return session.scalar(select(func.count()).select_from(ImportBatch)) or 0


def test_upload_columns_confirm_result(
    world: World, as_user: Clients, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    prepare_messy_vault(world)
    client = as_user("comms_a")
    assert client.get(BASE).status_code == 200
    assert client.get(f"{BASE}/new").status_code == 200

    first = upload(client, MESSY)
    assert first.status_code == 303, first.text
    columns_url = first.headers["location"]
    assert columns_url.startswith(f"{BASE}/") and columns_url.endswith("/columns")
    batch_id = columns_url.split("/")[-2]
    # A double submit lands on the same pending batch.
    second = upload(client, MESSY)
    assert second.headers["location"] == columns_url
    assert batch_count(world) == 1

    page = client.get(columns_url)
    assert page.status_code == 200
    chosen = chosen_columns(page.text)
    assert list(chosen.values()) == [
        "email",
        "phone",
        "given_name",
        "family_name",
        "organisation",
        "country",
        "category",
        "tags",
    ]
    preview = [td.get_text() for td in soup(page.text).select("tbody tr:first-child td")]
    assert preview[0] == "ada.lovelace@Example.ORG"

    confirmed = client.post(
        columns_url,
        data={**chosen, "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == f"{BASE}/{batch_id}"
    # Confirming twice does not start it twice.
    again = client.post(
        columns_url, data={**chosen, "_csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert again.headers["location"] == f"{BASE}/{batch_id}"

    batch = wait_until_done(world, batch_id)
    assert batch.status is BatchStatus.DONE, batch.error
    assert {
        "added": batch.added,
        "updated": batch.updated,
        "rejected": batch.rejected,
        "suppressed": batch.suppressed,
    } == MESSY_COUNTS
    assert batch.operator == f"user:{world.users['comms_a']}"

    result = client.get(f"{BASE}/{batch_id}")
    assert result.status_code == 200
    document = soup(result.text)
    assert "Imported" in document.get_text()
    assert document.select_one("[hx-trigger]") is None  # polling stopped
    link = document.select_one("a[href$='/rejected.csv']")
    assert link is not None

    download = client.get(str(link["href"]))
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    assert "@" not in download.headers["content-disposition"]
    text = download.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [int(row[0]) for row in rows[1:]] == MESSY_REJECTED_LINES
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert any(cell.startswith("'=") for row in rows for cell in row)

    listing = client.get(BASE)
    assert batch_id in listing.text
    # The upload was deleted once the import completed.
    assert not any((world.settings.data_dir / "uploads" / PARTNER_A).glob("*.csv"))
    # Nothing personal reached the logs.
    for record in caplog.records:
        message = record.getMessage()
        assert "@" not in message, message
        assert "Lovelace" not in message


def test_progress_is_a_partial_for_htmx(world: World, as_user: Clients) -> None:
    client = as_user("comms_a")
    location = upload(client, b"email\nada@example.org\n").headers["location"]
    batch_id = location.split("/")[-2]
    page = client.get(f"{BASE}/{batch_id}", headers={"HX-Request": "true"})
    assert page.status_code == 200
    assert page.text.lstrip().startswith("{#") is False
    assert soup(page.text).select_one("section#import-progress") is not None
    assert soup(page.text).select_one("h1") is None  # the fragment, not the page


def test_forms_come_back_with_errors_beside_their_fields(world: World, as_user: Clients) -> None:
    client = as_user("comms_a")
    response = upload(client, b"", form={"lawful_basis": "whim", "source": ""}, name="")
    assert response.status_code == 400
    document = soup(response.text)
    for field in ("file", "lawful_basis", "source"):
        assert document.select_one(f"#e-{field}") is not None, field
    assert batch_count(world) == 0

    unreadable = upload(client, "email\nJérôme@example.org\n".encode("latin-1"))
    assert unreadable.status_code == 400
    message = soup(unreadable.text).select_one("#e-file")
    assert message is not None and "not valid UTF-8" in message.get_text()
    assert (
        upload(client, b"email\na@example.org\n", {**TERMS, "encoding": "nope"}).status_code == 400
    )

    location = upload(client, b"email,name\na@example.org,A\n").headers["location"]
    refused = client.post(
        location,
        data={"column-0": "", "column-1": "", "_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert soup(refused.text).select_one("#e-columns") is not None
    twice = client.post(
        location,
        data={"column-0": "email", "column-1": "given_name", "column-2": "given_name"}
        | {"_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert twice.status_code == 303  # there are only two columns; the third is ignored


def test_a_file_over_the_cap_is_refused_beside_the_field(world: World) -> None:
    hub = Hub(world.settings.with_changes(import_max_bytes=2048))
    app = create_app(hub.settings, hub=hub, vaults=world.vaults)
    client = new_client(app)
    sign_in(client, "comms_a")
    try:
        for size in (3000, 200_000):  # past the cap; past the request limit as well
            response = upload(client, b"email\n" + b"a" * size)
            assert response.status_code == 413
            message = soup(response.text).select_one("#e-file")
            assert message is not None, response.text[:300]
            assert "larger than the limit of 0.0 MB" in message.get_text()
        assert batch_count(world) == 0
        assert not any((world.settings.data_dir / "uploads" / PARTNER_A).glob("*"))
        # Refused before the access guard ran, it still answers as the guard would.
        outsider = new_client(app)
        sign_in(outsider, "comms_b")
        assert upload(outsider, b"email\n" + b"a" * 200_000).status_code == 404
        stranger = new_client(app)
        assert upload(stranger, b"email\n" + b"a" * 200_000).status_code in {303, 401}
    finally:
        hub.dispose()


def test_discarding_a_pending_upload_deletes_it(world: World, as_user: Clients) -> None:
    client = as_user("comms_a")
    location = upload(client, b"email\na@example.org\n").headers["location"]
    batch_id = location.split("/")[-2]
    discarded = client.post(
        f"{BASE}/{batch_id}/discard",
        data={"_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert discarded.headers["location"] == BASE
    assert batch_count(world) == 0
    assert not any((world.settings.data_dir / "uploads" / PARTNER_A).glob("*"))


def test_an_upload_nobody_confirmed_is_deleted_later(world: World, as_user: Clients) -> None:
    client = as_user("comms_a")
    location = upload(client, b"email\na@example.org\n").headers["location"]
    stale_id = location.split("/")[-2]
    with world.vaults.transaction(PARTNER_A) as session:
        session.get_one(ImportBatch, stale_id).created_at -= timedelta(days=3)
    upload(client, b"email\nb@example.org\n")
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.get(ImportBatch, stale_id) is None
    folder = world.settings.data_dir / "uploads" / PARTNER_A
    assert not any(folder.glob(f"{stale_id}.*"))
    assert len(list(folder.glob("*.csv"))) == 1


def test_an_interrupted_import_resumes_from_the_page(world: World, as_user: Clients) -> None:
    client = as_user("comms_a")
    location = upload(client, b"email\na@example.org\nb@example.org\n").headers["location"]
    batch_id = location.split("/")[-2]
    with world.vaults.transaction(PARTNER_A) as session:
        # What a restart leaves: claimed by a process that is gone.
        session.get_one(ImportBatch, batch_id).status = BatchStatus.RUNNING
    page = soup(client.get(f"{BASE}/{batch_id}").text)
    form = page.select_one(f"form[action='{BASE}/{batch_id}/resume']")
    assert form is not None
    resumed = client.post(
        f"{BASE}/{batch_id}/resume",
        data={"_csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert resumed.status_code == 303
    assert wait_until_done(world, batch_id).added == 2
    with world.vaults.transaction(PARTNER_A) as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 2


def test_another_partner_cannot_reach_any_import(world: World, as_user: Clients) -> None:
    owner = as_user("comms_a")
    location = upload(owner, MESSY).headers["location"]
    batch_id = location.split("/")[-2]
    owner.post(
        location,
        data={**chosen_columns(owner.get(location).text)} | {"_csrf_token": csrf_token(owner)},
    )
    wait_until_done(world, batch_id)

    outsider = as_user("comms_b")
    token = {"_csrf_token": csrf_token(outsider)}
    for method, path in [
        ("GET", BASE),
        ("GET", f"{BASE}/new"),
        ("GET", f"{BASE}/{batch_id}"),
        ("GET", f"{BASE}/{batch_id}/columns"),
        ("GET", f"{BASE}/{batch_id}/rejected.csv"),
        ("POST", f"{BASE}/{batch_id}/columns"),
        ("POST", f"{BASE}/{batch_id}/resume"),
        ("POST", f"{BASE}/{batch_id}/discard"),
    ]:
        data = token if method == "POST" else None
        response = outsider.request(method, path, data=data, follow_redirects=False)
        assert response.status_code == 404, (method, path)
    assert upload(outsider, MESSY).status_code == 404
    # Its own vault does not know the other partner's batch either.
    other = f"/partners/{PARTNER_B}/imports/{batch_id}"
    for suffix in ("", "/columns", "/rejected.csv"):
        assert outsider.get(other + suffix).status_code == 404
    assert "Lovelace" not in outsider.get(f"/partners/{PARTNER_B}/imports").text
