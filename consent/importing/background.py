"""Imports started from the web, run on a background thread of the server process.

The batch row in the vault is the import's real state (see :mod:`consent.importing.services`);
this module only knows which imports *this* process is running, so that a page can tell an
import in progress from one a restart interrupted, and offers to resume only the latter.
"""

from __future__ import annotations

import logging
import threading

from consent.importing import uploads
from consent.importing.services import ImportBusy, Importer

log = logging.getLogger("consent.importing")

_lock = threading.Lock()
_running: dict[str, threading.Thread] = {}


def is_running(batch_id: str) -> bool:
    with _lock:
        thread = _running.get(batch_id)
        return thread is not None and thread.is_alive()


def _run(importer: Importer, batch_id: str) -> None:
    try:
        importer.run(batch_id, uploads.upload_path(importer.settings, importer.partner, batch_id))
    except ImportBusy:
        log.info("import %s is being run by another process", batch_id)
    except Exception as error:
        # The type only: messages of database errors can quote a row's values. The batch is
        # marked failed already, and staff can resume it.
        log.error("import %s stopped: %s", batch_id, type(error).__name__)
    finally:
        with _lock:
            _running.pop(batch_id, None)


def start(importer: Importer, batch_id: str) -> bool:
    """Run the batch on a new thread unless this process runs it already."""
    with _lock:
        current = _running.get(batch_id)
        if current is not None and current.is_alive():
            return False
        thread = threading.Thread(
            target=_run, args=(importer, batch_id), name=f"import-{batch_id[:8]}", daemon=True
        )
        _running[batch_id] = thread
        thread.start()
        return True
