"""Presidency rules that need no database: who may follow whom, when a summit hands over, its plan."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from secretariat.database import utcnow
from secretariat.i18n import zone
from secretariat.text import clean_line

HANDOVER_ZONE = "Europe/Istanbul"
HANDOVER_AT = time(18, 0)

# The standard preparation of a summit: (kind, days before its first day, who owns it).
STANDARD_TASKS = [
    ("venue_confirmed", 120, "host"),
    ("invitations_sent", 60, "together"),
    ("registration_open", 45, "secretariat"),
    ("agenda_published", 30, "together"),
    ("election_prepared", 14, "secretariat"),
    ("activity_report_presented", 0, "secretariat"),
]
DAYS_BEFORE = {kind: days for kind, days, _owner in STANDARD_TASKS}


def network_today(now: datetime | None = None) -> date:
    """The date in Istanbul, where the secretariat keeps the network's calendar."""
    return (now or utcnow()).astimezone(zone(HANDOVER_ZONE)).date()


def follows_itself(holders: Sequence[int]) -> bool:
    """Whether a city holds two terms in a row in holders (the terms' cities, in term order)."""
    return any(earlier == later for earlier, later in pairwise(holders))


def may_hold_next(city_id: int, holders: Sequence[int]) -> bool:
    """SPEC §3: no city may hold the presidency for two terms in a row, so the city of the
    term just before the one being elected (the host of the summit where the election takes
    place, before or after the handover) may not stand."""
    return not holders or holders[-1] != city_id


def handover_time(day: date) -> datetime:
    """The handover at the summit's end: its last day, 18:00 in Istanbul (stored in UTC)."""
    return datetime.combine(day, HANDOVER_AT, tzinfo=zone(HANDOVER_ZONE))


def standard_due_on(kind: str, starts_on: date | None) -> date | None:
    """When a standard step falls due, counted back from the summit's first day once it is set."""
    if starts_on is None or kind not in DAYS_BEFORE:
        return None
    return starts_on - timedelta(days=DAYS_BEFORE[kind])


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    overdue: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def is_overdue(due_on: date | None, is_done: bool, today: date) -> bool:
    return not is_done and due_on is not None and due_on < today


def progress(tasks: Sequence[tuple[date | None, bool]], today: date) -> Progress:
    """The checklist at a glance: tasks as (due date, done) pairs."""
    return Progress(
        done=sum(1 for _due, done in tasks if done),
        total=len(tasks),
        overdue=sum(1 for due, done in tasks if is_overdue(due, done, today)),
    )


def names_of(text: str) -> list[str]:
    """The people of a delegation, one a line, blank lines left out."""
    return [name for name in map(clean_line, (text or "").splitlines()) if name]
