"""Who is making a request, as the web layer and services see them."""

from __future__ import annotations

from dataclasses import dataclass

from concord.accounts.models import Role, User


@dataclass(frozen=True)
class Viewer:
    """A signed-in staff member; a plain value, safe to use after the hub session closed."""

    id: int
    email: str
    display_name: str
    role: Role
    partner_slug: str | None
    partner_name: str | None

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            role=user.role,
            partner_slug=user.partner.slug if user.partner else None,
            partner_name=user.partner.name if user.partner else None,
        )

    @property
    def actor(self) -> str:
        """How the audit chain names this person: by id, never by name or address."""
        return f"user:{self.id}"

    @property
    def is_secretariat(self) -> bool:
        return self.role is Role.SECRETARIAT

    def works_for(self, partner_slug: str) -> bool:
        return self.partner_slug is not None and self.partner_slug == partner_slug
