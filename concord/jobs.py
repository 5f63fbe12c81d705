"""Background jobs of the platform: importable module-level functions, safe to run twice.

APScheduler stores jobs in the hub database by reference, so job functions take no secrets as
arguments; they reach the hub that the worker bound at start-up.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete

from concord.accounts import login_limits, sessions
from concord.accounts.models import PasswordReset
from concord.db import utcnow
from concord.finder.services import forget_expired
from concord.hub import Hub
from concord.mail.delivery import send_staff_outbox
from concord.mail.engine import SendReport

log = logging.getLogger("concord.jobs")
_bound: dict[str, object] = {}


def bind(hub: Hub, **services: object) -> None:
    """Make ``hub`` (and whatever the composition root adds, such as the vaults) the ones
    this process's jobs work on."""
    _bound.clear()
    _bound.update(services, hub=hub)


def bound(name: str) -> object:
    try:
        return _bound[name]
    except KeyError:
        raise RuntimeError(f"jobs.bind() gave this process no {name}") from None


def current_hub() -> Hub:
    hub = bound("hub")
    assert isinstance(hub, Hub)
    return hub


def housekeeping() -> None:
    """Delete idle sessions, spent or expired reset links and old failed-login records."""
    hub = current_hub()
    with hub.transaction() as session:
        idle = sessions.purge_idle(session, hub.settings)
        failures = login_limits.purge_old(session, hub.settings)
        resets = session.execute(
            delete(PasswordReset).where(
                (PasswordReset.expires_at < utcnow()) | PasswordReset.used_at.is_not(None)
            )
        ).rowcount  # type: ignore[attr-defined]
        # Find my data's expired codes, sessions and request records.
        forget_expired(session)
    if idle or failures or resets:
        log.info(
            "housekeeping: %d idle sessions, %d login failures, %d reset links deleted",
            idle,
            failures,
            resets,
        )


def send_staff_mail() -> None:
    """Deliver the staff outbox (password resets) over SMTP, when SMTP is configured."""
    hub = current_hub()
    report = send_staff_outbox(hub, hub.settings)
    if report != SendReport():
        log.info("staff mail: %s", report)
