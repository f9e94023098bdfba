"""Pure measures of a term's success indicators over plain facts, and how an indicator is judged."""

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from secretariat.database import utcnow
from secretariat.i18n import LabelledEnum
from secretariat.members.models import JoinRoute
from secretariat.working_groups.models import SessionKind
from secretariat.working_groups.rules import SESSION_ZONE

TERM_LENGTH = timedelta(days=365)  # a term runs from one annual summit's handover to the next
DAY = timedelta(days=1)
PERCENT = 100.0


class Direction(LabelledEnum):
    AT_LEAST = "at_least", _l("At least")
    AT_MOST = "at_most", _l("At most")


class Source(LabelledEnum):
    ENTERED = "entered", _l("Entered by the secretariat")
    COMPUTED = "computed", _l("Computed from the portal's data")


class Status(LabelledEnum):
    MET = "met", _l("Met")
    ON_TRACK = "on_track", _l("On track")
    BEHIND = "behind", _l("Behind")


CITIES, APPLICATIONS, DAYS, SESSIONS, PER_CENT = (
    _l("cities"),
    _l("applications"),
    _l("days"),
    _l("sessions"),
    _l("%"),
)


class Measure(LabelledEnum):
    """What a computed indicator counts over the term's window: its label, its unit, and
    whether it can be limited to one working group (per_group)."""

    def __new__(cls, value: str, label, unit, per_group: bool = False):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.unit = unit
        member.per_group = per_group
        return member

    NEW_MEMBERS = "new_members", _l("New member cities (all routes)"), CITIES
    NEW_MEMBERS_SUMMIT = (
        "new_members_summit",
        _l("New member cities that joined by attending a summit"),
        CITIES,
    )
    NEW_MEMBERS_APPLICATION = (
        "new_members_application",
        _l("New member cities that joined through the application form"),
        CITIES,
    )
    WITHDRAWN = "withdrawn", _l("Cities withdrawn"), CITIES
    APPLICATIONS_RECEIVED = "applications_received", _l("Applications received"), APPLICATIONS
    APPLICATIONS_DECIDED = "applications_decided", _l("Applications decided"), APPLICATIONS
    MEDIAN_DAYS_TO_DECIDE = (
        "median_days_to_decide",
        _l("Median days from an application's submission to its decision"),
        DAYS,
    )
    SESSIONS_HELD = "sessions_held", _l("Working group sessions held"), SESSIONS, True
    REGULAR_SESSIONS_HELD = (
        "regular_sessions_held",
        _l("Quarterly sessions held"),
        SESSIONS,
        True,
    )
    EXTRA_SESSIONS_HELD = "extra_sessions_held", _l("Extra sessions held"), SESSIONS, True
    AVERAGE_PRESENT = (
        "average_present",
        _l("Average cities present per session held"),
        CITIES,
        True,
    )
    AVERAGE_PRESENT_SHARE = (
        "average_present_share",
        _l("Average share of the group's member cities present per session held"),
        PER_CENT,
        True,
    )
    ACTIVE_CITIES = (
        "active_cities",
        _l("Member cities present at one working group session at least"),
        CITIES,
        True,
    )
    SUMMIT_ATTENDANCE = "summit_attendance", _l("Cities present at the summit"), CITIES
    ELECTION_TURNOUT = (
        "election_turnout",
        _l("Election turnout (share of the roll that voted)"),
        PER_CENT,
    )


# --- the facts the measures count -------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """A term's time: from its handover to the next one (ends_at), or until now (ends_at None)."""

    starts_at: datetime
    ends_at: datetime | None

    def holds(self, moment: datetime, now: datetime | None = None) -> bool:
        """Start included, end excluded; nothing after now has happened yet, so an open window
        (and a closed one whose end is still ahead) holds no moment after now."""
        now = now or utcnow()
        return self.starts_at <= moment <= now and (self.ends_at is None or moment < self.ends_at)

    def holds_day(self, day: date, now: datetime | None = None) -> bool:
        """A date of the secretariat's calendar counts in the window that holds its first moment
        (00:00 in Istanbul): the handover day, whose summit closes a term at 18:00, belongs to
        the term that ends there, with the cities that joined by attending that summit."""
        return self.holds(datetime.combine(day, time(0), SESSION_ZONE), now)


