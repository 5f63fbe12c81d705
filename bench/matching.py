"""Benchmark of one matching round in single-box mode against a plaintext set intersection.

Four demo partners with about 250,000 contacts each (emails and phones, known overlaps from
``concord.demo.contacts.generate``) go into real SQLite vaults; a real hub then runs a whole
round through ``open_round`` and ``run_round``: tokenise each vault, submit, link, count,
publish. The baseline, in the same run, intersects the same normalised identifiers in plain
Python sets, pair by pair and person by person. The round's exact counts are checked against
the generator's ground truth.

    uv run python bench/matching.py [--people N] [--keep] [--seed S]

Figures are printed and written to ``bench/out/matching.json``. With ``--keep`` the vaults
(and the ground truth) stay in ``bench/out/matching-data`` and the next ``--keep`` run with the
same ``--people`` and ``--seed`` reuses them instead of generating and loading again.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from concord.app import vault_directory
from concord.categories.services import ensure_shared_categories
from concord.db import utcnow
from concord.demo.contacts import (
    DEMO_PARTNER_NAMES,
    DEMO_PARTNER_TIMEZONES,
    DEMO_PARTNERS,
    Generated,
    generate,
)
from concord.hub import Hub
from concord.partners.services import add_partner
from concord.partnership.settings import PartnershipSettings
from concord.settings import Settings
from consent.contacts.models import Contact, Identifier
from consent.contacts.services import CleanContact, ContactInput, clean
from consent.db import Vaults
from consent.setup import prepare_vault
from outreach.matching.linking import Overlap
from outreach.matching.rounds import figures, open_round, run_round

OUT = Path(__file__).parent / "out"
KEPT = OUT / "matching-data"
# generate() puts each person at one to four of the four partners; a partner ends up with about
# 0.4825 x people rows, so 518,000 people give each partner about 250,000 contacts.
DEFAULT_PEOPLE = 518_000
TARGET_RATIO = 10.0
TARGET_SECONDS = 15.0
INSERT_BATCH = 50_000

# A person's normalised identifiers at one partner: ((kind, value), ...), plus its category.
Identifiers = tuple[tuple[str, str], ...]


@dataclass
class Timer:
    """Wall-clock seconds of named steps, in the order they ran."""

    steps: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = time.perf_counter() - started
            print(f"  {name}: {self.steps[name]:.2f} s", file=sys.stderr)


# --- building the vaults -----------------------------------------------------------------------

_GENERATED: Generated | None = None  # inherited by the forked normalising workers


def _normalise_chunk(task: tuple[str, str, int, int]) -> list[CleanContact]:
    """Normalise rows ``start:end`` of one partner exactly as the vault's own entry paths do."""
    slug, country, start, end = task
    assert _GENERATED is not None
    cleaned = []
    for row in _GENERATED.rows[slug][start:end]:
        entry = clean(
            ContactInput(
                given_name=row["given_name"],
                family_name=row["family_name"],
                organisation=row["organisation"],
                country=row["country"],
                category=row["category"],
                emails=[row["email"]],
                phones=[row["phone"]],
            ),
            country,
        )
        # Invalid rows are row errors at import; the generator counts them in its truth.
        if isinstance(entry, CleanContact):
            cleaned.append(entry)
    return cleaned


def _normalise_all(generated: Generated) -> dict[str, list[CleanContact]]:
    """Normalise every partner's rows on all cores (normalising is the slow part of setup)."""
    global _GENERATED
    _GENERATED = generated
    chunk = 25_000
    tasks = [
        (partner.slug, partner.country, start, start + chunk)
        for partner in DEMO_PARTNERS
        for start in range(0, len(generated.rows[partner.slug]), chunk)
    ]
    cleaned: dict[str, list[CleanContact]] = {partner.slug: [] for partner in DEMO_PARTNERS}
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
        for task, part in zip(tasks, pool.map(_normalise_chunk, tasks), strict=True):
            cleaned[task[0]].extend(part)
    _GENERATED = None
    return cleaned


