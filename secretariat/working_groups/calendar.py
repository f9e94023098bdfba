"""Sessions as iCalendar (feeds and mail invitations), links to them, and their time in words."""

from datetime import UTC, date, timedelta
from functools import lru_cache

from babel.dates import format_date, format_time, get_timezone_location
from icalendar import Calendar, Event, Timezone

from secretariat.i18n import localized, zone
from secretariat.security import public_url
from secretariat.working_groups.models import GroupSession, SessionStatus

PRODUCT = "-//B40 Balkan Cities Network//Secretariat Portal//EN"
UID_DOMAIN = "b40-secretariat-portal"  # never changes: calendars recognise an event by its UID
ICS_TYPE = "text/calendar; charset=utf-8"


def uid(session: GroupSession) -> str:
    return f"session-{session.id}@{UID_DOMAIN}"


def session_link(session: GroupSession) -> str:
    return public_url("working_groups.show_session", session_id=session.id)


def group_link(group) -> str:
    return public_url("working_groups.show_group", slug=group.slug)


def when(session: GroupSession, language: str, timezone: str) -> str:
    """'Tuesday, 9 February 2027, 11:00 to 12:30 (Istanbul)' in the reader's language and
    time zone, for mail, where no request says which."""
    tz = zone(timezone)
    start = session.starts_at.astimezone(tz)
    end = start + timedelta(minutes=session.duration_minutes)
    return "{day}, {start}–{end} ({zone})".format(
        day=format_date(start, "full", locale=language),
        start=format_time(start, "short", tzinfo=tz, locale=language),
        end=format_time(end, "short", tzinfo=tz, locale=language),
        zone=get_timezone_location(tz, locale=language, return_city=True),
    )


def _event(session: GroupSession, tz, language: str) -> Event:
    event = Event()
    event.add("uid", uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", session.updated_at.astimezone(UTC))
    event.add("last-modified", session.updated_at.astimezone(UTC))
    event.add("created", session.created_at.astimezone(UTC))
    start = session.starts_at.astimezone(tz)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=session.duration_minutes))
    event.add("summary", localized(session, "title", language).text)
    agenda = localized(session, "agenda", language).text
    link = session_link(session)
    event.add(
        "description", "\n\n".join(part for part in (agenda, session.meeting_url, link) if part)
    )
    if session.meeting_url:
        event.add("location", session.meeting_url)
    event.add("url", link)
    cancelled = session.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


@lru_cache(maxsize=64)
def _vtimezone(key: str) -> Timezone:
    """The zone's rules from the network's founding on, built once per process (it is slow)."""
    return Timezone.from_tzid(key, first_date=date(2021, 1, 1), last_date=date(2041, 1, 1))


def calendar(sessions, name: str, timezone: str = "Europe/Istanbul", language: str = "en") -> bytes:
    """An iCalendar document of sessions; times carry their zone (with its VTIMEZONE)."""
    tz = zone(timezone)
    document = Calendar()
    document.add("prodid", PRODUCT)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("x-wr-calname", name)
    document.add_component(_vtimezone(tz.key))
    for session in sessions:
        document.add_component(_event(session, tz, language))
    return document.to_ical()


def invitation(session: GroupSession, timezone: str) -> tuple[str, str, str]:
    """The session as an .ics attachment in the recipient's time zone: (name, type, text)."""
    text = calendar([session], session.title_en, timezone).decode("utf-8")
    return f"session-{session.id}.ics", ICS_TYPE, text
