"""The languages Concord speaks, and which one a person gets.

A language is named by its BCP 47 primary subtag from :data:`SHIPPED`. A tag with a region
or script (``fr-CA``, ``pt-BR``) asks for its primary language; any other tag is refused.
"""

from __future__ import annotations

import re

# Each language shipped, by its own name, as a switcher shows it.
SHIPPED: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "de": "Deutsch",
    "pt": "Português",
}
DEFAULT = "en"
_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")
_RANGE = re.compile(
    r"\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*"
)


def language_tag(value: str) -> str | None:
    """The shipped language that ``value`` names ("" for a blank), or None when it is not a
    BCP 47 tag of a shipped language."""
    tag = value.strip().replace("_", "-")
    if not tag:
        return ""
    if len(tag) > 35 or not _TAG.fullmatch(tag):
        return None
    primary = tag.split("-", 1)[0].lower()
    return primary if primary in SHIPPED else None


def from_accept_language(header: str | None) -> str | None:
    """The shipped language a browser prefers most (RFC 9110 ``Accept-Language``), if any."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header[:1000].split(",")):
        found = _RANGE.fullmatch(part)
        if found is None:
            continue
        name, weight = found.groups()
        try:
            quality = float(weight) if weight is not None else 1.0
        except ValueError:
            continue
        language = language_tag(name) if name != "*" else None
        if language and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked)[2] if ranked else None
