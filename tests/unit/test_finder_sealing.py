"""The sealed address in the find-my-data cookie opens only with its own token and key."""

from __future__ import annotations

from concord.finder.sealing import seal, unseal

KEY = "k" * 40


def test_a_seal_opens_with_its_token_and_key_only() -> None:
    sealed = seal(KEY, "token-1", "grace.hopper@example.org")
    assert "grace" not in sealed
    assert unseal(KEY, "token-1", sealed) == "grace.hopper@example.org"
    assert unseal(KEY, "token-2", sealed) is None
    assert unseal("x" * 40, "token-1", sealed) is None


def test_a_changed_seal_is_refused() -> None:
    sealed = seal(KEY, "token-1", "grace.hopper@example.org")
    flipped = sealed[:30] + ("A" if sealed[30] != "A" else "B") + sealed[31:]
    assert unseal(KEY, "token-1", flipped) is None
    assert unseal(KEY, "token-1", "not base64 !") is None
    assert unseal(KEY, "token-1", "") is None


def test_two_seals_of_one_address_differ() -> None:
    assert seal(KEY, "t", "a@example.org") != seal(KEY, "t", "a@example.org")
