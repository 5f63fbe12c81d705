"""Opening the hub and vaults for a CLI command, from options and the environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import select

from concord.app import vault_directory
from concord.hub import Hub
from concord.partners.models import Partner
from concord.settings import Settings, SettingsError, load_settings
from concord.vault_host import HubHost
from consent.db import Vaults
from consent.host import Host
from consent.public import VaultDirectory
from consent.setup import prepare_vault

F = TypeVar("F", bound=Callable[..., Any])


def data_dir_option(command: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        envvar="CONCORD_DATA_DIR",
        help="Folder of the embedded databases (default .concord-data; env CONCORD_DATA_DIR).",
    )(command)


@dataclass(eq=False)
class Platform:
    settings: Settings
    hub: Hub
    vaults: Vaults

    @cached_property
    def directory(self) -> VaultDirectory:
        """The hub's port to each partner's vault."""
        return vault_directory(self.hub, self.vaults)

    @cached_property
    def host(self) -> Host:
        """What the vaults on this box are told about the partnership."""
        return HubHost(self.hub)

    def job_services(self) -> dict[str, object]:
        """What the background jobs of every package may ask for (see ``concord.jobs``)."""
        return {"vaults": self.vaults, "vault_directory": self.directory, "vault_host": self.host}

    @property
    def hub_location(self) -> str:
        return (
            "PostgreSQL" if self.settings.hub_url else str(self.settings.data_dir / "hub.sqlite3")
        )

    def partner_slugs(self) -> list[str]:
        with self.hub.transaction() as session:
            return list(session.scalars(select(Partner.slug).order_by(Partner.slug)))

    def open_vault(self, slug: str) -> None:
        """Create the partner's vault if needed, migrate it and mark it as the partner's."""
        prepare_vault(self.vaults, slug)

    def migrate_all(self) -> list[str]:
        self.hub.migrate()
        slugs = self.partner_slugs()
        if self.settings.federated:
            return []  # each node migrates its own vault when it starts
        for slug in slugs:
            self.open_vault(slug)
        return slugs

    def require_current(self) -> None:
        if not self.hub.is_current():
            raise SettingsError("the hub database is not up to date; run `concord migrate`")
        if self.settings.federated:
            return
        for slug in self.partner_slugs():
            if not self.vaults.is_current(slug):
                raise SettingsError(f"the vault of {slug} is not up to date; run `concord migrate`")


DEMO_MARKER = "DEMO"


def is_demo_folder(data_dir: Path) -> bool:
    """Whether ``concord demo`` made this data folder (its commands then use the demo's secrets)."""
    return (data_dir / DEMO_MARKER).exists()


@contextmanager
def open_platform(
    data_dir: Path | None,
    *,
    demo: bool = False,
    require_secret: bool = True,
    port: int | None = None,
    host: str | None = None,
) -> Iterator[Platform]:
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if port is not None:
        overrides["port"] = port
    if host is not None:
        overrides["host"] = host
    demo = demo or is_demo_folder(data_dir or load_settings(require_secret=False).data_dir)
    settings = load_settings(
        demo=demo, require_secret=require_secret and not demo, overrides=overrides
    )
    if demo:
        from concord.cli.demo import demo_settings

        settings = demo_settings(settings)
    hub = Hub(settings)
    vaults = Vaults(settings)
    try:
        yield Platform(settings, hub, vaults)
    finally:
        vaults.dispose()
        hub.dispose()


# A new account's password: prompted for, or from the environment, never on the command line
# where ``ps`` and shell history would show it.
new_password_option = click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    envvar="CONCORD_NEW_USER_PASSWORD",
    help="Prompted for when not given (or set CONCORD_NEW_USER_PASSWORD).",
)
