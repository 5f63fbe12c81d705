"""Starts vault node processes for the tests, fast: a process that has imported the node
once, and forks one real node process per request.

It reads one JSON request per line on stdin (the node's folder, partner, pinned hub key and
settings), binds a loopback socket, writes the node's ``node.json`` with that address,
forks, and answers ``{"pid": ..., "port": ...}``; the child serves the node
API on that socket with uvicorn, exactly as ``concord node serve`` would, over the vault the
test made. Each node dies with the launcher, and the launcher with the test process.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import socket
import sys
from pathlib import Path

import uvicorn

from concord.federation.keys import SigningPair
from concord.logs import configure_logging
from concord.settings import Settings
from consent.db import Vaults
from consent.in_process import InProcessVault
from consent.node.api import node_api
from consent.node.enrolment import SIGNING_KEY, NodeConfig, read_config, write_config
from consent.node.vault import NodeVault

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def settings_from(raw: dict[str, object]) -> Settings:
    return Settings(**{**raw, "data_dir": Path(str(raw["data_dir"]))})  # type: ignore[arg-type]


def _serve(listener: socket.socket, folder: Path, settings: Settings) -> None:
    log = os.open(folder / "node.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    configure_logging("INFO")
    config = read_config(folder)
    vaults = Vaults(settings)
    app = node_api(
        lambda: NodeVault(InProcessVault(vaults, settings, config.partner), folder),
        config=config,
        signing=SigningPair.load(folder / SIGNING_KEY),
        folder=folder,
        piece_bytes=settings.node_piece_bytes,
    )
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="off"))
    server.run(sockets=[listener])
    os._exit(0)


def main() -> None:
    _die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # nodes are reaped as they die
    for line in sys.stdin:
        request = json.loads(line)
        folder = Path(request["folder"])
        settings = settings_from(request["settings"])
        listener = socket.socket()
        # A restarted node takes its old port at once, as uvicorn's own sockets would, even
        # with the killed node's connections still in TIME_WAIT.
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", int(request.get("port", 0))))
        except OSError as error:  # answer, and stay up for the other tests
            listener.close()
            print(json.dumps({"error": str(error)}), flush=True)
            continue
        listener.listen(64)
        port = listener.getsockname()[1]
        write_config(
            folder,
            NodeConfig(
                partner=request["partner"],
                public_url=f"http://127.0.0.1:{port}",
                hub_key=request["hub_key"],
            ),
        )
        pid = os.fork()
        if pid == 0:
            _die_with_parent()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _serve(listener, folder, settings)
        listener.close()
        print(json.dumps({"pid": pid, "port": port}), flush=True)


if __name__ == "__main__":
    main()
