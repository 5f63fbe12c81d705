"""Refusals a user can cause in governance records: the action is not theirs to take, or no
longer possible. Each carries the message to show."""

from __future__ import annotations


class Refused(Exception):
    """The rules forbid this action for this person or in this state."""

    def __init__(self, message: str, *, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class NotAllowed(Refused):
    """The person may not act for this partner (wrong role, wrong organisation)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=403)


class Missing(Exception):
    """No such record (the web answers 404)."""
