"""Server-side SVG charts of a round's published figures: a heat map and UpSet-style bars.

Both take the published figures dict of :func:`outreach.matching.rounds.figures` (or a view of
it with the same keys) and return inline SVG as :class:`markupsafe.Markup`. Every piece of text
is escaped, and nothing is styled inline: the results page sends a strict CSP (``style-src
'self'``), so colours and sizes are SVG presentation attributes, and each element also carries
a class name for the stylesheet. A suppressed count (``None``) is drawn hatched and labelled
"<k"; the page's tables remain the text alternative for screen readers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

__all__ = ["heatmap", "upset"]

FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
INK = "#1d2433"
MUTED = "#5b6475"
LINE = "#d8dde6"
# ColorBrewer "Blues": a single-hue sequential ramp reads the same for every kind of colour
# vision deficiency, and in greyscale print.
RAMP = (
    "#f7fbff",
    "#deebf7",
    "#c6dbef",
    "#9ecae1",
    "#6baed6",
    "#4292c6",
    "#2171b5",
    "#08519c",
    "#08306b",
)
BAR = "#2171b5"
DOT_OFF = "#d8dde6"
TOTAL_FILL = "#eef0f4"
HATCH = "#8a93a3"
# Average glyph advance of a sans-serif face as a share of the font size: deliberately generous,
# since the server cannot measure text and a label that overflows is worse than spare room.
GLYPH = 0.56
SVG_NS = "http://www.w3.org/2000/svg"
# Charts are laid out to fit this width, the results page's figure column.
MAX_WIDTH = 712.0


# --- text --------------------------------------------------------------------------------------


def _e(text: object) -> str:
    """Escape text for an element body or a double-quoted attribute."""
    return str(escape(str(text)))


def _text_width(text: str, size: float) -> float:
    return len(text) * size * GLYPH


def _fit(text: str, size: float, width: float) -> str:
    """Shorten ``text`` with an ellipsis to fit ``width`` (the full text goes in titles)."""
    if _text_width(text, size) <= width:
        return text
    keep = max(int(width / (size * GLYPH)) - 1, 1)
    return text[:keep].rstrip() + "…"


def _number(count: int) -> str:
    return f"{count:,}"


def _compact(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M"
    if count >= 10_000:
        return f"{count / 1000:.0f}k"
    if count >= 1000:
        return f"{count / 1000:.1f}k"
    return _number(count)


def _label(count: int | None, threshold: int, size: float, width: float) -> str:
    """The figure written on a cell or bar: compact when the full number would not fit."""
    if count is None:
        return f"<{threshold}"
    full = _number(count)
    return full if _text_width(full, size) <= width else _compact(count)


def _and(names: Sequence[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


class _Wording:
    """How a published count reads in a sentence, given the round's disclosure rules."""

    def __init__(self, result: Mapping[str, Any]) -> None:
        suppression = result.get("suppression", {})
        self.threshold = int(suppression.get("threshold", 10))
        rounding = int(suppression.get("rounding", 1))
        self.about = "" if suppression.get("exact") or rounding <= 1 else "about "

    def people(self, count: int | None) -> str:
        if count is None:
            return f"fewer than {self.threshold} stakeholders"
        if count == 0:
            return "no stakeholders"
        noun = "stakeholder" if count == 1 else "stakeholders"
        return f"{self.about}{_number(count)} {noun}"

    def disclosure(self) -> str:
        if not self.about:
            return "Counts are exact."
        return (
            f"Counts below {self.threshold} are hidden and the others are rounded, "
            "so figures are approximate."
        )


# --- shared SVG pieces -------------------------------------------------------------------------


def _ident(kind: str, result: Mapping[str, Any], extra: str | None, chart_id: str | None) -> str:
    """A document-unique id prefix, so that several charts on one page keep their own ids."""
    raw = chart_id or "-".join(
        part for part in (kind, str(result.get("round_id", ""))[:8], extra or "") if part
    )
    cleaned = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-")
    return cleaned if cleaned and cleaned[0].isalpha() else f"chart-{cleaned}"


