"""Scheduled jobs of working groups: plan the quarterly sessions, remind, close ended groups."""

import logging

from secretariat.database import utcnow
from secretariat.extensions import db
from secretariat.working_groups import operations, queries, reminders, sessions

log = logging.getLogger("secretariat.working_groups")


def plan_sessions() -> int:
    """Each active group's next quarterly session is planned (SPEC §4)."""
    return sessions.plan_sessions()


def close_ended_groups() -> int:
    return len(operations.close_ended_groups())


def send_reminders() -> int:
    """7 days and 1 day before each session, its group's contacts are reminded, once each.

    Each reminder is its own transaction, begun by its claim: on SQLite the claim then waits
    for the write lock with a fresh view, on PostgreSQL for the row; whoever comes second
    finds it claimed and sends nothing."""
    now = utcnow()
    due = queries.due_reminders(now)
    db.session.commit()
    queued = 0
    for session_id, kind in due:
        queued += reminders.send_reminder(session_id, kind, now)
        db.session.commit()
    return queued


JOBS = [
    {"id": "working_groups.close", "func": close_ended_groups, "trigger": "interval", "hours": 1},
    {"id": "working_groups.plan", "func": plan_sessions, "trigger": "interval", "hours": 1},
    {"id": "working_groups.remind", "func": send_reminders, "trigger": "interval", "minutes": 5},
]
