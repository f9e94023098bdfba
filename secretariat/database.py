"""Database conventions: constraint naming, a UTC datetime type, SQLite pragmas."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Model(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def sql_list(values) -> str:
    """The SQL literal list of a CHECK constraint over a fixed set of codes."""
    return ", ".join(f"'{value}'" for value in sorted(values))


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_missing(session, model, values: dict) -> None:
    """INSERT the row unless one with the same key exists (ON CONFLICT DO NOTHING): no race."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(model).values(**values).on_conflict_do_nothing())


def insert_new(session, model, rows: list[dict]) -> list[int]:
    """INSERT the rows whose key is not taken yet, in one statement (ON CONFLICT DO NOTHING).

    :param rows: the values of each row; a row whose unique key another process inserted first
        is skipped, never an error, so two schedulers planning the same sessions make them once.
    :return: the ids of the rows this call inserted, none of another's.
    """
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).on_conflict_do_nothing().returning(model.id)
    return list(session.scalars(statement, rows))


def claim(session, row, *still, **values) -> bool:
    """Write values into row only while the conditions still hold (a conditional UPDATE).

    :param still: what the change was decided on, such as the state the row was read in.
    :return: True for exactly one of several requests racing for the same change; the row then
        holds what was written. False when another got there first, and nothing was written.
    """
    if not claim_by_id(session, type(row), row.id, *still, **values):
        return False
    session.refresh(row)
    return True


def claim_by_id(session, model, row_id: int, *still, **values) -> bool:
    """claim() for a row not read yet: a job that claims before it reads, so that its claim is
    the first statement of its transaction (SQLite then takes the write lock with a fresh view
    instead of upgrading a read another scheduler's commit made stale)."""
    claimed = session.execute(
        update(model)
        .where(model.id == row_id, *still)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return claimed.rowcount == 1


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back as an aware UTC datetime."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
