"""Delivering one email: over SMTP, or into the demo's local mailbox when in demo mode.

Callers build an :class:`email.message.EmailMessage` with :func:`build_message` and hand it to
:func:`deliver`. A failure raises :class:`DeliveryError`, whose text is an SMTP reply code or
an exception class, never an address or a server's reply text (which often repeats the
address), so it may be stored and logged. In demo mode nothing leaves the machine: messages
land in a Maildir in the data folder, which the demo's mailbox pages read.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from concord.db import utcnow
from concord.settings import Settings

SMTP_TIMEOUT_SECONDS = 30
DEMO_MAILBOX = "demo-mailbox"
# Long lines rather than folded headers: some clients mishandle a List-Unsubscribe URL folded
# onto a continuation line (RFC 5322 allows 998 characters).
POLICY = email.policy.SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class TextAttachment:
    """A text file sent with a message, such as an invitation's .ics."""

    filename: str
    # "text/calendar; method=REQUEST"
    content_type: str
    content: str


class DeliveryError(Exception):
    """Mail was not delivered; ``permanent`` says whether trying again can help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def new_message_id(settings: Settings) -> str:
    """A globally unique Message-ID under the public host name, made once per message."""
    host = urlsplit(settings.public_url).hostname or "concord.invalid"
    return make_msgid(domain=host)


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    headers: Mapping[str, str] | None = None,
    attachments: Sequence[TextAttachment] = (),
) -> EmailMessage:
    """A multipart/alternative message with the given Message-ID, extra headers and text
    attachments (which make it multipart/mixed)."""
    message = EmailMessage(policy=POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _, rest = attachment.content_type.partition("/")
        subtype, *parameters = [part.strip() for part in rest.split(";")]
        if maintype != "text":
            raise ValueError("only text attachments are supported")
        message.add_attachment(
            attachment.content,
            subtype=subtype,
            filename=attachment.filename,
            params=dict(p.split("=", 1) for p in parameters if "=" in p),
        )
    return message


def deliver(settings: Settings, message: EmailMessage) -> None:
    """Send ``message``: to the demo mailbox in demo mode, else over SMTP."""
    if settings.demo:
        demo_mailbox(settings).add(message)
        return
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server configured", permanent=False)
    try:
        with _connect(settings) as client:
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password)
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _reply in error.recipients.values()]
        code = codes[0] if codes else 550
        raise DeliveryError(f"SMTP {code} (recipient refused)", permanent=code >= 500) from None
    except smtplib.SMTPResponseException as error:
        code = int(error.smtp_code)
        kind = type(error).__name__
        raise DeliveryError(f"SMTP {code} ({kind})", permanent=code >= 500) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(
            f"connection failed ({type(error).__name__})", permanent=False
        ) from None


def _connect(settings: Settings) -> smtplib.SMTP:
    host, port = settings.smtp_host, settings.smtp_port
    if settings.smtp_security == "tls":
        return smtplib.SMTP_SSL(
            host, port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    client = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    if settings.smtp_security == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


def demo_mailbox_path(settings: Settings) -> Path:
    return settings.data_dir / DEMO_MAILBOX


def demo_mailbox(settings: Settings) -> mailbox.Maildir:
    """The demo's local mailbox: a Maildir in the data folder."""
    demo_mailbox_path(settings).parent.mkdir(parents=True, exist_ok=True)
    return mailbox.Maildir(demo_mailbox_path(settings), factory=None, create=True)


def demo_messages(settings: Settings, limit: int = 50) -> list[EmailMessage]:
    """The newest messages in the demo mailbox, newest first."""
    if not demo_mailbox_path(settings).exists():
        return []
    box = demo_mailbox(settings)
    stored = [box.get_message(key) for key in box.iterkeys()]
    stored.sort(key=lambda m: m.get_date(), reverse=True)
    return [_reparse(m) for m in stored[:limit]]


def _reparse(message: mailbox.MaildirMessage) -> EmailMessage:
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a message."""
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""
