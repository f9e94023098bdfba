"""The schema: migrations match the models, the charter's invariants live in the database."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from secretariat.accounts.models import User
from secretariat.audit import AuditEntry
from secretariat.extensions import db as _db


def test_migrations_produce_exactly_the_models_schema(app, db):
    with app.app_context(), _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, _db.metadata) == []


def test_sqlite_runs_with_wal_busy_timeout_and_foreign_keys(app, db):
    with app.app_context():
        if _db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite pragmas; this run is on PostgreSQL")
        with _db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def _user(**overrides) -> User:
    values = {
        "email": "x@example.org",
        "name": "X",
        "role": "delegate",
        "city_slug": "kotor",
        "language": "en",
    }
    values.update(overrides)
    return User(**values)


@pytest.mark.parametrize(
    "overrides",
    [
        {"role": "king"},
        {"role": "mayor", "city_slug": None},
        {"role": "secretariat", "city_slug": "kotor"},
        {"language": "de"},
    ],
)
def test_the_database_refuses_impossible_users(app, db, overrides):
    with app.app_context():
        _db.session.add(_user(**overrides))
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()


def test_one_account_per_email(app, db):
    with app.app_context():
        _db.session.add(_user())
        _db.session.flush()
        _db.session.add(_user(name="Twin"))
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()


def test_foreign_keys_are_enforced(app, db):
    with app.app_context():
        _db.session.add(
            AuditEntry(actor_id=424242, actor_label="?", action="x", target_type="t", target_id="1")
        )
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()


def test_times_are_stored_in_utc_and_read_back_aware(app, db):
    istanbul_noon = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=3)))
    with app.app_context():
        _db.session.add(
            AuditEntry(
                at=istanbul_noon, actor_label="system", action="t", target_type="t", target_id="1"
            )
        )
        _db.session.commit()
        _db.session.expire_all()
        stored = _db.session.scalar(select(AuditEntry.at))
    assert stored == datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert stored.tzinfo == UTC


def test_naive_times_are_refused(app, db):
    with app.app_context():
        _db.session.add(
            AuditEntry(
                at=datetime(2026, 6, 1, 12, 0),
                actor_label="s",
                action="t",
                target_type="t",
                target_id="1",
            )
        )
        with pytest.raises(StatementError):
            _db.session.flush()
        _db.session.rollback()
