"""Making a partner's vault ready: schema, ownership, the starter purposes."""

from __future__ import annotations

from consent import vault_info
from consent.db import Vaults
from consent.purposes.services import ensure_starter_purposes


def prepare_vault(vaults: Vaults, partner_slug: str) -> None:
    """Create the vault if needed and bring it up to date; safe to run again."""
    vaults.migrate(partner_slug)
    with vaults.transaction(partner_slug) as session:
        vault_info.claim(session, partner_slug)
        ensure_starter_purposes(session)