@dataclass(frozen=True)
class CityFact:
    joined_on: date
    join_route: str  # a JoinRoute
    withdrawn_on: date | None


@dataclass(frozen=True)
class ApplicationFact:
    submitted_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class SessionFact:
    group_id: int
    kind: str  # a SessionKind
    starts_at: datetime
    is_cancelled: bool
    present: frozenset[int] | None  # the cities present; None while no attendance is recorded
    members: int  # the group's member cities


# --- members and applications -----------------------------------------------------------------


def new_members(
    cities: Iterable[CityFact], window: Window, now: datetime, route: str | None = None
) -> int:
    """Cities that joined in the window, by any route or by route (a JoinRoute)."""
    return sum(
        1
        for city in cities
        if (route is None or city.join_route == route) and window.holds_day(city.joined_on, now)
    )


def withdrawn(cities: Iterable[CityFact], window: Window, now: datetime) -> int:
    return sum(
        1
        for city in cities
        if city.withdrawn_on is not None and window.holds_day(city.withdrawn_on, now)
    )


def applications_received(
    applications: Iterable[ApplicationFact], window: Window, now: datetime
) -> int:
    return sum(1 for application in applications if window.holds(application.submitted_at, now))


def decided_in(
    applications: Iterable[ApplicationFact], window: Window, now: datetime
) -> list[ApplicationFact]:
    """The applications decided in the window, whenever they were submitted."""
    return [
        application
        for application in applications
        if application.decided_at is not None and window.holds(application.decided_at, now)
    ]


def applications_decided(
    applications: Iterable[ApplicationFact], window: Window, now: datetime
) -> int:
    return len(decided_in(applications, window, now))


def median(values: Sequence[float]) -> float | None:
    """The usual median (of an even count, the mean of the two middle values); None of nothing."""
    return statistics.median(values) if values else None


def median_days_to_decide(
    applications: Iterable[ApplicationFact], window: Window, now: datetime
) -> float | None:
    """The median time from submission to decision of the applications decided in the window,
    in days of 24 hours, fractions kept: an application decided the same afternoon counts as a
    few hours, not as 0 or 1 day depending on whose calendar is asked, and the median stays
    exact; the page rounds it for display. None while no application was decided."""
    return median(
        [
            (application.decided_at - application.submitted_at) / DAY
            for application in decided_in(applications, window, now)
        ]
    )


# --- working group sessions -------------------------------------------------------------------


def is_held(session: SessionFact, window: Window, now: datetime) -> bool:
    """Not cancelled, and started inside the window by now. Cancelled sessions never count."""
    return not session.is_cancelled and window.holds(session.starts_at, now)


def held_sessions(
    sessions: Iterable[SessionFact], window: Window, now: datetime, group_id: int | None = None
) -> list[SessionFact]:
    """The sessions held in the window, of one group or of all (group_id None)."""
    return [
        session
        for session in sessions
        if (group_id is None or session.group_id == group_id) and is_held(session, window, now)
    ]


def sessions_held(
    sessions: Iterable[SessionFact],
    window: Window,
    now: datetime,
    kind: str | None = None,
    group_id: int | None = None,
) -> int:
    """Sessions held, of any kind or of kind (a SessionKind)."""
    return sum(
        1
        for session in held_sessions(sessions, window, now, group_id)
        if kind is None or session.kind == kind
    )


def _attended(
    sessions: Iterable[SessionFact], window: Window, now: datetime, group_id: int | None
) -> list[SessionFact]:
    return [
        session
        for session in held_sessions(sessions, window, now, group_id)
        if session.present is not None
    ]


def average_present(
    sessions: Iterable[SessionFact], window: Window, now: datetime, group_id: int | None = None
) -> float | None:
    """Cities present per held session whose attendance is recorded; None before there is one."""
    attended = _attended(sessions, window, now, group_id)
    if not attended:
        return None
    return sum(len(session.present) for session in attended) / len(attended)


