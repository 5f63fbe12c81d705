"""APScheduler 3 with its job store in the hub database: one worker process runs the jobs."""

from __future__ import annotations

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from concord import jobs
from concord.hub import Hub

# (job id, function reference, minutes between runs)
PERIODIC_JOBS: list[tuple[str, str, int]] = [
    ("housekeeping", "concord.jobs:housekeeping", 10),
]


def build(hub: Hub, *, blocking: bool) -> BaseScheduler:
    """A scheduler whose jobs persist in the hub database and survive restarts."""
    jobs.bind(hub)
    scheduler_cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler: BaseScheduler = scheduler_cls(
        jobstores={"default": SQLAlchemyJobStore(engine=hub.engine, tablename="scheduler_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    for job_id, func, minutes in PERIODIC_JOBS:
        scheduler.add_job(
            func, "interval", minutes=minutes, id=job_id, replace_existing=True, jitter=30
        )
    return scheduler
