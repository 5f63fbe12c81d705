"""CONCORD_INACTIVE_MONTHS: how long a contact may sit untouched before it is anonymised."""

from __future__ import annotations

import pytest

from concord.settings import SettingsError, load_settings

SECRET = {"CONCORD_SECRET_KEY": "s" * 40}


def test_inactive_months_defaults_to_two_years() -> None:
    assert load_settings(SECRET).inactive_months == 24
    assert load_settings({**SECRET, "CONCORD_INACTIVE_MONTHS": " 36 "}).inactive_months == 36


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("two years", "whole number"),
        ("0", "between 1 and 1200"),
        ("-3", "between"),
        ("1201", "between"),
    ],
)
def test_inactive_months_is_parsed_strictly(raw: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"CONCORD_INACTIVE_MONTHS must be .*{message}"):
        load_settings({**SECRET, "CONCORD_INACTIVE_MONTHS": raw})
