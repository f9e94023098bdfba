"""Reports reads: a term's window, the facts its measures count, its indicators and who sets them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import abort
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, or_, select
from sqlalchemy.orm import load_only, selectinload

from secretariat.accounts.models import User
from secretariat.applications.models import Application, ApplicationEvent
from secretariat.applications.rules import Action
from secretariat.database import utcnow
from secretariat.elections.models import Election, RollEntry, VoteRecord
from secretariat.errors import NotAllowed, RuleViolation
from secretariat.extensions import db
from secretariat.i18n import localized
from secretariat.members.models import City
from secretariat.members.rules import may_act_for
from secretariat.presidency.models import Delegation, Term
from secretariat.reports import rules
from secretariat.reports.models import Indicator, Report, ReportSnapshot, ReportTransition
from secretariat.reports.rules import Side, Source, Step
from secretariat.security import CITY_ROLES, STAFF, is_staff
from secretariat.working_groups.models import (
    GroupMembership,
    GroupSession,
    GroupStatus,
    SessionAttendance,
    SessionStatus,
    WorkingGroup,
)

SET_TARGETS_ONLY = _l(
    "Only the secretariat and the term's presidency (its city's mayor or delegate) can set the "
    "term's indicators."
)
TARGETS_LOCKED = _l("The term's report has been published: its targets stay as they were.")


def may_set_targets(user, term: Term) -> bool:
    """Staff (or the portal itself: user None), or the mayor or a delegate of the term's city."""
    if user is None or is_staff(user):
        return True
    return user.is_authenticated and may_act_for(user, term.city)


def refuse_unless_may_set_targets(user, term: Term) -> None:
    if not may_set_targets(user, term):
        raise NotAllowed(SET_TARGETS_ONLY)
    if is_published_once(term):
        raise RuleViolation(TARGETS_LOCKED)


REVIEW_ONLY = _l("Only the mayor or a delegate of the term's city reviews its report.")
STAFF_ONLY = _l("Only the secretariat does this.")


def is_presidency_of(user, term: Term) -> bool:
    """The mayor or a delegate of the city that holds the term (staff are not the presidency)."""
    return (
        user is not None
        and user.is_authenticated
        and user.role in CITY_ROLES
        and user.city_slug == term.city.slug
    )


def sides_of(user, term: Term) -> list[Side]:
    """The sides of a term's report the user speaks for: the secretariat, the presidency."""
    sides = [Side.STAFF] if user is None or is_staff(user) else []
    if is_presidency_of(user, term):
        sides.append(Side.PRESIDENCY)
    return sides


def refuse_unless_on(user, term: Term, side: Side) -> None:
    if side not in sides_of(user, term):
        raise NotAllowed(STAFF_ONLY if side == Side.STAFF else REVIEW_ONLY)


def people_of(side: Side, term: Term) -> list[User]:
    """Who a step of the report is told to: the active staff, or the term's mayor and delegates."""
    query = select(User).where(User.is_active.is_(True), User.password_hash.is_not(None))
    if side == Side.STAFF:
        query = query.where(User.role.in_(STAFF))
    else:
        query = query.where(User.role.in_(CITY_ROLES), User.city_slug == term.city.slug)
    return db.session.scalars(query.order_by(User.id)).all()


def report_of(term: Term) -> Report | None:
    return db.session.scalar(
        select(Report)
        .where(Report.term_id == term.id)
        .options(selectinload(Report.notes), selectinload(Report.transitions))
    )


def report_or_404(term: Term) -> Report:
    report = report_of(term)
    if report is None:
        abort(404)
    return report


def is_published_once(term: Term) -> bool:
    """A report of the term has been published (a correction under way included): its targets
    are locked from then on."""
    return (
        db.session.scalar(
            select(ReportTransition.id)
            .join(Report)
            .where(Report.term_id == term.id, ReportTransition.step == Step.PUBLISH)
            .limit(1)
        )
        is not None
    )


def term_or_404(number: int) -> Term:
    return db.one_or_404(select(Term).where(Term.number == number))


def indicator_or_404(term: Term, indicator_id: int) -> Indicator:
    return db.one_or_404(
        select(Indicator).where(Indicator.id == indicator_id, Indicator.term_id == term.id)
    )


def window_of(term: Term) -> rules.Window | None:
    """From the term's handover to the next one (or until now); None before it began."""
    if term.started_at is None:
        return None
    return rules.Window(term.started_at, term.ended_at)


# --- the facts a term's measures count: one query each, whatever the term holds --------------


@dataclass(frozen=True)
class Facts:
    cities: list[rules.CityFact]
    applications: list[rules.ApplicationFact]
    sessions: list[rules.SessionFact]
    summit_present: frozenset[int]
    voted: int
    roll: int


def facts_of(term: Term, window: rules.Window) -> Facts:
    """Everything the measures of term count, read once for all its indicators."""
    voted, roll = _turnout(term.opening_summit_id)
    return Facts(
        cities=_city_facts(window),
        applications=_application_facts(window),
        sessions=session_facts(window),
        summit_present=_summit_present(term.opening_summit_id),
        voted=voted,
        roll=roll,
    )


