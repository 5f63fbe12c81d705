"""The outbox's stale-claim time is a setting, strict like the others."""

from __future__ import annotations

import pytest

from concord.settings import Settings, SettingsError, load_settings

GOOD_SECRET = "s" * 40


def test_the_stale_claim_time_defaults_to_ten_minutes() -> None:
    assert load_settings({"CONCORD_SECRET_KEY": GOOD_SECRET}).outbox_stale_claim_seconds == 600
    assert Settings().outbox_stale_claim_seconds == 600


def test_the_stale_claim_time_is_read_and_checked() -> None:
    env = {"CONCORD_SECRET_KEY": GOOD_SECRET, "CONCORD_OUTBOX_STALE_CLAIM_SECONDS": "30"}
    assert load_settings(env).outbox_stale_claim_seconds == 30
    for bad in ("1", "soon"):
        with pytest.raises(SettingsError, match="CONCORD_OUTBOX_STALE_CLAIM_SECONDS"):
            load_settings({**env, "CONCORD_OUTBOX_STALE_CLAIM_SECONDS": bad})
