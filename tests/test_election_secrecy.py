"""The secret ballot: nothing in the schema, the logs or the audit trail links a ballot to a city.

SPEC §3.2: the register (who voted) and the ballot box (what was chosen) share no column, key,
id order or timestamp, and the choice is never logged.
"""

import logging
import re

import pytest
from sqlalchemy import DateTime, inspect, select, text

from secretariat.audit import AuditEntry
from secretariat.elections.models import Ballot, VoteRecord
from secretariat.extensions import db as _db
from secretariat.security import Role
from tests.test_elections import (
    candidate_codes,
    election_at,
    network,  # noqa: F401 - the fixture, shared
    person,
    signed_in,
    token,
    vote_through_pages,
)

pytestmark = pytest.mark.usefixtures("network")
BALLOT_BOX_SQL = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+ballots\b|\bballots\.\w+", re.IGNORECASE)
VOTERS = ["athens", "izmir", "bursa", "split", "pula", "kotor", "burgas", "plovdiv"]


def test_the_ballot_box_holds_nothing_of_the_voter_nor_of_time(app):
    with app.app_context():
        schema = inspect(_db.engine)
        columns = {c["name"]: c for c in schema.get_columns("ballots")}
        assert set(columns) == {"receipt", "election_id", "round", "choice"}
        assert not any(isinstance(c["type"], DateTime) for c in columns.values())
        assert all(c.get("default") is None for c in columns.values())
        assert schema.get_pk_constraint("ballots")["constrained_columns"] == ["receipt"]
        references = {fk["referred_table"] for fk in schema.get_foreign_keys("ballots")}
        assert references == {"elections"}
        register = {c["name"] for c in schema.get_columns("vote_records")}
        assert register.isdisjoint({"receipt", "choice", "ballot_id"})
        assert {fk["referred_table"] for fk in schema.get_foreign_keys("vote_records")} == {
            "elections",
            "cities",
            "users",
        }
        for table in schema.get_table_names():
            if table != "ballots":
                referred = {fk["referred_table"] for fk in schema.get_foreign_keys(table)}
                assert "ballots" not in referred, table
        indexed = {tuple(i["column_names"]) for i in schema.get_indexes("ballots")}
        assert indexed <= {("election_id",)}
    assert [c.key for c in Ballot.__table__.columns] == [
        "receipt",
        "election_id",
        "round",
        "choice",
    ]


def test_no_storage_order_or_sequence_follows_the_order_of_voting(app, client):
    election_id = election_at(app)
    codes = list(candidate_codes(app, election_id).values())
    receipts = []
    for n, slug in enumerate(VOTERS):
        signed_in(client, person(app, Role.MAYOR, slug))
        receipts.append(vote_through_pages(client, election_id, codes[n % 3]))
    staff = person(app, Role.SECRETARIAT)
    signed_in(client, staff)
    page = client.get(f"/elections/{election_id}").text
    client.post(f"/elections/{election_id}/phase/closed", data={"csrf_token": token(page)})
    with app.app_context(), _db.engine.connect() as connection:
        if _db.engine.dialect.name == "sqlite":
            ddl = connection.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'ballots'")
            ).scalar()
            assert "WITHOUT ROWID" in ddl
            with pytest.raises(Exception, match="rowid"):
                connection.execute(text("SELECT rowid FROM ballots"))
            connection.rollback()
            stored = connection.execute(text("SELECT receipt FROM ballots")).scalars().all()
        else:
            sequences = connection.execute(
                text(
                    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'ballots'"
                    " AND (column_default IS NOT NULL OR is_identity = 'YES')"
                )
            ).scalar()
            assert sequences == 0
            stored = (
                connection.execute(text("SELECT receipt FROM ballots ORDER BY ctid"))
                .scalars()
                .all()
            )
            ballot_ids = set(connection.execute(text("SELECT xmin::text FROM ballots")).scalars())
            register_ids = set(
                connection.execute(text("SELECT xmin::text FROM vote_records")).scalars()
            )
            assert len(ballot_ids) == 1  # all rewritten by the closing transaction
            assert ballot_ids.isdisjoint(register_ids)
    assert stored == sorted(receipts)  # the order of the random codes, not of voting


def test_no_choice_reaches_the_logs_or_the_audit_trail(app, client, caplog):
    """With every logger at DEBUG, SQL statement logging included (an operator's worst case),
    voting and counting leave no choice, no receipt and no statement on the ballot box in the
    logs; the audit trail records which city voted, never what."""
    election_id = election_at(app)
    codes = list(candidate_codes(app, election_id).values())
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.pool")
    receipts = []
    for n, slug in enumerate(VOTERS[:4]):
        signed_in(client, person(app, Role.MAYOR, slug))
        receipts.append(vote_through_pages(client, election_id, codes[n % 3]))
    signed_in(client, person(app, Role.SECRETARIAT))
    page = client.get(f"/elections/{election_id}").text
    closed = client.post(f"/elections/{election_id}/phase/closed", data={"csrf_token": token(page)})
    assert closed.status_code == 302
    records = list(caplog.records)

    messages = [record.getMessage() for record in records]
    assert any("INSERT INTO vote_records" in m for m in messages)  # SQL logging was on
    assert not [m for m in messages if BALLOT_BOX_SQL.search(m)]
    assert not [m for m in messages if "choice=" in m]
    assert not [m for m in messages if any(receipt in m for receipt in receipts)]
    with app.app_context():
        entries = _db.session.scalars(select(AuditEntry)).all()
        votes = [e for e in entries if e.action == "election.vote"]
        assert sorted(e.after["city"] for e in votes) == sorted(VOTERS[:4])
        assert all(set(e.after) == {"city", "round"} for e in votes)
        for entry in entries:
            trail = repr((entry.before, entry.after, entry.target_label))
            assert "choice" not in trail
            assert not any(receipt in trail for receipt in receipts)
        assert _db.session.scalar(select(VoteRecord.id).limit(1)) is not None


def test_the_receipt_is_random_and_shown_only_to_its_voter(app, client):
    election_id = election_at(app)
    codes = list(candidate_codes(app, election_id).values())
    signed_in(client, person(app, Role.MAYOR, "athens"))
    receipt = vote_through_pages(client, election_id, codes[0])
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", receipt)  # 80 random bits
    for url in ("/elections", f"/elections/{election_id}", f"/elections/{election_id}/ballot"):
        assert receipt not in client.get(url).text
