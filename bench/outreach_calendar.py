"""Benchmark of the shared calendar's rules and month page at the scale of issue 6.

Four partners with 250,000 contacts each (people drawn from one population, so partners share
about 40% of their lists; every contact has an email token, most a phone token, some a phone
only) and 200 outreach items in one quarter with audiences of 5,000 to 100,000 contacts.
Audiences go into a real hub (SQLite) as the packed token blobs the vaults submit; the rules
run through the real service (``outreach.calendar.evaluation.evaluate``) and the month page
through the real app, signed in as the secretariat.

Measured in one run:
- the whole quarter, from a cold process: load and link every audience, then evaluate every
  item (as the background job does);
- one item changing, with the period already in memory: moved to another day (evaluated with
  the search for the nearest clear dates), and given a new audience (re-read, re-linked,
  evaluated);
- the month page: p50/p95 over 200 requests with the quarter's items, next to the same page
  before any item existed.

The vaults' side (tokenising an audience of up to 100,000 contacts) is not in these figures:
``bench/matching.py`` measures tokenising whole vaults.

    uv run python bench/outreach_calendar.py [--contacts 250000] [--items 200] [--requests 200]

Figures are printed and written to ``bench/out/calendar.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import struct
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from litestar.testing import TestClient

from concord.accounts.models import Role
from concord.accounts.users import add_user
from concord.app import create_app
from concord.hub import Hub
from concord.partners.services import add_partner
from concord.settings import Settings
from consent.db import Vaults
from outreach.calendar import linking
from outreach.calendar.evaluation import evaluate
from outreach.calendar.items import _save
from outreach.calendar.models import (
    CalendarAudience,
    ItemChannel,
    ItemKind,
    ItemStatus,
    OutreachItem,
    Visibility,
)
from outreach.calendar.packing import MAGIC
from outreach.calendar.periods import period_end

OUT = Path(__file__).parent / "out"
PARTNERS = [
    ("northmere", "Europe/London"),
    ("coastal", "Europe/Dublin"),
    ("alpine", "Europe/Vienna"),
    ("riverbend", "Europe/Berlin"),
]
PERIOD = "2027Q1"
QUARTER_START = date(2027, 1, 1)
QUARTER_DAYS = 90
MONTH = date(2027, 2, 1)
TOPICS = [f"topic-{n}" for n in range(12)]
PASSWORD = "benchmark password"
TARGET_ONE_ITEM_S = 1.0
TARGET_PAGE_RATIO = 3.0

U64 = npt.NDArray[np.uint64]


class Population:
    """People with an email token each and, for most, a phone token; each partner's list."""

    def __init__(self, contacts: int, rng: np.random.Generator) -> None:
        people = int(contacts * 2.4)
        self.email = rng.integers(1, 2**63, size=people, dtype=np.uint64)
        self.phone = rng.integers(1, 2**63, size=people, dtype=np.uint64)
        self.has_phone = rng.random(people) < 0.6
        self.lists: dict[str, npt.NDArray[np.int64]] = {}
        self.email_known: dict[str, npt.NDArray[np.bool_]] = {}
        for slug, _ in PARTNERS:
            self.lists[slug] = rng.choice(people, size=contacts, replace=False)
            # A few contacts are known to a partner by their phone number only.
            self.email_known[slug] = ~(
                self.has_phone[self.lists[slug]] & (rng.random(contacts) < 0.05)
            )

    def audience(self, slug: str, size: int, rng: np.random.Generator) -> bytes:
        """A packed audience blob of ``size`` of the partner's contacts (the vault's layout)."""
        chosen = rng.choice(self.lists[slug].size, size=size, replace=False)
        people = self.lists[slug][chosen]
        email = self.email_known[slug][chosen]
        phone = self.has_phone[people]
        counts = email.astype(np.uint8) + phone.astype(np.uint8)
        starts = np.zeros(size, dtype=np.int64)
        np.cumsum(counts[:-1], out=starts[1:])
        keys = np.empty(int(counts.sum()), dtype="<u8")
        keys[starts[email]] = self.email[people[email]]
        keys[starts[phone] + email[phone]] = self.phone[people[phone]]
        return MAGIC + struct.pack("<I", size) + counts.tobytes() + keys.tobytes()


