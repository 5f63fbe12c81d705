"""Text attachments on outgoing mail: an invitation's .ics rides along as text/calendar."""

from __future__ import annotations

import email
import email.policy

import pytest

from concord.mail.smtp import POLICY, TextAttachment, build_message


def _built(*attachments: TextAttachment) -> email.message.EmailMessage:
    message = build_message(
        sender="Alpha <concord@localhost>",
        to="ada@example.org",
        subject="Invitation",
        text="Plain words",
        html="<p>Plain words</p>",
        message_id="<1@example.org>",
        attachments=attachments,
    )
    parsed = email.message_from_bytes(message.as_bytes(policy=POLICY), policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def test_a_message_without_attachments_stays_multipart_alternative() -> None:
    assert _built().get_content_type() == "multipart/alternative"


def test_a_calendar_attachment_keeps_its_method_and_the_alternative_body() -> None:
    ics = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    parsed = _built(TextAttachment("invitation.ics", "text/calendar; method=REQUEST", ics))
    assert parsed.get_content_type() == "multipart/mixed"
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().strip() == "Plain words"
    [part] = list(parsed.iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invitation.ics"
    assert part.get_content().replace("\r\n", "\n") == ics.replace("\r\n", "\n")


def test_only_text_attachments_are_carried() -> None:
    with pytest.raises(ValueError, match="only text"):
        _built(TextAttachment("x.pdf", "application/pdf", "%PDF"))
