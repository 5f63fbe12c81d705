"""Enrolling partners' vault nodes (federated mode), and the hub's own signing key.

The secretariat registers each node's URL and the signing-key fingerprint the partner admin
read out of band; revoking a node stops every call to it at once. The hub's key is made the
first time it is needed, in the hub's data folder, and ``concord hub-key`` prints it for the
partner admins to pin.
"""

from __future__ import annotations

import contextlib
import re

from sqlalchemy.orm import Session

from concord.audit import chain
from concord.db import utcnow
from concord.errors import InvalidInput
from concord.federation.keys import SIGNING, BadKey, SigningPair, raw_key
from concord.partners.models import Partner
from concord.partners.services import by_slug
from concord.settings import Settings

URL = re.compile(r"https?://[A-Za-z0-9.\-\[\]:]+(/[^\s]*)?")


def hub_signing_pair(settings: Settings) -> SigningPair:
    """The hub's Ed25519 key pair, made on first use."""
    path = settings.hub_signing_key_path
    if not path.exists():
        # Another process of the hub may make it first: its key is as good.
        with contextlib.suppress(FileExistsError):
            SigningPair.generate().save(path)
    return SigningPair.load(path)


def _partner(session: Session, slug: str) -> Partner:
    partner = by_slug(session, slug)
    if partner is None:
        raise InvalidInput.one("partner", f"No partner {slug!r}.")
    return partner


def enrol_node(session: Session, slug: str, *, url: str, key: str, actor: str) -> Partner:
    """Record where ``slug``'s node answers and pin its signing key."""
    errors: dict[str, str] = {}
    url = url.strip().rstrip("/")
    if not URL.fullmatch(url):
        errors["node_url"] = "Give the node's address, such as https://vault.example.org."
    try:
        raw_key(key, SIGNING)
    except BadKey as error:
        errors["node_key"] = f"Not a node signing key: {error}."
    if errors:
        raise InvalidInput(errors)
    partner = _partner(session, slug)
    partner.node_url, partner.node_key, partner.node_revoked_at = url, key.strip(), None
    chain.record(
        session, actor=actor, action="partner.node_enrol", object_ref=f"partner:{slug}", detail=key
    )
    return partner


def revoke_node(session: Session, slug: str, *, actor: str) -> Partner:
    """Stop calling ``slug``'s node: its key is no longer trusted, from now on."""
    partner = _partner(session, slug)
    partner.node_revoked_at = utcnow()
    chain.record(session, actor=actor, action="partner.node_revoke", object_ref=f"partner:{slug}")
    return partner
