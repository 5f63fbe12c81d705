"""Principles for Collaboration: drafting, the settings form, signing by hash, the version in
force, and the partnership settings (and matching) that follow it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select, update

from concord.audit.models import AuditEntry
from concord.governance import seals
from concord.governance.errors import NotAllowed, Refused
from concord.governance.markdown import render
from concord.governance.principles import services
from concord.governance.principles.models import PrinciplesSignature, PrinciplesVersion
from concord.hub import Hub
from concord.partnership import settings as partnership
from outreach.matching.models import MatchingRound
from outreach.matching.rounds import open_round, run_round
from tests.conftest import PARTNER_A, PARTNER_B, World, post_form

Client = TestClient[Litestar]


def _form(**changes: str) -> dict[str, str]:
    rules = partnership.PartnershipSettings(quorum_organisations=2)
    return services.form_of_rules(rules, "# Principles\n\nWe share.") | changes


def _draft(world: World, **changes: str) -> PrinciplesVersion:
    with world.hub.transaction() as session:
        draft = services.draft_new_version(session, actor="test")
        return services.edit_draft(session, draft.id, _form(**changes), actor="test")


def _sign_all(world: World, version: PrinciplesVersion, signatory_b: int) -> None:
    with world.hub.transaction() as session:
        for user, slug in ((world.users["signatory_a"], PARTNER_A), (signatory_b, PARTNER_B)):
            services.sign(
                session,
                version.id,
                signer_id=user,
                partner_slug=slug,
                shown_hash=version.content_hash,
            )


def _current(world: World) -> partnership.PartnershipSettings:
    with world.hub.transaction() as session:
        return partnership.current(session)


def test_defaults_apply_and_a_banner_says_so_until_every_partner_signed(
    world: World, as_user: Callable[[str], Client], signatory_b: int
) -> None:
    comms = as_user("comms_a")
    assert _current(world) == partnership.PartnershipSettings()
    assert "banner-warning" in comms.get("/dashboard").text
    version = _draft(world, suppression_threshold="15")
    with world.hub.transaction() as session:
        services.sign(
            session,
            version.id,
            signer_id=world.users["signatory_a"],
            partner_slug=PARTNER_A,
            shown_hash=version.content_hash,
        )
    assert _current(world).suppression_threshold == 10  # bravo has not signed yet
    _sign_all(world, version, signatory_b)
    rules = _current(world)
    assert rules.suppression_threshold == 15
    assert rules.source.startswith("Principles for Collaboration version 1, in force since")
    assert "banner-warning" not in comms.get("/dashboard").text


def test_the_secretariat_drafts_and_a_double_submit_makes_no_twin(
    world: World, as_user: Callable[[str], Client]
) -> None:
    secretariat = as_user("secretariat")
    first = post_form(secretariat, "/governance/principles", {}, follow_redirects=False)
    again = post_form(secretariat, "/governance/principles", {}, follow_redirects=False)
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    with world.hub.transaction() as session:
        assert len(services.versions(session)) == 1
    form = secretariat.get(first.headers["location"])
    soup = BeautifulSoup(form.text, "html.parser")
    threshold = soup.find("input", {"name": "suppression_threshold"})
    assert threshold is not None and threshold["value"] == "10"


@pytest.mark.parametrize(
    ("field", "value", "needle"),
    [
        ("suppression_threshold", "1", "from 2 to"),
        ("rounding", "0", "from 1 to"),
        ("quorum_organisations", "3", "the partnership has 2 partners"),
        ("quorum_organisations", "0", "from 1 to 2"),
        ("majority_percent", "50", "from 51 to 100"),
        ("fatigue_cap_messages", "many", "whole number"),
        ("disclosure", "everything", "Choose what matching may disclose"),
        ("decision_rule", "dictator", "Choose how the partnership decides"),
        ("blackouts", "2026-12-24 2026-12-20 Winter", "last day comes before"),
        ("blackouts", "christmas", "first day, the last day and the reason"),
    ],
)
def test_the_settings_form_refuses_values_out_of_range(
    world: World, as_user: Callable[[str], Client], field: str, value: str, needle: str
) -> None:
    secretariat = as_user("secretariat")
    location = post_form(secretariat, "/governance/principles", {}, follow_redirects=False).headers[
        "location"
    ]
    response = post_form(secretariat, location, _form(**{field: value}))
    assert response.status_code == 400
    soup = BeautifulSoup(response.text, "html.parser")
    message = soup.find(id=f"e-{field}")
    assert message is not None and needle in message.get_text()


def test_a_signatory_signs_by_the_hash_shown_and_a_stale_hash_is_refused(
    world: World, as_user: Callable[[str], Client]
) -> None:
    version = _draft(world)
    signatory = as_user("signatory_a")
    page = signatory.get(f"/governance/principles/{version.id}")
    soup = BeautifulSoup(page.text, "html.parser")
    shown = soup.find("input", {"name": "content_hash"})
    assert shown is not None and shown["value"] == version.content_hash
    # The secretariat changes the draft while the signatory reads it.
    changed = _draft(world, suppression_threshold="12")
    assert changed.id == version.id and changed.content_hash != version.content_hash
    stale = post_form(
        signatory,
        f"/governance/principles/{version.id}/sign",
        {"content_hash": version.content_hash},
    )
    assert stale.status_code == 409
    assert "changed after you opened it" in stale.text
    signed = post_form(
        signatory,
        f"/governance/principles/{version.id}/sign",
        {"content_hash": changed.content_hash},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    twice = post_form(
        signatory,
        f"/governance/principles/{version.id}/sign",
        {"content_hash": changed.content_hash},
        follow_redirects=False,
    )
    assert twice.status_code == 303
    with world.hub.transaction() as session:
        signatures = session.scalars(select(PrinciplesSignature)).all()
        assert len(signatures) == 1
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "principles.sign")
        ).one()
    assert entry.actor == f"user:{world.users['signatory_a']}"
    assert f"principles-sha256:{changed.content_hash}" in entry.detail
    assert "partner:alpha" in entry.detail


def test_a_signatory_of_bravo_can_never_sign_for_alpha(world: World, signatory_b: int) -> None:
    version = _draft(world)
    with world.hub.transaction() as session, pytest.raises(NotAllowed):
        services.sign(
            session,
            version.id,
            signer_id=signatory_b,
            partner_slug=PARTNER_A,
            shown_hash=version.content_hash,
        )
    with world.hub.transaction() as session, pytest.raises(NotAllowed):
        services.sign(
            session,
            version.id,
            signer_id=world.users["admin_a"],  # alpha's admin is not its signatory
            partner_slug=PARTNER_A,
            shown_hash=version.content_hash,
        )
    with world.hub.transaction() as session:
        assert session.scalars(select(PrinciplesSignature)).all() == []


def test_on_the_web_a_signatory_signs_only_for_their_own_partner(
    world: World,
    as_user: Callable[[str], Client],
    as_signatory_b: Callable[[], Client],
) -> None:
    version = _draft(world)
    bravo = as_signatory_b()
    # A forged partner field is ignored: the signature is bravo's.
    post_form(
        bravo,
        f"/governance/principles/{version.id}/sign",
        {"content_hash": version.content_hash, "partner": PARTNER_A},
    )
    with world.hub.transaction() as session:
        signed = session.scalars(select(PrinciplesSignature)).one()
        assert signed.signer_id != world.users["signatory_a"]
        lines = {
            line.partner.slug: line.signed_at
            for line in services.signatures_of(session, version.id)
        }
    assert lines[PARTNER_A] is None and lines[PARTNER_B] is not None
    comms = as_user("comms_a")
    refused = post_form(
        comms, f"/governance/principles/{version.id}/sign", {"content_hash": version.content_hash}
    )
    assert refused.status_code == 403
    assert "sign-form" not in comms.get(f"/governance/principles/{version.id}").text


def test_a_signed_version_is_frozen_and_a_change_is_a_new_version(
    world: World, as_user: Callable[[str], Client], signatory_b: int
) -> None:
    version = _draft(world, suppression_threshold="15")
    _sign_all(world, version, signatory_b)
    secretariat = as_user("secretariat")
    refused = post_form(
        secretariat, f"/governance/principles/{version.id}/edit", _form(suppression_threshold="20")
    )
    assert refused.status_code == 409
    assert "can no longer change" in refused.text
    edit_form = secretariat.get(f"/governance/principles/{version.id}/edit", follow_redirects=False)
    assert edit_form.status_code == 303
    second = _draft(world, suppression_threshold="20")
    assert second.number == 2 and second.id != version.id
    with world.hub.transaction() as session:
        # The new version starts from the old one's text.
        assert "We share." in session.get_one(PrinciplesVersion, second.id).text
    assert _current(world).suppression_threshold == 15  # version 2 awaits every signature
    with world.hub.transaction() as session:
        waiting = services.awaiting_signature(session)
    assert [w.version.number for w in waiting] == [2]
    assert {p.slug for p in waiting[0].missing} == {PARTNER_A, PARTNER_B}
    _sign_all(world, second, signatory_b)
    assert _current(world).suppression_threshold == 20
    assert "version 2" in _current(world).source


def test_a_superseded_version_can_no_longer_be_signed(
    world: World, as_user: Callable[[str], Client], signatory_b: int
) -> None:
    first = _draft(world)
    with world.hub.transaction() as session:
        services.sign(
            session,
            first.id,
            signer_id=signatory_b,
            partner_slug=PARTNER_B,
            shown_hash=first.content_hash,
        )
    second = _draft(world, rounding="10")
    _sign_all(world, second, signatory_b)
    with world.hub.transaction() as session, pytest.raises(Refused, match="superseded"):
        services.sign(
            session,
            first.id,
            signer_id=world.users["signatory_a"],
            partner_slug=PARTNER_A,
            shown_hash=first.content_hash,
        )
    page = as_user("signatory_a").get(f"/governance/principles/{first.id}")
    assert "Superseded by" in page.text and "sign-form" not in page.text


def test_markdown_is_rendered_safely() -> None:
    html = str(
        render(
            "# Title\n\n<script>alert(1)</script>\n\n"
            "[bad](javascript:alert(1)) [data](data:text/html,x) [ok](https://example.org) "
            "[mail](mailto:sec@example.org) ![pic](https://example.org/p.png)"
        )
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html and 'href="data:' not in html
    assert '<a href="https://example.org">ok</a>' in html
    assert 'href="mailto:sec@example.org"' in html
    assert "<img" not in html
    assert "<h1>Title</h1>" in html


def test_everyone_signed_in_reads_the_principles(
    world: World, as_user: Callable[[str], Client]
) -> None:
    version = _draft(world)
    for role in ("comms_a", "admin_b", "signatory_a", "secretariat"):
        page = as_user(role).get(f"/governance/principles/{version.id}")
        assert page.status_code == 200
        assert version.content_hash in page.text
    comms = as_user("comms_a")
    assert post_form(comms, "/governance/principles", {}).status_code == 403


def test_a_round_opened_after_signing_uses_the_new_threshold(
    world: World, as_user: Callable[[str], Client], signatory_b: int
) -> None:
    settings = world.settings.with_changes(matching_secret="matching-secret-for-tests-" + "m" * 20)
    hub = Hub(settings)
    try:
        before = open_round(hub, scope="all", actor="test")
        version = _draft(
            world,
            suppression_threshold="25",
            rounding="10",
            disclosure="contact_flags",
            fatigue_cap_messages="2",
        )
        _sign_all(world, version, signatory_b)
        after = open_round(hub, scope="all", actor="test")
        run_round(hub, world.ports(settings), after)
        with hub.transaction() as session:
            assert session.get_one(MatchingRound, before).suppression_threshold == 10
            opened = session.get_one(MatchingRound, after)
            assert opened.suppression_threshold == 25
            assert opened.disclosure is partnership.Disclosure.CONTACT_FLAGS
            assert partnership.current(session).fatigue_cap_messages == 2
    finally:
        hub.dispose()
    page = as_user("comms_b").get(f"/matching/rounds/{after}")
    facts = BeautifulSoup(page.text, "html.parser").select_one("dl.facts")
    assert facts is not None
    assert re.search(r"counts below 25 hidden, others rounded to 10", facts.get_text(" "))


def test_verify_finds_a_signed_version_or_signature_edited_by_hand(
    world: World, signatory_b: int
) -> None:
    version = _draft(world, suppression_threshold="15")
    _sign_all(world, version, signatory_b)
    with world.hub.transaction() as session:
        assert seals.verify(session) == []
        session.execute(
            update(PrinciplesVersion)
            .where(PrinciplesVersion.id == version.id)
            .values(
                settings=version.settings.replace(
                    '"suppression_threshold":15', '"suppression_threshold":2'
                )
            )
        )
        session.execute(update(PrinciplesSignature).values(signer_id=world.users["admin_a"]))
    with world.hub.transaction() as session:
        problems = [str(p) for p in seals.verify(session)]
    changed = f"principles version {version.id} was changed outside the platform"
    assert f"principles-version:{version.id}: {changed}" in problems
    assert sum("principles signature" in p for p in problems) == 2
