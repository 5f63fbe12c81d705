"""A node's data folder: who it is, which hub it trusts, its keys.

``node.json`` names the partner and the hub key the partner admin confirmed; ``signing.key``
(Ed25519) and ``sealing.key`` (X25519) are its private keys, ``secret.key`` its own secret.
Nothing in the folder comes from another partner except the partnership key, which arrives
sealed to this node.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from concord.federation.keys import SIGNING, SealingPair, SigningPair, raw_key
from concord.settings import SLUG

CONFIG = "node.json"
SIGNING_KEY = "signing.key"
SEALING_KEY = "sealing.key"
SECRET_KEY = "secret.key"


PUBLIC_URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(/[\x21-\x7e]*)?")


class EnrolmentError(ValueError):
    """A node folder that cannot be created or used as asked."""


@dataclass(frozen=True)
class NodeConfig:
    """What a node knows of itself and of the hub it answers."""

    partner: str
    public_url: str
    hub_key: str | None = None

    @property
    def trusts_a_hub(self) -> bool:
        return self.hub_key is not None


def read_config(folder: Path) -> NodeConfig:
    path = folder / CONFIG
    if not path.exists():
        raise EnrolmentError(f"{folder} is not a node folder: run `concord node init` first")
    return NodeConfig(**json.loads(path.read_text("utf-8")))


def write_config(folder: Path, config: NodeConfig) -> None:
    path = folder / CONFIG
    staged = path.with_suffix(".json.new")
    staged.write_text(json.dumps(asdict(config), indent=2) + "\n", "utf-8")
    os.replace(staged, path)


@dataclass(frozen=True)
class Fingerprints:
    signing: str
    sealing: str


def init_node(folder: Path, *, partner: str, public_url: str) -> Fingerprints:
    """Create a node's folder with fresh keys; refuses a folder that is a node already."""
    if not SLUG.fullmatch(partner):
        raise EnrolmentError("the partner slug is 2-40 lower-case letters, digits or dashes")
    if not PUBLIC_URL.fullmatch(public_url) or len(public_url) > 300:
        raise EnrolmentError(
            "the public URL is the node's http(s) address, such as https://vault.example.org "
            "(at most 300 characters)"
        )
    if (folder / CONFIG).exists():
        raise EnrolmentError(f"{folder} is a node already")
    folder.mkdir(parents=True, exist_ok=True)
    signing, sealing = SigningPair.generate(), SealingPair.generate()
    signing.save(folder / SIGNING_KEY)
    sealing.save(folder / SEALING_KEY)
    secret = folder / SECRET_KEY
    descriptor = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(48))
    write_config(folder, NodeConfig(partner=partner, public_url=public_url.rstrip("/")))
    return Fingerprints(signing.public_text, sealing.public_text)


def fingerprints(folder: Path) -> Fingerprints:
    return Fingerprints(
        SigningPair.load(folder / SIGNING_KEY).public_text,
        SealingPair.load(folder / SEALING_KEY).public_text,
    )


def trust_hub(folder: Path, hub_key: str) -> NodeConfig:
    """Pin the hub's signing key, as the partner admin confirmed it out of band."""
    raw_key(hub_key, SIGNING)
    config = replace(read_config(folder), hub_key=hub_key.strip())
    write_config(folder, config)
    return config


def revoke_hub(folder: Path) -> NodeConfig:
    """Stop answering the hub: from the next request on, every call is refused."""
    config = replace(read_config(folder), hub_key=None)
    write_config(folder, config)
    return config
