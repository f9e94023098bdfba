"""Presidency reads: the terms, who holds the presidency now and who holds it next."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from secretariat.database import utcnow
from secretariat.extensions import db
from secretariat.members.models import City
from secretariat.presidency.models import Summit, Term, current_term_query


def terms_in_order() -> list[Term]:
    return db.session.scalars(select(Term).order_by(Term.number)).all()


def holders_before(term_number: int) -> list[int]:
    """The cities of the terms before term_number, in order: what the succession rule reads."""
    return db.session.scalars(
        select(Term.city_id).where(Term.number < term_number).order_by(Term.number)
    ).all()


def current_term(now: datetime | None = None) -> Term | None:
    """The term whose summit has handed over last (rights follow the terms, never a flag)."""
    return db.session.scalars(current_term_query(now or utcnow())).first()


def president_elect(now: datetime | None = None) -> Term | None:
    """The elected term that has not started yet: its city prepares and hosts the next summit."""
    now = now or utcnow()
    return db.session.scalars(
        select(Term)
        .where((Term.started_at.is_(None)) | (Term.started_at > now))
        .order_by(Term.number)
        .limit(1)
    ).first()


@dataclass
class Overview:
    """Every term, with the current one and the president-elect picked out: one query."""

    terms: list[Term]
    current: Term | None
    elect: Term | None


def overview(now: datetime | None = None) -> Overview:
    now = now or utcnow()
    terms = terms_in_order()
    started = [t for t in terms if t.started_at is not None and t.started_at <= now]
    waiting = [t for t in terms if t.started_at is None or t.started_at > now]
    return Overview(terms, started[-1] if started else None, waiting[0] if waiting else None)


def terms_of_city(city_id: int) -> list[Term]:
    """The terms a city held or will hold, for its page."""
    return db.session.scalars(
        select(Term).where(Term.city_id == city_id).order_by(Term.number)
    ).all()


def term_by_number(number: int) -> Term | None:
    return db.session.scalar(select(Term).where(Term.number == number))


def term_opened_by(summit: Summit) -> Term | None:
    return db.session.scalar(select(Term).where(Term.opening_summit_id == summit.id))


def mayor_of(city: City) -> str:
    return next((h.name for h in city.office_holders if h.ended_on is None), "")


def summits_to_hand_over(today: date) -> list[Summit]:
    """The summits not handed over whose last day has come (in Istanbul), in order."""
    return db.session.scalars(
        select(Summit)
        .where(
            Summit.handed_over_at.is_(None),
            Summit.ends_on.is_not(None),
            Summit.ends_on <= today,
        )
        .order_by(Summit.number)
    ).all()
