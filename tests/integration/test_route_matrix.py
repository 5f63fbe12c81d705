"""Every route in the app's route table, tried by every role.

Each handler declares an access level; this test derives from it who must get in and who must
be kept out, so a route added later is covered without touching this file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from litestar import Litestar
from litestar.handlers.http_handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from concord.accounts import api_tokens
from concord.accounts.models import ApiToken, User
from concord.web.access import PARTNER_SCOPED, Access, level_of
from tests.conftest import PARTNER_A, PEOPLE, World, csrf_token, sign_in

ROLES = [key for key, _, _, _ in PEOPLE] + ["anonymous"]
DENIED = {401, 403, 404}
PARAM = re.compile(r"\{(\w+):(\w+)\}")


def routes(app: Litestar) -> Iterator[tuple[str, str, HTTPRouteHandler]]:
    """Each route's path, method and handler, leaving out the OPTIONS and HEAD that the app
    answers for every route in front of the router (see the tests at the end)."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                yield route.path, method, handler


def concrete(path: str) -> str:
    """Fill path parameters: the partner is always partner A, anything else a plausible id."""

    def fill(match: re.Match[str]) -> str:
        name, kind = match.groups()
        if name == "partner":
            return PARTNER_A
        if kind == "int":
            # No such row: the matrix checks who gets past the guard, not what a row holds.
            return "999999"
        if kind == "path":
            return "/concord.css"
        return "some-opaque-token"

    return PARAM.sub(fill, path)


def headers_for(url: str, role: str, bearer: dict[str, str]) -> dict[str, str]:
    if url.startswith("/api/v1") and role != "anonymous":
        return {"authorization": f"Bearer {bearer[role]}"}
    return {}


def expected_allowed(level: Access, role: str, demo: bool) -> bool:
    from concord.accounts.viewer import Viewer
    from concord.web.access import allows

    if role == "anonymous":
        return allows(level, None, PARTNER_A, demo)
    _, email, person_role, partner = next(p for p in PEOPLE if p[0] == role)
    viewer = Viewer(0, email, role, person_role, partner, None)
    return allows(level, viewer, PARTNER_A, demo)


