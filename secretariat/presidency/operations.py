"""Term operations (the next term, a recorded summit, the handover): flush, audit, no commit."""

from datetime import date, datetime

from secretariat import audit, cache
from secretariat.database import claim, utcnow
from secretariat.extensions import db
from secretariat.members.models import City
from secretariat.presidency.models import Summit, Term
from secretariat.presidency.queries import (
    mayor_of,
    summits_to_hand_over,
    term_by_number,
    term_opened_by,
)
from secretariat.presidency.rules import handover_time, network_today
from secretariat.presidency.summits.operations import insert_standard_tasks


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
    insert_standard_tasks(actor, next_summit)
    cache.bump_directory()  # city pages list their terms
    return term


def record_summit(
    actor, number: int, host: City, starts_on: date, ends_on: date, **details
) -> tuple[Summit, Term]:
    """A summit of the past (or one being set up) with the term it opens, held by its host.

    One still to come gets the standard preparation checklist; a past one is history only.
    """
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
    if ends_on >= network_today():
        insert_standard_tasks(actor, summit)
    cache.bump_directory()
    return summit, term


def hand_over_due_summits(now: datetime | None = None) -> list[Summit]:
    """At the end of each summit (its last day, 18:00 in Istanbul) the term it opens starts and
    the term before it ends (SPEC §3.1). Each summit is claimed, so a second scheduler, a retry
    or an overlapping run hands nothing over twice."""
    now = now or utcnow()
    handed = []
    for summit in summits_to_hand_over(network_today(now)):
        at = handover_time(summit.ends_on)
        if at > now or not claim(
            db.session, summit, Summit.handed_over_at.is_(None), handed_over_at=at
        ):
            continue
        term = term_opened_by(summit)
        previous = term_by_number(summit.number - 1)
        if term is not None and term.started_at is None:
            term.started_at = at
        if previous is not None and previous.ended_at is None:
            previous.ended_at = at
        db.session.flush()
        audit.record(
            None,
            "summit.handover",
            summit,
            after={
                "at": at,
                "term": term.number if term else None,
                "city": term.city.slug if term else None,
                "previous_term": previous.number if previous else None,
            },
        )
        cache.bump_directory()
        handed.append(summit)
    return handed
