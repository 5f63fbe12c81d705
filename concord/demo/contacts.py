"""Fictional contact lists for the demo partners, with the exact overlaps a correct match finds.

Change this module when the demo needs different people, messier rows or other overlap shapes;
the ground truth is computed from the same decisions that produce the rows, so the two cannot
drift apart as long as every person keeps their own unique canonical identifiers.

Each fictional person gets canonical identifiers first (a normalised email address and/or an
E.164 phone number), and every partner row is a messy rendering of those canonical values:
varied letter case, surrounding spaces, gmail dots, national or international phone formats.
Because no two people ever share a canonical identifier and every person's rows at different
partners are connected through shared identifiers, linking rows that share any normalised
identifier recovers exactly the people, which is what the hub's matching does.
"""

from __future__ import annotations

import csv
import functools
import json
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import phonenumbers

__all__ = [
    "CATEGORIES",
    "DEMO_PARTNERS",
    "DEMO_PARTNER_NAMES",
    "DEMO_PARTNER_TIMEZONES",
    "DEMO_PEOPLE",
    "DEMO_SEED",
    "HEADER",
    "DemoPartner",
    "Generated",
    "GroundTruth",
    "generate",
    "write_csvs",
]

HEADER: tuple[str, ...] = (
    "email",
    "phone",
    "given_name",
    "family_name",
    "organisation",
    "country",
    "category",
    "tags",
    "language",
)
CATEGORIES: tuple[str, ...] = ("company", "ngo", "union", "community", "public body")

DEMO_PEOPLE = 400
DEMO_SEED = 2026

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class DemoPartner:
    """One partner as the generator needs it: its slug and the default country of its rows."""

    slug: str
    country: str

    def __post_init__(self) -> None:
        if not _SLUG.fullmatch(self.slug):
            raise ValueError(
                f"partner slug must be lowercase letters, digits and dashes: {self.slug!r}"
            )
        if not _COUNTRY.fullmatch(self.country) or not phonenumbers.country_code_for_region(
            self.country
        ):
            raise ValueError(f"partner country must be an ISO 3166 alpha-2 code: {self.country!r}")


DEMO_PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner("northmere", "GB"),
    DemoPartner("coastal", "IE"),
    DemoPartner("alpine", "AT"),
    DemoPartner("riverbend", "DE"),
)
DEMO_PARTNER_NAMES: dict[str, str] = {
    "northmere": "Northmere Standards Institute",
    "coastal": "Coastal Norms Bureau",
    "alpine": "Alpine Quality Council",
    "riverbend": "Riverbend Technical Standards Association",
}
DEMO_PARTNER_TIMEZONES: dict[str, str] = {
    "northmere": "Europe/London",
    "coastal": "Europe/Dublin",
    "alpine": "Europe/Vienna",
    "riverbend": "Europe/Berlin",
}


@dataclass(frozen=True)
class GroundTruth:
    """Exact overlap counts that matching the generated rows must reproduce."""

    totals: dict[str, int]
    subsets: dict[frozenset[str], int]
    pairwise: dict[frozenset[str], int]
    by_category: dict[str, dict[frozenset[str], int]]
    invalid_rows: dict[str, int]

    def as_match_json(self) -> dict[str, Any]:
        """Return the counts in the same JSON shape as an exact match result, sorted stably."""
        return {
            "partners": sorted(self.totals),
            "totals": {slug: self.totals[slug] for slug in sorted(self.totals)},
            "pairwise": [
                {"partners": pair, "count": count}
                for pair, count in sorted(
                    (sorted(pair), count) for pair, count in self.pairwise.items()
                )
            ],
            "subsets": _subset_list(self.subsets),
        }


@dataclass(frozen=True)
class Generated:
    """Rows per partner slug (valid and invalid, shuffled together) and their ground truth."""

    rows: dict[str, list[dict[str, str]]]
    truth: GroundTruth


def _subset_list(subsets: dict[frozenset[str], int]) -> list[dict[str, Any]]:
    ordered = sorted((-count, sorted(members)) for members, count in subsets.items())
    return [{"partners": members, "count": -negated} for negated, members in ordered]


# --- invented vocabulary -------------------------------------------------------------------------