def first_day(window: rules.Window):
    return (window.starts_at - timedelta(days=1)).date()  # a day early: the zones differ


def on_a_day_of(column, window: rules.Window):
    """SQL: the date column falls on a day of the window, a day's margin either side (the
    zones differ; the rules decide at the edges)."""
    holds = column >= first_day(window)
    if window.ends_at is not None:
        holds &= column <= (window.ends_at + timedelta(days=1)).date()
    return holds


def _city_facts(window: rules.Window) -> list[rules.CityFact]:
    rows = db.session.execute(
        select(City.joined_on, City.join_route, City.withdrawn_on).where(
            or_(on_a_day_of(City.joined_on, window), on_a_day_of(City.withdrawn_on, window))
        )
    )
    return [rules.CityFact(*row) for row in rows]


def _application_facts(window: rules.Window) -> list[rules.ApplicationFact]:
    decided = (
        select(ApplicationEvent.application_id, func.min(ApplicationEvent.at).label("at"))
        .where(ApplicationEvent.action.in_((Action.APPROVE, Action.REJECT)))
        .group_by(ApplicationEvent.application_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Application.submitted_at, decided.c.at)
        .outerjoin(decided, decided.c.application_id == Application.id)
        .where(or_(Application.submitted_at >= window.starts_at, decided.c.at >= window.starts_at))
    )
    return [rules.ApplicationFact(*row) for row in rows]


def session_facts(window: rules.Window) -> list[rules.SessionFact]:
    starts = GroupSession.starts_at >= window.starts_at
    in_window = (
        starts if window.ends_at is None else starts & (GroupSession.starts_at < window.ends_at)
    )
    sessions = db.session.execute(
        select(
            GroupSession.id,
            GroupSession.group_id,
            GroupSession.kind,
            GroupSession.starts_at,
            GroupSession.status,
            GroupSession.minutes_at,
        ).where(in_window)
    ).all()
    present: dict[int, set[int]] = {}
    for session_id, city_id in db.session.execute(
        select(SessionAttendance.session_id, SessionAttendance.city_id)
        .join(GroupSession)
        .where(in_window)
    ):
        present.setdefault(session_id, set()).add(city_id)
    members = dict(
        db.session.execute(
            select(GroupMembership.group_id, func.count()).group_by(GroupMembership.group_id)
        ).all()
    )
    return [
        rules.SessionFact(
            group_id=group_id,
            kind=kind,
            starts_at=starts_at,
            is_cancelled=status == SessionStatus.CANCELLED,
            present=None if minutes_at is None else frozenset(present.get(session_id, ())),
            members=members.get(group_id, 0),
        )
        for session_id, group_id, kind, starts_at, status, minutes_at in sessions
    ]


def _summit_present(summit_id: int | None) -> frozenset[int]:
    if summit_id is None:
        return frozenset()
    return frozenset(
        db.session.scalars(
            select(Delegation.id).where(
                Delegation.summit_id == summit_id, Delegation.attended.is_(True)
            )
        )
    )


def _turnout(summit_id: int | None) -> tuple[int, int]:
    """The cities that voted in the first round of the election held at the summit, and its roll."""
    if summit_id is None:
        return 0, 0
    election = select(Election.id).where(Election.summit_id == summit_id).scalar_subquery()
    voted = select(func.count()).where(VoteRecord.election_id == election, VoteRecord.round == 1)
    roll = select(func.count()).where(RollEntry.election_id == election)
    return tuple(db.session.execute(select(voted.scalar_subquery(), roll.scalar_subquery())).one())


# --- the indicators page ------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    indicator: Indicator
    value: float | None
    progress: float
    status: rules.Status | None


@dataclass(frozen=True)
class IndicatorsPage:
    term: Term
    window: rules.Window | None
    elapsed: float
    standings: list[Standing]


def noted_groups_of(term: Term) -> list[tuple[int, str]]:
    """The groups the report of term has a note on: those active, or that met during it."""
    window = window_of(term)
    met = select(GroupSession.group_id)
    if window is not None:
        met = met.where(GroupSession.starts_at >= window.starts_at)
        if window.ends_at is not None:
            met = met.where(GroupSession.starts_at < window.ends_at)
    groups = db.session.scalars(
        select(WorkingGroup)
        .where(or_(WorkingGroup.status == GroupStatus.ACTIVE, WorkingGroup.id.in_(met)))
        .order_by(WorkingGroup.id)
    )
    return [(group.id, localized(group, "name").text) for group in groups]


def all_groups() -> list[WorkingGroup]:
    """The groups an indicator may count: every one the network has had, oldest first."""
    return db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)).all()


def indicators_of(term: Term) -> list[Indicator]:
    return db.session.scalars(
        select(Indicator)
        .where(Indicator.term_id == term.id)
        .options(selectinload(Indicator.figures), selectinload(Indicator.working_group))
        .order_by(Indicator.position)
    ).all()


