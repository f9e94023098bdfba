"""Presidency operations: they flush and audit; the caller commits."""

from datetime import date, datetime

from sqlalchemy import select

from secretariat import audit
from secretariat.database import utcnow
from secretariat.extensions import db
from secretariat.members.models import City
from secretariat.members.operations import bump_directory
from secretariat.presidency.models import Summit, Term


def terms_in_order() -> list[Term]:
    return db.session.scalars(select(Term).order_by(Term.number)).all()


def holders_before(term_number: int) -> list[int]:
    """The cities of the terms before term_number, in order: what the succession rule reads."""
    return db.session.scalars(
        select(Term.city_id).where(Term.number < term_number).order_by(Term.number)
    ).all()


def current_term(now: datetime | None = None) -> Term | None:
    """The term whose summit has handed over last (rights follow the terms, never a flag)."""
    now = now or utcnow()
    return db.session.scalars(
        select(Term)
        .where(Term.started_at.is_not(None), Term.started_at <= now)
        .order_by(Term.number.desc())
        .limit(1)
    ).first()


def president_elect(now: datetime | None = None) -> Term | None:
    """The elected term that has not started yet: its city prepares and hosts the next summit."""
    now = now or utcnow()
    return db.session.scalars(
        select(Term)
        .where((Term.started_at.is_(None)) | (Term.started_at > now))
        .order_by(Term.number)
        .limit(1)
    ).first()


def mayor_of(city: City) -> str:
    return next((h.name for h in city.office_holders if h.ended_on is None), "")


def create_next_term(actor, summit: Summit, city: City) -> Term:
    """The city elected at summit holds the next term and hosts the next summit (SPEC §3).

    The next summit has no dates yet: its host sets them while preparing it.
    """
    next_summit = Summit(number=summit.number + 1, host_city=city)
    db.session.add(next_summit)
    term = Term(
        number=summit.number + 1, city=city, mayor_name=mayor_of(city), opening_summit=next_summit
    )
    db.session.add(term)
    db.session.flush()
    audit.record(actor, "term.create", term, after={"city": city.slug, "number": term.number})
    bump_directory()  # city pages list their terms
    return term


def record_summit(
    actor, number: int, host: City, starts_on: date, ends_on: date, **details
) -> tuple[Summit, Term]:
    """A summit of the past (or one being set up) with the term it opens, held by its host."""
    summit = Summit(
        number=number,
        year=starts_on.year,
        host_city=host,
        starts_on=starts_on,
        ends_on=ends_on,
        **details,
    )
    db.session.add(summit)
    term = Term(
        number=number,
        year=starts_on.year,
        city=host,
        mayor_name=mayor_of(host),
        opening_summit=summit,
    )
    db.session.add(term)
    db.session.flush()
    audit.record(actor, "summit.create", summit, after={"host": host.slug, "year": summit.year})
    bump_directory()
    return summit, term
