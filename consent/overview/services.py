"""What partner staff see first about their own vault."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from consent.db import Vaults
from consent.vault_info import VaultInfo


@dataclass(frozen=True)
class VaultSummary:
    partner: str
    created_at: datetime | None
    schema_current: bool


def summary(vaults: Vaults, partner_slug: str) -> VaultSummary:
    with vaults.transaction(partner_slug) as session:
        info = session.scalar(select(VaultInfo))
    return VaultSummary(
        partner=partner_slug,
        created_at=info.created_at if info else None,
        schema_current=vaults.is_current(partner_slug),
    )
