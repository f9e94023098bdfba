"""Reports operations: a term's indicators and their figures; they flush and audit, never commit."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from secretariat import audit
from secretariat.errors import RuleViolation
from secretariat.extensions import db
from secretariat.members.rules import require_staff
from secretariat.presidency.models import Term
from secretariat.reports.models import Indicator, IndicatorFigure
from secretariat.reports.queries import refuse_unless_may_set_targets
from secretariat.reports.rules import Direction, Measure, Source
from secretariat.text import clean_line

FIELDS = (
    "title_en",
    "title_tr",
    "description_en",
    "description_tr",
    "unit_en",
    "unit_tr",
    "target",
    "direction",
    "source",
    "measure",
    "working_group_id",
)


def _snapshot(indicator: Indicator) -> dict:
    return {name: getattr(indicator, name) for name in FIELDS}


def _checked(values: dict) -> dict:
    """The indicator's fields as stored: one line each, a measure only for a computed figure."""
    values = dict(values)
    for name in ("title_en", "title_tr", "unit_en", "unit_tr"):
        values[name] = clean_line(values.get(name))
    for name in ("description_en", "description_tr"):
        values[name] = (values.get(name) or "").strip()
    if not (values["title_en"] or values["title_tr"]):
        raise RuleViolation(_l("Give the indicator a title in English or in Turkish."))
    values["direction"] = Direction(values["direction"])
    values["source"] = Source(values["source"])
    if values["source"] == Source.COMPUTED:
        if values.get("measure") not in set(Measure):
            raise RuleViolation(_l("Choose what the portal counts for a computed figure."))
        measure = Measure(values["measure"])
        values["measure"] = measure
        if not measure.per_group:
            values["working_group_id"] = None
    else:
        values["measure"] = None
    return values


def add_indicator(actor, term: Term, **values) -> Indicator:
    """A new indicator at the end of the term's list."""
    refuse_unless_may_set_targets(actor, term)
    last = db.session.scalar(
        select(func.max(Indicator.position)).where(Indicator.term_id == term.id)
    )
    indicator = Indicator(term_id=term.id, position=(last or 0) + 1, **_checked(values))
    db.session.add(indicator)
    db.session.flush()
    audit.record(actor, "indicator.add", indicator, after=_snapshot(indicator))
    return indicator


def update_indicator(actor, indicator: Indicator, **values) -> None:
    refuse_unless_may_set_targets(actor, indicator.term)
    before = _snapshot(indicator)
    for name, value in _checked(values).items():
        setattr(indicator, name, value)
    db.session.flush()
    audit.record(actor, "indicator.update", indicator, before=before, after=_snapshot(indicator))


def remove_indicator(actor, indicator: Indicator) -> None:
    refuse_unless_may_set_targets(actor, indicator.term)
    audit.record(actor, "indicator.remove", indicator, before=_snapshot(indicator))
    db.session.delete(indicator)
    db.session.flush()


def record_figure(actor, indicator: Indicator, value: float, recorded_on: date, note: str = ""):
    """A figure of an entered indicator; the latest by day counts, every earlier one stays."""
    require_staff(actor)
    if indicator.source != Source.ENTERED:
        raise RuleViolation(_l("The portal computes this indicator: there is no figure to enter."))
    figure = IndicatorFigure(
        indicator=indicator,
        value=value,
        recorded_on=recorded_on,
        note=(note or "").strip(),
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(figure)
    db.session.flush()
    audit.record(
        actor,
        "indicator.figure",
        indicator,
        after={"value": value, "recorded_on": recorded_on.isoformat(), "note": figure.note},
    )
    return figure