def _load_vault(vaults: Vaults, slug: str, entries: Sequence[CleanContact]) -> None:
    """Insert contacts and identifiers with Core executemany, as a bulk import would."""
    emails = [email for entry in entries for email in entry.emails]
    if len(set(emails)) != len(emails):
        # The vault would merge such contacts; the generator promises it never happens.
        raise RuntimeError(f"{slug}: the generator gave two contacts the same email")
    now = utcnow()
    contacts: list[dict[str, Any]] = []
    identifiers: list[dict[str, Any]] = []
    for contact_id, entry in enumerate(entries, start=1):
        contacts.append(
            {
                "id": contact_id,
                "given_name": entry.given_name,
                "family_name": entry.family_name,
                "organisation": entry.organisation,
                "country": entry.country,
                "language": "",
                "category": entry.category,
                "search_text": " ".join(
                    part.lower()
                    for part in (entry.given_name, entry.family_name, entry.organisation)
                    if part
                ),
                "sort_key": f"{entry.family_name} {entry.given_name}".strip().lower(),
                "restricted": False,
                "possible_duplicate": False,
                "created_at": now,
                "updated_at": now,
            }
        )
        for kind, value in entry.identifiers:
            identifiers.append(
                {"contact_id": contact_id, "kind": kind, "value": value, "created_at": now}
            )
    with vaults.engine(slug).begin() as connection:
        for start in range(0, len(contacts), INSERT_BATCH):
            connection.execute(insert(Contact), contacts[start : start + INSERT_BATCH])
        for start in range(0, len(identifiers), INSERT_BATCH):
            connection.execute(insert(Identifier), identifiers[start : start + INSERT_BATCH])


def _truth_document(generated: Generated) -> dict[str, Any]:
    truth = generated.truth
    document = truth.as_match_json()
    document["by_category"] = {
        category: [
            {"partners": sorted(group), "count": count}
            for group, count in sorted(groups.items(), key=lambda item: sorted(item[0]))
        ]
        for category, groups in truth.by_category.items()
    }
    return document


def build(folder: Path, settings: Settings, people: int, seed: int, timer: Timer) -> None:
    """Generate the partners' lists and load them into fresh vaults under ``folder``."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with timer.step("generate"):
        generated = generate(DEMO_PARTNERS, people=people, seed=seed)
    with timer.step("normalise"):
        cleaned = _normalise_all(generated)
    vaults = Vaults(settings)
    with timer.step("load vaults"):
        for partner in DEMO_PARTNERS:
            prepare_vault(vaults, partner.slug)
            _load_vault(vaults, partner.slug, cleaned[partner.slug])
    vaults.dispose()
    manifest = {
        "people": people,
        "seed": seed,
        "contacts": {slug: len(entries) for slug, entries in cleaned.items()},
        "truth": _truth_document(generated),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), "utf-8")


def _reusable(folder: Path, people: int, seed: int) -> dict[str, Any] | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return manifest if (manifest["people"], manifest["seed"]) == (people, seed) else None


def prepare_hub(settings: Settings) -> Hub:
    """A fresh hub database with the four partners and the shared categories."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(settings.data_dir / "hub.sqlite3") + suffix).unlink(missing_ok=True)
    hub = Hub(settings)
    hub.migrate()
    with hub.transaction() as session:
        for partner in DEMO_PARTNERS:
            add_partner(
                session,
                slug=partner.slug,
                name=DEMO_PARTNER_NAMES[partner.slug],
                country=partner.country,
                timezone=DEMO_PARTNER_TIMEZONES[partner.slug],
                actor="bench",
            )
        # The app's own starter list: "public body" is stored as the slug "public-body".
        ensure_shared_categories(session, actor="bench")
    return hub


# --- the two measurements ----------------------------------------------------------------------


def read_identifiers(vaults: Vaults) -> dict[str, list[Identifiers]]:
    """Every contact's normalised identifiers, per partner, as the vaults hold them."""
    held: dict[str, list[Identifiers]] = {}
    for partner in DEMO_PARTNERS:
        by_contact: dict[int, list[tuple[str, str]]] = {}
        with vaults.engine(partner.slug).connect() as connection:
            rows = connection.execute(
                select(Identifier.contact_id, Identifier.kind, Identifier.value)
            )
            for contact_id, kind, value in rows:
                by_contact.setdefault(contact_id, []).append((kind, value))
        held[partner.slug] = [tuple(ids) for ids in by_contact.values()]
    return held


