"""The governance settings: the document size cap and the reminder lead time."""

from __future__ import annotations

import pytest

from concord.settings import SettingsError, load_settings


def test_defaults() -> None:
    settings = load_settings({}, demo=True)
    assert (settings.document_max_bytes, settings.reminder_days) == (20 * 1024 * 1024, 3)


def test_values_from_the_environment() -> None:
    env = {"CONCORD_DOCUMENT_MAX_BYTES": "1048576", "CONCORD_REMINDER_DAYS": "7"}
    settings = load_settings(env, demo=True)
    assert (settings.document_max_bytes, settings.reminder_days) == (1048576, 7)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("CONCORD_DOCUMENT_MAX_BYTES", "20MB"),
        ("CONCORD_DOCUMENT_MAX_BYTES", "10"),
        ("CONCORD_REMINDER_DAYS", "-1"),
        ("CONCORD_REMINDER_DAYS", "soon"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=name):
        load_settings({name: raw}, demo=True)
