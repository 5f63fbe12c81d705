"""A node's own jobs: its outbox through its own SMTP settings, expired links, retention."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from concord.settings import Settings
from consent.db import Vaults
from consent.links.services import purge_expired
from consent.node.enrolment import read_config
from consent.node.serving import node_settings
from consent.outbox.services import send_due
from consent.retention.runs import run_retention

log = logging.getLogger("concord.node.worker")
ACTOR = "system:node-worker"


def run_jobs(folder: Path) -> str:
    """Run each of the node's jobs once; one failing job does not stop the others."""
    config = read_config(folder)
    settings = node_settings(folder)
    vaults = Vaults(settings)
    done: list[str] = []
    try:
        jobs: dict[str, Callable[[], str]] = {
            "outbox": lambda: str(send_due(vaults, settings, config.partner)),
            "links": lambda: f"{_purge(vaults, config.partner)} expired",
            "retention": lambda: _retention(vaults, settings, config.partner),
        }
        for name, job in jobs.items():
            try:
                done.append(f"{name}: {job()}")
            except Exception as error:
                log.error("node job %s failed: %s", name, type(error).__name__)
                done.append(f"{name}: failed")
    finally:
        vaults.dispose()
    return "; ".join(done)


def _retention(vaults: Vaults, settings: Settings, slug: str) -> str:
    run = run_retention(settings, vaults, slug, actor=ACTOR)
    return f"{run.anonymised} anonymised"


def _purge(vaults: Vaults, slug: str) -> int:
    with vaults.transaction(slug) as session:
        return purge_expired(session)
