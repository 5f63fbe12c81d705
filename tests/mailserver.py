"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests.

``mail_server.refuse_next`` makes the next deliveries fail with a temporary 451, as a busy or
greylisting server would; set ``mail_server.refusal`` to refuse with another reply (a 550).
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from concord.settings import Settings


@dataclass
class Received:
    """One message as the server got it: envelope and parsed content."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class MailServer:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    refuse_next: int = 0
    refusal: str = "451 4.3.0 Try again later"
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def settings(self, base: Settings) -> Settings:
        """``base`` pointed at this server (plain SMTP, no credentials)."""
        return base.with_changes(smtp_host=self.host, smtp_port=self.port, smtp_security="none")

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [r.message for r in self.received]

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refuse_next > 0:
                self.refuse_next -= 1
                self.refused += 1
                return self.refusal
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 2.0.0 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """An SMTP server on 127.0.0.1 and a free port, for one test."""
    server = MailServer("127.0.0.1", _free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