_GIVEN_NAMES: tuple[str, ...] = (
    "Anna", "Ben", "Ciara", "Declan", "Eva", "Finn", "Greta", "Hannah", "Ines", "Jonas",
    "Katrin", "Liam", "Maeve", "Niamh", "Oisín", "Paul", "Rosa", "Sophie", "Tobias", "Ursula",
    "Valentin", "Wiebke", "Aoife", "Jürgen", "Zoë", "Lukas", "Emily", "Oliver", "Grace", "Seán",
    "Felix", "Lena", "Moritz", "Ella", "Rhys", "Isla",
)  # fmt: skip
_FAMILY_NAMES: tuple[str, ...] = (
    "Ashdown", "Brennan", "Calloway", "Dörfler", "Eckhart", "Fennimore", "Gallagher", "Hartley",
    "Innes", "Jablonski", "Kavanagh", "Lindqvist", "Maurer", "Nolan", "O'Rourke", "Pichler",
    "Quigley", "Reinholt", "Strasser", "Thornbury", "Unwin", "Vogel", "Weissmann", "Yarrow",
    "Zellner", "Achterberg", "Brandstätter", "Ní Bhriain", "Holloway", "Kessler",
)  # fmt: skip
# Made-up place-like words, so that no organisation is a real one.
_ORG_STEMS: tuple[str, ...] = (
    "Ostara", "Veltmoor", "Corrindale", "Dunmere", "Falloway", "Greywick", "Hollinsgate",
    "Marrowby", "Quenford", "Sallowfield", "Tarnbrook", "Eldermoss", "Brackenlea", "Wyndholt",
    "Kestrelmoor", "Lindhaven", "Astervale", "Thistlecombe", "Copperfold", "Ravensholm",
)  # fmt: skip
_ORG_KINDS: dict[str, tuple[str, ...]] = {
    "company": (
        "Energy", "Water", "Logistics", "Materials", "Software", "Rail", "Foods", "Textiles",
        "Construction", "Medical", "Robotics", "Packaging",
    ),
    "ngo": ("Consumer Trust", "Climate Alliance", "Accessibility Network", "Foundation"),
    "union": ("Engineers' Union", "Workers' Federation", "Technicians' Guild"),
    "community": ("Residents' Association", "Makers Collective", "Citizens' Forum"),
    "public body": ("County Council", "Regulatory Office", "Planning Authority", "Water Board"),
}  # fmt: skip
_CATEGORY_WEIGHTS: tuple[float, ...] = (0.45, 0.2, 0.1, 0.12, 0.13)
_TAGS: tuple[str, ...] = (
    "energy", "water", "digital", "accessibility", "climate", "safety", "mobility", "health",
    "construction", "consumer",
)  # fmt: skip
# Cross-border contacts give the matcher numbers whose country differs from the partner's.
_FOREIGN_COUNTRIES: tuple[str, ...] = ("FR", "NL", "BE")
# The language most people of a country read; others are spread over every shipped one.
_LANGUAGES_BY_COUNTRY: dict[str, str] = {
    "GB": "en", "IE": "en", "AT": "de", "DE": "de", "FR": "fr", "BE": "fr", "NL": "en",
}  # fmt: skip
_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "de", "pt")
_GMAIL = "gmail.com"
_GOOGLEMAIL = "googlemail.com"


@functools.cache
def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum()).lower()


def _domain_for(organisation: str) -> str:
    words = [_ascii_word(word) for word in organisation.split()]
    # .example is reserved (RFC 2606) yet accepted by email-validator, unlike .test or .invalid.
    return "-".join(word for word in words if word) + ".example"


def _organisations() -> dict[str, tuple[tuple[str, str], ...]]:
    return {
        category: tuple(
            (f"{stem} {kind}", _domain_for(f"{stem} {kind}"))
            for stem in _ORG_STEMS
            for kind in kinds
        )
        for category, kinds in _ORG_KINDS.items()
    }


# --- overlap plan --------------------------------------------------------------------------------

# Shares of people held by one, two, three and four partners, then by all (for five or more).
_GROUP_SHARES: tuple[float, ...] = (0.45, 0.27, 0.18, 0.10, 0.05)
# Uneven multipliers so that pairs and triples differ, while the smallest stays within 15 % of
# the mean: the default demo then keeps every exact subset at 15 or more people.
_SPREAD: tuple[float, ...] = (1.15, 0.9, 1.05, 0.85, 1.0, 1.1, 0.95)


