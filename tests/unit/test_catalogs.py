"""Every shipped catalog is complete and current: each marked text has a translation in every
language, none fuzzy, with the same placeholders; and extracting the code and templates again
finds no text the catalogs lack."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from concord import catalogs
from concord.languages import DEFAULT, SHIPPED
from concord.translations import compile_all, translate

TRANSLATED = [language for language in SHIPPED if language != DEFAULT]
PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")


def _ids(message_id: str | Sequence[str]) -> tuple[str, ...]:
    return (message_id,) if isinstance(message_id, str) else tuple(message_id)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_its_placeholders(language: str) -> None:
    catalog = catalogs.read(language)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = _ids(message.string) if message.string else ()
        if not strings or not all(strings) or message.fuzzy:
            problems.append(f"untranslated or fuzzy: {message.id!r}")
            continue
        wanted = sorted(PLACEHOLDER.findall(_ids(message.id)[0]))
        for text in strings:
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"placeholders differ: {message.id!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def test_extraction_finds_nothing_the_catalogs_lack() -> None:
    extracted = {message.id for message in catalogs.extract() if message.id}
    assert len(extracted) > 150
    for language in TRANSLATED:
        held = {message.id for message in catalogs.read(language) if message.id}
        missing = sorted(map(str, extracted - held))
        assert not missing, (
            f"{language} lacks {len(missing)} texts; run `uv run concord translations update` "
            f"and translate them: {missing[:5]}"
        )


def test_catalogs_compile_and_translate() -> None:
    compile_all()
    assert translate("fr", "Unsubscribe") != "Unsubscribe"
    assert translate("de", "Dear %(name)s,", name="Ada").endswith("Ada,")
    assert translate("en", "Dear %(name)s,", name="Ada") == "Dear Ada,"
