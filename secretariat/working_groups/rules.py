"""Pure rules of working groups: quarters, the regular session's slot, reminders, who agrees."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from secretariat.i18n import LabelledEnum

SESSION_ZONE = ZoneInfo("Europe/Istanbul")  # the secretariat's calendar
SESSION_TIME = time(11, 0)  # regular sessions start at 11:00 in Istanbul
WEEK_BEFORE = timedelta(days=7)
DAY_BEFORE = timedelta(days=1)
TUESDAY = 1


class Side(LabelledEnum):
    """The two parties whose agreement creates a group (SPEC §4)."""

    PRESIDENCY = "presidency", _l("Term presidency")
    SECRETARIAT = "secretariat", _l("Secretariat")


class ReminderKind(LabelledEnum):
    WEEK = "week", _l("7 days before")
    DAY = "day", _l("1 day before")


def quarter_of(day: date) -> int:
    """20271 is the first quarter of 2027 (January to March)."""
    return day.year * 10 + (day.month - 1) // 3 + 1


def next_quarter(quarter: int) -> int:
    year, number = divmod(quarter, 10)
    return (year + 1) * 10 + 1 if number == 4 else quarter + 1


def quarter_label(quarter: int) -> tuple[int, int]:
    """(year, number of the quarter) for display."""
    return divmod(quarter, 10)


def regular_slot(quarter: int, slot: int) -> datetime:
    """When a group's regular session of quarter falls: a Tuesday of the quarter's middle month
    at 11:00 in Istanbul; slot (the group's id) picks the week, so the groups do not clash."""
    year, number = divmod(quarter, 10)
    first = date(year, 3 * number - 1, 1)
    first_tuesday = first + timedelta(days=(TUESDAY - first.weekday()) % 7)
    day = first_tuesday + timedelta(weeks=slot % 4)
    return datetime.combine(day, SESSION_TIME, SESSION_ZONE).astimezone(UTC)


def quarter_to_plan(now: datetime, slot: int, latest_planned: int | None) -> int | None:
    """The quarter whose regular session a group needs next, or None when it already has it.

    The current quarter while its slot is still ahead, else the next one; a group that already
    has a regular session for that quarter or a later one needs nothing (SPEC §4: the next
    quarterly session is always planned)."""
    today_quarter = quarter_of(now.astimezone(SESSION_ZONE).date())
    wanted = (
        today_quarter if regular_slot(today_quarter, slot) > now else next_quarter(today_quarter)
    )
    if latest_planned is not None and latest_planned >= wanted:
        return None
    return wanted


def reminder_due(starts_at: datetime, now: datetime) -> ReminderKind | None:
    """Which reminder a session is due for now: DAY within a day of its start, WEEK within
    a week, None before that or once it started. A session planned at short notice gets only
    the reminders still ahead of it."""
    if starts_at <= now:
        return None
    if starts_at - DAY_BEFORE <= now:
        return ReminderKind.DAY
    if starts_at - WEEK_BEFORE <= now:
        return ReminderKind.WEEK
    return None


def approving_side(proposed_by: str) -> Side:
    """A new group needs the side that did not propose it (SPEC §4: either proposes, the other
    approves)."""
    return Side.SECRETARIAT if proposed_by == Side.PRESIDENCY else Side.PRESIDENCY


def has_ended(ends_on: date | None, today: date) -> bool:
    """A temporary group closes once its end date is behind it."""
    return ends_on is not None and ends_on < today
