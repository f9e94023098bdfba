"""The ballot box: the only code that reads or writes what ballots say.

Casting a ballot (the register's entry and the anonymous ballot) and counting a round happen
here, and nothing else reads a choice. The code speaks to the database driver directly, on the
session's own connection and transaction, so that no statement or parameter about a choice
passes through SQLAlchemy's statement log: an operator who turns SQL logging on still never sees
a choice next to a city. tests/test_election_secrecy.py holds the box to this.
"""

import base64
import secrets

from flask_babel import lazy_gettext as _l

from secretariat import audit
from secretariat.elections import queries
from secretariat.elections.lock import lock_election
from secretariat.elections.models import VoteRecord
from secretariat.errors import RuleViolation
from secretariat.extensions import db

_DROP = "INSERT INTO ballots (receipt, election_id, round, choice) VALUES (?, ?, ?, ?)"
_COUNT = "SELECT choice, COUNT(*) FROM ballots WHERE election_id = ? AND round = ? GROUP BY choice"
_READ_ROUND = "SELECT receipt, choice FROM ballots WHERE election_id = ? AND round = ?"
_EMPTY_ROUND = "DELETE FROM ballots WHERE election_id = ? AND round = ?"


def new_receipt() -> str:
    """80 random bits, in groups a person can copy: the ballot's only key."""
    code = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def cast_ballot(actor, election_id: int, choice: str) -> str:
    """One ballot for the voter's city in the round being voted; returns its receipt code.

    The register (that the city voted) and the ballot box (what was chosen) are written in the
    one transaction, under the election's lock, and share nothing: no key, no order, no time.
    A second ballot of the city in the round is refused here, and by the database's unique
    constraint on the register when two race (the caller answers that refusal calmly too).
    The audit trail records the register's row, never the choice.
    """
    election = lock_election(election_id, shared=True)
    refusal = queries.vote_refusal(actor, election)
    if refusal is not None:
        raise refusal
    if choice not in queries.ballot_options(election):
        raise RuleViolation(_l("Choose one of the candidates, or a blank vote."))
    city = queries.city_of(actor)
    db.session.add(
        VoteRecord(
            election_id=election.id, round=election.round, city_id=city.id, voted_by_id=actor.id
        )
    )
    db.session.flush()
    receipt = new_receipt()
    _execute(_DROP, (receipt, election.id, election.round, choice))
    audit.record(
        actor, "election.vote", election, after={"city": city.slug, "round": election.round}
    )
    return receipt


def count_round(election_id: int, round_number: int) -> dict[str, int]:
    """The round's ballots counted, {choice: votes}; called by the close, while the round is
    still open (the database refuses to touch the ballots of a closed round)."""
    counted = dict(_execute(_COUNT, (election_id, round_number)))
    _shuffle(election_id, round_number)
    return counted


def _cursor():
    """The driver's cursor, and a function that puts a constant statement in its paramstyle."""
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"

    def statement(sql: str) -> str:
        return sql.replace("?", "%s") if postgresql else sql

    return connection.connection.cursor(), statement, postgresql


def _execute(sql: str, parameters: tuple) -> list[tuple]:
    cursor, statement, _postgresql = _cursor()
    cursor.execute(statement(sql), parameters)
    rows = cursor.fetchall() if cursor.description else []
    cursor.close()
    return rows


def _shuffle(election_id: int, round_number: int) -> None:
    """On PostgreSQL, rewrite the round's ballots in receipt order within the closing transaction:
    every row then carries the closing transaction's id (xmin) and sits in the order of its
    random receipt, not of voting, so neither links a ballot to the register row written with it.
    SQLite needs nothing: the table has no rowid (rows sit in receipt order) and rows carry no
    transaction id."""
    cursor, statement, postgresql = _cursor()
    if postgresql:
        cursor.execute(statement(_READ_ROUND), (election_id, round_number))
        rows = sorted(cursor.fetchall())
        cursor.execute(statement(_EMPTY_ROUND), (election_id, round_number))
        cursor.executemany(
            statement(_DROP),
            [(receipt, election_id, round_number, choice) for receipt, choice in rows],
        )
    cursor.close()
