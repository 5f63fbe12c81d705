"""``concord demo`` as a new user runs it: it serves, and every demo account signs in."""

from __future__ import annotations

import csv
import io
import json
import re

import httpx
import pytest

from concord.cli.demo import demo_accounts
from concord.demo.contacts import DEMO_PARTNERS
from tests.conftest import DemoServer


def _sign_in(server: DemoServer, email: str, password: str) -> httpx.Response:
    """Sign in over real HTTP, carrying cookies by hand (httpx keeps Secure cookies off http)."""
    with httpx.Client(base_url=server.url, follow_redirects=False) as client:
        form_page = client.get("/login")
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form_page.text)
        assert csrf
        cookie = form_page.headers["set-cookie"].split(";")[0]
        return client.post(
            "/login",
            data={"email": email, "password": password, "_csrf_token": csrf.group(1)},
            headers={"cookie": cookie},
        )


@pytest.mark.parametrize(("email", "role"), [(e, r.value) for e, r, _, _ in demo_accounts()])
def test_every_demo_account_signs_in(demo_server: DemoServer, email: str, role: str) -> None:
    response = _sign_in(demo_server, email, demo_server.password)
    assert response.status_code == 303, (role, response.text[:500])
    assert response.headers["location"] == "/dashboard"
    session_cookie = next(
        value
        for key, value in response.headers.multi_items()
        if key == "set-cookie" and value.startswith("concord_session=")
    )
    dashboard = httpx.get(
        f"{demo_server.url}/dashboard", headers={"cookie": session_cookie.split(";")[0]}
    )
    assert dashboard.status_code == 200


def test_wrong_demo_password_is_refused(demo_server: DemoServer) -> None:
    assert _sign_in(demo_server, "comms@northmere.example", "not the password").status_code == 400


def test_demo_wrote_contact_lists_and_ground_truth(demo_server: DemoServer) -> None:
    folder = demo_server.data_dir / "demo" / "contacts"
    for partner in DEMO_PARTNERS:
        assert (folder / f"{partner.slug}.csv").stat().st_size > 0
    truth = json.loads((folder / "ground_truth.json").read_text())
    assert sorted(truth["partners"]) == sorted(p.slug for p in DEMO_PARTNERS)


def test_demo_serves_htmx_from_the_registry_package(demo_server: DemoServer) -> None:
    response = httpx.get(f"{demo_server.url}/static/vendor/htmx/htmx.min.js")
    assert response.status_code == 200
    assert "htmx" in response.text[:2000]


def test_demo_log_carries_no_personal_data(demo_server: DemoServer) -> None:
    """Request lines name route templates, never raw paths or submitted values, and no
    stakeholder's address or phone number reaches the log at all."""
    log = demo_server.log.read_text()
    request_lines = [line for line in log.splitlines() if "concord.requests" in line]
    assert request_lines, "the server logged no requests"
    for line in request_lines:
        assert "@" not in line
        assert demo_server.password not in line
    contacts = demo_server.data_dir / "demo" / "contacts"
    for partner in DEMO_PARTNERS:
        with (contacts / f"{partner.slug}.csv").open(encoding="utf-8-sig", newline="") as handle:
            sample = handle.read()
        delimiter = (
            ";" if sample.splitlines()[0].count(";") > sample.splitlines()[0].count(",") else ","
        )
        for row in csv.DictReader(io.StringIO(sample), delimiter=delimiter):
            for value in (row["email"].strip(), row["phone"].strip(), row["family_name"].strip()):
                if len(value) > 5:
                    assert value not in log


@pytest.mark.parametrize("path", ["/login", "/static/concord.css", "/", "/no/such/page"])
def test_the_real_server_answers_head_as_get_without_a_body(
    demo_server: DemoServer, path: str
) -> None:
    """Uvicorn itself refuses a body after a HEAD, so this is tried on a real server."""
    with httpx.Client(base_url=demo_server.url, follow_redirects=False) as client:
        got = client.get(path)
        head = client.head(path)
    assert head.status_code == got.status_code
    assert head.content == b""
    assert head.headers.get("content-type") == got.headers.get("content-type")
    assert "Exception in ASGI application" not in demo_server.log.read_text()


def test_the_real_server_answers_options(demo_server: DemoServer) -> None:
    response = httpx.options(f"{demo_server.url}/api/v1/me")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
