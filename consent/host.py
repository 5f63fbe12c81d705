"""What a vault needs to know from whoever hosts it, in plain values.

On a single box the hub answers (see ``concord/vault_host.py``, part of the composition
root); a vault node will answer from its own enrolment. Vault code asks only this, never a
hub model, so it can run on a partner's own server.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from concord.settings import Settings


@dataclass(frozen=True)
class PartnerCard:
    """A partner as its vault shows it: slug, display name, default country (ISO 3166)."""

    slug: str
    name: str
    country: str


@dataclass(frozen=True)
class SharedCategoryCard:
    """One of the partnership's shared stakeholder categories."""

    slug: str
    name: str


@dataclass(frozen=True)
class SharingRules:
    """What the signed principles say a vault's records of processing must show."""

    # True when per-contact "also known to N other partners" flags may come back.
    contact_flags: bool


@runtime_checkable
class Host(Protocol):
    """The vault's host: its settings and what it needs to know of the partnership."""

    settings: Settings

    def partner(self, slug: str) -> PartnerCard | None:
        """The partner whose vault this is, or None for an unknown slug."""
        ...

    def partners(self) -> list[PartnerCard]:
        """Every partner whose vault this host serves."""
        ...

    def staff_names(self, user_ids: Collection[int]) -> dict[int, str]:
        """Display names of staff accounts, for pages that say who changed what."""
        ...

    def shared_categories(self) -> list[SharedCategoryCard]:
        """The partnership's shared categories, by name."""
        ...

    def sharing_rules(self) -> SharingRules:
        """The sharing rules in force."""
        ...
