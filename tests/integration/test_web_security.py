"""Security basics on by default: headers, CSRF, cross-site posts, error pages without leaks."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from concord.logs import configure_logging
from concord.settings import Settings
from tests.conftest import EMAILS, PASSWORD, csrf_token


def test_every_page_carries_a_strict_csp(anonymous: TestClient[Litestar]) -> None:
    response = anonymous.get("/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_pages_have_no_inline_script(anonymous: TestClient[Litestar]) -> None:
    html = anonymous.get("/login").text
    for chunk in html.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag, "inline <script> found"
    assert " on" not in html.replace("\n", " ").split("<body", 1)[1].split(">", 1)[0]


def test_a_form_post_without_the_csrf_token_is_refused(anonymous: TestClient[Litestar]) -> None:
    anonymous.get("/login")
    response = anonymous.post("/login", data={"email": EMAILS["comms_a"], "password": PASSWORD})
    assert response.status_code == 403


def request_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "concord.requests"]


def test_a_csrf_refusal_is_logged_as_the_403_it_is(
    anonymous: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    """Litestar's CSRF middleware raises; the app-wide handler's 403 is what the client got."""
    anonymous.get("/login")
    caplog.set_level(logging.INFO, logger="concord.requests")
    response = anonymous.post("/login", data={"email": EMAILS["comms_a"], "password": PASSWORD})
    assert response.status_code == 403
    assert response.headers["x-frame-options"] == "DENY"
    assert request_lines(caplog)[-1].startswith("POST /login 403 ")


def test_an_unknown_path_is_logged_and_carries_the_security_headers(
    anonymous: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="concord.requests")
    response = anonymous.get("/no/such/page")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert request_lines(caplog)[-1].startswith("GET (unrouted) 404 ")


@pytest.mark.parametrize(
    "path",
    [
        "/static/%00",
        "/static/concord.css%00",
        "/static/vendor/htmx/%00",
        "/static/" + "a" * 300,  # longer than a file name can be
        "/static/concord.css/more",  # a file where a folder would be
    ],
)
def test_a_static_path_that_names_no_file_is_a_404(
    anonymous: TestClient[Litestar], path: str
) -> None:
    assert anonymous.get(path).status_code == 404
    assert anonymous.head(path).status_code == 404


def test_a_static_file_answers_head_with_the_get_headers(anonymous: TestClient[Litestar]) -> None:
    got = anonymous.get("/static/concord.css")
    head = anonymous.head("/static/concord.css")
    assert head.status_code == got.status_code == 200
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == got.headers["content-length"]


@pytest.fixture
def process_logging() -> Iterator[None]:
    """Puts back what configure_logging changes, so that other tests keep pytest's setup."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    scheduler = logging.getLogger("apscheduler")
    scheduler_level = scheduler.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    scheduler.setLevel(scheduler_level)


def test_apscheduler_per_run_lines_are_off_by_default(
    process_logging: None, tmp_path: Path
) -> None:
    configure_logging(Settings(data_dir=tmp_path).log_level)
    executor = logging.getLogger("apscheduler.executors.default")
    assert not executor.isEnabledFor(logging.INFO)
    assert executor.isEnabledFor(logging.WARNING)
    assert logging.getLogger("concord.requests").isEnabledFor(logging.INFO)


def test_apscheduler_per_run_lines_show_at_debug(process_logging: None) -> None:
    configure_logging("DEBUG")
    assert logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.INFO)


def test_htmx_requests_carry_the_token_in_a_header(anonymous: TestClient[Litestar]) -> None:
    token = csrf_token(anonymous)
    response = anonymous.post(
        "/login",
        data={"email": EMAILS["comms_a"], "password": PASSWORD},
        headers={"x-csrftoken": token, "hx-request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_a_cross_site_post_is_refused_even_with_a_token(anonymous: TestClient[Litestar]) -> None:
    token = csrf_token(anonymous)
    response = anonymous.post(
        "/login",
        data={"email": EMAILS["comms_a"], "password": PASSWORD, "_csrf_token": token},
        headers={"sec-fetch-site": "cross-site", "origin": "https://evil.example"},
    )
    assert response.status_code == 403
    old_browser = anonymous.post(
        "/login",
        data={"email": EMAILS["comms_a"], "password": PASSWORD, "_csrf_token": token},
        headers={"origin": "https://evil.example"},
    )
    assert old_browser.status_code == 403


def test_api_without_a_token_answers_401_json(anonymous: TestClient[Litestar]) -> None:
    response = anonymous.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["status_code"] == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_openapi_schema_is_served_without_a_cdn(anonymous: TestClient[Litestar]) -> None:
    schema = anonymous.get("/api/v1/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/me" in paths
    assert "/api/v1/partners/{partner}/vault" in paths


def test_worker_starts_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    env = {
        "CONCORD_DATA_DIR": str(tmp_path),
        "CONCORD_SECRET_KEY": "k" * 40,
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [sys.executable, "-m", "concord.cli", "init"], env=env, check=True, capture_output=True
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "concord.cli", "worker"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert worker.stderr is not None
    started = ""
    for _ in range(100):
        started += worker.stderr.readline()
        if "Worker started" in started:
            break
    time.sleep(0.5)
    worker.terminate()
    assert worker.wait(timeout=30) == 0
    assert "Stopping the worker" in worker.stderr.read()


def test_health_answers(anonymous: TestClient[Litestar]) -> None:
    assert anonymous.get("/health").json() == {"status": "ok"}


def test_unknown_path_is_a_404_page(anonymous: TestClient[Litestar]) -> None:
    response = anonymous.get("/no/such/page")
    assert response.status_code == 404
