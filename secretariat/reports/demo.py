"""Demo indicators: what the secretariat and each presidency agreed to aim for, with figures."""

from datetime import timedelta

from sqlalchemy import select

from secretariat.database import utcnow
from secretariat.extensions import db
from secretariat.presidency.models import Term
from secretariat.reports import operations
from secretariat.reports.rules import Direction, Measure, Source

COMPUTED = [
    # measure, target, direction, English title, Turkish title, English unit, Turkish unit
    (Measure.NEW_MEMBERS, 3, Direction.AT_LEAST, "New member cities", "Yeni üye şehirler",
     "cities", "şehir"),
    (Measure.SESSIONS_HELD, 8, Direction.AT_LEAST, "Working group sessions held",
     "Yapılan çalışma grubu toplantıları", "sessions", "toplantı"),
    (Measure.MEDIAN_DAYS_TO_DECIDE, 45, Direction.AT_MOST, "Median days to decide an application",
     "Bir başvurunun karara bağlanması için ortanca gün", "days", "gün"),
]  # fmt: skip
ENTERED = (
    "Cities that shared a local climate plan",
    "Yerel iklim planını paylaşan şehirler",
    "cities",
    "şehir",
)


def load_indicators() -> None:
    """Three computed indicators for every term from Athens's on, and one the secretariat
    enters, with a figure a quarter after the handover for each term that has run that long."""
    terms = db.session.scalars(select(Term).where(Term.number >= 2).order_by(Term.number))
    for term in terms:
        for measure, target, direction, title_en, title_tr, unit_en, unit_tr in COMPUTED:
            _add(term, title_en, title_tr, unit_en, unit_tr, target, direction, measure)
        entered = _add(term, *ENTERED, 10, Direction.AT_LEAST)
        if term.started_at is not None:
            day = term.started_at.date() + timedelta(days=91)
            if day <= utcnow().date():
                operations.record_figure(None, entered, 4 + term.number, day, "Survey of members.")


def _add(term, title_en, title_tr, unit_en, unit_tr, target, direction, measure=None):
    return operations.add_indicator(
        None,
        term,
        title_en=title_en,
        title_tr=title_tr,
        unit_en=unit_en,
        unit_tr=unit_tr,
        target=target,
        direction=direction,
        source=Source.COMPUTED if measure else Source.ENTERED,
        measure=measure,
    )
