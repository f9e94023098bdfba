"""The one scheduler process: runs the jobs each domain lists in its tasks.py.

It runs as `flask --app secretariat scheduler run`, never inside web workers. Every job claims
its rows with a conditional update, so a second scheduler or a retry does nothing twice.
"""

import importlib
import logging
from datetime import UTC

from apscheduler.schedulers.blocking import BlockingScheduler

from secretariat import mail
from secretariat.extensions import db

log = logging.getLogger("secretariat.scheduler")

TASK_MODULES = (  # each domain with jobs lists its tasks.py
    "secretariat.applications.tasks",
    "secretariat.presidency.tasks",
    "secretariat.elections.tasks",
    "secretariat.working_groups.tasks",
)
CORE_JOBS = [
    {"id": "outbox.send", "func": mail.send_pending, "trigger": "interval", "seconds": 30},
]


def all_jobs() -> list[dict]:
    jobs = list(CORE_JOBS)
    for name in TASK_MODULES:
        jobs.extend(importlib.import_module(name).JOBS)
    return jobs


def run_job(app, func) -> None:
    """One run of one job in its own context and transaction; links in its mail start with
    PUBLIC_URL, as if a request had come in there."""
    with app.test_request_context(base_url=app.config["PUBLIC_URL"]):
        try:
            func()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job %s failed; it runs again at its next time", func.__name__)
        finally:
            db.session.remove()


def build(app) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=UTC)
    for job in all_jobs():
        spec = dict(job)
        func = spec.pop("func")
        scheduler.add_job(
            run_job,
            args=(app, func),
            coalesce=True,
            max_instances=1,
            misfire_grace_time=300,
            **spec,
        )
    return scheduler


def run(app) -> None:
    scheduler = build(app)
    log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
    scheduler.start()
