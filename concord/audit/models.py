"""The hub's append-only audit chain."""

from __future__ import annotations

from concord.db import HubBase
from concord.hashchain import ChainColumns


class AuditEntry(ChainColumns, HubBase):
    """One link of the hub's hash chain: who did what to which object, never personal data."""

    __tablename__ = "audit_entries"