def baseline(held: dict[str, list[Identifiers]]) -> dict[tuple[str, str], int]:
    """Plaintext pairwise overlap: a's contacts with any identifier that b also holds.

    This is the cheapest honest answer to "how many people do a and b share", and it is what
    the round must stay within 10x of. It misses people whom only a third partner's row links
    (an email at a, a phone at b), which the round's union-find finds.
    """
    sets = {slug: {ident for ids in contacts for ident in ids} for slug, contacts in held.items()}
    counts: dict[tuple[str, str], int] = {}
    for a, b in combinations(sorted(held), 2):
        other = sets[b]
        counts[(a, b)] = sum(1 for ids in held[a] if not other.isdisjoint(ids))
    return counts


def run_the_round(hub: Hub, vaults: Vaults) -> tuple[str, Overlap, dict[str, float]]:
    """Open and run one round over all contacts; returns its id, overlap and stage times."""
    stages: dict[str, float] = {}
    stage, started = "open round", time.perf_counter()

    def progress(text: str) -> None:
        # Each progress note ends the stage the previous note began.
        nonlocal stage, started
        now = time.perf_counter()
        stages[stage] = stages.get(stage, 0.0) + now - started
        stage, started = text, now

    round_id = open_round(hub, scope="all", actor="bench")
    overlap = run_round(hub, vault_directory(hub, vaults), round_id, progress=progress)
    if overlap is None:
        raise RuntimeError("another worker claimed the round")
    return round_id, overlap, stages


# --- main --------------------------------------------------------------------------------------


