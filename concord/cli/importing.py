"""``concord import``: import a contact file into one partner's vault from the command line.

Progress goes to stderr and the summary to stdout, so the summary can be piped or captured.
Every error a person can cause (unknown partner, unreadable file, a file over the size cap, a
wrong encoding, a bad lawful basis) ends in one line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from concord.cli.platform import Platform, data_dir_option, open_platform
from concord.errors import InvalidInput
from concord.languages import SHIPPED
from consent.importing.columns import FIELD_LABELS
from consent.importing.reading import UnreadableFile
from consent.importing.report import report_blocks
from consent.importing.services import ImportBusy, Importer, ImportResult, UnknownPartner
from consent.importing.terms import DEFAULT_PURPOSE, check_terms
from consent.purposes.models import LegalBasis

# How the audit chain and the ledger name the operator at the command line.
OPERATOR = "operator:cli"
EXIT_REFUSED = 2
EXIT_INTERRUPTED = 130


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"concord: {message}", err=True)
    sys.exit(code)


def _summary(result: ImportResult, file: Path, partner: str) -> None:
    counts = result.counts
    click.echo(f"{file.name} into {partner} (import {result.batch_id}):")
    for label, value in (
        ("added", counts.added),
        ("updated", counts.updated),
        ("rejected", counts.rejected),
        ("suppressed", counts.suppressed),
    ):
        click.echo(f"  {label:<11}{value:>9,}")
    if result.flagged_duplicates:
        click.echo(f"  {result.flagged_duplicates:,} contacts share a phone number with another")
        click.echo("  and are listed as possible duplicates for staff to decide.")


def _report(platform: Platform, importer: Importer, batch_id: str, target: Path | None) -> None:
    url = f"{platform.settings.public_url}/partners/{importer.partner}/imports/{batch_id}"
    if target is not None:
        # The rows are personal data: readable by the operator only.
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as out:
            for block in report_blocks(lambda: importer.rejected(batch_id)):
                out.write(block)
        click.echo(f"Rejected rows written to {target}")
    click.echo(f"Rejected rows, with line numbers and reasons: {url}/rejected.csv")


@click.command("import")
@data_dir_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--partner", "partner_slug", required=True, help="The partner whose vault it is.")
@click.option(
    "--lawful-basis",
    required=True,
    type=click.Choice([basis.value for basis in LegalBasis]),
    help="Why the partner may hold these people.",
)
@click.option("--source", required=True, help="Where the list comes from (kept with each entry).")
@click.option(
    "--purpose",
    "purpose_code",
    default=DEFAULT_PURPOSE,
    show_default=True,
    help="DPV code of the purpose the consent-ledger entries are for.",
)
@click.option(
    "--notice-language",
    default="",
    type=click.Choice(["", *SHIPPED]),
    help="For a consent list: the language its source showed the notice in "
    "(default: the notice's own).",
)
@click.option("--encoding", default=None, help="The file's encoding (default: UTF-8, BOM or not).")
@click.option("--strict", is_flag=True, help="Import nothing if any row is rejected (exit 2).")
@click.option(
    "--report",
    "report_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the rejected rows, with line numbers and reasons, to this CSV file.",
)
def import_contacts(
    data_dir: Path | None,
    file: Path,
    partner_slug: str,
    lawful_basis: str,
    source: str,
    purpose_code: str,
    notice_language: str,
    encoding: str | None,
    strict: bool,
    report_path: Path | None,
) -> None:
    """Import a CSV file of contacts into a partner's vault.

    Columns are matched by their headers (email, phone, given_name, family_name, organisation,
    country, category, tags, and their usual variants). Running the same command again after
    an interruption continues where the import stopped.
    """
    with open_platform(data_dir) as platform:
        platform.require_current()
        try:
            importer = Importer.for_partner(platform.vaults, platform.host, partner_slug)
        except UnknownPartner:
            _fail(f"there is no partner {partner_slug!r} (see `concord partner list`)")
        try:
            facts, mapping = importer.read(file, encoding)
        except UnreadableFile as error:
            _fail(f"cannot import {file.name}: {error}")
        if problems := mapping.problems():
            _fail(f"cannot import {file.name}: {next(iter(problems.values()))}")
        if ignored := mapping.ignored(facts.header):
            click.echo(f"Not imported: the columns {', '.join(ignored)}.", err=True)
        mapped = sorted({FIELD_LABELS[f] for f in mapping.fields if f})
        click.echo(
            f"Reading {facts.rows:,} row{'s' if facts.rows != 1 else ''} "
            f"({facts.delimiter_name}-separated): "
            f"{', '.join(mapped)}.",
            err=True,
        )
        try:
            with platform.vaults.transaction(partner_slug) as session:
                terms, _ = check_terms(
                    session,
                    lawful_basis=lawful_basis,
                    source=source,
                    purpose_code=purpose_code,
                    notice_language=notice_language,
                )
        except InvalidInput as error:
            _fail("; ".join(error.errors.values()))
        opened = importer.open(facts, mapping, file_name=file.name, terms=terms, operator=OPERATOR)
        if opened.resumed:
            click.echo(
                "Continuing the unfinished import of this file, with the lawful basis and "
                "source it started with.",
                err=True,
            )
        result = _run(importer, opened.batch_id, file, facts.rows, strict)
        if result.refused:
            click.echo(
                f"Nothing imported: {result.refused_rows:,} rows would be rejected (--strict)."
            )
            _report(platform, importer, result.batch_id, report_path)
            sys.exit(EXIT_REFUSED)
        _summary(result, file, partner_slug)
        if result.counts.rejected or result.counts.suppressed:
            _report(platform, importer, result.batch_id, report_path)


def _run(importer: Importer, batch_id: str, file: Path, rows: int, strict: bool) -> ImportResult:
    with click.progressbar(length=rows, label="Importing", file=sys.stderr) as bar:
        shown = 0

        def progress(done: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        try:
            return importer.run(batch_id, file, strict=strict, progress=progress)
        except ImportBusy:
            _fail("this import is running in another process; let that one finish")
        except UnreadableFile as error:
            _fail(f"cannot import {file.name}: {error}")
        except KeyboardInterrupt:
            _fail("interrupted; run the same command again to continue", EXIT_INTERRUPTED)