def _windows(n: int, size: int) -> list[tuple[int, ...]]:
    return [tuple(sorted((start + step) % n for step in range(size))) for start in range(n)]


def _subset_plan(n: int) -> list[tuple[tuple[int, ...], float]]:
    everyone = tuple(range(n))
    groups: list[list[tuple[int, ...]]] = [[(i,) for i in everyone]]
    if n >= 2:
        groups.append(list(combinations(everyone, 2)))
    # All triples and quadruples stay readable up to five partners; beyond that their number
    # explodes, so only cyclic windows are used, plus everyone.
    for size in (3, 4):
        if n >= size:
            groups.append(list(combinations(everyone, size)) if n <= 5 else _windows(n, size))
    if n >= 5:
        groups.append([everyone])
    shares = _GROUP_SHARES[: len(groups)]
    plan: list[tuple[tuple[int, ...], float]] = []
    for share, members in zip(shares, groups, strict=True):
        multipliers = [_SPREAD[i % len(_SPREAD)] for i in range(len(members))]
        total = sum(multipliers)
        for subset, multiplier in zip(members, multipliers, strict=True):
            plan.append((subset, share / sum(shares) * multiplier / total))
    return plan


def _apportion(people: int, weights: Sequence[float]) -> list[int]:
    exact = [people * weight for weight in weights]
    counts = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: people - sum(counts)]:
        counts[i] += 1
    return counts


# --- phone numbers -------------------------------------------------------------------------------

# Number ranges (national significant number prefix, free digits) known to be valid, so that
# almost every drawn number passes phonenumbers' validation on the first try.
_NUMBER_PLANS: dict[str, tuple[tuple[str, int], ...]] = {
    "GB": (("77", 8), ("78", 8), ("79", 8), ("74", 8), ("207", 7), ("208", 7)),
    "IE": (("83", 7), ("85", 7), ("86", 7), ("87", 7), ("89", 7), ("1", 7)),
    "AT": (("664", 7), ("676", 7), ("650", 7), ("660", 7), ("15", 6)),
    "DE": (("151", 8), ("170", 7), ("176", 8), ("302", 6), ("304", 6), ("306", 6), ("308", 6)),
    "FR": (("6", 8), ("76", 7), ("77", 7), ("78", 7)),
    "NL": (("61", 7), ("62", 7), ("64", 7), ("65", 7)),
    "BE": (("47", 7), ("48", 7), ("49", 7)),
}


@functools.cache
def _number_plan(region: str) -> tuple[tuple[str, int], ...]:
    if region in _NUMBER_PLANS:
        return _NUMBER_PLANS[region]
    example = phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(region)
    if example is None:
        raise ValueError(f"no phone numbering plan known for {region!r}")
    significant = str(example.national_number)
    free = min(6, len(significant) - 1)
    return ((significant[:-free], free),)


@functools.cache
def _dials_00(region: str) -> bool:
    # A "0049 ..." number only parses where 00 is the international call prefix.
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    pattern = metadata.international_prefix if metadata is not None else None
    return pattern is not None and re.fullmatch(pattern, "00") is not None


@dataclass(frozen=True, slots=True)
class _Phone:
    region: str
    e164: str
    national: str
    international: str
    trunk_zero: bool


