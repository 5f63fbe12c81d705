"""The vault's append-only audit chain, in the vault's own database."""

from __future__ import annotations

from concord.hashchain import ChainColumns
from consent.db import VaultBase


class VaultAuditEntry(ChainColumns, VaultBase):
    """One link of the vault's hash chain: ids, kinds and counts, never personal data."""

    __tablename__ = "vault_audit_entries"