@pytest.fixture
def clients(
    app: Litestar, world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> dict[str, TestClient[Litestar]]:
    made = {key: as_user(key) for key, _, _, _ in PEOPLE}
    made["anonymous"] = TestClient(app, base_url="https://testserver.local")
    return made


@pytest.fixture
def bearer(world: World) -> dict[str, str]:
    """An API token for every signed-in role."""
    tokens: dict[str, str] = {}
    with world.hub.transaction() as session:
        for key, user_id in world.users.items():
            _, clear = api_tokens.issue(session, session.get_one(User, user_id), "matrix")
            tokens[key] = clear
    return tokens


def test_every_route_declares_an_access_level(app: Litestar) -> None:
    for path, method, handler in routes(app):
        assert isinstance(level_of(handler), Access), f"{method} {path}"


def test_every_role_gets_the_answer_its_access_level_gives(
    app: Litestar, clients: dict[str, TestClient[Litestar]], bearer: dict[str, str]
) -> None:
    demo = app.state.settings.demo
    checked = 0
    for path, method, handler in routes(app):
        level = level_of(handler)
        url = concrete(path)
        for role in ROLES:
            client = clients[role]
            headers = headers_for(url, role, bearer)
            data = {"_csrf_token": csrf_token(client)} if method != "GET" else None
            response = client.request(
                method, url, data=data, headers=headers, follow_redirects=False
            )
            allowed = expected_allowed(level, role, demo)
            where = f"{method} {url} as {role} ({level})"
            if allowed:
                assert response.status_code not in {401, 403}, where
                assert response.status_code < 500, where
                only_partner_param = PARAM.findall(path) == [("partner", "str")]
                if level in PARTNER_SCOPED and only_partner_param:
                    assert response.status_code != 404, where
            elif role == "anonymous" and not url.startswith("/api/v1"):
                assert response.status_code in {303, 404}, where
                if response.status_code == 303:
                    assert response.headers["location"].startswith("/login"), where
            else:
                assert response.status_code in DENIED, where
            checked += 1
            if url == "/logout" and role != "anonymous":
                sign_in(client, role)
    assert checked > 50


def test_api_refuses_the_session_cookie(clients: dict[str, TestClient[Litestar]]) -> None:
    """The API is exempt from CSRF only because it never honours the cookie."""
    response = clients["comms_a"].get(f"/api/v1/partners/{PARTNER_A}/vault")
    assert response.status_code == 401


def test_revoked_api_token_stops_working(
    world: World, clients: dict[str, TestClient[Litestar]], bearer: dict[str, str]
) -> None:
    client = clients["anonymous"]
    headers = {"authorization": f"Bearer {bearer['comms_a']}"}
    assert client.get("/api/v1/me", headers=headers).json()["role"] == "comms"
    with world.hub.transaction() as session:
        token = session.query(ApiToken).filter_by(user_id=world.users["comms_a"]).one()
        assert api_tokens.revoke(session, session.get_one(User, world.users["comms_a"]), token.id)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def path_methods(app: Litestar) -> dict[str, set[str]]:
    """Each path in the route table and the methods its handlers declare."""
    found: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                found.setdefault(route.path, set()).update(handler.http_methods)
    return found


def test_options_answers_every_path_with_its_methods(anonymous: TestClient[Litestar]) -> None:
    """OPTIONS discloses nothing, so anyone gets it, on any path that exists (RFC 9110 9.3.7)."""
    assert isinstance(anonymous.app, Litestar)
    for path, methods in path_methods(anonymous.app).items():
        response = anonymous.options(concrete(path))
        where = f"OPTIONS {path}"
        assert response.status_code == 204, where
        allowed = {method.strip() for method in response.headers["allow"].split(",")}
        assert methods | {"OPTIONS"} <= allowed, where
        assert ("HEAD" in allowed) == ("GET" in methods or "HEAD" in methods), where
        assert response.content == b"", where


def test_options_on_an_unknown_path_is_a_404(anonymous: TestClient[Litestar]) -> None:
    assert anonymous.options("/no/such/page").status_code == 404


def test_a_method_a_path_does_not_take_is_a_405_naming_the_ones_it_does(
    anonymous: TestClient[Litestar],
) -> None:
    for path, body in (("/health", "page"), ("/api/v1/me", "api")):
        response = anonymous.delete(path)
        assert response.status_code == 405, body
        assert response.headers["allow"] == "GET, HEAD, OPTIONS", body


class SentBodies:
    """What the app really sends as body, below the test client (which drops a HEAD's body)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.last = b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.last = b""

        async def record(message: Message) -> None:
            if message["type"] == "http.response.body":
                self.last += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, record)


@pytest.fixture
def sent(app: Litestar) -> SentBodies:
    recorder = SentBodies(app.asgi_handler)
    app.asgi_handler = recorder
    return recorder


def test_head_answers_as_get_does_for_every_role(
    app: Litestar,
    clients: dict[str, TestClient[Litestar]],
    bearer: dict[str, str],
    sent: SentBodies,
) -> None:
    """Same status and headers as the GET, so the same access rules; and no body at all."""
    checked = 0
    for path, method, _ in routes(app):
        if method != "GET":
            continue
        url = concrete(path)
        for role in ROLES:
            client = clients[role]
            headers = headers_for(url, role, bearer)
            got = client.get(url, headers=headers, follow_redirects=False)
            head = client.head(url, headers=headers, follow_redirects=False)
            where = f"HEAD {url} as {role}"
            assert head.status_code == got.status_code, where
            assert sent.last == b"", where
            for name in ("content-type", "location", "www-authenticate", "allow"):
                assert head.headers.get(name) == got.headers.get(name), f"{where}: {name}"
            checked += 1
    assert checked > 50
