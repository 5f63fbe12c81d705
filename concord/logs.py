"""Process logging for the server and the worker: plain lines, and only the ones worth reading.

Request lines come from ``concord.web.request_log``, never from raw paths. APScheduler writes
two INFO lines per job run, which on an idle server is almost all it writes, and httpx one per
call to a vault node; both are kept only at DEBUG, and their warnings and errors (a job that
raised, a missed run) always show.
"""

from __future__ import annotations

import logging

# Loggers that say at INFO what is only worth reading when debugging.
CHATTY_AT_INFO = ("apscheduler", "httpx")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    # Uvicorn's access log prints raw paths, which carry secret tokens.
    logging.getLogger("uvicorn.access").disabled = True
    quiet = logging.NOTSET if level == "DEBUG" else logging.WARNING
    for name in CHATTY_AT_INFO:
        logging.getLogger(name).setLevel(quiet)