def check(exact: dict[str, Any], truth: dict[str, Any]) -> list[str]:
    """The parts of the round's exact figures that differ from the generator's ground truth."""
    mismatches = [
        key for key in ("partners", "totals", "pairwise", "subsets") if exact[key] != truth[key]
    ]
    by_category = {
        category: sorted(
            ({"partners": row["partners"], "count": row["count"]} for row in view["subsets"]),
            key=lambda row: row["partners"],
        )
        for category, view in exact["by_category"].items()
    }
    # Rounds name a category by its shared slug ("public body" is "public-body").
    expected = {
        category.replace(" ", "-"): rows for category, rows in truth["by_category"].items() if rows
    }
    if by_category != expected:
        mismatches.append("by_category")
    return mismatches


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--people",
        type=int,
        default=DEFAULT_PEOPLE,
        help=f"people in the generated world (default {DEFAULT_PEOPLE:,}: ~250,000 per partner)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--repeat", type=int, default=3, help="time baseline and round this often (median)"
    )
    parser.add_argument(
        "--keep", action="store_true", help=f"keep the vaults in {KEPT} and reuse them next time"
    )
    args = parser.parse_args(argv)

    folder = KEPT if args.keep else Path(tempfile.mkdtemp(prefix="concord-bench-"))
    settings = Settings(
        data_dir=folder, secret_key=secrets.token_hex(32), matching_secret=secrets.token_hex(32)
    )
    timer = Timer()
    baseline_runs: list[float] = []
    round_runs: list[tuple[float, dict[str, float]]] = []
    mismatches: set[str] = set()
    try:
        print("setup", file=sys.stderr)
        manifest = _reusable(folder, args.people, args.seed) if args.keep else None
        if manifest is None:
            build(folder, settings, args.people, args.seed, timer)
            manifest = _reusable(folder, args.people, args.seed)
            assert manifest is not None
        else:
            print(f"  reusing the vaults in {folder}", file=sys.stderr)
        hub = prepare_hub(settings)
        vaults = Vaults(settings)
        load = os.getloadavg()[0]

        print("measure", file=sys.stderr)
        gc.collect()
        with timer.step("baseline: read identifiers"):
            held = read_identifiers(vaults)
        for attempt in range(1, args.repeat + 1):
            with timer.step(f"baseline {attempt}"):
                plain = baseline(held)
            baseline_runs.append(timer.steps[f"baseline {attempt}"])
        identifiers = sum(len(ids) for contacts in held.values() for ids in contacts)
        # The round should not pay for the baseline's memory: a heap full of the benchmark's
        # own objects would slow the round's garbage collections.
        del held
        for attempt in range(1, args.repeat + 1):
            gc.collect()
            with timer.step(f"round {attempt}"):
                round_id, overlap, stages = run_the_round(hub, vaults)
            round_runs.append((timer.steps[f"round {attempt}"], stages))
            exact = figures(round_id, overlap, rules=PartnershipSettings(), exact=True)
            mismatches.update(check(exact, manifest["truth"]))
        vaults.dispose()
        hub.dispose()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)

    pairs_truth = {tuple(row["partners"]): row["count"] for row in manifest["truth"]["pairwise"]}
    baseline_s = statistics.median(baseline_runs)
    round_s, stages = sorted(round_runs, key=lambda run: run[0])[len(round_runs) // 2]
    ratio = round_s / baseline_s
    report = {
        "people": args.people,
        "seed": args.seed,
        "contacts": manifest["contacts"],
        "identifiers": identifiers,
        "repeat": args.repeat,
        "baseline_s": round(baseline_s, 3),
        "baseline_runs_s": [round(seconds, 3) for seconds in baseline_runs],
        "baseline_read_s": round(timer.steps["baseline: read identifiers"], 3),
        "round_s": round(round_s, 3),
        "round_runs_s": [round(seconds, 3) for seconds, _ in round_runs],
        "ratio": round(ratio, 2),
        "round_stages_s": {name: round(seconds, 3) for name, seconds in stages.items()},
        "setup_s": {
            name: round(seconds, 3)
            for name, seconds in timer.steps.items()
            if name in {"generate", "normalise", "load vaults"}
        },
        "counts_match_truth": not mismatches,
        "mismatches": sorted(mismatches),
        "targets": {
            "ratio_at_most": TARGET_RATIO,
            "round_s_at_most": TARGET_SECONDS,
            "met": ratio <= TARGET_RATIO and round_s <= TARGET_SECONDS,
        },
        "baseline_pairwise_vs_truth": [
            {"partners": list(pair), "baseline": count, "truth": pairs_truth[pair]}
            for pair, count in plain.items()
        ],
        "exact": {key: exact[key] for key in ("partners", "totals", "pairwise", "subsets")},
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1min_at_start": round(load, 2),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "matching.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    _print(report)
    return 0 if not mismatches else 1


def _print(report: dict[str, Any]) -> None:
    contacts = report["contacts"]
    print(
        f"{len(contacts)} partners, {sum(contacts.values()):,} contacts "
        f"({', '.join(f'{slug} {n:,}' for slug, n in contacts.items())}), "
        f"{report['identifiers']:,} identifiers"
    )
    runs = report["repeat"]
    print(
        f"baseline (plaintext set intersection): {report['baseline_s']:.2f} s "
        f"(median of {runs}: {', '.join(f'{s:.2f}' for s in report['baseline_runs_s'])})"
    )
    print(
        f"round (tokenise, submit, link, count): {report['round_s']:.2f} s "
        f"(median of {runs}: {', '.join(f'{s:.2f}' for s in report['round_runs_s'])})"
    )
    for stage, seconds in report["round_stages_s"].items():
        print(f"  {stage}: {seconds:.2f} s")
    targets = report["targets"]
    print(
        f"ratio {report['ratio']:.1f}x (target <= {targets['ratio_at_most']:.0f}x, "
        f"round <= {targets['round_s_at_most']:.0f} s): {'met' if targets['met'] else 'NOT met'}"
    )
    verdict = "yes" if report["counts_match_truth"] else f"NO ({', '.join(report['mismatches'])})"
    print(f"exact counts equal the generator's ground truth: {verdict}")
    print("pairwise (people held by at least both): round = truth, plaintext baseline")
    for row in report["baseline_pairwise_vs_truth"]:
        print(f"  {' + '.join(row['partners'])}: {row['truth']:,}, baseline {row['baseline']:,}")
    print(f"wrote {OUT / 'matching.json'}")


if __name__ == "__main__":
    sys.exit(main())
