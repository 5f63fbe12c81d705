"""Governance fixtures: the world plus bravo's signatory, whom the shared world lacks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from concord.accounts.models import Role
from concord.accounts.users import add_user
from tests.conftest import PARTNER_B, PASSWORD, World, new_client, post_form

SIGNATORY_B = "signatory@bravo.example"


@pytest.fixture
def signatory_b(world: World) -> int:
    with world.hub.transaction() as session:
        user = add_user(
            session,
            world.hub.password_hasher,
            email=SIGNATORY_B,
            role=Role.SIGNATORY.value,
            password=PASSWORD,
            partner_slug=PARTNER_B,
            display_name="Signatory B",
            actor="test",
        )
        return user.id


@pytest.fixture
def as_signatory_b(app: Litestar, signatory_b: int) -> Callable[[], TestClient[Litestar]]:
    def make() -> TestClient[Litestar]:
        client = new_client(app)
        signed_in = post_form(
            client, "/login", {"email": SIGNATORY_B, "password": PASSWORD}, follow_redirects=False
        )
        assert signed_in.status_code == 303
        return client

    return make
