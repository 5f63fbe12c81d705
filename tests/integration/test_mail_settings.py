"""A partner's admins choose the language for contacts who gave none and who the mail comes
from; bad values are refused beside their fields and change nothing."""

from __future__ import annotations

from collections.abc import Callable

from litestar import Litestar
from litestar.testing import TestClient

from concord.mail.smtp import text_of
from concord.translations import translate
from consent.mail_settings import services as mail_settings
from consent.outbox import services as outbox
from tests.conftest import PARTNER_A, World, post_form
from tests.integration.stakeholders import add_contact, queue_newsletter
from tests.mailserver import MailServer

PAGE = f"/partners/{PARTNER_A}/mail-settings"


def test_a_contact_with_no_language_gets_the_partners_from_its_sender(
    world: World, as_user: Callable[[str], TestClient[Litestar]], mail_server: MailServer
) -> None:
    admin = as_user("admin_a")
    assert admin.get(PAGE).status_code == 200
    saved = post_form(
        admin,
        PAGE,
        {
            "default_language": "fr",
            "sender_name": "Alpha Consultations",
            "sender_address": "Consultations@Alpha.example",
        },
    )
    assert saved.status_code == 200 and "Saved" in saved.text
    contact_id = add_contact(world)  # no language of their own
    queue_newsletter(world, contact_id)
    assert outbox.send_due(world.vaults, mail_server.settings(world.settings), PARTNER_A).sent == 1
    [received] = mail_server.received
    assert received.message["From"] == "Alpha Consultations <Consultations@alpha.example>"
    assert text_of(received.message).startswith(translate("fr", "Dear %(name)s,", name="Ada"))


def test_bad_settings_are_refused_beside_their_fields(
    world: World, as_user: Callable[[str], TestClient[Litestar]]
) -> None:
    admin = as_user("admin_a")
    refused = post_form(
        admin,
        PAGE,
        {
            "default_language": "klingon",
            "sender_name": "Alpha\x07Bell",
            "sender_address": "not an address",
        },
    )
    assert refused.status_code == 400
    for field in ("default_language", "sender_name", "sender_address"):
        assert f'id="e-{field}"' in refused.text, field
        # The summary at the top links to each field in error.
        assert f'href="#f-{field}"' in refused.text and f'id="f-{field}"' in refused.text
    assert 'value="not an address"' in refused.text  # the form keeps what was typed
    with world.vaults.transaction(PARTNER_A) as session:
        assert mail_settings.current(session) == mail_settings.MailIdentity()


def test_only_the_partners_admins_change_them(
    as_user: Callable[[str], TestClient[Litestar]],
) -> None:
    assert as_user("comms_a").get(PAGE).status_code in (403, 404)
    assert as_user("admin_b").get(PAGE).status_code in (403, 404)
    assert as_user("secretariat").get(PAGE).status_code in (403, 404)
