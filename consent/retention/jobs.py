"""The daily retention job: every partner's vault, one after the other."""

from __future__ import annotations

import logging
from typing import cast

from concord import jobs
from concord.problems.rows import each_row
from consent.db import Vaults
from consent.host import Host
from consent.retention.runs import run_retention

log = logging.getLogger("consent.retention")
ACTOR = "system:retention"


def anonymise_past_retention() -> None:
    """Anonymise the contacts that every vault has held long enough; counts go to the log."""
    hub = jobs.current_hub()
    vaults = jobs.bound("vaults")
    assert isinstance(vaults, Vaults)
    host = cast(Host, jobs.bound("vault_host"))
    slugs = sorted(partner.slug for partner in host.partners())

    def anonymise(slug: str) -> int:
        run = run_retention(host.settings, vaults, slug, actor=ACTOR)
        if run.anonymised:
            log.info("retention %s: %s anonymised=%d", slug, run.plan.summary(), run.anonymised)
        return run.anonymised

    each_row(hub, "retention.anonymise", "partner vault", slugs, anonymise, ident=str, partner=str)


JOBS: list[tuple[str, str, int]] = [
    ("retention.anonymise", "consent.retention.jobs:anonymise_past_retention", 24 * 3600),
]
