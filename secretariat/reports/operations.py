"""Reports operations: a term's indicators, their figures, the report's narrative and its steps;
they flush, audit and queue mail, never commit."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from secretariat import audit, cache, mail
from secretariat.database import claim, insert_missing
from secretariat.errors import RuleViolation
from secretariat.extensions import db
from secretariat.members.rules import require_staff
from secretariat.presidency.models import ChecklistTask, Summit, TaskKind, Term
from secretariat.presidency.summits import operations as summits
from secretariat.reports import document, queries
from secretariat.reports.models import (
    NARRATIVE,
    Indicator,
    IndicatorFigure,
    Report,
    ReportGroupNote,
    ReportTransition,
)
from secretariat.reports.queries import refuse_unless_may_set_targets
from secretariat.reports.rules import (
    COMMENT_NEEDED,
    Direction,
    Measure,
    ReportState,
    Side,
    Source,
    Step,
    note_field,
    noted_groups,
)
from secretariat.security import public_url
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


# --- the annual activity report -----------------------------------------------------------

TEXTS = tuple(f"{name}_{language}" for name in NARRATIVE for language in ("en", "tr"))


def start_report(actor, term: Term) -> Report:
    """The term's report, begun as a draft (once: a second start finds the first)."""
    queries.refuse_unless_on(actor, term, Side.STAFF)
    insert_missing(db.session, Report, {"term_id": term.id, "state": ReportState.DRAFT})
    report = queries.report_of(term)
    audit.record(actor, "report.start", report)
    return report


def write_narrative(actor, report: Report, **texts) -> None:
    """The report's texts in both languages, and a note per working group (typed as
    note_<group id>_<language>); only while it is a draft, so what the presidency reviews is
    what will be published."""
    queries.refuse_unless_on(actor, report.term, Side.STAFF)
    if report.state != ReportState.DRAFT:
        raise RuleViolation(_l("The texts can be changed only while the report is a draft."))
    notes = {note.group_id: note for note in report.notes}
    before = {name: getattr(report, name) for name in TEXTS}
    for name in TEXTS:
        setattr(report, name, (texts.get(name) or "").strip())
    for group_id in noted_groups(texts):
        typed = {
            code: (texts.get(note_field(group_id, code)) or "").strip() for code in ("en", "tr")
        }
        note = notes.get(group_id)
        if note is None:
            if not any(typed.values()):
                continue
            note = ReportGroupNote(report_id=report.id, group_id=group_id)
            db.session.add(note)
        for code, text in typed.items():
            before[note_field(group_id, code)] = getattr(note, f"note_{code}") or ""
            setattr(note, f"note_{code}", text)
    db.session.flush()
    after = {name: getattr(report, name) for name in TEXTS}
    after |= {
        note_field(group_id, code): (texts.get(note_field(group_id, code)) or "").strip()
        for group_id in noted_groups(texts)
        for code in ("en", "tr")
    }
    changed = [name for name in after if before.get(name, "") != after[name]]
    audit.record(
        actor,
        "report.write",
        report,
        before={name: before.get(name, "") for name in changed},
        after={name: after[name] for name in changed},
    )


def _tick_presented(actor, term: Term) -> None:
    """The checklist of the summit that ends the term: its report step is done once published."""
    task = db.session.scalar(
        select(ChecklistTask)
        .join(Summit)
        .where(
            Summit.number == term.number + 1,
            ChecklistTask.kind == TaskKind.ACTIVITY_REPORT_PRESENTED,
        )
    )
    if task is not None:
        summits.mark_task(actor, task, True)


def take_step(actor, report: Report, step: Step, comment: str = "") -> ReportTransition:
    """Move the report one step (send, return, approve, publish, correct), as the charter's
    order of work says: staff write and publish, the term's presidency reviews. The other side
    is told by mail, each in their own language."""
    step = Step(step)
    queries.refuse_unless_on(actor, report.term, step.side)
    comment = (comment or "").strip()
    if step.needs_comment and not comment:
        raise RuleViolation(COMMENT_NEEDED)
    if report.state != step.source or not claim(
        db.session, report, Report.state == step.source, state=step.target
    ):
        raise RuleViolation(
            _l(
                "A report that is %(state)s cannot take this step.",
                state=ReportState(report.state).label,
            )
        )
    transition = ReportTransition(
        report_id=report.id,
        step=step,
        from_state=step.source,
        to_state=step.target,
        actor_id=getattr(actor, "id", None),
        comment=comment,
    )
    db.session.add(transition)
    db.session.flush()
    if step == Step.PUBLISH:
        snapshot = document.freeze(report, actor, queries.reason_of_correction(report))
        comment = comment or snapshot.reason
        _tick_presented(actor, report.term)
        cache.bump(cache.REPORTS)
        cache.bump_directory()  # the home page links the latest report
    audit.record(
        actor,
        f"report.{step}",
        report,
        before={"state": step.source},
        after={"state": step.target, "comment": comment},
    )
    other = Side.PRESIDENCY if step.side == Side.STAFF else Side.STAFF
    link = public_url("reports.show_draft", number=report.term.number)
    for person in queries.people_of(other, report.term):
        mail.queue(
            person.email,
            _l(
                "The activity report of term %(number)s: %(step)s",
                number=report.term.number,
                step=step.label,
            ),
            "report_step",
            person.language,
            person=person,
            report=report,
            step=step,
            comment=comment,
            link=link,
        )
    return transition