def _open(ident: str, width: float, height: float, title: str, desc: str, kind: str) -> list[str]:
    return [
        f'<svg xmlns="{SVG_NS}" class="chart-svg chart-{kind}" role="img" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-family="{_e(FONT)}" fill="{INK}">',
        f'<title id="{ident}-title">{_e(title)}</title>',
        f'<desc id="{ident}-desc">{_e(desc)}</desc>',
        "<defs>",
        f'<pattern id="{ident}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{HATCH}" stroke-width="2"/>'
        "</pattern>",
    ]


def _ramp(share: float) -> str:
    """Interpolate the ramp at ``share`` (0 to 1) as a hex colour."""
    share = min(max(share, 0.0), 1.0)
    position = share * (len(RAMP) - 1)
    low = int(position)
    high = min(low + 1, len(RAMP) - 1)
    mix = position - low
    a, b = RAMP[low], RAMP[high]
    channels = (
        round(int(a[i : i + 2], 16) * (1 - mix) + int(b[i : i + 2], 16) * mix) for i in (1, 3, 5)
    )
    return "#" + "".join(f"{c:02x}" for c in channels)


def _ink_on(share: float) -> str:
    # White text from the middle of the ramp on keeps a contrast ratio of 4.5:1 or more.
    return "#ffffff" if share >= 0.55 else INK


def _partners(result: Mapping[str, Any]) -> list[str]:
    partners = result.get("partners")
    if partners is None:
        partners = sorted(result.get("totals", {}))
    return [str(slug) for slug in partners]


def _display(names: Mapping[str, str], slug: str) -> str:
    return names.get(slug) or slug


