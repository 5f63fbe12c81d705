"""The rules both outboxes are sent by, and the one helper both render their mail with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from jinja2 import UndefinedError

from concord.mail.engine import FIRST_RETRY, LONGEST_RETRY, MAX_ATTEMPTS, retry_delay, stale_claim
from concord.mail.rendering import render_email
from concord.settings import Settings


def test_the_back_off_doubles_from_a_minute_and_stops_at_six_hours() -> None:
    delays = [retry_delay(attempt) for attempt in range(1, 12)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == LONGEST_RETRY == timedelta(hours=6)
    assert max(delays) == LONGEST_RETRY
    assert retry_delay(0) == FIRST_RETRY
    assert retry_delay(10_000) == LONGEST_RETRY


def test_a_message_gets_eight_tries_over_about_two_hours() -> None:
    waited = sum((retry_delay(n) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert MAX_ATTEMPTS == 8
    assert waited == timedelta(minutes=127)


def test_the_stale_claim_is_the_setting() -> None:
    assert stale_claim(Settings()) == timedelta(minutes=10)
    assert stale_claim(Settings(outbox_stale_claim_seconds=30)) == timedelta(seconds=30)


@pytest.mark.parametrize(
    ("folder", "template", "context", "raw"),
    [
        (
            "concord/mail",
            "password_reset",
            {"user": {"display_name": "<Ada>"}, "link": "https://x.test/r", "minutes": 30},
            "<Ada>",
        ),
        (
            "consent/mail",
            "message",
            {
                "subject": "News",
                "body": "Hello",
                "partner_name": "Alpha",
                "contact_name": "<Ada>",
                "purpose_name": "Newsletter",
                "preferences_url": "https://x.test/p",
                "unsubscribe_url": None,
            },
            "<Ada>",
        ),
    ],
)
def test_both_outboxes_render_a_triplet_with_only_the_html_escaped(
    folder: str, template: str, context: dict[str, object], raw: str
) -> None:
    subject, text, html = render_email(folder, template, context)
    assert subject and "\n" not in subject
    assert raw in text
    assert raw not in html
    assert raw in BeautifulSoup(html, "html.parser").get_text()


def test_a_missing_variable_is_an_error() -> None:
    with pytest.raises(UndefinedError):
        render_email("concord/mail", "find_my_data_code", {})
