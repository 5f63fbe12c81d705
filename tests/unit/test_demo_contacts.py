"""Checks that the demo contact generator's rows really contain the overlaps its truth claims.

The ground truth is recomputed here from the rows alone, with an independent normaliser and a
union-find over shared identifiers, the way the hub links records.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

import phonenumbers
import pytest
from email_validator import validate_email

from concord.demo.contacts import (
    CATEGORIES,
    DEMO_PARTNER_NAMES,
    DEMO_PARTNER_TIMEZONES,
    DEMO_PARTNERS,
    HEADER,
    DemoPartner,
    Generated,
    GroundTruth,
    generate,
    write_csvs,
)

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
DEFAULTS = {partner.slug: partner.country for partner in DEMO_PARTNERS}


def normalise_email(raw: str) -> str:
    value = unicodedata.normalize("NFC", raw.strip())
    validate_email(value, check_deliverability=False)
    value = value.lower()
    local, _, domain = value.rpartition("@")
    if domain in GMAIL_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def normalise_phone(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException as error:
        raise ValueError(str(error)) from error
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"not a valid number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def identifiers(row: dict[str, str], default_country: str) -> list[str]:
    """Return the normalised identifiers, or raise ValueError if a validator must reject the row."""
    found: list[str] = []
    if row["email"].strip():
        found.append("email:" + normalise_email(row["email"]))
    if row["phone"].strip():
        region = row["country"].strip() or default_country
        found.append("phone:" + normalise_phone(row["phone"], region))
    if not found:
        raise ValueError("row has no identifier")
    return found


class UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


class Linked:
    """Valid rows linked into people, plus the per-partner count of rejected rows."""

    def __init__(self, generated: Generated, defaults: dict[str, str]) -> None:
        self.rows: list[tuple[str, dict[str, str], list[str]]] = []
        self.invalid: Counter[str] = Counter()
        for slug, partner_rows in generated.rows.items():
            self.invalid[slug] += 0
            for row in partner_rows:
                try:
                    found = identifiers(row, defaults[slug])
                except ValueError:
                    self.invalid[slug] += 1
                    continue
                self.rows.append((slug, row, found))
        links = UnionFind(len(self.rows))
        first_holder: dict[str, int] = {}
        for index, (_, _, found) in enumerate(self.rows):
            for identifier in found:
                links.union(index, first_holder.setdefault(identifier, index))
        groups: defaultdict[int, list[int]] = defaultdict(list)
        for index in range(len(self.rows)):
            groups[links.find(index)].append(index)
        self.people: list[list[int]] = list(groups.values())

    def truth(self) -> GroundTruth:
        slugs = sorted(self.invalid)
        subsets: Counter[frozenset[str]] = Counter()
        by_category: dict[str, Counter[frozenset[str]]] = {c: Counter() for c in CATEGORIES}
        for person in self.people:
            holders = [self.rows[index][0] for index in person]
            assert len(holders) == len(set(holders)), "a partner holds the same person twice"
            categories = {self.rows[index][1]["category"] for index in person}
            assert len(categories) == 1, "a person's category differs between partners"
            members = frozenset(holders)
            subsets[members] += 1
            by_category[categories.pop()][members] += 1
        return GroundTruth(
            totals={slug: sum(n for s, n in subsets.items() if slug in s) for slug in slugs},
            subsets=dict(subsets),
            pairwise={
                frozenset(pair): sum(n for s, n in subsets.items() if s >= set(pair))
                for pair in combinations(slugs, 2)
            },
            by_category={category: dict(counts) for category, counts in by_category.items()},
            invalid_rows=dict(self.invalid),
        )


@pytest.fixture(scope="module")
def demo() -> Generated:
    return generate(DEMO_PARTNERS, people=400, seed=2026)


@pytest.fixture(scope="module")
def linked(demo: Generated) -> Linked:
    return Linked(demo, DEFAULTS)


def fingerprint(generated: Generated) -> str:
    return hashlib.sha256(repr(generated.rows).encode()).hexdigest()


def test_same_seed_gives_same_rows_and_other_seed_differs(demo: Generated) -> None:
    again = generate(DEMO_PARTNERS, people=400, seed=2026)
    assert again.rows == demo.rows
    assert again.truth == demo.truth
    other = generate(DEMO_PARTNERS, people=400, seed=2027)
    assert other.rows != demo.rows


def test_rows_do_not_depend_on_the_string_hash_seed(demo: Generated) -> None:
    code = (
        "import hashlib\n"
        "from concord.demo.contacts import DEMO_PARTNERS, generate\n"
        "rows = generate(DEMO_PARTNERS, people=400, seed=2026).rows\n"
        "print(hashlib.sha256(repr(rows).encode()).hexdigest())\n"
    )
    for hash_seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": hash_seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert result.stdout.strip() == fingerprint(demo)


def test_recomputed_truth_equals_generated_truth(demo: Generated, linked: Linked) -> None:
    assert linked.truth() == demo.truth


def test_rows_have_canonical_header_and_known_categories(demo: Generated) -> None:
    for partner_rows in demo.rows.values():
        for row in partner_rows:
            assert tuple(row) == HEADER
            assert all(isinstance(value, str) for value in row.values())
            assert row["category"] in CATEGORIES
            assert all(tag and tag == tag.strip() for tag in row["tags"].split(";") if row["tags"])


def test_invalid_rows_are_rejected_and_counted(demo: Generated, linked: Linked) -> None:
    assert dict(linked.invalid) == dict.fromkeys(DEFAULTS, 3)
    assert demo.truth.invalid_rows == dict.fromkeys(DEFAULTS, 3)
    for slug, partner_rows in demo.rows.items():
        assert len(partner_rows) == demo.truth.totals[slug] + demo.truth.invalid_rows[slug]
    for _, row, found in linked.rows:
        assert found
        assert row["email"].strip() or row["phone"].strip()


def test_invalid_rows_are_interleaved_with_valid_ones(demo: Generated) -> None:
    for slug, partner_rows in demo.rows.items():
        positions = []
        for position, row in enumerate(partner_rows):
            try:
                identifiers(row, DEFAULTS[slug])
            except ValueError:
                positions.append(position)
        assert positions != list(range(len(partner_rows) - 3, len(partner_rows)))


def test_no_identifier_is_shared_by_two_people(linked: Linked) -> None:
    owner: dict[str, int] = {}
    for person_index, person in enumerate(linked.people):
        for row_index in person:
            for identifier in linked.rows[row_index][2]:
                assert owner.setdefault(identifier, person_index) == person_index


def test_messy_variants_are_present(linked: Linked) -> None:
    phones = [row["phone"].strip() for _, row, _ in linked.rows if row["phone"].strip()]
    emails = [row["email"] for _, row, _ in linked.rows if row["email"].strip()]
    assert any(p.startswith("0") and not p.startswith("00") for p in phones), "national format"
    assert any(p.startswith("(0") for p in phones), "national format with parentheses"
    assert any(p.startswith("00") for p in phones), "00 international prefix"
    assert any(p.startswith("+") for p in phones), "+ international prefix"
    assert any("-" in p for p in phones), "dashes"
    assert any(" " in p for p in phones), "spaces"
    assert any(e != e.strip() for e in emails), "surrounding whitespace"
    assert any(any(c.isupper() for c in e) and any(c.islower() for c in e) for e in emails), (
        "mixed-case email"
    )

    gmail_spellings: defaultdict[str, set[str]] = defaultdict(set)
    for _, row, found in linked.rows:
        for identifier in found:
            if identifier.endswith("@gmail.com"):
                gmail_spellings[identifier].add(row["email"].strip().lower())
    assert any(len(spellings) > 1 for spellings in gmail_spellings.values()), "gmail dots"

    def is_chain(person: list[int]) -> bool:
        shapes = {tuple(i.split(":")[0] for i in linked.rows[index][2]) for index in person}
        return {("email",), ("phone",), ("email", "phone")} <= shapes

    assert any(is_chain(person) for person in linked.people), "identity chain"


def test_default_demo_overlaps_survive_suppression(demo: Generated) -> None:
    slugs = [partner.slug for partner in DEMO_PARTNERS]
    truth = demo.truth
    assert sum(truth.subsets.values()) == 400
    assert truth.subsets[frozenset(slugs)] >= 15
    for triple in combinations(slugs, 3):
        assert truth.subsets[frozenset(triple)] >= 15
    for pair in combinations(slugs, 2):
        assert truth.pairwise[frozenset(pair)] >= 15
        assert truth.subsets[frozenset(pair)] >= 15
    for slug in slugs:
        assert truth.subsets[frozenset({slug})] >= 15
    assert set(truth.by_category) == set(CATEGORIES)
    assert all(truth.by_category[category] for category in CATEGORIES)


def test_as_match_json_shape_and_order(demo: Generated) -> None:
    document = demo.truth.as_match_json()
    assert list(document) == ["partners", "totals", "pairwise", "subsets"]
    assert document["partners"] == sorted(DEFAULTS)
    assert document["totals"] == demo.truth.totals
    pairs = [tuple(entry["partners"]) for entry in document["pairwise"]]
    assert pairs == sorted(combinations(sorted(DEFAULTS), 2))
    keys = [(-entry["count"], entry["partners"]) for entry in document["subsets"]]
    assert keys == sorted(keys)
    assert all(entry["partners"] == sorted(entry["partners"]) for entry in document["subsets"])
    assert {frozenset(e["partners"]): e["count"] for e in document["subsets"]} == (
        demo.truth.subsets
    )
    json.dumps(document)


def read_back(path: Path) -> tuple[list[dict[str, str]], bool, str]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line == ";".join(HEADER) else ","
    assert first_line == delimiter.join(HEADER)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    return list(reader), raw.startswith(b"\xef\xbb\xbf"), delimiter


def test_write_csvs_round_trips(demo: Generated, tmp_path: Path) -> None:
    paths = write_csvs(demo, tmp_path / "out")
    assert set(paths) == {*DEFAULTS, "ground_truth"}
    boms, delimiters = [], []
    for slug, rows in demo.rows.items():
        assert paths[slug] == tmp_path / "out" / f"{slug}.csv"
        read, bom, delimiter = read_back(paths[slug])
        assert read == rows
        boms.append(bom)
        delimiters.append(delimiter)
    assert any(boms)
    assert not all(boms)
    assert delimiters.count(";") == 1

    document = json.loads(paths["ground_truth"].read_text("utf-8"))
    expected = demo.truth.as_match_json()
    assert {key: document[key] for key in expected} == expected
    assert document["invalid_rows"] == demo.truth.invalid_rows
    for category, entries in document["by_category"].items():
        counts = {frozenset(entry["partners"]): entry["count"] for entry in entries}
        assert counts == demo.truth.by_category[category]


@pytest.mark.parametrize(
    ("partners", "people"),
    [
        ((DemoPartner("solo", "DE"),), 60),
        ((DemoPartner("one", "GB"), DemoPartner("two", "US"), DemoPartner("three", "NL")), 300),
        (
            tuple(
                DemoPartner(f"p{i}", country)
                for i, country in enumerate(["DE", "AT", "GB", "IE", "FR", "BE"])
            ),
            1500,
        ),
    ],
)
def test_other_partner_sets_keep_truth_exact(partners: Sequence[DemoPartner], people: int) -> None:
    generated = generate(partners, people=people, seed=7, invalid_rows_per_partner=5)
    linked = Linked(generated, {partner.slug: partner.country for partner in partners})
    assert linked.truth() == generated.truth
    assert sum(generated.truth.subsets.values()) == people
    if len(partners) >= 5:
        assert generated.truth.subsets[frozenset(p.slug for p in partners)] > 0


def test_zero_people_gives_only_invalid_rows() -> None:
    generated = generate(DEMO_PARTNERS, people=0, seed=1, invalid_rows_per_partner=2)
    assert generated.truth.subsets == {}
    assert all(count == 0 for count in generated.truth.pairwise.values())
    assert all(len(rows) == 2 for rows in generated.rows.values())


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="slug"):
        DemoPartner("Not A Slug", "DE")
    with pytest.raises(ValueError, match="country"):
        DemoPartner("fine", "XX")
    with pytest.raises(ValueError, match="unique"):
        generate([DemoPartner("a", "DE"), DemoPartner("a", "AT")], people=5, seed=1)
    with pytest.raises(ValueError, match="at least one"):
        generate([], people=5, seed=1)


def test_demo_partner_constants_agree() -> None:
    slugs = [partner.slug for partner in DEMO_PARTNERS]
    assert slugs == ["northmere", "coastal", "alpine", "riverbend"]
    assert [partner.country for partner in DEMO_PARTNERS] == ["GB", "IE", "AT", "DE"]
    assert list(DEMO_PARTNER_NAMES) == slugs
    assert list(DEMO_PARTNER_TIMEZONES) == slugs
    assert DEMO_PARTNER_TIMEZONES["riverbend"] == "Europe/Berlin"
