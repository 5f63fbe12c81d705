"""Running a node: its settings from its folder and environment, its vault, its server."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from litestar import Litestar

from concord.federation.keys import SigningPair
from concord.settings import Settings, load_settings
from consent.db import Vaults
from consent.in_process import InProcessVault
from consent.node import partnership_key
from consent.node.api import node_api
from consent.node.enrolment import SECRET_KEY, SIGNING_KEY, read_config
from consent.node.vault import NodeVault
from consent.setup import prepare_vault


def node_settings(folder: Path, env: Mapping[str, str] | None = None) -> Settings:
    """The node's settings: SMTP and the rest from the environment, its own secret and
    public URL from its folder, its database from ``CONCORD_VAULT_URL`` (else a SQLite file in
    the folder), and the partnership key, once it has one, as the key of calendar tokens."""
    env = os.environ if env is None else env
    config = read_config(folder)
    base = load_settings(env, require_secret=False, overrides={"data_dir": folder})
    changes: dict[str, object] = {
        "secret_key": (folder / SECRET_KEY).read_text("utf-8").strip(),
        "public_url": config.public_url,
        "matching_secret": partnership_key.current_secret(folder) or "",
    }
    if url := env.get("CONCORD_VAULT_URL"):
        changes["vault_url_template"] = url.strip()
    return base.with_changes(**changes)


def open_node_vault(folder: Path, env: Mapping[str, str] | None = None) -> Vaults:
    """The node's vault, created or migrated first."""
    vaults = Vaults(node_settings(folder, env))
    prepare_vault(vaults, read_config(folder).partner)
    return vaults


def node_app(folder: Path, env: Mapping[str, str] | None = None) -> tuple[Litestar, Vaults]:
    """The node's API over its vault, which is created or migrated first."""
    config = read_config(folder)
    vaults = open_node_vault(folder, env)

    def port() -> NodeVault:
        # Settings are read again per call: the partnership key may have arrived or turned.
        return NodeVault(InProcessVault(vaults, node_settings(folder, env), config.partner), folder)

    app = node_api(
        port,
        config=config,
        signing=SigningPair.load(folder / SIGNING_KEY),
        folder=folder,
        piece_bytes=node_settings(folder, env).node_piece_bytes,
    )
    return app, vaults
