"""What governance services raise when a viewer may not act, or a record does not exist.

Services stay free of HTTP: controllers turn these into 403 and 404. Messages name no person.
"""

from __future__ import annotations

import secrets

from concord.accounts.viewer import Viewer


class NotAllowed(Exception):
    """The viewer's role or organisation does not let them do this."""


class NotFound(Exception):
    """No such record (or none this viewer may know of)."""


def require_secretariat(viewer: Viewer) -> None:
    if not viewer.is_secretariat:
        raise NotAllowed("only the secretariat keeps this record")


def new_form_key() -> str:
    """A random key rendered into a form, so that submitting it twice creates one record."""
    return secrets.token_urlsafe(16)


def clean_form_key(raw: str | None) -> str | None:
    """The submitted form key, or None when it is missing or not one we would have made."""
    key = (raw or "").strip()
    if 16 <= len(key) <= 40 and all(c.isalnum() or c in "-_" for c in key):
        return key
    return None