def _settings(folder: Path) -> Settings:
    return Settings(
        data_dir=folder,
        secret_key="benchmark-secret-key-" + "x" * 32,
        matching_secret="benchmark-matching-secret-" + "y" * 32,
        argon2_time_cost=1,
        argon2_memory_kib=8,
        argon2_parallelism=1,
        public_url="https://testserver.local",
    )


def _setup(hub: Hub) -> None:
    with hub.transaction() as session:
        for slug, zone in PARTNERS:
            add_partner(
                session, slug=slug, name=slug.title(), country="GB", timezone=zone, actor="bench"
            )
        add_user(
            session,
            hub.password_hasher,
            email="secretariat@bench.example",
            role=Role.SECRETARIAT.value,
            password=PASSWORD,
            partner_slug=None,
            display_name="Secretariat",
            actor="bench",
        )


def _plan(hub: Hub, population: Population, items: int, rng: np.random.Generator) -> list[str]:
    """Insert the quarter's items and their audiences straight into the hub."""
    ids: list[str] = []
    # 5,000 to 100,000 of 250,000 contacts; the same shares of a smaller list.
    contacts = next(iter(population.lists.values())).size
    sizes = rng.integers(contacts // 50, contacts * 2 // 5 + 1, size=items)
    for number in range(items):
        slug, zone = PARTNERS[number % len(PARTNERS)]
        item_id = str(uuid.uuid4())
        day = QUARTER_START + timedelta(days=int(rng.integers(0, QUARTER_DAYS)))
        start = datetime.combine(day, clock(9), tzinfo=UTC)
        blob = population.audience(slug, int(sizes[number]), rng)
        with hub.transaction() as session:
            session.add(
                OutreachItem(
                    id=item_id,
                    uid=f"{item_id}@concord",
                    partner_slug=slug,
                    title=f"Item {number}",
                    kind=list(ItemKind)[number % len(ItemKind)],
                    channel=ItemChannel.EMAIL,
                    purpose_code="dpv:CommunicationManagement",
                    topics=str(rng.choice(TOPICS)),
                    starts_at=start,
                    ends_at=start + timedelta(hours=1),
                    timezone=zone,
                    status=ItemStatus.PLANNED,
                    visibility=Visibility.PARTNERSHIP,
                    form_key=item_id,
                    created_by="bench",
                    updated_by="bench",
                )
            )
            session.flush()
            session.add(
                CalendarAudience(
                    item_id=item_id,
                    period_id=PERIOD,
                    records=int(sizes[number]),
                    digest=hashlib.sha256(blob).hexdigest(),
                    payload=blob,
                    expires_at=period_end(PERIOD),
                )
            )
        ids.append(item_id)
    return ids


def _signed_in(client: TestClient[Any]) -> None:
    client.get("/login")
    token = client.cookies.get("concord_csrf")
    response = client.post(
        "/login",
        data={"email": "secretariat@bench.example", "password": PASSWORD, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def _page_latency(client: TestClient[Any], requests: int) -> dict[str, float]:
    url = f"/calendar?view=month&date={MONTH.isoformat()}"
    assert client.get(url).status_code == 200  # warm
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    timings.sort()
    return {
        "p50_ms": round(statistics.median(timings) * 1000, 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))] * 1000, 2),
        "entries": float(response.text.count('class="entry ')),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=250_000, help="contacts per partner")
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--changes", type=int, default=10, help="single-item changes to time")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    load = os.getloadavg()[0]
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="concord-bench-calendar-") as folder:
        settings = _settings(Path(folder))
        hub = Hub(settings)
        hub.migrate()
        vaults = Vaults(settings)
        _setup(hub)
        app = create_app(settings, hub=hub, vaults=vaults)
        client: TestClient[Any] = TestClient(app, base_url="https://testserver.local")
        _signed_in(client)

        print("month page with no items", file=sys.stderr)
        empty = _page_latency(client, args.requests)

        print(f"generating {len(PARTNERS)} x {args.contacts:,} contacts", file=sys.stderr)
        population = Population(args.contacts, rng)
        started = time.perf_counter()
        ids = _plan(hub, population, args.items, rng)
        with hub.transaction() as session:
            recipients = sum(r for (r,) in session.query(CalendarAudience.records).all())
        planning = time.perf_counter() - started
        print(f"  {args.items} items, {recipients:,} recipients: {planning:.1f} s", file=sys.stderr)

        database = str(hub.engine.url)
        linking.forget_period(database, PERIOD)
        started = time.perf_counter()
        with hub.transaction() as session:
            index = linking.index_for(session, database, PERIOD)
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        for item_id in ids:
            evaluate(hub, item_id, suggest=False)
        quarter = time.perf_counter() - started
        print(
            f"  whole quarter: load+link {loaded:.2f} s, evaluate {quarter:.2f} s", file=sys.stderr
        )

        moves, audiences = [], []
        picks = rng.choice(len(ids), size=min(args.changes, len(ids)), replace=False)
        for pick in picks:
            item_id = ids[int(pick)]
            with hub.transaction() as session:
                item = session.get_one(OutreachItem, item_id)
                version, start = item.version, item.starts_at
                slug, size = item.partner_slug, session.get_one(CalendarAudience, item_id).records
            started = time.perf_counter()
            shifted = start + timedelta(days=3)
            _save(
                hub,
                slug,
                item_id,
                version,
                {"starts_at": shifted, "ends_at": shifted + timedelta(hours=1)},
                actor="bench",
                action="calendar.item.move",
            )
            evaluate(hub, item_id, suggest=True)
            moves.append(time.perf_counter() - started)
            blob = population.audience(slug, size, rng)
            started = time.perf_counter()
            with hub.transaction() as session:
                audience = session.get_one(CalendarAudience, item_id)
                audience.payload = blob
                audience.digest = hashlib.sha256(blob).hexdigest()
            evaluate(hub, item_id, suggest=True)
            audiences.append(time.perf_counter() - started)
        print(
            f"  one item moved: median {statistics.median(moves):.3f} s, "
            f"max {max(moves):.3f} s; new audience: median "
            f"{statistics.median(audiences):.3f} s, max {max(audiences):.3f} s",
            file=sys.stderr,
        )

        print("month page with the quarter's items", file=sys.stderr)
        full = _page_latency(client, args.requests)
        ratio = full["p95_ms"] / empty["p95_ms"]
        report = {
            "scale": {
                "partners": len(PARTNERS),
                "contacts_per_partner": args.contacts,
                "items": args.items,
                "recipients": recipients,
                "tokens_in_period": index.space.size,
            },
            "whole_quarter_s": {
                "load_and_link": round(loaded, 3),
                "evaluate_all_items": round(quarter, 3),
                "total": round(loaded + quarter, 3),
            },
            "one_item_s": {
                "moved_median": round(statistics.median(moves), 3),
                "moved_max": round(max(moves), 3),
                "new_audience_median": round(statistics.median(audiences), 3),
                "new_audience_max": round(max(audiences), 3),
                "target": TARGET_ONE_ITEM_S,
                "met": max(max(moves), max(audiences)) < TARGET_ONE_ITEM_S,
            },
            "month_page": {
                "requests": args.requests,
                "empty": empty,
                "with_items": full,
                "p95_ratio": round(ratio, 2),
                "target_ratio": TARGET_PAGE_RATIO,
                "met": ratio <= TARGET_PAGE_RATIO,
            },
            "environment": {
                "cpus": os.cpu_count(),
                "load_average_1min_at_start": round(load, 2),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
        }
        vaults.dispose()
        hub.dispose()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "calendar.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(json.dumps(report, indent=2))
    print(f"wrote {OUT / 'calendar.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