def average_present_share(
    sessions: Iterable[SessionFact], window: Window, now: datetime, group_id: int | None = None
) -> float | None:
    """average_present as a percentage of the member cities: the cities present at the held
    sessions over the group's member cities at the same sessions, so that a small group weighs
    as much as its seats. None before a session with attendance and members."""
    attended = _attended(sessions, window, now, group_id)
    seats = sum(session.members for session in attended)
    if not seats:
        return None
    return PERCENT * sum(len(session.present) for session in attended) / seats


def active_cities(
    sessions: Iterable[SessionFact], window: Window, now: datetime, group_id: int | None = None
) -> int:
    """Member cities present at one held session at least."""
    return len(
        frozenset().union(
            *(session.present for session in _attended(sessions, window, now, group_id))
        )
    )


# --- the summit and its election --------------------------------------------------------------


def summit_attendance(present: Iterable[int]) -> int:
    return len(frozenset(present))


def election_turnout(voted: int, roll: int) -> float | None:
    """The percentage of the roll that voted; None while there is no roll."""
    return PERCENT * voted / roll if roll else None


# --- one entry for every measure --------------------------------------------------------------


@dataclass(frozen=True)
class _Facts:
    window: Window
    now: datetime
    cities: Sequence[CityFact]
    applications: Sequence[ApplicationFact]
    sessions: Sequence[SessionFact]
    summit_present: frozenset[int]
    voted: int
    roll: int
    group_id: int | None


_MEASURES: dict[Measure, Callable[[_Facts], float | None]] = {
    Measure.NEW_MEMBERS: lambda f: new_members(f.cities, f.window, f.now),
    Measure.NEW_MEMBERS_SUMMIT: lambda f: new_members(f.cities, f.window, f.now, JoinRoute.SUMMIT),
    Measure.NEW_MEMBERS_APPLICATION: lambda f: new_members(
        f.cities, f.window, f.now, JoinRoute.APPLICATION
    ),
    Measure.WITHDRAWN: lambda f: withdrawn(f.cities, f.window, f.now),
    Measure.APPLICATIONS_RECEIVED: lambda f: applications_received(f.applications, f.window, f.now),
    Measure.APPLICATIONS_DECIDED: lambda f: applications_decided(f.applications, f.window, f.now),
    Measure.MEDIAN_DAYS_TO_DECIDE: lambda f: median_days_to_decide(f.applications, f.window, f.now),
    Measure.SESSIONS_HELD: lambda f: sessions_held(
        f.sessions, f.window, f.now, group_id=f.group_id
    ),
    Measure.REGULAR_SESSIONS_HELD: lambda f: sessions_held(
        f.sessions, f.window, f.now, SessionKind.REGULAR, f.group_id
    ),
    Measure.EXTRA_SESSIONS_HELD: lambda f: sessions_held(
        f.sessions, f.window, f.now, SessionKind.EXTRA, f.group_id
    ),
    Measure.AVERAGE_PRESENT: lambda f: average_present(f.sessions, f.window, f.now, f.group_id),
    Measure.AVERAGE_PRESENT_SHARE: lambda f: average_present_share(
        f.sessions, f.window, f.now, f.group_id
    ),
    Measure.ACTIVE_CITIES: lambda f: active_cities(f.sessions, f.window, f.now, f.group_id),
    Measure.SUMMIT_ATTENDANCE: lambda f: summit_attendance(f.summit_present),
    Measure.ELECTION_TURNOUT: lambda f: election_turnout(f.voted, f.roll),
}


def measure(
    kind: Measure,
    *,
    window: Window,
    now: datetime,
    cities: Sequence[CityFact] = (),
    applications: Sequence[ApplicationFact] = (),
    sessions: Sequence[SessionFact] = (),
    summit_present: frozenset[int] = frozenset(),
    voted: int = 0,
    roll: int = 0,
    group_id: int | None = None,
) -> float | None:
    """The value of a computed indicator so far: counts as int, averages and percentages (0-100)
    as float, None when there is nothing to measure yet (a median with no decision, an average
    with no held session whose attendance is recorded, a turnout with no roll). group_id limits
    the measures that are per_group and is ignored by the others."""
    facts = _Facts(
        window,
        now,
        cities,
        applications,
        sessions,
        summit_present,
        voted,
        roll,
        group_id if kind.per_group else None,
    )
    return _MEASURES[kind](facts)


