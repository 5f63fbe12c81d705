"""``concord retention``: preview or run the retention job from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from concord.cli.platform import data_dir_option, open_platform
from consent.retention.runs import run_retention
from consent.retention.services import Reason, plan


@click.command("retention")
@data_dir_option
@click.option("--partner", "partner_slug", default=None, help="One partner (default: all).")
@click.option("--dry-run", is_flag=True, help="Only count who would be anonymised, and why.")
def retention(data_dir: Path | None, partner_slug: str | None, dry_run: bool) -> None:
    """Anonymise contacts past retention or inactive (what the daily job does); counts only."""
    with open_platform(data_dir) as platform:
        platform.require_current()
        slugs = platform.partner_slugs()
        if partner_slug is not None:
            if partner_slug not in slugs:
                click.echo(f"concord: no partner {partner_slug}", err=True)
                sys.exit(2)
            slugs = [partner_slug]
        months = platform.settings.inactive_months
        for slug in slugs:
            if dry_run:
                with platform.vaults.transaction(slug) as session:
                    due = plan(session, inactive_months=months)
                anonymised = "would anonymise"
            else:
                run = run_retention(platform.settings, platform.vaults, slug, actor="operator:cli")
                due, anonymised = run.plan, "anonymised"
            click.echo(
                f"{slug}: {anonymised} {due.total} "
                f"(past retention {due.count(Reason.PAST_RETENTION)}, "
                f"inactive {due.count(Reason.INACTIVE)}); kept: restricted "
                f"{due.kept_restricted}, open request {due.kept_open_request}"
            )
