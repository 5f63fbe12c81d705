"""Translated text: the gettext catalogs under ``concord/locales``, compiled in memory.

Each shipped language has ``locales/<lang>/LC_MESSAGES/messages.po`` in the repository; it is
compiled (Babel) the first time the language is used, so nobody runs a build step. Templates
call ``_()`` and ``ngettext()`` (Jinja2's i18n extension) and get the language of the page
they render: the ``lang`` of their context (see ``concord.web.language``). Python code
marks text with :func:`N_` where it is chosen and translates it where it is shown, or calls
:func:`translate` where the language is known.
"""

from __future__ import annotations

import gettext as stdlib_gettext
from datetime import UTC, date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from concord.languages import DEFAULT, SHIPPED

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
# How the extractor finds text to translate: ``_()`` and ``ngettext()`` in templates;
# ``N_()``, ``translate(language, text)`` and ``translate_plural(language, one, many, n)``
# in Python.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "translate": (2,),
    "translate_plural": (2, 3),
}


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "mark, translate later"
    """Mark ``message`` for the catalogs; it is translated where it is shown."""
    return message


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: str) -> stdlib_gettext.NullTranslations:
    """The compiled catalog of a shipped language (English is the source: no catalog)."""
    path = catalog_path(language)
    if language not in SHIPPED or language == DEFAULT or not path.exists():
        return stdlib_gettext.NullTranslations()
    with path.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def compile_all() -> None:
    """Compile every shipped catalog now, so that a broken one stops the start."""
    for language in SHIPPED:
        translations(language)


def translate(language: str, message: str, **values: Any) -> str:
    """``message`` in ``language``, with its ``%(name)s`` placeholders filled."""
    text = translations(language).gettext(message)
    return text % values if values else text


def translate_plural(language: str, singular: str, plural: str, n: int, **values: Any) -> str:
    text = translations(language).ngettext(singular, plural, n)
    return text % {"num": n, **values}


def context_language(context: Context) -> str:
    """The language a template renders in: the ``lang`` its caller chose (a page opts in
    once its text is translated), else English, so that ``<html lang>`` is always true."""
    language = context.get("lang")
    return str(language) if language in SHIPPED else DEFAULT


@pass_context
def _template_gettext(context: Context, message: str) -> str:
    return translations(context_language(context)).gettext(message)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return translations(context_language(context)).ngettext(singular, plural, n)


@pass_context
def page_language(context: Context) -> str:
    return context_language(context)


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@pass_context
def _when(context: Context, moment: datetime, timezone: str = "UTC") -> str:
    """A date and time in the page's language, in ``timezone``, which it names."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    language, zone = context_language(context), _zone(timezone)
    day = format_date(aware.astimezone(zone).date(), "medium", locale=language)
    time = format_time(aware, "short", tzinfo=zone, locale=language)
    return f"{day}, {time} ({timezone})"


@pass_context
def _day(context: Context, moment: date | datetime, timezone: str = "UTC") -> str:
    """The full date (weekday, day, month, year) in the page's language; a moment in time
    is shown on its day in ``timezone``."""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        moment = aware.astimezone(_zone(timezone)).date()
    return format_date(moment, "full", locale=context_language(context))


@pass_context
def _time(context: Context, moment: datetime, timezone: str = "UTC") -> str:
    """The time of day in the page's language, in ``timezone``."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return format_time(aware, "short", tzinfo=_zone(timezone), locale=context_language(context))


@pass_context
def _number(context: Context, value: int | float) -> str:
    return format_decimal(value, locale=context_language(context))


def install(env: Environment) -> None:
    """Give ``env`` the i18n extension, speaking each template's own language."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=True
    )
    env.globals["page_language"] = page_language
    env.filters.update(when=_when, day=_day, time_of_day=_time, number=_number)
    env.globals["languages"] = SHIPPED
