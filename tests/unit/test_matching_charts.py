"""The results page's SVG charts: well-formed, accessible, escaped, and CSP-clean."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import combinations
from typing import Any

import pytest
from markupsafe import Markup

from outreach.matching.charts import heatmap, upset

SVG = "http://www.w3.org/2000/svg"
NS = {"svg": SVG}
PARTNERS = ["alpine", "coastal", "northmere", "riverbend"]
NAMES = {
    "alpine": "Alpine Quality Council",
    "coastal": "Coastal Norms Bureau",
    "northmere": "Northmere <script>alert(1)</script> & Co",
    "riverbend": "Riverbend Technical Standards Association",
}


def published() -> dict[str, Any]:
    """Published figures in the documented shape, with one suppressed pair and subset."""
    pairs = {pair: 90 + 5 * index for index, pair in enumerate(combinations(PARTNERS, 2))}
    pairs[("alpine", "riverbend")] = None  # type: ignore[assignment]
    return {
        "round_id": "3f1c2a9e-1111-2222-3333-444455556666",
        "partners": PARTNERS,
        "totals": {"alpine": 195, "coastal": 185, "northmere": 205, "riverbend": 185},
        "pairwise": [{"partners": list(pair), "count": count} for pair, count in pairs.items()],
        "subsets": [
            {"partners": ["northmere"], "count": 50},
            {"partners": ["alpine", "coastal"], "count": None},
            {"partners": ["coastal"], "count": 40},
            {"partners": ["alpine", "coastal", "northmere", "riverbend"], "count": 15},
            {"partners": ["alpine"], "count": 45},
        ],
        "by_category": {
            "ngo": {
                "partners": PARTNERS,
                "totals": {"alpine": 10, "coastal": None, "northmere": None, "riverbend": 0},
                "pairwise": [],
                "subsets": [
                    {"partners": ["alpine"], "count": 10},
                    {"partners": ["coastal", "northmere"], "count": None},
                ],
            }
        },
        "suppression": {"threshold": 10, "rounding": 5, "exact": False},
    }


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, parsed to check it


def groups(root: ET.Element, css: str) -> list[ET.Element]:
    """The ``<g>`` elements whose class list includes ``css``."""
    return [g for g in root.iter(f"{{{SVG}}}g") if css in (g.get("class") or "").split()]


def titles(root: ET.Element, css: str) -> list[str]:
    found = [g.find("svg:title", NS) for g in groups(root, css)]
    return [title.text or "" for title in found if title is not None]


def assert_csp_clean(svg: Markup) -> None:
    text = str(svg)
    assert "style=" not in text
    assert "<style" not in text
    assert "<script" not in text.lower()
    assert "javascript:" not in text.lower()
    assert not re.search(r"\son[a-z]+\s*=", text)  # no event handler attributes


def assert_labelled(root: ET.Element) -> None:
    assert root.tag == f"{{{SVG}}}svg"
    assert root.get("role") == "img"
    title, desc = root.find("svg:title", NS), root.find("svg:desc", NS)
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text and desc.text


def test_heatmap_has_a_cell_per_ordered_pair_and_a_readable_title_on_each() -> None:
    root = parse(heatmap(published(), NAMES))
    assert_labelled(root)
    cells = titles(root, "cell")
    assert len(cells) == len(PARTNERS) ** 2
    assert "Coastal Norms Bureau and Alpine Quality Council share about 90 stakeholders" in cells
    assert "Alpine Quality Council and Coastal Norms Bureau share about 90 stakeholders" in cells
    assert "Alpine Quality Council holds about 195 stakeholders in total" in cells
    totals = titles(root, "cell-total")
    assert len(totals) == len(PARTNERS)


def test_heatmap_marks_suppressed_cells_and_labels_them_below_the_threshold() -> None:
    root = parse(heatmap(published(), NAMES))
    suppressed = groups(root, "cell-suppressed")
    assert len(suppressed) == 2  # (alpine, riverbend) and (riverbend, alpine)
    for group in suppressed:
        label = group.find("svg:text", NS)
        assert label is not None and label.text == "<10"
        fill = group.find("svg:rect", NS)
        assert fill is not None and (fill.get("fill") or "").startswith("url(#")
        title = group.find("svg:title", NS)
        assert title is not None and "fewer than 10 stakeholders" in (title.text or "")


def test_heatmap_colour_deepens_with_the_count() -> None:
    root = parse(heatmap(published(), NAMES))
    fills = {}
    for group in groups(root, "cell"):
        title, rect = group.find("svg:title", NS), group.find("svg:rect", NS)
        assert title is not None and rect is not None
        fills[title.text] = rect.get("fill")

    def darkness(colour: str | None) -> int:
        assert colour is not None and colour.startswith("#")
        return -sum(int(colour[i : i + 2], 16) for i in (1, 3, 5))

    low = fills["Alpine Quality Council and Coastal Norms Bureau share about 90 stakeholders"]
    high = fills[
        "Northmere <script>alert(1)</script> & Co and Riverbend Technical Standards "
        "Association share about 115 stakeholders"
    ]
    assert darkness(high) > darkness(low)


@pytest.mark.parametrize("chart", [heatmap, upset])
def test_names_are_escaped_and_nothing_is_styled_inline(chart: Any) -> None:
    svg = chart(published(), NAMES)
    assert_csp_clean(svg)
    assert "&lt;script&gt;" in str(svg)
    assert "&amp; Co" in str(svg)
    root = parse(svg)
    texts = "".join(root.itertext())
    assert "<script>alert(1)</script> & Co" in texts  # parsed back, it reads as typed


def test_a_hostile_round_id_cannot_break_out_of_an_id() -> None:
    result = {**published(), "round_id": '"><script>x</script>'}
    for svg in (heatmap(result, NAMES), upset(result, NAMES)):
        assert_csp_clean(svg)
        root = parse(svg)
        assert_labelled(root)


def test_two_charts_of_one_page_do_not_share_ids() -> None:
    result = published()
    ids: list[str] = []
    for svg in (heatmap(result, NAMES), upset(result, NAMES), upset(result, NAMES, category="ngo")):
        ids += [e.get("id") or "" for e in parse(svg).iter() if e.get("id")]
    assert len(ids) == len(set(ids))


def test_upset_columns_are_sorted_with_suppressed_last_and_dots_for_members() -> None:
    root = parse(upset(published(), NAMES))
    assert_labelled(root)
    columns = groups(root, "column")
    labels = [column.findall("svg:text", NS)[0].text for column in columns]
    assert labels == ["50", "45", "40", "15", "<10"]
    first, everyone, hidden = columns[0], columns[3], columns[4]
    first_title = first.find("svg:title", NS)
    assert first_title is not None
    assert first_title.text == (
        "Held by Northmere <script>alert(1)</script> & Co only: about 50 stakeholders"
    )
    for column, members in ((first, 1), (everyone, 4), (hidden, 2)):
        dots = column.findall("svg:circle", NS)
        assert len(dots) == len(PARTNERS)
        assert sum("dot-member" in (d.get("class") or "") for d in dots) == members
        lines = column.findall("svg:line", NS)
        assert len(lines) == (1 if members > 1 else 0)
    hidden_title = hidden.find("svg:title", NS)
    assert hidden_title is not None
    assert hidden_title.text == (
        "Held by Alpine Quality Council and Coastal Norms Bureau only, and by no other "
        "partner: fewer than 10 stakeholders"
    )


def test_upset_keeps_only_the_largest_subsets() -> None:
    root = parse(upset(published(), NAMES, limit=2))
    assert len(groups(root, "column")) == 2
    desc = root.find("svg:desc", NS)
    assert desc is not None and "the 2 largest of 5" in (desc.text or "")


def test_upset_draws_one_shared_category() -> None:
    root = parse(upset(published(), NAMES, category="ngo"))
    columns = groups(root, "column")
    assert [c.findall("svg:text", NS)[0].text for c in columns] == ["10", "<10"]
    title = root.find("svg:title", NS)
    assert title is not None and "ngo" in (title.text or "")


def test_exact_figures_read_without_about() -> None:
    result = {**published(), "suppression": {"threshold": 10, "rounding": 5, "exact": True}}
    cells = titles(parse(heatmap(result, NAMES)), "cell")
    assert "Alpine Quality Council and Coastal Norms Bureau share 90 stakeholders" in cells


def test_large_counts_are_shortened_to_fit_narrow_columns() -> None:
    result = published()
    result["subsets"] = [
        {"partners": [slug], "count": 1_000 + 61_000 * index} for index, slug in enumerate(PARTNERS)
    ]
    root = parse(upset(result, NAMES))
    labels = {"".join(t.itertext()) for t in root.iter(f"{{{SVG}}}text")}
    assert "123k" in labels or "123,000" in labels
    titles_text = "".join(root.itertext())
    assert "about 184,000 stakeholders" in titles_text  # the title keeps the full figure


def test_fewer_than_two_partners_or_no_subsets_still_render() -> None:
    lonely = {**published(), "partners": ["alpine"], "pairwise": [], "subsets": []}
    for svg in (heatmap(lonely, NAMES), upset(lonely, NAMES)):
        assert_csp_clean(svg)
        assert_labelled(parse(svg))


def test_unknown_names_fall_back_to_the_slug() -> None:
    cells = titles(parse(heatmap(published(), {})), "cell")
    assert "coastal and alpine share about 90 stakeholders" in cells


def test_a_category_given_as_a_bare_list_of_subsets_draws_them() -> None:
    result = published()
    result["by_category"] = {"ngo": result["by_category"]["ngo"]["subsets"]}
    columns = groups(parse(upset(result, NAMES, category="ngo")), "column")
    assert [c.findall("svg:text", NS)[0].text for c in columns] == ["10", "<10"]