class _PhoneAllocator:
    """Hands out distinct valid numbers without keeping a quadratic structure."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._next: dict[str, int] = {}
        self._offsets: dict[str, list[int]] = {}
        # Regions sharing a calling code (GB and JE, say) could draw the same number.
        self._issued: set[str] = set()

    def allocate(self, region: str) -> _Phone:
        plan = _number_plan(region)
        offsets = self._offsets.get(region)
        if offsets is None:
            offsets = [self._rng.randrange(10**free) for _, free in plan]
            self._offsets[region] = offsets
        country_code = phonenumbers.country_code_for_region(region)
        k = self._next.get(region, 0)
        for _ in range(10_000):
            prefix, free = plan[k % len(plan)]
            size = 10**free
            j = k // len(plan)
            if j >= size:
                raise ValueError(f"the demo numbering plan for {region} is exhausted")
            # An affine map with a multiplier coprime to 10**free is a bijection, so numbers are
            # distinct by construction yet look scattered rather than sequential.
            subscriber = (j * _multiplier(size) + offsets[k % len(plan)]) % size
            k += 1
            national_number = int(f"{prefix}{subscriber:0{free}d}")
            number = phonenumbers.PhoneNumber(
                country_code=country_code, national_number=national_number
            )
            # Spelled out because format_number is the generator's hot spot at benchmark sizes.
            e164 = f"+{country_code}{national_number}"
            if e164 in self._issued or not phonenumbers.is_valid_number(number):
                continue
            self._next[region] = k
            self._issued.add(e164)
            national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
            return _Phone(
                region=region,
                e164=e164,
                national=national,
                international=phonenumbers.format_number(
                    number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
                ),
                trunk_zero=re.sub(r"\D", "", national).startswith("0"),
            )
        raise ValueError(f"could not draw a valid demo phone number for {region}")


@functools.cache
def _multiplier(size: int) -> int:
    candidate = int(size * 0.6180339887) | 1
    while candidate % 5 == 0:
        candidate += 2
    return candidate


def _messy_phone(rng: random.Random, phone: _Phone, region: str) -> str:
    styles = ["international"]
    if region == phone.region:
        # Weighted double because most exports keep numbers as people dial them at home.
        styles += ["national", "national"]
    if _dials_00(region):
        styles.append("zero-zero")
    style = rng.choice(styles)
    compact = phone.e164
    if style == "national":
        national = phone.national
        variant = rng.randrange(5)
        if variant == 1:
            return national.replace(" ", "-")
        if variant == 2:
            return national.replace(" ", "")
        if variant == 3 and "(" not in national and " " in national:
            area, rest = national.split(" ", 1)
            return f"({area}) {rest}"
        if variant == 4 and "(" not in national:
            return national.replace(" ", "/", 1)
        return national
    if style == "international":
        variant = rng.randrange(4)
        if variant == 1:
            return phone.international.replace(" ", "-")
        if variant == 2:
            return compact
        if variant == 3 and phone.trunk_zero:
            calling_code, rest = phone.international.split(" ", 1)
            return f"{calling_code} (0){rest}"
        return phone.international
    variant = rng.randrange(3)
    if variant == 1:
        return "00" + compact[1:]
    if variant == 2:
        return "00 " + phone.international[1:]
    return "00" + phone.international[1:]


# --- email addresses -----------------------------------------------------------------------------


def _messy_email(rng: random.Random, locals_: tuple[str, ...], domain: str) -> str:
    local = rng.choice(locals_)
    roll = rng.random()
    if roll < 0.6:
        address = f"{local}@{domain}"
    elif roll < 0.75:
        address = f"{local.title()}@{domain}"
    elif roll < 0.85:
        address = f"{local}@{domain.title()}"
    elif roll < 0.9:
        address = f"{local}@{domain}".upper()
    else:
        address = f"{local.title()}@{domain.title()}"
    roll = rng.random()
    if roll < 0.06:
        return f" {address}"
    if roll < 0.12:
        return f"{address} "
    if roll < 0.15:
        return f"  {address}\t"
    return address


# --- invalid rows --------------------------------------------------------------------------------


# Each shape is a way real exports go wrong that a validator must reject; none of them carries a
# usable identifier, so a lenient validator cannot accidentally link them to a person either.
_INVALID_SHAPES: tuple[str, ...] = (
    "not an email",
    "two at-signs",
    "short phone",
    "domain without dot",
    "no identifier",
    "placeholder phone",
    "unknown calling code",
    "space in email",
)


def _invalid_identifiers(shape: str, local: str, domain: str) -> tuple[str, str]:
    stem = domain.split(".", 1)[0]
    match shape:
        case "not an email":
            return "not-an-email", ""
        case "two at-signs":
            return f"{local}@{stem}@{domain}", ""
        case "short phone":
            return "", "12"
        case "domain without dot":
            return f"{local}@{stem}", ""
        case "no identifier":
            return "", ""
        case "placeholder phone":
            return "", "n/a"
        case "unknown calling code":
            return "", "+999 123"
        case "space in email":
            return f"{local.replace('.', ' ')}@{domain}", ""
    raise ValueError(f"unknown invalid row shape: {shape!r}")


# --- generation ----------------------------------------------------------------------------------

_EMAIL = 1
_PHONE = 2
_BOTH = _EMAIL | _PHONE


def _row_kinds(rng: random.Random, count: int, has_email: bool, has_phone: bool) -> list[int]:
    if not has_phone:
        return [_EMAIL] * count
    if not has_email:
        return [_PHONE] * count
    kinds = rng.choices((_BOTH, _EMAIL, _PHONE), weights=(0.7, 0.15, 0.15), k=count)
    if count >= 3 and rng.random() < 0.35:
        # An identity chain: one partner knows only the email, another only the phone, and only
        # a third partner's row with both shows that they are the same person.
        email_only, phone_only, both = rng.sample(range(count), 3)
        kinds[email_only], kinds[phone_only], kinds[both] = _EMAIL, _PHONE, _BOTH
    elif _BOTH not in kinds and _EMAIL in kinds and _PHONE in kinds:
        kinds[rng.randrange(count)] = _BOTH
    return kinds


def _tags(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        return ""
    return ";".join(rng.sample(_TAGS, 1 if roll < 0.8 else 2))


def generate(
    partners: Sequence[DemoPartner],
    *,
    people: int,
    seed: int,
    invalid_rows_per_partner: int = 3,
) -> Generated:
    """Invent ``people`` fictional contacts spread over ``partners`` and return rows plus truth.

    The number of people per exact subset of partners is fixed by a plan (singles, every pair,
    triples, quadruples and, from five partners, everyone), so it depends only on ``people`` and
    the number of partners; the seed drives who they are and how each partner writes them.
    Runs in linear time and memory, so it also serves as a benchmark data source.
    """
    if not partners:
        raise ValueError("at least one partner is needed")
    slugs = [partner.slug for partner in partners]
    if len(set(slugs)) != len(slugs):
        raise ValueError("partner slugs must be unique")
    if people < 0 or invalid_rows_per_partner < 0:
        raise ValueError("people and invalid_rows_per_partner must not be negative")

    rng = random.Random(seed)
    # Languages come from a stream of their own, so the people and the truth stay as they were.
    languages = random.Random(f"{seed}/languages")
    plan = _subset_plan(len(partners))
    quotas = _apportion(people, [weight for _, weight in plan])
    assignment = [index for index, quota in enumerate(quotas) for _ in range(quota)]
    rng.shuffle(assignment)

    organisations = _organisations()
    phones = _PhoneAllocator(rng)
    email_bases: Counter[str] = Counter()
    rows: list[list[dict[str, str]]] = [[] for _ in partners]
    per_subset: Counter[int] = Counter()
    per_category: Counter[tuple[str, int]] = Counter()

    for subset_index in assignment:
        members = plan[subset_index][0]
        category = rng.choices(CATEGORIES, weights=_CATEGORY_WEIGHTS)[0]
        given = rng.choice(_GIVEN_NAMES)
        family = rng.choice(_FAMILY_NAMES)
        organisation, org_domain = rng.choice(organisations[category])
        if rng.random() < 0.9:
            country = partners[rng.choice(members)].country
        else:
            country = rng.choice(_FOREIGN_COUNTRIES)

        roll = rng.random()
        has_email, has_phone = roll >= 0.08, roll < 0.9

        email_locals: tuple[str, ...] = ()
        domain = org_domain
        if has_email:
            roll = rng.random()
            webmail = 0.55 if category == "community" else 0.15
            if roll < webmail:
                domain = _GMAIL
            elif roll < webmail + 0.03:
                domain = _GOOGLEMAIL
            first, last = _ascii_word(given), _ascii_word(family)
            style = rng.random()
            if style < 0.7:
                dotted = f"{first}.{last}"
            # Gmail locals keep a dot so that the dot-insensitive spellings can differ.
            elif style < 0.9 or domain in (_GMAIL, _GOOGLEMAIL):
                dotted = f"{first[0]}.{last}"
            else:
                dotted = f"{first}_{last}"
            is_gmail = domain in (_GMAIL, _GOOGLEMAIL)
            canonical_local = dotted.replace(".", "") if is_gmail else dotted
            # Base locals contain no digits, so base plus counter is unique per normalised key.
            key = f"{canonical_local}@{domain}"
            seen = email_bases[key]
            email_bases[key] = seen + 1
            suffix = str(seen + 1) if seen else ""
            dotted += suffix
            email_locals = (dotted, dotted.replace(".", "")) if is_gmail else (dotted,)
        phone = phones.allocate(country) if has_phone else None
        language = _LANGUAGES_BY_COUNTRY.get(country, "en")
        if languages.random() < 0.3:
            language = languages.choice(_LANGUAGES)

        kinds = _row_kinds(rng, len(members), has_email, has_phone)
        for partner_index, kind in zip(members, kinds, strict=True):
            partner = partners[partner_index]
            row_country = country if rng.random() < 0.8 else ""
            region = row_country or partner.country
            rows[partner_index].append(
                {
                    "email": _messy_email(rng, email_locals, domain) if kind & _EMAIL else "",
                    "phone": _messy_phone(rng, phone, region)
                    if kind & _PHONE and phone is not None
                    else "",
                    "given_name": given,
                    "family_name": family.upper() if rng.random() < 0.05 else family,
                    "organisation": organisation if rng.random() < 0.92 else "",
                    "country": row_country,
                    "category": category,
                    "tags": _tags(rng),
                    # Not every partner has recorded it: those fall back to the default.
                    "language": language if languages.random() < 0.85 else "",
                }
            )
        per_subset[subset_index] += 1
        per_category[(category, subset_index)] += 1

    every_organisation = [entry for entries in organisations.values() for entry in entries]
    for partner, partner_rows in zip(partners, rows, strict=True):
        # Cycling through a shuffled list gives every partner a variety of errors.
        shapes = list(_INVALID_SHAPES)
        rng.shuffle(shapes)
        for n in range(invalid_rows_per_partner):
            category = rng.choice(CATEGORIES)
            given, family = rng.choice(_GIVEN_NAMES), rng.choice(_FAMILY_NAMES)
            _, domain = rng.choice(every_organisation)
            local = f"{_ascii_word(given)}.{_ascii_word(family)}"
            email, phone_text = _invalid_identifiers(shapes[n % len(shapes)], local, domain)
            partner_rows.append(
                {
                    "email": email,
                    "phone": phone_text,
                    "given_name": given,
                    "family_name": family,
                    "organisation": "",
                    "country": rng.choice(("", partner.country)),
                    "category": category,
                    "tags": "",
                    "language": "",
                }
            )
        rng.shuffle(partner_rows)

    def as_slugs(index: int) -> frozenset[str]:
        return frozenset(slugs[i] for i in plan[index][0])

    subsets = {as_slugs(i): per_subset[i] for i in range(len(plan)) if per_subset[i]}
    totals = dict.fromkeys(slugs, 0)
    for members_set, count in subsets.items():
        for slug in members_set:
            totals[slug] += count
    pairwise = {
        frozenset(pair): sum(
            count for members_set, count in subsets.items() if members_set >= set(pair)
        )
        for pair in combinations(slugs, 2)
    }
    by_category = {
        category: {
            as_slugs(i): per_category[(category, i)]
            for i in range(len(plan))
            if per_category[(category, i)]
        }
        for category in CATEGORIES
    }
    truth = GroundTruth(
        totals=totals,
        subsets=subsets,
        pairwise=pairwise,
        by_category=by_category,
        invalid_rows=dict.fromkeys(slugs, invalid_rows_per_partner),
    )
    return Generated(rows=dict(zip(slugs, rows, strict=True)), truth=truth)


def write_csvs(generated: Generated, folder: Path) -> dict[str, Path]:
    """Write one CSV per partner plus ``ground_truth.json`` into ``folder`` and return the paths.

    Files are deliberately inconsistent, as real exports are: every second partner's file starts
    with a UTF-8 byte order mark and the third partner's uses ``;`` as delimiter. The result maps
    each slug to its CSV and ``"ground_truth"`` to the JSON file.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for index, (slug, partner_rows) in enumerate(generated.rows.items()):
        path = folder / f"{slug}.csv"
        encoding = "utf-8-sig" if index % 2 == 1 else "utf-8"
        delimiter = ";" if index == 2 else ","
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADER, delimiter=delimiter)
            writer.writeheader()
            writer.writerows(partner_rows)
        paths[slug] = path

    truth = generated.truth
    document = truth.as_match_json()
    document["invalid_rows"] = {
        slug: truth.invalid_rows[slug] for slug in sorted(truth.invalid_rows)
    }
    document["by_category"] = {
        category: _subset_list(counts) for category, counts in truth.by_category.items()
    }
    truth_path = folder / "ground_truth.json"
    truth_path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    paths["ground_truth"] = truth_path
    return paths
