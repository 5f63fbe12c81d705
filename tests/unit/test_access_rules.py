"""The access rule as a table: level x role x whose space."""

from __future__ import annotations

import pytest

from concord.accounts.models import Role
from concord.accounts.viewer import Viewer
from concord.web.access import Access, allows

A, B = "alpha", "bravo"


def person(role: Role, partner: str | None) -> Viewer:
    return Viewer(1, "x@example.org", "X", role, partner, None)


@pytest.mark.parametrize(
    ("level", "viewer", "space", "expected"),
    [
        (Access.PUBLIC, None, None, True),
        (Access.SIGNED_IN, None, None, False),
        (Access.SIGNED_IN, person(Role.SIGNATORY, A), None, True),
        (Access.SECRETARIAT, person(Role.SECRETARIAT, None), None, True),
        (Access.SECRETARIAT, person(Role.PARTNER_ADMIN, A), None, False),
        (Access.PARTNER_VAULT, person(Role.COMMS, A), A, True),
        (Access.PARTNER_VAULT, person(Role.PARTNER_ADMIN, A), A, True),
        (Access.PARTNER_VAULT, person(Role.SIGNATORY, A), A, False),
        (Access.PARTNER_VAULT, person(Role.COMMS, B), A, False),
        (Access.PARTNER_VAULT, person(Role.SECRETARIAT, None), A, False),
        (Access.PARTNER_ADMIN, person(Role.PARTNER_ADMIN, A), A, True),
        (Access.PARTNER_ADMIN, person(Role.COMMS, A), A, False),
        (Access.PARTNER_ADMIN, person(Role.PARTNER_ADMIN, B), A, False),
        (Access.PARTNER_MEMBER, person(Role.SIGNATORY, A), A, True),
        (Access.PARTNER_MEMBER, person(Role.SIGNATORY, B), A, False),
        (Access.PARTNER_MEMBER, person(Role.SECRETARIAT, None), A, False),
    ],
)
def test_rule(level: Access, viewer: Viewer | None, space: str | None, expected: bool) -> None:
    assert allows(level, viewer, space, demo=False) is expected


def test_demo_pages_exist_only_in_demo_mode() -> None:
    assert allows(Access.DEMO, None, None, demo=True)
    assert not allows(Access.DEMO, person(Role.SECRETARIAT, None), None, demo=False)
