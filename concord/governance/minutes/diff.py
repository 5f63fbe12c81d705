"""A visible, word-level diff between two texts, as escaped HTML with ``<ins>`` and ``<del>``."""

from __future__ import annotations

import difflib
import re
from html import escape

from markupsafe import Markup

_TOKENS = re.compile(r"\s+|[^\s]+")


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def html_diff(before: str, after: str) -> Markup:
    """Everything in ``after``, with removed words in ``<del>`` and added ones in ``<ins>``.

    Every piece of text is escaped, so minutes that contain markup show it as text.
    """
    old, new = _tokens(before), _tokens(after)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old[i1:i2])))
            continue
        if op in {"delete", "replace"}:
            parts.append(f"<del>{escape(''.join(old[i1:i2]))}</del>")
        if op in {"insert", "replace"}:
            parts.append(f"<ins>{escape(''.join(new[j1:j2]))}</ins>")
    return Markup("".join(parts))  # noqa: S704 - every piece above is escaped
