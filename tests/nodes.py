"""Real vault node processes for the tests that cross the boundary over HTTP.

:class:`Launcher` forks node processes from a process that imported the node once (see
``tests/node_launcher.py``). :class:`NodeFarm` gives one test its nodes, one per partner and
set of settings, each enrolled both ways (the hub's key pinned in the node's folder, the
node's key pinned in the directory), and kills them at the end of the test.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from concord.federation.keys import SealingPair, SigningPair
from concord.settings import Settings
from concord.vaults.http import HttpDirectory, NodeAddress, Patience
from consent.node.enrolment import SEALING_KEY, SIGNING_KEY

ROOT = Path(__file__).resolve().parents[1]
# Quick to give up: a test that stops a node should not wait long to see it gone.
TEST_PATIENCE = Patience(timeout_seconds=20, tries=2, backoff_seconds=0.05)
# Small pieces, so that the tests' answers of any size cross the wire in several.
TEST_PIECE_BYTES = 1024


class Launcher:
    """One launcher process for the test session (or xdist worker)."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.node_launcher"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._lock = threading.Lock()

    def start(
        self, folder: Path, partner: str, hub_key: str, settings: Settings, port: int = 0
    ) -> tuple[int, int]:
        settings = settings.with_changes(node_piece_bytes=TEST_PIECE_BYTES)
        raw = {
            name: str(value) if isinstance(value, Path) else value
            for name, value in dataclasses.asdict(settings).items()
        }
        request = json.dumps(
            {
                "folder": str(folder),
                "partner": partner,
                "hub_key": hub_key,
                "settings": raw,
                "port": port,
            }
        )
        with self._lock:
            assert self._process.stdin and self._process.stdout
            self._process.stdin.write(request + "\n")
            self._process.stdin.flush()
            answer = json.loads(self._process.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"the node launcher could not start {partner}: {answer['error']}")
        return int(answer["pid"]), int(answer["port"])

    def close(self) -> None:
        if self._process.stdin:
            self._process.stdin.close()
        self._process.kill()
        self._process.wait()


@dataclasses.dataclass
class Node:
    partner: str
    folder: Path
    settings: Settings
    pid: int
    port: int
    key: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)


class NodeFarm:
    """The nodes of one test, started on first use."""

    def __init__(self, launcher: Launcher, folder: Path) -> None:
        self._launcher = launcher
        self._folder = folder
        self.hub_pair = SigningPair.generate()
        self.nodes: dict[tuple[str, str], Node] = {}
        self._directories: list[HttpDirectory] = []

    def node(self, partner: str, settings: Settings) -> Node:
        key = (partner, json.dumps(dataclasses.asdict(settings), default=str, sort_keys=True))
        if key not in self.nodes:
            self.nodes[key] = self._start(partner, settings)
        return self.nodes[key]

    def _start(self, partner: str, settings: Settings, port: int = 0) -> Node:
        folder = self._folder / f"node-{partner}-{len(self.nodes)}"
        folder.mkdir(parents=True)
        signing = SigningPair.generate()
        signing.save(folder / SIGNING_KEY)
        SealingPair.generate().save(folder / SEALING_KEY)
        pid, port = self._launcher.start(folder, partner, self.hub_pair.public_text, settings, port)
        return Node(partner, folder, settings, pid, port, signing.public_text)

    def restart(self, node: Node) -> None:
        """Kill a node and start it again on the same port and folder."""
        node.kill()
        pid, _ = self._launcher.start(
            node.folder, node.partner, self.hub_pair.public_text, node.settings, node.port
        )
        node.pid = pid

    def directory(self, settings: Settings, patience: Patience = TEST_PATIENCE) -> HttpDirectory:
        def address_of(slug: str) -> NodeAddress:
            node = self.node(slug, settings)
            return NodeAddress(node.url, node.key)

        directory = HttpDirectory(address_of, self.hub_pair, patience)
        self._directories.append(directory)
        return directory

    def close(self) -> None:
        for directory in self._directories:
            directory.close()
        for node in self.nodes.values():
            node.kill()