# --- judging an indicator ---------------------------------------------------------------------


def elapsed_share(window: Window, now: datetime, expected: timedelta = TERM_LENGTH) -> float:
    """How much of the term is behind us, in [0, 1]: 1 once it ended; while it runs, its time so
    far over the expected length of a term (or over its own length, when its end is known)."""
    if window.ends_at is not None and window.ends_at <= now:
        return 1.0
    length = expected if window.ends_at is None else window.ends_at - window.starts_at
    if length <= timedelta(0):
        return 1.0
    return min(1.0, max(0.0, (now - window.starts_at) / length))


def progress(value: float, target: float, direction: Direction) -> float:
    """How full the indicator's bar is, in [0, 1]. At least: value over target (a target of 0 is
    met by anything). At most: full while value stays within target, then target over value."""
    if direction == Direction.AT_LEAST:
        if value >= target:
            return 1.0
        return max(0.0, value / target) if target > 0 else 0.0
    if value <= target:
        return 1.0
    return target / value


def status(
    value: float | None, target: float, direction: Direction, elapsed: float
) -> Status | None:
    """Met, on track or behind, against the share of the term elapsed; None without a value.

    At least: met once value reaches target, on track while value keeps pace with the term
    (target x elapsed), else behind. At most: behind while value exceeds target, met when the
    term is over within target, else on track."""
    if value is None:
        return None
    if direction == Direction.AT_LEAST:
        if value >= target:
            return Status.MET
        return Status.ON_TRACK if value >= target * elapsed else Status.BEHIND
    if value > target:
        return Status.BEHIND
    return Status.MET if elapsed >= 1 else Status.ON_TRACK


# --- the annual activity report: draft → presidency review → approved → published ------------


class ReportState(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    REVIEW = "presidency_review", _l("In review by the presidency")
    APPROVED = "approved", _l("Approved by the presidency")
    PUBLISHED = "published", _l("Published")


class Side(LabelledEnum):
    STAFF = "staff", _l("The secretariat")
    PRESIDENCY = "presidency", _l("The term's presidency")


class Step(LabelledEnum):
    """A move of the report, who takes it, and whether it needs a comment (a reason)."""

    def __new__(cls, value: str, label, source, target, side, needs_comment: bool = False):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.source = source
        member.target = target
        member.side = side
        member.needs_comment = needs_comment
        return member

    SEND = (
        "send",
        _l("Send to the presidency for review"),
        ReportState.DRAFT,
        ReportState.REVIEW,
        Side.STAFF,
    )
    RETURN = (
        "return",
        _l("Return to the secretariat with a comment"),
        ReportState.REVIEW,
        ReportState.DRAFT,
        Side.PRESIDENCY,
        True,
    )
    APPROVE = (
        "approve",
        _l("Approve the report"),
        ReportState.REVIEW,
        ReportState.APPROVED,
        Side.PRESIDENCY,
    )
    PUBLISH = (
        "publish",
        _l("Publish"),
        ReportState.APPROVED,
        ReportState.PUBLISHED,
        Side.STAFF,
    )
    CORRECT = (
        "correct",
        _l("Prepare a correction"),
        ReportState.PUBLISHED,
        ReportState.DRAFT,
        Side.STAFF,
        True,
    )


COMMENT_NEEDED = _l("Say why in a comment: the other side reads it.")


def steps_from(state: str, sides: Iterable[Side]) -> list[Step]:
    """The steps a person on sides may take from state, in their order."""
    sides = set(sides)
    return [step for step in Step if step.source == state and step.side in sides]


def note_field(group_id: int, language: str) -> str:
    """The name under which a working group's note is typed, in one language."""
    return f"note_{group_id}_{language}"


def noted_groups(typed: dict) -> set[int]:
    """The working groups whose notes were typed (fields named by note_field)."""
    return {int(key.split("_")[1]) for key in typed if key.startswith("note_")}
