"""Every vault table, imported in one place so that metadata and migrations see them all."""

from consent.db import VaultBase
from consent.vault_info import VaultInfo

__all__ = ["VaultBase", "VaultInfo"]
