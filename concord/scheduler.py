"""APScheduler 3 with its job store in the hub database: one worker process runs the jobs."""

from __future__ import annotations

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from concord import jobs
from concord.hub import Hub

# (job id, function reference, seconds between runs)
PERIODIC_JOBS: list[tuple[str, str, int]] = [
    ("housekeeping", "concord.jobs:housekeeping", 600),
    ("staff-mail", "concord.jobs:send_staff_mail", 15),
]


def build(
    hub: Hub,
    *,
    blocking: bool,
    services: dict[str, object] | None = None,
    extra_jobs: list[tuple[str, str, int]] | None = None,
) -> BaseScheduler:
    """A scheduler whose jobs persist in the hub database and survive restarts.

    The composition root adds the vaults and the jobs of the other packages.
    """
    jobs.bind(hub, **(services or {}))
    scheduler_cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler: BaseScheduler = scheduler_cls(
        jobstores={"default": SQLAlchemyJobStore(engine=hub.engine, tablename="scheduler_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    for job_id, func, seconds in PERIODIC_JOBS + (extra_jobs or []):
        scheduler.add_job(func, "interval", seconds=seconds, id=job_id, replace_existing=True)
    return scheduler
