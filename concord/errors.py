"""Errors a user can cause: each carries messages to show beside the fields they concern."""

from __future__ import annotations


class InvalidInput(Exception):
    """One or more fields are wrong; ``errors`` maps each field name to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls({field: message})
