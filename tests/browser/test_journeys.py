"""User journeys in a real headless Chromium (Debian's), driven by Playwright.

Screenshots go to ``test-artifacts/screenshots`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from concord.cli.demo import demo_accounts
from tests.browser import accessibility
from tests.conftest import DemoServer

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    return os.environ.get("CONCORD_TEST_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if not path:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed; .ci/run must install Debian's chromium")
        pytest.skip("Chromium is not installed here")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    accessibility.watch(context, problems)
    opened = context.new_page()

    def watch(message: ConsoleMessage) -> None:
        # A CSP violation (say, an inline script) is reported as a console error. Failed loads
        # are not counted: some tests open forbidden pages on purpose.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    opened.on("console", watch)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    accessibility.check_now(opened, problems)
    context.close()
    assert problems == [], "\n".join(problems)


def sign_in(page: Page, server: DemoServer, email: str) -> None:
    page.goto(f"{server.url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(server.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.url}/dashboard")


@pytest.mark.parametrize(("email", "role"), [(e, r) for e, r, _, _ in demo_accounts()][:4])
def test_each_role_signs_in_and_reaches_its_dashboard(
    page: Page, demo_server: DemoServer, email: str, role: object
) -> None:
    sign_in(page, demo_server, email)
    heading = page.get_by_role("heading", level=1)
    assert "dashboard" in heading.inner_text().lower()
    assert page.evaluate("typeof window.htmx") == "object"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(
            SCREENSHOTS / f"dashboard-{email.split('@')[0]}-{email.split('@')[1].split('.')[0]}.png"
        ),
        full_page=True,
    )
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{demo_server.url}/login")


def test_partner_staff_cannot_open_another_partners_vault(
    page: Page, demo_server: DemoServer
) -> None:
    sign_in(page, demo_server, "comms@northmere.example")
    response = page.goto(f"{demo_server.url}/partners/coastal/vault")
    assert response is not None and response.status == 404
    own = page.goto(f"{demo_server.url}/partners/northmere/vault")
    assert own is not None and own.status == 200


def test_wrong_password_shows_the_error_beside_the_form(
    page: Page, demo_server: DemoServer
) -> None:
    page.goto(f"{demo_server.url}/login")
    page.get_by_label("Email").fill("signatory@alpine.example")
    page.get_by_label("Password").fill("definitely wrong")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    assert "do not match" in alert.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "login-error.png"))


def test_overlap_results_read_at_a_glance(page: Page, demo_server: DemoServer) -> None:
    """The demo's first round, as the secretariat sees it: charts plus the table alternative."""
    sign_in(page, demo_server, "secretariat@partnership.example")
    page.get_by_role("link", name="Shared stakeholders").first.click()
    page.get_by_role("link", name="See results").first.click()
    page.wait_for_url("**/matching/rounds/*")
    assert page.get_by_role("heading", name="Who shares with whom").is_visible()
    table = page.get_by_role("table").first
    assert "held by at least both" in table.locator("caption").inner_text()
    assert page.locator("figure.chart svg[role=img]").count() == 2
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "overlap-results.png"), full_page=True)


def test_a_boosted_form_shows_its_errors(page: Page, demo_server: DemoServer) -> None:
    """htmx drops 4xx responses by default; the app's htmx config swaps them in."""
    sign_in(page, demo_server, "comms@coastal.example")
    page.goto(f"{demo_server.url}/account")
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password (at least 12 characters)").fill("a brand new password")
    page.get_by_label("The same again").fill("a brand new password")
    page.get_by_role("button", name="Change password").click()
    assert "not your current password" in page.locator(".error").first.inner_text()
