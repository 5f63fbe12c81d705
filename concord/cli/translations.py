"""``concord translations``: keep the catalogs current as the code's texts change."""

from __future__ import annotations

import click


@click.group()
def translations() -> None:
    """The catalogs of the languages Concord writes in (concord/locales)."""


@translations.command()
def update() -> None:
    """Extract every marked text and merge it into each language's catalog; prints how many
    texts each language still needs translated (new ones, and changed ones marked fuzzy)."""
    from concord.catalogs import update as merge

    for language, missing in merge().items():
        click.echo(f"{language}: {missing} to translate")
