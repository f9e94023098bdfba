"""Scheduled jobs of elections: phases open and close at the times staff set (SPEC §3.2)."""

import logging
from datetime import datetime

from sqlalchemy import and_, or_, select

from secretariat.database import utcnow
from secretariat.elections import operations
from secretariat.elections.models import Election, Mode, Phase
from secretariat.errors import DomainError
from secretariat.extensions import db

log = logging.getLogger("secretariat.elections")


def advance_phases(now: datetime | None = None) -> int:
    """Open nominations, open voting and close online voting whose time has come; returns how
    many elections moved. Each move is the staff's own operation, which claims the election
    with a conditional UPDATE under its lock: a second scheduler, or staff moving the same
    election by hand meanwhile, makes it a no-op. A refusal (voting without a candidate, a
    candidate no longer eligible) leaves the election where it is for staff to settle."""
    now = now or utcnow()
    due = db.session.execute(
        select(Election.id, Election.phase)
        .where(
            or_(
                and_(Election.phase == Phase.DRAFT, Election.nominations_open_at <= now),
                and_(Election.phase == Phase.NOMINATIONS, Election.voting_opens_at <= now),
                and_(
                    Election.phase == Phase.VOTING,
                    Election.mode == Mode.ONLINE,
                    Election.voting_closes_at <= now,
                ),
            )
        )
        .order_by(Election.id)
    ).all()
    moved = 0
    for election_id, phase in due:
        election = db.session.get(Election, election_id)
        step = {
            Phase.DRAFT: operations.open_nominations,
            Phase.NOMINATIONS: operations.open_voting,
            Phase.VOTING: operations.close_voting,
        }[phase]
        try:
            step(None, election)
            db.session.commit()
            moved += 1
        except DomainError as refusal:
            db.session.rollback()
            log.warning("election %s stays %s: %s", election_id, phase, refusal.message)
    return moved


JOBS = [
    {
        "id": "elections.advance_phases",
        "func": advance_phases,
        "trigger": "interval",
        "seconds": 30,
    },
]
