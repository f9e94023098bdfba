"""The election lock: every change to an election, every ballot and every close queue on it."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from secretariat.elections.models import Election, Phase
from secretariat.errors import RuleViolation
from secretariat.extensions import db


def lock_election(election_id: int, shared: bool = False) -> Election:
    """The election row, locked until the transaction ends, and read afresh.

    Every change to an election, every ballot and the close queue on this row, so a ballot
    never lands after the close and the phase read here is the phase the change is made under.

    :param election_id: the election to lock; a missing one is refused with a RuleViolation.
    :param shared: PostgreSQL takes SELECT … FOR UPDATE, or FOR SHARE when shared (a ballot: the
        ballots of different cities go side by side, the close waits for those under way and the
        next ones wait for it). SQLite has one writer at a time: an UPDATE that changes nothing
        takes the write lock first, as BEGIN IMMEDIATE would, before anything is read.
    :return: the election as the database holds it now, its candidates to be loaded afresh.
    """
    stmt = select(Election).where(Election.id == election_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=shared, of=Election)
    else:
        db.session.execute(
            update(Election)
            .where(Election.id == election_id, Election.phase != Phase.CERTIFIED)
            .values(round=Election.round)
            .execution_options(synchronize_session=False)
        )
    election = db.session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if election is None:
        raise RuleViolation(_l("There is no such election."))
    db.session.expire(election, ["candidates"])
    return election
