"""Rendering one email from its subject / text / html template triplet, for every outbox.

A triplet is three files side by side under ``templates/``: ``NAME.subject.txt``, ``NAME.txt``
and ``NAME.html``. Only the html part is autoescaped, and a missing variable is an error, so a
template that drifts from its callers fails in the tests instead of mailing a blank.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from concord import translations
from concord.languages import DEFAULT
from concord.paths import TEMPLATES


class RenderedEmail(NamedTuple):
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    translations.install(env)
    return env


def render_email(
    folder: str, template: str, context: Mapping[str, Any], *, language: str = DEFAULT
) -> RenderedEmail:
    """Render the triplet ``template`` in ``folder`` (relative to ``templates/``), in
    ``language``."""
    env = _environment()
    context = {**context, "lang": language}
    subject = env.get_template(f"{folder}/{template}.subject.txt").render(context).strip()
    text = env.get_template(f"{folder}/{template}.txt").render(context)
    html = env.get_template(f"{folder}/{template}.html").render(context)
    return RenderedEmail(subject, text, html)