def _empty(ident: str, kind: str, title: str, message: str) -> Markup:
    parts = _open(ident, 720, 60, title, message, kind)
    parts += [
        "</defs>",
        f'<text class="chart-note" x="0" y="34" font-size="14" fill="{MUTED}">{_e(message)}</text>',
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - every text above went through _e


# --- heat map ----------------------------------------------------------------------------------


def heatmap(
    result: Mapping[str, Any], names: Mapping[str, str], *, chart_id: str | None = None
) -> Markup:
    """Draw a partner-by-partner matrix: shared stakeholders off the diagonal, totals on it.

    Cell (a, b) is the number of people held by at least both a and b; its colour deepens with
    the count, relative to the largest pair. The diagonal holds each partner's total, drawn on a
    neutral background so that the much larger totals do not wash out the pairs.
    """
    ident = _ident("heatmap", result, None, chart_id)
    words = _Wording(result)
    partners = _partners(result)
    title = "Stakeholders shared by each pair of partners"
    if len(partners) < 2:
        return _empty(ident, "heatmap", title, "A heat map needs at least two partners.")
    totals: Mapping[str, int | None] = result.get("totals", {})
    pairwise: dict[frozenset[str], int | None] = {
        frozenset(row["partners"]): row["count"] for row in result.get("pairwise", [])
    }
    shown = [count for count in pairwise.values() if count is not None]
    top = max(shown, default=0)
    n = len(partners)

    label_size = 13.0
    full_names = [_display(names, slug) for slug in partners]
    # Many partners leave less room per name; the full names are in every cell's title.
    row_cap, column_cap = (300.0, 200.0) if n <= 6 else (220.0, 150.0)
    label_width = min(max(_text_width(name, label_size) for name in full_names), row_cap)
    row_labels = [_fit(name, label_size, label_width) for name in full_names]
    column_labels = [_fit(name, 12, column_cap) for name in full_names]
    # Column labels run diagonally (45 degrees) up and to the right of their column, so a long
    # name costs height, and the last one also reaches past the grid on the right.
    diagonal = max(_text_width(label, 12) for label in column_labels) * 0.71
    left = label_width + 12
    cell = max(min((MAX_WIDTH - left - diagonal) / (n - 0.5), 96.0), 30.0)
    value_size = max(min(cell * 0.2, 15.0), 10.0)
    top_y = diagonal + 16
    grid = cell * n
    legend_y = top_y + grid + 28
    width = max(left + grid + max(diagonal - cell / 2, 0) + 8, 360)
    height = legend_y + 48
    desc = (
        f"Heat map of {n} partners. Each cell shows how many stakeholders two partners both hold; "
        "darker cells share more. The diagonal shows each partner's own total. "
        f"{words.disclosure()} Hatched cells are hidden (fewer than {words.threshold}). "
        "The table that follows lists the same figures."
    )

    parts = _open(ident, width, height, title, desc, "heatmap")
    parts += [
        f'<linearGradient id="{ident}-scale" x1="0" x2="1" y1="0" y2="0">',
        *(
            f'<stop offset="{index / (len(RAMP) - 1):.3f}" stop-color="{colour}"/>'
            for index, colour in enumerate(RAMP)
        ),
        "</linearGradient>",
        "</defs>",
    ]

    parts.append('<g class="chart-labels" font-size="12">')
    for column, label in enumerate(column_labels):
        x = left + column * cell + cell / 2
        parts.append(
            f'<text x="{x:.1f}" y="{top_y - 6:.1f}" '
            f'transform="rotate(-45 {x:.1f} {top_y - 6:.1f})">{_e(label)}</text>'
        )
    parts.append("</g>")
    parts.append(f'<g class="chart-labels" font-size="{label_size:.0f}" text-anchor="end">')
    for row, label in enumerate(row_labels):
        y = top_y + row * cell + cell / 2
        parts.append(
            f'<text x="{left - 8:.1f}" y="{y:.1f}" dominant-baseline="central">{_e(label)}</text>'
        )
    parts.append("</g>")

    parts.append(f'<g class="chart-cells" font-size="{value_size:.0f}" text-anchor="middle">')
    for row, a in enumerate(partners):
        for column, b in enumerate(partners):
            x, y = left + column * cell, top_y + row * cell
            if a == b:
                count = totals.get(a)
                sentence = f"{full_names[row]} holds {words.people(count)} in total"
                fill, ink, weight, css = TOTAL_FILL, INK, "700", "cell cell-total"
            else:
                count = pairwise.get(frozenset((a, b)))
                sentence = f"{full_names[row]} and {full_names[column]} share {words.people(count)}"
                share = (count or 0) / top if top else 0.0
                fill, ink, weight, css = _ramp(share), _ink_on(share), "400", "cell"
            if count is None:
                fill, ink, css = f"url(#{ident}-hatch)", INK, css + " cell-suppressed"
            label = _label(count, words.threshold, value_size, cell - 6)
            parts.append(
                f'<g class="{css}"><title>{_e(sentence)}</title>'
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{cell:.1f}" height="{cell:.1f}" '
                f'fill="{fill}" stroke="#ffffff" stroke-width="2"/>'
            )
            if count is None:
                # A white backing keeps "<k" legible on the hatching.
                backing = _text_width(label, value_size) + 6
                parts.append(
                    f'<rect x="{x + cell / 2 - backing / 2:.1f}" '
                    f'y="{y + cell / 2 - value_size * 0.75:.1f}" width="{backing:.1f}" '
                    f'height="{value_size * 1.5:.1f}" rx="3" fill="#ffffff"/>'
                )
            parts.append(
                f'<text x="{x + cell / 2:.1f}" y="{y + cell / 2:.1f}" dominant-baseline="central" '
                f'fill="{ink}" font-weight="{weight}">{_e(label)}</text></g>'
            )
    parts.append("</g>")

    # Legend: the colour scale of the pairs, then the two special kinds of cell.
    scale_width = min(200.0, max(grid - 10, 120.0))
    parts += [
        f'<g class="chart-legend" font-size="12" fill="{MUTED}">',
        f'<text x="{left:.1f}" y="{legend_y - 8:.1f}">Shared by both partners</text>',
        f'<rect x="{left:.1f}" y="{legend_y:.1f}" width="{scale_width:.1f}" height="12" '
        f'fill="url(#{ident}-scale)" stroke="{LINE}"/>',
        f'<text x="{left:.1f}" y="{legend_y + 28:.1f}">0</text>',
        f'<text x="{left + scale_width:.1f}" y="{legend_y + 28:.1f}" text-anchor="end">'
        f"{_e(_number(top))}</text>",
    ]
    key_x = left + scale_width + 24
    parts += [
        f'<rect x="{key_x:.1f}" y="{legend_y:.1f}" width="14" height="14" fill="{TOTAL_FILL}" '
        f'stroke="{LINE}"/>',
        f'<text x="{key_x + 20:.1f}" y="{legend_y + 11:.1f}">partner\'s total</text>',
        f'<rect x="{key_x:.1f}" y="{legend_y + 20:.1f}" width="14" height="14" '
        f'fill="url(#{ident}-hatch)" stroke="{LINE}"/>',
        f'<text x="{key_x + 20:.1f}" y="{legend_y + 31:.1f}">'
        f"{_e(f'hidden: fewer than {words.threshold}')}</text>",
        "</g>",
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - every text above went through _e


# --- UpSet bars --------------------------------------------------------------------------------


def _subsets(result: Mapping[str, Any], category: str | None) -> list[Mapping[str, Any]]:
    if category is None:
        rows: Iterable[Mapping[str, Any]] = result.get("subsets", [])
    else:
        found = result.get("by_category", {}).get(category, [])
        # A category's figures are either its list of subsets or a full view with "subsets".
        rows = found.get("subsets", []) if isinstance(found, Mapping) else found
    nonzero = [row for row in rows if row.get("count") != 0 and row.get("partners")]
    # Stable: equal published counts keep the exact order the round gave them.
    return sorted(nonzero, key=lambda row: (row["count"] is None, -(row["count"] or 0)))


def upset(
    result: Mapping[str, Any],
    names: Mapping[str, str],
    *,
    limit: int = 12,
    category: str | None = None,
    chart_id: str | None = None,
) -> Markup:
    """Draw UpSet-style bars of the largest exact subsets of partners.

    One column per subset, largest first and hidden counts last: a bar for the number of people
    held by exactly those partners and no others, and below it a dot per partner, filled for
    the members and joined by a line. ``category`` draws one shared category's subsets.
    """
    ident = _ident("upset", result, category, chart_id)
    words = _Wording(result)
    partners = _partners(result)
    every = _subsets(result, category)
    shown = every[: max(limit, 1)]
    scope = f" in the category {category}" if category else ""
    title = f"The largest groups of partners holding the same stakeholders{scope}"
    if not shown:
        return _empty(ident, "upset", title, "No stakeholders to show.")
    members_of = {slug for row in shown for slug in row["partners"]}
    partners = [slug for slug in partners if slug in members_of] + sorted(
        members_of.difference(partners)
    )

    label_size = 13.0
    full_names = {slug: _display(names, slug) for slug in partners}
    label_width = min(max(_text_width(name, label_size) for name in full_names.values()), 300.0)
    left = label_width + 16
    column = max(min((MAX_WIDTH - 8 - left) / len(shown), 56.0), 30.0)
    bar_width = column * 0.62
    value_size = 11.0
    bars_top, bars_height = 40.0, 170.0
    baseline = bars_top + bars_height
    row_height = 26.0
    matrix_top = baseline + 10
    width = max(left + column * len(shown) + 8, 360)
    height = matrix_top + row_height * len(partners) + 8
    largest = max((row["count"] for row in shown if row["count"] is not None), default=0)
    count_note = (
        f"the {len(shown)} largest of {len(every)}"
        if len(shown) < len(every)
        else f"all {len(every)}"
    )
    desc = (
        f"Bar chart of {count_note} combinations of partners{scope}. Each bar counts the "
        "stakeholders held by exactly the partners marked with filled dots below it, and by no "
        f"other partner. {words.disclosure()} Hatched bars are hidden (fewer than "
        f"{words.threshold}). The table that follows lists the same figures."
    )

    parts = _open(ident, width, height, title, desc, "upset")
    parts.append("</defs>")
    parts.append(
        f'<text class="chart-note" x="{left:.1f}" y="16" font-size="12" fill="{MUTED}">'
        f"{_e('Stakeholders held by exactly these partners' + scope)}</text>"
    )
    # Banded rows and their partner names.
    parts.append(f'<g class="chart-labels" font-size="{label_size:.0f}" text-anchor="end">')
    for index, slug in enumerate(partners):
        y = matrix_top + index * row_height
        if index % 2 == 0:
            parts.append(
                f'<rect class="band" x="0" y="{y:.1f}" width="{width:.1f}" '
                f'height="{row_height:.1f}" fill="#f3f5f8"/>'
            )
        parts.append(
            f'<text x="{left - 10:.1f}" y="{y + row_height / 2:.1f}" dominant-baseline="central">'
            f"{_e(_fit(full_names[slug], label_size, label_width))}</text>"
        )
    parts.append("</g>")
    parts.append(
        f'<line x1="{left - 4:.1f}" y1="{baseline:.1f}" x2="{width - 4:.1f}" y2="{baseline:.1f}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )

    dot = min(7.0, column * 0.22)
    parts.append(f'<g class="chart-columns" font-size="{value_size:.0f}" text-anchor="middle">')
    for index, row in enumerate(shown):
        count: int | None = row["count"]
        members = [str(slug) for slug in row["partners"]]
        centre = left + index * column + column / 2
        holders = _and([full_names[slug] for slug in members])
        only = "only" if len(members) == 1 else "only, and by no other partner"
        sentence = f"Held by {holders} {only}: {words.people(count)}"
        parts.append(f'<g class="column"><title>{_e(sentence)}</title>')
        # An invisible full-height target, so the title shows wherever the column is pointed at.
        parts.append(
            f'<rect x="{centre - column / 2:.1f}" y="{bars_top - 20:.1f}" width="{column:.1f}" '
            f'height="{height - bars_top + 20:.1f}" fill="#ffffff" fill-opacity="0"/>'
        )
        if count is None:
            bar, fill, css = 6.0, f"url(#{ident}-hatch)", "bar bar-suppressed"
        else:
            bar = bars_height * count / largest if largest else 0.0
            fill, css = BAR, "bar"
            bar = max(bar, 1.5)
        parts.append(
            f'<rect class="{css}" x="{centre - bar_width / 2:.1f}" y="{baseline - bar:.1f}" '
            f'width="{bar_width:.1f}" height="{bar:.1f}" fill="{fill}"'
            + (f' stroke="{HATCH}"' if count is None else "")
            + "/>"
        )
        label = _label(count, words.threshold, value_size, column - 6)
        parts.append(f'<text x="{centre:.1f}" y="{baseline - bar - 5:.1f}">{_e(label)}</text>')
        rows_in = [partners.index(slug) for slug in members]
        ys = [matrix_top + r * row_height + row_height / 2 for r in range(len(partners))]
        if len(rows_in) > 1:
            parts.append(
                f'<line x1="{centre:.1f}" y1="{ys[min(rows_in)]:.1f}" x2="{centre:.1f}" '
                f'y2="{ys[max(rows_in)]:.1f}" stroke="{INK}" stroke-width="2.5"/>'
            )
        for r, y in enumerate(ys):
            member = r in rows_in
            parts.append(
                f'<circle class="{"dot dot-member" if member else "dot"}" cx="{centre:.1f}" '
                f'cy="{y:.1f}" r="{dot:.1f}" fill="{INK if member else DOT_OFF}"/>'
            )
        parts.append("</g>")
    parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above went through _e
