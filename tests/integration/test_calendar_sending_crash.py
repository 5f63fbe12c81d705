"""Killing the worker mid-send and starting it again sends nobody twice and nobody not at all.

``concord worker`` runs as a real subprocess against the test's databases (SQLite, and
PostgreSQL when configured), delivering to an SMTP server on loopback that takes a moment per
message; the test kills it with SIGKILL once some but not all of an item's messages arrived.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from concord.settings import Settings
from outreach.calendar.models import ItemSend, ItemStatus, OutreachItem
from tests.conftest import PARTNER_A, SECRET, World, free_port
from tests.integration.test_calendar import add_contacts
from tests.integration.test_calendar_sending import scheduled_item
from tests.mailserver import MailServer

AUDIENCE = 300
# The outbox sends a claim again after this long; short here so the test need not wait ten
# minutes for the messages the killed worker had claimed.
STALE_CLAIM_SECONDS = 6


class SlowMailServer(MailServer):
    """Takes 15 ms per message, so that a kill can land in the middle of a send."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.015)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_mail_server() -> Iterator[SlowMailServer]:
    server = SlowMailServer("127.0.0.1", free_port())
    controller = Controller(server, hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


def _environment(settings: Settings, mail: MailServer, log: Path) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "CONCORD_DATA_DIR": str(settings.data_dir),
        "CONCORD_SECRET_KEY": SECRET,
        "CONCORD_PUBLIC_URL": settings.public_url,
        "CONCORD_SMTP_HOST": mail.host,
        "CONCORD_SMTP_PORT": str(mail.port),
        "CONCORD_SMTP_SECURITY": "none",
        "CONCORD_OUTBOX_STALE_CLAIM_SECONDS": str(STALE_CLAIM_SECONDS),
        "CONCORD_LOG_LEVEL": "WARNING",
    }
    if settings.hub_url and settings.vault_url_template:
        env["CONCORD_HUB_URL"] = settings.hub_url
        env["CONCORD_VAULT_URL_TEMPLATE"] = settings.vault_url_template
    return env


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "concord.cli", "worker"],
            env=env,
            stdout=output,
            stderr=output,
        )


def _received(mail: MailServer) -> int:
    with mail.lock:
        return len(mail.received)


def _item_status(world: World, item_id: str) -> ItemStatus:
    with world.hub.transaction() as session:
        return session.get_one(OutreachItem, item_id).status


def test_killing_the_worker_mid_send_sends_nobody_twice_and_nobody_not_at_all(
    world: World, slow_mail_server: SlowMailServer, tmp_path: Path
) -> None:
    emails = [f"person{n:03d}@crash.example" for n in range(AUDIENCE)]
    add_contacts(world, PARTNER_A, emails)
    item_id = scheduled_item(world)
    env = _environment(world.settings, slow_mail_server, tmp_path / "worker.log")
    log = tmp_path / "worker.log"

    first = _start_worker(env, log)
    try:
        deadline = time.monotonic() + 90
        while _received(slow_mail_server) < AUDIENCE // 6:
            assert first.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the worker sent nothing in time"
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    at_kill = _received(slow_mail_server)
    assert 0 < at_kill < AUDIENCE, "the kill must land in the middle of the send"
    assert _item_status(world, item_id) is ItemStatus.SENDING

    second = _start_worker(env, log)
    try:
        deadline = time.monotonic() + 120
        while _item_status(world, item_id) is not ItemStatus.SENT:
            assert second.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"not finished: {_received(slow_mail_server)}"
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(timeout=60)

    ids_of: dict[str, set[str]] = defaultdict(set)
    with slow_mail_server.lock:
        received = list(slow_mail_server.received)
    for message in received:
        [to] = message.rcpt_tos
        ids_of[to].add(str(message.message["Message-ID"]))
    assert sorted(ids_of) == emails  # nobody missing, nobody else
    assert all(len(ids) == 1 for ids in ids_of.values())  # one distinct message each
    # At most the messages in flight when the worker died were delivered twice (with the same
    # Message-ID): one per sender running then.
    assert len(received) - AUDIENCE <= 2
    with world.hub.transaction() as session:
        row = session.get_one(ItemSend, item_id)
        assert (row.recipients, row.sent, row.failed, row.skipped) == (AUDIENCE, AUDIENCE, 0, 0)
