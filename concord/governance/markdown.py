"""Markdown for governance texts, rendered safely: raw HTML is escaped, images are not loaded,
and links may only point to http, https or mailto addresses."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_SCHEMES = ("http://", "https://", "mailto:")


class _SafeMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:  # noqa: N802 (markdown-it's name)
        # A link that fails this check stays as plain text, so nothing is silently dropped.
        return url.strip().lower().startswith(ALLOWED_SCHEMES)


def _parser() -> MarkdownIt:
    parser = _SafeMarkdown("commonmark", {"html": False, "linkify": False, "typographer": False})
    # Images would be fetched by every reader's browser from wherever the author pointed them.
    parser.disable("image")
    return parser


_PARSER = _parser()


def render(text: str) -> Markup:
    """HTML for ``text``; safe to put in a page as is."""
    return Markup(_PARSER.render(text))  # noqa: S704 (raw HTML is disabled and links are checked)
