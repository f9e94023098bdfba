"""Elections: the database refuses to change ballots, counted results and certified elections

Revision ID: 76f8f5f814d8
Revises: 4219f1b45409
Create Date: 2026-11-22 04:10:00.000000

Triggers, on SQLite and PostgreSQL alike (SPEC §3.2: certified results never change; a ballot
is cast once and never after the close):

- ballots: never updated; inserted only while their round is being voted online; removed
  only while their round is still open (the close on PostgreSQL rewrites the round's ballots
  in receipt order, see elections.operations._box_shuffle), never once counted;
- vote_records (the register) and tallies: inserted only while their round is being voted
  (the close writes the tallies, paper mode the register, just before the phase moves on);
  never updated; never removed while their election exists;
- candidates and roll_entries: added or removed only in draft and nominations (both are
  frozen when voting opens); the roll is never edited after that, a candidate not once the
  election is certified (the close marks the second round's pair);
- elections: a certified election is never updated. It is not deleted either: its candidates,
  register and tallies hold foreign keys to it.

What this does not cover, by design: DDL (dropping a trigger), PostgreSQL's TRUNCATE (a
statement-level maintenance command, which the test suite uses to empty the database), and
SQLite with foreign keys switched off (`PRAGMA foreign_keys=OFF`), where the elections can be
deleted first and their rows after them. The test suite empties SQLite that way, parents first
(tests/conftest.py); nothing in the portal switches foreign keys off or truncates.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '76f8f5f814d8'
down_revision = '4219f1b45409'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    # elections: a certified one never changes
    """CREATE TRIGGER elections_certified_stay BEFORE UPDATE ON elections
    WHEN OLD.phase = 'certified'
    BEGIN SELECT RAISE(ABORT, 'a certified election never changes'); END""",
    # ballots: never edited; cast only while their round is voted online; kept once counted
    """CREATE TRIGGER ballots_never_change BEFORE UPDATE ON ballots
    BEGIN SELECT RAISE(ABORT, 'ballots never change'); END""",
    """CREATE TRIGGER ballots_only_while_voting BEFORE INSERT ON ballots
    WHEN NOT EXISTS (SELECT 1 FROM elections e WHERE e.id = NEW.election_id
                     AND e.phase = 'voting' AND e.mode = 'online' AND e.round = NEW.round)
    BEGIN SELECT RAISE(ABORT, 'a ballot is accepted only while its round is being voted online'); END""",
    """CREATE TRIGGER ballots_stay_counted BEFORE DELETE ON ballots
    WHEN EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id
                 AND NOT (e.phase = 'voting' AND e.round = OLD.round))
    BEGIN SELECT RAISE(ABORT, 'a counted ballot is never removed'); END""",
    # the register and the tallies: written while their round is voted, then never touched
    """CREATE TRIGGER vote_records_only_while_voting BEFORE INSERT ON vote_records
    WHEN NOT EXISTS (SELECT 1 FROM elections e WHERE e.id = NEW.election_id
                     AND e.phase = 'voting' AND e.round = NEW.round)
    BEGIN SELECT RAISE(ABORT, 'the register is written only while its round is being voted'); END""",
    """CREATE TRIGGER vote_records_never_change BEFORE UPDATE ON vote_records
    BEGIN SELECT RAISE(ABORT, 'the register never changes'); END""",
    """CREATE TRIGGER vote_records_stay BEFORE DELETE ON vote_records
    WHEN EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id)
    BEGIN SELECT RAISE(ABORT, 'the register is never removed'); END""",
    """CREATE TRIGGER tallies_only_while_voting BEFORE INSERT ON tallies
    WHEN NOT EXISTS (SELECT 1 FROM elections e WHERE e.id = NEW.election_id
                     AND e.phase = 'voting' AND e.round = NEW.round)
    BEGIN SELECT RAISE(ABORT, 'tallies are written only when their round closes'); END""",
    """CREATE TRIGGER tallies_never_change BEFORE UPDATE ON tallies
    BEGIN SELECT RAISE(ABORT, 'tallies never change'); END""",
    """CREATE TRIGGER tallies_stay BEFORE DELETE ON tallies
    WHEN EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id)
    BEGIN SELECT RAISE(ABORT, 'tallies are never removed'); END""",
    # candidates and the roll: frozen when voting opens; candidates fixed once certified
    """CREATE TRIGGER candidates_frozen_insert BEFORE INSERT ON candidates
    WHEN EXISTS (SELECT 1 FROM elections e WHERE e.id = NEW.election_id
                 AND e.phase NOT IN ('draft', 'nominations'))
    BEGIN SELECT RAISE(ABORT, 'the candidate list is frozen once voting opens'); END""",
    """CREATE TRIGGER candidates_frozen_delete BEFORE DELETE ON candidates
    WHEN EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id
                 AND e.phase NOT IN ('draft', 'nominations'))
    BEGIN SELECT RAISE(ABORT, 'the candidate list is frozen once voting opens'); END""",
    """CREATE TRIGGER candidates_certified_stay BEFORE UPDATE ON candidates
    WHEN EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id
                 AND e.phase = 'certified')
    BEGIN SELECT RAISE(ABORT, 'a certified election never changes'); END""",
    """CREATE TRIGGER roll_entries_frozen_insert BEFORE INSERT ON roll_entries
    WHEN EXISTS (SELECT 1 FROM elections e WHERE e.id = NEW.election_id
                 AND e.phase NOT IN ('draft', 'nominations'))
    BEGIN SELECT RAISE(ABORT, 'the roll is frozen once voting opens'); END""",
    """CREATE TRIGGER roll_entries_frozen_update BEFORE UPDATE ON roll_entries
    WHEN EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id
                 AND e.phase NOT IN ('draft', 'nominations'))
    BEGIN SELECT RAISE(ABORT, 'the roll is frozen once voting opens'); END""",
    """CREATE TRIGGER roll_entries_frozen_delete BEFORE DELETE ON roll_entries
    WHEN EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id
                 AND e.phase NOT IN ('draft', 'nominations'))
    BEGIN SELECT RAISE(ABORT, 'the roll is frozen once voting opens'); END""",
]
SQLITE_TRIGGER_NAMES = [statement.split()[2] for statement in SQLITE_TRIGGERS]

# PostgreSQL: one function per table; ERRCODE 23000 surfaces as an IntegrityError, like SQLite's
POSTGRESQL_FUNCTIONS = {
    "elections_guard": """
    IF OLD.phase = 'certified' THEN
        RAISE EXCEPTION 'a certified election never changes' USING ERRCODE = '23000';
    END IF;
    RETURN NEW;""",
    "ballots_guard": """
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'ballots never change' USING ERRCODE = '23000';
    ELSIF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM elections e WHERE e.id = NEW.election_id
                       AND e.phase = 'voting' AND e.mode = 'online' AND e.round = NEW.round) THEN
            RAISE EXCEPTION 'a ballot is accepted only while its round is being voted online'
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id
               AND NOT (e.phase = 'voting' AND e.round = OLD.round)) THEN
        RAISE EXCEPTION 'a counted ballot is never removed' USING ERRCODE = '23000';
    END IF;
    RETURN OLD;""",
    "counted_rows_guard": """
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '% never change', TG_TABLE_NAME USING ERRCODE = '23000';
    ELSIF TG_OP = 'INSERT' THEN
        IF NOT EXISTS (SELECT 1 FROM elections e WHERE e.id = NEW.election_id
                       AND e.phase = 'voting' AND e.round = NEW.round) THEN
            RAISE EXCEPTION '% are written only while their round is being voted', TG_TABLE_NAME
                USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id) THEN
        RAISE EXCEPTION '% are never removed', TG_TABLE_NAME USING ERRCODE = '23000';
    END IF;
    RETURN OLD;""",
    "candidates_guard": """
    IF TG_OP = 'UPDATE' THEN
        IF EXISTS (SELECT 1 FROM elections e WHERE e.id = OLD.election_id
                   AND e.phase = 'certified') THEN
            RAISE EXCEPTION 'a certified election never changes' USING ERRCODE = '23000';
        END IF;
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM elections e
               WHERE e.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.election_id ELSE OLD.election_id END
               AND e.phase NOT IN ('draft', 'nominations')) THEN
        RAISE EXCEPTION 'the candidate list is frozen once voting opens' USING ERRCODE = '23000';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;""",
    "roll_entries_guard": """
    IF EXISTS (SELECT 1 FROM elections e
               WHERE e.id = CASE WHEN TG_OP = 'INSERT' THEN NEW.election_id ELSE OLD.election_id END
               AND e.phase NOT IN ('draft', 'nominations')) THEN
        RAISE EXCEPTION 'the roll is frozen once voting opens' USING ERRCODE = '23000';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;""",
}
POSTGRESQL_TRIGGERS = [  # (table, events, function)
    ("elections", "UPDATE", "elections_guard"),
    ("ballots", "INSERT OR UPDATE OR DELETE", "ballots_guard"),
    ("vote_records", "INSERT OR UPDATE OR DELETE", "counted_rows_guard"),
    ("tallies", "INSERT OR UPDATE OR DELETE", "counted_rows_guard"),
    ("candidates", "INSERT OR UPDATE OR DELETE", "candidates_guard"),
    ("roll_entries", "INSERT OR UPDATE OR DELETE", "roll_entries_guard"),
]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, body in POSTGRESQL_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN{body}\nEND\n$$"
            )
        for table, events, function in POSTGRESQL_TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {table}_guard BEFORE {events} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table, _events, _function in POSTGRESQL_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_guard ON {table}")
        for name in POSTGRESQL_FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        for name in SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
