"""Signing in and out, sessions, password change and reset, login rate limits."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update

from concord.accounts.models import User, WebSession
from concord.db import utcnow
from concord.mail.models import StaffMessage
from tests.conftest import EMAILS, PASSWORD, World, post_form, sign_in

Login = Callable[[str], TestClient[Litestar]]


def test_sign_in_reaches_the_dashboard(anonymous: TestClient[Litestar]) -> None:
    sign_in(anonymous, "comms_a")
    page = anonymous.get("/dashboard")
    assert page.status_code == 200
    heading = BeautifulSoup(page.text, "html.parser").h1
    assert heading is not None and "Comms staff" in heading.text


def test_session_cookie_is_secure_httponly_samesite(anonymous: TestClient[Litestar]) -> None:
    response = post_form(
        anonymous,
        "/login",
        {"email": EMAILS["comms_a"], "password": PASSWORD},
        follow_redirects=False,
    )
    cookie = next(
        v for k, v in response.headers.multi_items() if k == "set-cookie" and "concord_session" in v
    )
    lowered = cookie.lower()
    assert "secure" in lowered and "httponly" in lowered and "samesite=lax" in lowered


def test_wrong_password_re_renders_the_form_with_an_error(anonymous: TestClient[Litestar]) -> None:
    response = post_form(anonymous, "/login", {"email": EMAILS["comms_a"], "password": "nope"})
    assert response.status_code == 400
    soup = BeautifulSoup(response.text, "html.parser")
    alert = soup.select_one("[role=alert]")
    assert alert is not None and "do not match" in alert.text
    email_input = soup.select_one('input[name="email"]')
    assert email_input is not None and email_input["value"] == EMAILS["comms_a"]


def test_ten_wrong_passwords_block_further_tries(anonymous: TestClient[Litestar]) -> None:
    for _ in range(10):
        response = post_form(anonymous, "/login", {"email": EMAILS["comms_a"], "password": "wrong"})
        assert response.status_code == 400
    blocked = post_form(anonymous, "/login", {"email": EMAILS["comms_a"], "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.text
    # Another account from another client is not affected by this account's lockout.


def test_lockout_is_per_account(app: Litestar, anonymous: TestClient[Litestar]) -> None:
    for _ in range(10):
        post_form(anonymous, "/login", {"email": EMAILS["comms_a"], "password": "wrong"})
    other = post_form(
        anonymous,
        "/login",
        {"email": EMAILS["comms_b"], "password": PASSWORD},
        follow_redirects=False,
    )
    assert other.status_code == 303


def test_sign_in_rotates_the_session(world: World, anonymous: TestClient[Litestar]) -> None:
    sign_in(anonymous, "comms_a")
    first = anonymous.cookies.get("concord_session")
    sign_in(anonymous, "comms_a")
    second = anonymous.cookies.get("concord_session")
    assert first and second and first != second
    with world.hub.transaction() as session:
        assert len(session.scalars(select(WebSession)).all()) == 1


def test_idle_session_expires(world: World, anonymous: TestClient[Litestar]) -> None:
    sign_in(anonymous, "comms_a")
    with world.hub.transaction() as session:
        idle = timedelta(minutes=world.settings.session_idle_minutes + 1)
        session.execute(update(WebSession).values(last_seen_at=utcnow() - idle))
    response = anonymous.get("/dashboard", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_sign_out_ends_the_session(anonymous: TestClient[Litestar]) -> None:
    sign_in(anonymous, "comms_a")
    token = anonymous.cookies.get("concord_session")
    post_form(anonymous, "/logout", {}, follow_redirects=False)
    anonymous.cookies.set("concord_session", token or "", domain="testserver.local")
    assert anonymous.get("/dashboard", follow_redirects=False).status_code == 303


def test_password_change_needs_the_current_password(as_user: Login) -> None:
    client = as_user("comms_a")
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": "wrong",
            "new_password": "a new password 123",
            "confirm_password": "a new password 123",
        },
    )
    assert response.status_code == 400
    assert "not your current password" in response.text
    ok = post_form(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a new password 123",
            "confirm_password": "a new password 123",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert client.get("/dashboard", follow_redirects=False).status_code == 200


def test_password_reset_link_works_once(world: World, anonymous: TestClient[Litestar]) -> None:
    post_form(anonymous, "/password-reset", {"email": EMAILS["comms_a"].upper()})
    with world.hub.transaction() as session:
        message = session.scalars(select(StaffMessage)).one()
    assert message.to_address == EMAILS["comms_a"]
    match = re.search(r"/password-reset/([A-Za-z0-9_-]+)", message.text_body)
    assert match
    path = match.group(0)
    assert anonymous.get(path).status_code == 200
    new = "brand new password 42"
    done = post_form(
        anonymous, path, {"new_password": new, "confirm_password": new}, follow_redirects=False
    )
    assert done.status_code == 303
    again = post_form(anonymous, path, {"new_password": new, "confirm_password": new})
    assert again.status_code == 400
    assert anonymous.get(path).status_code == 410
    sign_in(anonymous, "comms_a", password=new)


def test_password_reset_for_unknown_address_looks_the_same(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    known = post_form(anonymous, "/password-reset", {"email": EMAILS["comms_a"]})
    unknown = post_form(anonymous, "/password-reset", {"email": "nobody@nowhere.example"})
    assert known.status_code == unknown.status_code == 200

    def main_text(html: str) -> str:
        main = BeautifulSoup(html, "html.parser").main
        assert main is not None
        return main.get_text()

    assert main_text(known.text) == main_text(unknown.text)


def test_rehash_on_login_when_parameters_change(
    world: World, anonymous: TestClient[Litestar]
) -> None:
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    stronger = world.hub.password_hasher
    assert stronger.check_needs_rehash(weak) is False  # same parameters: no rehash
    old = PasswordHasher(time_cost=2, memory_cost=8, parallelism=1).hash(PASSWORD)
    with world.hub.transaction() as session:
        session.execute(
            update(User).where(User.email == EMAILS["comms_a"]).values(password_hash=old)
        )
    sign_in(anonymous, "comms_a")
    with world.hub.transaction() as session:
        stored = session.scalars(
            select(User.password_hash).where(User.email == EMAILS["comms_a"])
        ).one()
    assert stored != old and stored.startswith("$argon2id$v=19$m=8,t=1,p=1$")
