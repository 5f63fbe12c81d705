"""``concord match``: run an overlap round to completion from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from concord.cli.platform import data_dir_option, open_platform
from concord.errors import InvalidInput
from concord.partnership import settings as partnership
from outreach.matching.rounds import figures, open_round, run_round


@click.command("match")
@data_dir_option
@click.option(
    "--scope", default="all", show_default=True, help="all, or category:NAME (a shared category)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option(
    "--exact",
    is_flag=True,
    help="Print exact, unsuppressed counts (operator only; the web never shows them).",
)
def match(data_dir: Path | None, scope: str, as_json: bool, exact: bool) -> None:
    """Run a matching round now and print how many stakeholders the partners share."""
    with open_platform(data_dir) as platform:
        platform.require_current()
        try:
            round_id = open_round(platform.hub, scope=scope, actor="operator:cli")
        except InvalidInput as error:
            click.echo(f"concord: {error.errors['scope']}", err=True)
            sys.exit(2)
        overlap = run_round(
            platform.hub,
            platform.directory,
            round_id,
            progress=lambda text: click.echo(f"round {round_id[:8]}: {text}", err=True),
        )
        if overlap is None:
            click.echo("concord: another worker is running this round", err=True)
            sys.exit(1)
        with platform.hub.transaction() as session:
            rules = partnership.current(session)
    result = figures(round_id, overlap, rules=rules, exact=exact)
    if as_json:
        del result["by_category"]  # the documented shape; categories are on the web page
        click.echo(json.dumps(result, indent=2))
        return
    threshold = rules.suppression_threshold

    def show(value: int | None) -> str:
        return f"<{threshold}" if value is None else str(value)

    click.echo(f"Round {round_id} ({scope}){' — EXACT counts' if exact else ''}")
    click.echo("People per partner:")
    for slug, value in result["totals"].items():
        click.echo(f"  {slug:<20} {show(value)}")
    click.echo("Shared by each pair (at least both):")
    for row in result["pairwise"]:
        click.echo(f"  {' + '.join(row['partners']):<40} {show(row['count'])}")
    click.echo("Held by exactly these partners:")
    for row in result["subsets"]:
        click.echo(f"  {' + '.join(row['partners']):<60} {show(row['count'])}")
