"""Benchmark of one federated matching round: four vault node processes and the hub.

The same generated world as ``bench/matching.py`` (four partners, about 250,000 contacts each
by default) is loaded into SQLite vaults. In the same run the benchmark measures:

- the baseline: rbcl's scalar-multiplication rate (and hash-to-group rate) on one core;
- the single-box round over those vaults (keyed tokens, in process), for comparison;
- the federated round: each vault copied into its own node folder and served by a real
  ``concord node serve`` process on loopback, the hub enrolled with their keys, and the round
  run by n-party blinding over signed HTTP.

It reports the round's wall time, each node's group operations and the lower bounds that
follow (operations / rate for CPU time, operations / (rate x cores) for wall time), each
node's CPU seconds and peak memory (its process and its blinding workers), the hub's CPU
seconds and share, the bytes sent each way, and whether the exact counts equal the ground
truth.

    uv run python bench/federated_matching.py [--people N] [--keep] [--seed S]

Figures are printed and written to ``bench/out/federated_matching.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import rbcl

from bench.matching import (
    DEFAULT_PEOPLE,
    KEPT,
    OUT,
    Timer,
    _reusable,
    build,
    check,
    prepare_hub,
    run_the_round,
)
from concord.demo.contacts import DEMO_PARTNERS
from concord.partners.nodes import enrol_node, hub_signing_pair
from concord.partnership.settings import PartnershipSettings
from concord.settings import Settings
from concord.vaults.enrolled import enrolled_directory
from concord.vaults.recording import RecordedDirectory
from consent.db import Vaults
from consent.node import enrolment
from outreach.matching.rounds import figures, open_round, run_round

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
TARGET_CPU_RATIO = 1.2
TARGET_HUB_SHARE = 0.10
TARGET_NODE_MIB = 500


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the baseline ------------------------------------------------------------------------------


def rbcl_rates(seconds: float = 2.0) -> dict[str, float]:
    """Scalar multiplications and hash-to-group operations per second, on one core."""
    scalar = bytes(rbcl.crypto_core_ristretto255_scalar_random())
    point = bytes(rbcl.crypto_core_ristretto255_from_hash(secrets.token_bytes(64)))
    multiply = rbcl.crypto_scalarmult_ristretto255
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(1000):
            point = bytes(multiply(scalar, point))
        done += 1000
    multiplications = done / (time.perf_counter() - started)
    digest = secrets.token_bytes(64)
    to_group = rbcl.crypto_core_ristretto255_from_hash
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(1000):
            to_group(digest)
        done += 1000
    hashes = done / (time.perf_counter() - started)
    return {"scalar_multiplications_per_s": multiplications, "hash_to_group_per_s": hashes}


# --- node processes and what they use ----------------------------------------------------------


def _tree(pid: int) -> list[int]:
    """A process and its descendants (the node's blinding workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                children = Path(f"/proc/{current}/task/{task}/children").read_text()
                queue.extend(int(child) for child in children.split())
    return found


def _cpu_seconds(pid: int, *, with_reaped: bool) -> float:
    """utime + stime (and, for the root, its reaped children's), in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if with_reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def _rss_kib(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KIB
    except OSError:
        return 0


@dataclass
class NodeProcess:
    slug: str
    folder: Path
    port: int
    process: subprocess.Popen[bytes]
    peak_kib: int = 0
    # CPU of workers seen alive, by pid, so that workers ending before the read still count.
    worker_cpu: dict[int, float] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def sample(self) -> None:
        pids = _tree(self.process.pid)
        self.peak_kib = max(self.peak_kib, sum(_rss_kib(pid) for pid in pids))
        for pid in pids[1:]:
            self.worker_cpu[pid] = max(
                self.worker_cpu.get(pid, 0.0), _cpu_seconds(pid, with_reaped=False)
            )

    def cpu_seconds(self) -> float:
        """The node's own CPU plus its workers': reaped ones are in the root's counters, live
        ones are read directly (a worker is counted once, whichever way)."""
        root = _cpu_seconds(self.process.pid, with_reaped=True)
        live = sum(_cpu_seconds(pid, with_reaped=False) for pid in _tree(self.process.pid)[1:])
        return root + live


@contextlib.contextmanager
def sampling(nodes: list[NodeProcess], every: float = 0.2) -> Iterator[None]:
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            for node in nodes:
                node.sample()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def set_up_nodes(data: Path, folder: Path, hub_key: str) -> dict[str, Path]:
    """One node folder per partner, holding a copy of that partner's vault from ``data``."""
    nodes: dict[str, Path] = {}
    for partner in DEMO_PARTNERS:
        node = folder / partner.slug
        enrolment.init_node(node, partner=partner.slug, public_url="http://127.0.0.1:1")
        enrolment.trust_hub(node, hub_key)
        (node / "vaults").mkdir()
        shutil.copy2(data / "vaults" / f"{partner.slug}.sqlite3", node / "vaults")
        nodes[partner.slug] = node
    return nodes


@contextlib.contextmanager
def serving(nodes: dict[str, Path], logs: Path) -> Iterator[list[NodeProcess]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    env["CONCORD_LOG_LEVEL"] = "WARNING"
    running: list[NodeProcess] = []
    try:
        for slug, folder in nodes.items():
            port = free_port()
            config = enrolment.read_config(folder)
            enrolment.write_config(
                folder,
                enrolment.NodeConfig(config.partner, f"http://127.0.0.1:{port}", config.hub_key),
            )
            log = (logs / f"{slug}.log").open("ab")
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "concord.cli",
                    "node",
                    "serve",
                    "--folder",
                    str(folder),
                    "--port",
                    str(port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
            running.append(NodeProcess(slug, folder, port, process))
        for node in running:
            deadline = time.monotonic() + 60
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{node.url}/node/v1/identity", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline or node.process.poll() is not None:
                    raise RuntimeError(f"the {node.slug} node did not start; see {logs}")
                time.sleep(0.2)
        yield running
    finally:
        for node in running:
            node.process.terminate()
        for node in running:
            with contextlib.suppress(subprocess.TimeoutExpired):
                node.process.wait(timeout=20)


def federated_round(
    settings: Settings, nodes: list[NodeProcess]
) -> tuple[dict[str, Any], dict[str, float], float, float, dict[str, Any]]:
    """Enrol the nodes at a fresh federated hub and run one blinded round over them."""
    hub = prepare_hub(settings)
    with hub.transaction() as session:
        for node in nodes:
            enrol_node(
                session,
                node.slug,
                url=node.url,
                key=enrolment.fingerprints(node.folder).signing,
                actor="bench",
            )
    directory = enrolled_directory(hub, settings)
    stages: dict[str, float] = {}
    stage, started = "open round", time.perf_counter()

    def progress(text: str) -> None:
        nonlocal stage, started
        now = time.perf_counter()
        key = text if not text.startswith("blinding set") else "re-blinding (every set, every node)"
        stages[stage] = stages.get(stage, 0.0) + now - started
        stage, started = key, now

    round_id = open_round(hub, scope="all", actor="bench")
    hub_cpu_before = time.process_time()
    wall_started = time.perf_counter()
    overlap = run_round(
        hub, RecordedDirectory(directory, hub), round_id, progress=progress, blinded=True
    )
    wall = time.perf_counter() - wall_started
    hub_cpu = time.process_time() - hub_cpu_before
    if overlap is None:
        raise RuntimeError("another worker claimed the round")
    exact = figures(round_id, overlap, rules=PartnershipSettings(), exact=True)
    traffic = {
        "hub_sent": dict(directory.traffic.sent),
        "nodes_sent": dict(directory.traffic.received),
    }
    hub.dispose()
    return exact, stages, wall, hub_cpu, traffic


def points_per_partner(vaults: Vaults) -> dict[str, int]:
    """How many identifiers each vault submits (each becomes one group point)."""
    from sqlalchemy import func, select

    from consent.contacts.models import Identifier

    counts = {}
    for partner in DEMO_PARTNERS:
        with vaults.engine(partner.slug).connect() as connection:
            counts[partner.slug] = int(
                connection.scalar(select(func.count()).select_from(Identifier)) or 0
            )
    return counts


# --- main --------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=DEFAULT_PEOPLE)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help=f"keep and reuse the vaults in {KEPT}")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="concord-fed-bench-"))
    data = KEPT if args.keep else work / "data"
    single = Settings(
        data_dir=data, secret_key=secrets.token_hex(32), matching_secret=secrets.token_hex(32)
    )
    timer = Timer()
    try:
        print("setup", file=sys.stderr)
        manifest = _reusable(data, args.people, args.seed) if args.keep else None
        if manifest is None:
            build(data, single, args.people, args.seed, timer)
            manifest = _reusable(data, args.people, args.seed)
            assert manifest is not None
        print("baseline: rbcl rates", file=sys.stderr)
        rates = rbcl_rates()
        print("single-box round", file=sys.stderr)
        hub = prepare_hub(single)
        vaults = Vaults(single)
        points = points_per_partner(vaults)
        with timer.step("single-box round"):
            single_round_id, single_overlap, _ = run_the_round(hub, vaults)
        single_exact = figures(
            single_round_id, single_overlap, rules=PartnershipSettings(), exact=True
        )
        vaults.dispose()
        hub.dispose()

        print("federated round", file=sys.stderr)
        federated = Settings(
            data_dir=work / "hub", secret_key=secrets.token_hex(32), federated=True
        )
        federated.data_dir.mkdir(parents=True)
        hub_key = hub_signing_pair(federated).public_text
        node_folders = set_up_nodes(data, work / "nodes", hub_key)
        logs = work / "logs"
        logs.mkdir()
        with serving(node_folders, logs) as nodes:
            cpu_before = {node.slug: node.cpu_seconds() for node in nodes}
            with sampling(nodes):
                exact, stages, wall, hub_cpu, traffic = federated_round(federated, nodes)
            for node in nodes:
                node.sample()
            node_cpu = {node.slug: node.cpu_seconds() - cpu_before[node.slug] for node in nodes}
            peaks = {node.slug: round(node.peak_kib / 1024, 1) for node in nodes}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    total_points = sum(points.values())
    rate = rates["scalar_multiplications_per_s"]
    cores = os.cpu_count() or 1
    # Each node hashes its own points to the group and blinds them once, and re-blinds every
    # other node's set once: one multiplication per point of every set.
    operations = {
        slug: {"hash_to_group": own, "scalar_multiplications": total_points}
        for slug, own in points.items()
    }
    lower_cpu = {
        slug: ops["scalar_multiplications"] / rate
        + ops["hash_to_group"] / rates["hash_to_group_per_s"]
        for slug, ops in operations.items()
    }
    total_ops_seconds = sum(lower_cpu.values())
    all_cpu = sum(node_cpu.values()) + hub_cpu
    truth = manifest["truth"]
    mismatches = check(exact, truth)
    report = {
        "people": args.people,
        "seed": args.seed,
        "contacts": manifest["contacts"],
        "points": points,
        "baseline": {key: round(value) for key, value in rates.items()},
        "operations_per_node": operations,
        "lower_bound_cpu_s_per_node": {slug: round(s, 2) for slug, s in lower_cpu.items()},
        "lower_bound_wall_s": round(total_ops_seconds / cores, 2),
        "federated_round_s": round(wall, 2),
        "federated_stages_s": {name: round(seconds, 2) for name, seconds in stages.items()},
        "node_cpu_s": {slug: round(s, 2) for slug, s in node_cpu.items()},
        "node_cpu_over_lower_bound": {
            slug: round(node_cpu[slug] / lower_cpu[slug], 2) for slug in node_cpu
        },
        "hub_cpu_s": round(hub_cpu, 2),
        "hub_cpu_share": round(hub_cpu / all_cpu, 3) if all_cpu else None,
        "bytes": traffic,
        "node_peak_mib": peaks,
        "single_box_round_s": round(timer.steps["single-box round"], 2),
        "counts_match_truth": not mismatches,
        "same_as_single_box": all(
            exact[key] == single_exact[key] for key in ("partners", "totals", "pairwise", "subsets")
        ),
        "mismatches": mismatches,
        "targets": {
            "node_cpu_within": TARGET_CPU_RATIO,
            "hub_share_under": TARGET_HUB_SHARE,
            "node_peak_mib_under": TARGET_NODE_MIB,
        },
        "machine": {
            "cpus": cores,
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "federated_matching.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    _print(report)
    return 0 if not mismatches and report["same_as_single_box"] else 1


def _print(report: dict[str, Any]) -> None:
    contacts, points = sum(report["contacts"].values()), sum(report["points"].values())
    print(f"{contacts:,} contacts, {points:,} points")
    base = report["baseline"]
    print(
        f"baseline (one core): {base['scalar_multiplications_per_s']:,} scalar "
        f"multiplications/s, {base['hash_to_group_per_s']:,} hash-to-group/s"
    )
    cores, bound = report["machine"]["cpus"], report["lower_bound_wall_s"]
    print(
        f"federated round: {report['federated_round_s']:.1f} s (lower bound on {cores} cores: "
        f"{bound:.1f} s); single-box round on the same data: {report['single_box_round_s']:.1f} s"
    )
    for stage, seconds in report["federated_stages_s"].items():
        print(f"  {stage}: {seconds:.1f} s")
    traffic = report["bytes"]
    for slug, cpu in report["node_cpu_s"].items():
        lower = report["lower_bound_cpu_s_per_node"][slug]
        ratio = report["node_cpu_over_lower_bound"][slug]
        print(
            f"  node {slug}: {cpu:.1f} CPU s, lower bound {lower:.1f} ({ratio:.2f}x, target <= "
            f"{TARGET_CPU_RATIO}x), peak {report['node_peak_mib'][slug]:.0f} MiB, sent "
            f"{traffic['nodes_sent'].get(slug, 0):,} B, "
            f"received {traffic['hub_sent'].get(slug, 0):,} B"
        )
    share = 100 * (report["hub_cpu_share"] or 0)
    print(
        f"hub: {report['hub_cpu_s']:.1f} CPU s, {share:.1f}% of all CPU "
        f"(target < {100 * TARGET_HUB_SHARE:.0f}%)"
    )
    print(f"exact counts equal the ground truth: {'yes' if report['counts_match_truth'] else 'NO'}")
    same = "yes" if report["same_as_single_box"] else "NO"
    print(f"same figures as the single-box round: {same}")
    print(f"wrote {OUT / 'federated_matching.json'}")


if __name__ == "__main__":
    sys.exit(main())
