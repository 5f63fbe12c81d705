"""Normalising identifiers inside a vault: the platform's rules, which rounds share."""

from concord.identifiers import (
    GMAIL_DOMAINS,
    IdentifierKind,
    InvalidIdentifier,
    normalise,
    normalise_email,
    normalise_phone,
)

__all__ = [
    "GMAIL_DOMAINS",
    "IdentifierKind",
    "InvalidIdentifier",
    "normalise",
    "normalise_email",
    "normalise_phone",
]
