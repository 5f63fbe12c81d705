"""Every staff page a role reaches from its navigation and its dashboard, opened in headless
Chromium and checked by axe-core (see ``tests/browser/accessibility.py``): 0 serious and 0
critical violations, in every role. The pages' own journeys check what they do; this tour
makes sure no page is left unchecked because no journey happened to open it.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page

from tests.browser import accessibility
from tests.browser.test_journeys import browser, page, sign_in
from tests.conftest import DemoServer

pytestmark = pytest.mark.browser
assert browser and page  # fixtures shared with the other journeys

ROLES = [
    "secretariat@partnership.example",
    "admin@northmere.example",
    "comms@northmere.example",
    "signatory@northmere.example",
]
# Links a tour must not follow: they act, download or leave the site.
SKIP = ("/logout", ".csv", ".ics", ".json", "/feed/", "/static/")


def _same_site_links(page: Page, server: DemoServer, selector: str) -> list[str]:
    found = []
    for href in page.locator(selector).evaluate_all("links => links.map(a => a.href)"):
        url = urlparse(href)
        if f"{url.scheme}://{url.netloc}" != server.url or any(s in href for s in SKIP):
            continue
        if url.path not in found:
            found.append(url.path)
    return found


@pytest.mark.parametrize("email", ROLES)
def test_every_page_a_role_reaches_passes_axe(
    page: Page, demo_server: DemoServer, email: str
) -> None:
    sign_in(page, demo_server, email)
    to_visit = _same_site_links(page, demo_server, "nav[aria-label=Main] a, main a")
    seen: set[str] = set()
    for path in to_visit[:40]:
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(f"{demo_server.url}{path}")
        assert response is not None and response.status < 500, path
        accessibility.check(page)
        # One level deeper: the first links of each list, such as one meeting or one contact;
        # every link of the vault overview, which is the way to the vault's own pages.
        overview = path.endswith("/vault")
        links = _same_site_links(
            page, demo_server, "main a" if overview else "main table a, main ul a"
        )
        for deeper in links if overview else links[:2]:
            if deeper in seen:
                continue
            seen.add(deeper)
            page.goto(f"{demo_server.url}{deeper}")
            accessibility.check(page)
    assert len(seen) >= 8
