"""A failure on our side: a generic answer with a reference, which the log line carries too.

The failing routes are registered on the real app by the test, so that the whole stack (the
access guard, the exception handlers, the request log) handles them as it would any route.
"""

from __future__ import annotations

import logging
import re

import pytest
from litestar import Litestar, get
from litestar.exceptions import ImproperlyConfiguredException
from litestar.testing import TestClient

from concord.web.access import Access, access

PERSONAL = "jane.doe@example.org"
GENERIC = "Something went wrong on our side"


@get("/test-only/fails", opt=access(Access.PUBLIC), sync_to_thread=False)
def page_that_fails() -> str:
    raise RuntimeError(f"no partner matches {PERSONAL}")


@get("/api/v1/test-only/fails", opt=access(Access.PUBLIC), sync_to_thread=False)
def api_that_fails() -> dict[str, str]:
    raise RuntimeError(f"no partner matches {PERSONAL}")


@get("/api/v1/test-only/misconfigured", opt=access(Access.PUBLIC), sync_to_thread=False)
def api_with_an_internal_http_error() -> dict[str, str]:
    raise ImproperlyConfiguredException(f"handler for {PERSONAL} declares no access level")


@pytest.fixture
def failing(app: Litestar, anonymous: TestClient[Litestar]) -> TestClient[Litestar]:
    for handler in (page_that_fails, api_that_fails, api_with_an_internal_http_error):
        app.register(handler)
    return anonymous


def the_reference_logged(caplog: pytest.LogCaptureFixture) -> str:
    errors = [r for r in caplog.records if r.name == "concord.web" and r.levelno == logging.ERROR]
    assert len(errors) == 1
    line = errors[0].getMessage()
    assert PERSONAL not in line
    found = re.search(r"reference ([0-9a-f]{8})", line)
    assert found, line
    return found.group(1)


def test_a_failing_page_says_so_with_the_reference_in_the_log(
    failing: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = failing.get("/test-only/fails")
    assert response.status_code == 500
    assert GENERIC in response.text
    assert PERSONAL not in response.text
    assert "RuntimeError" not in response.text
    reference = the_reference_logged(caplog)
    assert reference in response.text
    line = next(r.getMessage() for r in caplog.records if r.name == "concord.web")
    assert "RuntimeError" in line and "/test-only/fails" in line


@pytest.mark.parametrize("path", ["/api/v1/test-only/fails", "/api/v1/test-only/misconfigured"])
def test_a_failing_api_call_says_so_with_the_reference_in_the_log(
    failing: TestClient[Litestar], caplog: pytest.LogCaptureFixture, path: str
) -> None:
    caplog.set_level(logging.INFO)
    response = failing.get(path)
    assert response.status_code == 500
    assert response.json() == {
        "status_code": 500,
        "detail": GENERIC,
        "reference": the_reference_logged(caplog),
    }
    assert PERSONAL not in response.text


def test_two_failures_get_two_references(
    failing: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    first = failing.get("/api/v1/test-only/fails").json()["reference"]
    second = failing.get("/api/v1/test-only/fails").json()["reference"]
    assert first != second


def test_the_request_log_writes_the_500(
    failing: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="concord.requests")
    failing.get("/test-only/fails")
    lines = [r.getMessage() for r in caplog.records if r.name == "concord.requests"]
    assert lines and lines[-1].startswith("GET /test-only/fails 500 ")


def test_options_and_head_cover_routes_registered_later(failing: TestClient[Litestar]) -> None:
    options = failing.options("/test-only/fails")
    assert options.status_code == 204
    assert options.headers["allow"] == "GET, HEAD, OPTIONS"
    assert failing.head("/test-only/fails").status_code == 500
