"""Background jobs of the stakeholder side: send every vault's due mail, forget dead links."""

from __future__ import annotations

import logging
from typing import cast

from concord import jobs
from concord.problems.rows import each_row
from consent.db import Vaults
from consent.host import Host
from consent.links.services import purge_expired
from consent.outbox.services import SendReport, send_due

log = logging.getLogger("consent.outbox")


def _context() -> tuple[Vaults, list[str]]:
    vaults = jobs.bound("vaults")
    assert isinstance(vaults, Vaults)
    host = cast(Host, jobs.bound("vault_host"))
    return vaults, [partner.slug for partner in host.partners()]


def send_outboxes() -> None:
    """Send what is due in every partner's outbox."""
    vaults, slugs = _context()
    settings = cast(Host, jobs.bound("vault_host")).settings

    def send(slug: str) -> bool:
        report = send_due(vaults, settings, slug)
        if report != SendReport():
            log.info("outbox %s: %s", slug, report)
        return True

    # One vault that cannot be reached is noted for staff; the other partners' mail goes out.
    each_row(
        jobs.current_hub(), "outbox.send", "partner vault", slugs, send, ident=str, partner=str
    )


def forget_expired_links() -> None:
    """Delete expired stakeholder links from every vault."""
    vaults, slugs = _context()

    def purge(slug: str) -> int:
        with vaults.transaction(slug) as session:
            return purge_expired(session)

    each_row(
        jobs.current_hub(), "links.expire", "partner vault", slugs, purge, ident=str, partner=str
    )


JOBS: list[tuple[str, str, int]] = [
    ("outbox.send", "consent.outbox.jobs:send_outboxes", 15),
    ("links.expire", "consent.outbox.jobs:forget_expired_links", 3600),
]
