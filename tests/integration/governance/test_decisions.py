"""The decision register: who proposes and casts positions, the outcome refused unless the
rules are met, and every decision and position sealed so that a hand edit is found."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update

from concord.accounts.models import User
from concord.governance import seals
from concord.governance.decisions import services
from concord.governance.decisions.models import Decision, DecisionStatus, Position, Stance
from concord.governance.errors import NotAllowed
from concord.hub import Hub
from concord.partnership.settings import DecisionRule
from tests.conftest import World, cheap_settings, post_form
from tests.integration.test_cli import run

Client = TestClient[Litestar]
KEY = "k" * 24


def _propose(world: World, *, changes_principles: bool = False, key: str = KEY) -> Decision:
    with world.hub.transaction() as session:
        return services.propose(
            session,
            proposer_id=world.users["secretariat"],
            title="Joint consultation calendar",
            text="We publish one joint **consultation** calendar.",
            changes_principles=changes_principles,
            form_key=key,
        )


def _cast(world: World, decision_id: int, user_id: int, stance: str) -> None:
    with world.hub.transaction() as session:
        services.cast_position(session, decision_id, user_id=user_id, stance=stance)


def test_a_proposal_takes_the_rule_in_force_and_a_double_submit_makes_one(world: World) -> None:
    first = _propose(world)
    again = _propose(world)
    assert first.id == again.id
    assert first.rule is DecisionRule.CONSENSUS
    assert "defaults" in first.rules_source
    change = _propose(world, changes_principles=True, key="p" * 24)
    assert change.rule is DecisionRule.UNANIMITY


def test_comms_staff_cannot_propose_or_cast(world: World) -> None:
    with world.hub.transaction() as session, pytest.raises(NotAllowed):
        services.propose(
            session,
            proposer_id=world.users["comms_a"],
            title="t",
            text="x",
            changes_principles=False,
            form_key=KEY,
        )
    decision = _propose(world)
    with pytest.raises(NotAllowed):
        _cast(world, decision.id, world.users["comms_a"], "agree")


def test_a_named_delegate_casts_for_their_own_partner_only(world: World, signatory_b: int) -> None:
    decision = _propose(world)
    with world.hub.transaction() as session:
        services.name_delegate(
            session,
            signatory_id=world.users["signatory_a"],
            delegate_id=str(world.users["comms_a"]),
        )
    with world.hub.transaction() as session, pytest.raises(Exception, match="your organisation"):
        # bravo's signatory cannot name alpha's staff as its delegate
        services.name_delegate(
            session, signatory_id=signatory_b, delegate_id=str(world.users["admin_a"])
        )
    _cast(world, decision.id, world.users["comms_a"], "agree")
    _cast(world, decision.id, signatory_b, "abstain")
    with world.hub.transaction() as session:
        stances = {
            line.partner.slug: line.stance
            for line in services.positions_by_partner(session, decision.id)
        }
    assert stances == {"alpha": Stance.AGREE, "bravo": Stance.ABSTAIN}


def test_record_outcome_refuses_adopted_unless_the_rules_are_met(
    world: World, as_user: Callable[[str], Client], signatory_b: int
) -> None:
    decision = _propose(world)
    _cast(world, decision.id, world.users["signatory_a"], "agree")
    _cast(world, decision.id, signatory_b, "block")
    secretariat = as_user("secretariat")
    url = f"/governance/decisions/{decision.id}/outcome"
    refused = post_form(secretariat, url, {"outcome": "adopted", "effective_on": "2027-01-01"})
    assert refused.status_code == 400
    message = BeautifulSoup(refused.text, "html.parser").find(id="e-outcome")
    assert message is not None
    assert "cannot be recorded as adopted" in message.get_text()
    assert "blocked" in message.get_text()
    _cast(world, decision.id, signatory_b, "agree")
    missing_date = post_form(secretariat, url, {"outcome": "adopted"})
    assert missing_date.status_code == 400
    done = post_form(
        secretariat,
        url,
        {"outcome": "adopted", "effective_on": "2027-01-01", "review_on": "2027-12-31"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with world.hub.transaction() as session:
        stored = session.get_one(Decision, decision.id)
        assert stored.status is DecisionStatus.ADOPTED
        assert str(stored.review_on) == "2027-12-31"
    again = post_form(secretariat, url, {"outcome": "not_adopted"})
    assert again.status_code == 409
    with pytest.raises(Exception, match="no longer change"):
        _cast(world, decision.id, signatory_b, "block")


def test_positions_on_the_web(
    world: World, as_user: Callable[[str], Client], as_signatory_b: Callable[[], Client]
) -> None:
    decision = _propose(world)
    url = f"/governance/decisions/{decision.id}"
    signatory = as_user("signatory_a")
    page = BeautifulSoup(signatory.get(url).text, "html.parser")
    assert page.find("input", {"name": "stance", "value": "block"}) is not None
    assert post_form(signatory, url + "/position", {"stance": "agree"}).status_code == 200
    assert post_form(as_signatory_b(), url + "/position", {"stance": "agree"}).status_code == 200
    comms = as_user("comms_b")
    assert "Cast the position" not in comms.get(url).text
    assert post_form(comms, url + "/position", {"stance": "block"}).status_code == 403
    assert "The rules are met" in comms.get(url).text
    register = comms.get("/governance/decisions")
    assert "Joint consultation calendar" in register.text
    assert "Register the proposal" not in register.text


def test_verify_names_a_decision_or_position_edited_by_hand(world: World, signatory_b: int) -> None:
    decision = _propose(world)
    _cast(world, decision.id, world.users["signatory_a"], "agree")
    _cast(world, decision.id, signatory_b, "agree")
    with world.hub.transaction() as session:
        assert seals.verify(session) == []
        session.execute(update(Decision).values(title="Something else entirely"))
        position_id = session.scalars(select(Position.id).order_by(Position.id)).first()
        session.execute(
            update(Position).where(Position.id == position_id).values(stance=Stance.BLOCK)
        )
    with world.hub.transaction() as session:
        problems = {str(p) for p in seals.verify(session)}
    assert (
        f"decision:{decision.id}: decision {decision.id} was changed outside the platform"
        in problems
    )
    assert any(p.startswith(f"decision-position:{position_id}:") for p in problems)


def test_concord_audit_verify_fails_on_a_decision_row_edited_by_hand(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run("init", data_dir=data).returncode == 0
    run("partner", "add", "one", "--name", "One", "--country", "FR", data_dir=data)
    added = run(
        "user",
        "add",
        "sec@example.org",
        "--role",
        "secretariat",
        env={"CONCORD_NEW_USER_PASSWORD": "a long enough password"},
        data_dir=data,
    )
    assert added.returncode == 0, added.stderr
    hub = Hub(cheap_settings(data))
    try:
        with hub.transaction() as session:
            secretariat = session.scalars(select(User.id)).one()
            proposed = services.propose(
                session,
                proposer_id=secretariat,
                title="Adopt the glossary",
                text="As drafted.",
                changes_principles=False,
                form_key=KEY,
            )
            decision_id = proposed.id
    finally:
        hub.dispose()
    assert run("audit", "verify", data_dir=data).returncode == 0
    with sqlite3.connect(data / "hub.sqlite3") as db:
        db.execute("UPDATE decisions SET status = 'adopted' WHERE id = ?", (decision_id,))
    result = run("audit", "verify", data_dir=data)
    assert result.returncode == 1
    assert f"decision {decision_id} was changed outside the platform" in result.stderr


def test_the_audit_page_names_a_decision_edited_by_hand(
    world: World, as_user: Callable[[str], Client]
) -> None:
    decision = _propose(world)
    audit = as_user("secretariat")
    assert "changed outside the platform" not in audit.get("/secretariat/audit").text
    with world.hub.transaction() as session:
        session.execute(update(Decision).values(rule=DecisionRule.MAJORITY))
    page = audit.get("/secretariat/audit").text
    assert f"decision {decision.id} was changed outside the platform" in page