def current_value(indicator: Indicator, facts: Facts | None, window, now) -> float | None:
    """The latest figure staff recorded, or what the portal computes over the term so far."""
    if indicator.source == Source.ENTERED:
        return indicator.figures[0].value if indicator.figures else None
    if facts is None:
        return None
    return rules.measure(
        rules.Measure(indicator.measure),
        window=window,
        now=now,
        cities=facts.cities,
        applications=facts.applications,
        sessions=facts.sessions,
        summit_present=facts.summit_present,
        voted=facts.voted,
        roll=facts.roll,
        group_id=indicator.working_group_id,
    )


def indicators_page(
    term: Term, now: datetime | None = None, facts: Facts | None = None
) -> IndicatorsPage:
    """The term's indicators, each with its value so far, its progress and its status (from
    facts when the caller has read them already)."""
    now = now or utcnow()
    window = window_of(term)
    indicators = indicators_of(term)
    is_computed = any(indicator.source == Source.COMPUTED for indicator in indicators)
    if facts is None and window is not None and is_computed:
        facts = facts_of(term, window)
    elapsed = rules.elapsed_share(window, now) if window is not None else 0.0
    standings = []
    for indicator in indicators:
        value = current_value(indicator, facts, window, now)
        direction = rules.Direction(indicator.direction)
        standings.append(
            Standing(
                indicator,
                value,
                0.0 if value is None else rules.progress(value, indicator.target, direction),
                rules.status(value, indicator.target, direction, elapsed),
            )
        )
    return IndicatorsPage(term, window, elapsed, standings)


# --- published reports ---------------------------------------------------------------------

SNAPSHOT_LISTED = (
    ReportSnapshot.id,
    ReportSnapshot.report_id,
    ReportSnapshot.revision,
    ReportSnapshot.reason,
    ReportSnapshot.checksum,
    ReportSnapshot.published_at,
    ReportSnapshot.pdf_en_size,
    ReportSnapshot.pdf_tr_size,
)


def _latest_revisions():
    return (
        select(ReportSnapshot.report_id, func.max(ReportSnapshot.revision).label("revision"))
        .group_by(ReportSnapshot.report_id)
        .subquery()
    )


def published_reports() -> list[tuple[Term, ReportSnapshot]]:
    """Every published report's current revision, the latest term first."""
    latest = _latest_revisions()
    return db.session.execute(
        select(Term, ReportSnapshot)
        .join(Report, Report.term_id == Term.id)
        .join(ReportSnapshot, ReportSnapshot.report_id == Report.id)
        .join(
            latest,
            (latest.c.report_id == ReportSnapshot.report_id)
            & (latest.c.revision == ReportSnapshot.revision),
        )
        .options(load_only(*SNAPSHOT_LISTED))
        .order_by(Term.number.desc())
    ).all()


def latest_published() -> tuple[Term, ReportSnapshot] | None:
    reports = published_reports()
    return reports[0] if reports else None


@dataclass(frozen=True)
class PublishedPage:
    term: Term
    snapshot: ReportSnapshot
    revisions: list[ReportSnapshot]  # every revision, the first first
    language: str

    @property
    def current(self) -> ReportSnapshot:
        return self.revisions[-1]

    @property
    def html(self) -> Markup:
        """The page as it was rendered at publication, from the portal's own template."""
        return Markup(getattr(self.snapshot, f"html_{self.language}"))  # noqa: S704  # nosec B704

    @property
    def is_current(self) -> bool:
        return self.snapshot.revision == self.current.revision


def published_or_404(year: int, revision: int | None, language: str) -> PublishedPage:
    """A report's revision (by default its current one) with its page in language."""
    term = db.one_or_404(select(Term).where(Term.year == year))
    revisions = db.session.scalars(
        select(ReportSnapshot)
        .join(Report)
        .where(Report.term_id == term.id)
        .options(load_only(*SNAPSHOT_LISTED))
        .order_by(ReportSnapshot.revision)
    ).all()
    if not revisions:
        abort(404)
    wanted = revisions[-1].revision if revision is None else revision
    snapshot = db.session.scalar(
        select(ReportSnapshot)
        .where(
            ReportSnapshot.report_id == revisions[0].report_id,
            ReportSnapshot.revision == wanted,
        )
        .options(load_only(*SNAPSHOT_LISTED, getattr(ReportSnapshot, f"html_{language}")))
    )
    if snapshot is None:
        abort(404)
    return PublishedPage(term, snapshot, revisions, language)


def pdf_or_404(year: int, revision: int, language: str) -> bytes:
    data = db.session.scalar(
        select(getattr(ReportSnapshot, f"pdf_{language}"))
        .join(Report)
        .join(Term)
        .where(Term.year == year, ReportSnapshot.revision == revision)
    )
    if data is None:
        abort(404)
    return data


def reason_of_correction(report: Report) -> str:
    """Why the report is published again: the comment of its latest correction, if any."""
    corrections = [t for t in report.transitions if t.step == Step.CORRECT]
    return corrections[-1].comment if corrections else ""
