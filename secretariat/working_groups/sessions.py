"""Session operations: quarterly planning, changes, cancellations, minutes; the caller commits."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from secretariat import audit, cache, mail
from secretariat.database import insert_new, utcnow
from secretariat.errors import RuleViolation
from secretariat.extensions import db
from secretariat.i18n import localized
from secretariat.members.models import City, CityStatus
from secretariat.members.rules import require_staff
from secretariat.text import clean_line
from secretariat.working_groups import calendar
from secretariat.working_groups.models import (
    GroupSession,
    GroupStatus,
    SessionAttendance,
    SessionKind,
    SessionStatus,
    WorkingGroup,
)
from secretariat.working_groups.queries import (
    ONLY_RECORDERS,
    may_record,
    recipients,
    refuse_unless,
)
from secretariat.working_groups.rules import (
    SESSION_ZONE,
    quarter_label,
    quarter_to_plan,
    regular_slot,
)

# Content, not interface: a planned session carries its agenda in both languages, as staff
# would write it; they edit it afterwards.
REGULAR_AGENDA = {
    "en": "1. Opening and the minutes of the last session\n"
    "2. News from the member cities\n"
    "3. Joint projects and funding calls\n"
    "4. Plans for the next quarter\n"
    "5. Any other business",
    "tr": "1. Açılış ve önceki oturumun tutanağı\n"
    "2. Üye şehirlerden haberler\n"
    "3. Ortak projeler ve hibe çağrıları\n"
    "4. Gelecek çeyreğin planları\n"
    "5. Diğer konular",
}
REGULAR_TITLE = {
    "en": "{name}: quarterly session, Q{number} {year}",
    "tr": "{name}: {year} yılı {number}. çeyrek oturumu",
}


def regular_titles(name_en: str, name_tr: str, quarter: int) -> dict[str, str]:
    year, number = quarter_label(quarter)
    return {
        "title_en": REGULAR_TITLE["en"].format(name=name_en, year=year, number=number),
        "title_tr": REGULAR_TITLE["tr"].format(name=name_tr or name_en, year=year, number=number),
    }


def plan_sessions(now: datetime | None = None) -> int:
    """Every active group has its next quarterly session planned (SPEC §4); returns how many
    were planned. Idempotent: the database holds one regular session per group and quarter,
    and each insert does nothing when another process planned the same one first. Three
    statements, whatever the number of groups."""
    now = now or utcnow()
    latest = (
        select(GroupSession.group_id, func.max(GroupSession.quarter).label("quarter"))
        .where(GroupSession.kind == SessionKind.REGULAR)
        .group_by(GroupSession.group_id)
        .subquery()
    )
    groups = db.session.execute(
        select(
            WorkingGroup.id,
            WorkingGroup.name_en,
            WorkingGroup.name_tr,
            WorkingGroup.ends_on,
            WorkingGroup.meeting_url,
            latest.c.quarter,
        )
        .outerjoin(latest, latest.c.group_id == WorkingGroup.id)
        .where(WorkingGroup.status == GroupStatus.ACTIVE)
    ).all()
    rows = []
    for group in groups:
        quarter = quarter_to_plan(now, group.id, group.quarter)
        if quarter is None:
            continue
        starts_at = regular_slot(quarter, group.id)
        if group.ends_on is not None and starts_at.astimezone(SESSION_ZONE).date() > group.ends_on:
            continue
        rows.append(
            {
                "group_id": group.id,
                "kind": SessionKind.REGULAR,
                "quarter": quarter,
                **regular_titles(group.name_en, group.name_tr, quarter),
                "starts_at": starts_at,
                "duration_minutes": 90,
                "meeting_url": group.meeting_url,
                "agenda_en": REGULAR_AGENDA["en"],
                "agenda_tr": REGULAR_AGENDA["tr"],
                "status": SessionStatus.PLANNED,
                "sequence": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
    if not rows:
        return 0
    planned = insert_new(db.session, GroupSession, rows)
    if planned:
        titles = {(row["group_id"]): row["title_en"] for row in rows}
        starts = {row["group_id"]: row["starts_at"] for row in rows}
        made = db.session.execute(
            select(GroupSession.id, GroupSession.group_id).where(GroupSession.id.in_(planned))
        ).all()
        audit.record_many(
            None,
            "session.plan",
            GroupSession.__tablename__,
            [(i, titles[g], {"group": g, "starts_at": starts[g]}) for i, g in made],
        )
        cache.bump_directory()
    return len(planned)


def notify_group(session: GroupSession, template: str, subject, **context) -> int:
    """Mail every recipient of the session's group, each in their language and time zone, with
    the session's invitation attached; subject(title) names the session in their language.
    Returns how many messages were queued."""
    sent = 0
    for person in recipients(session.group_id):
        mail.queue(
            person.email,
            subject(localized(session, "title", person.language).text),
            template,
            person.language,
            attachment=calendar.invitation(session, person.timezone),
            session=session,
            person=person,
            when=calendar.when(session, person.language, person.timezone),
            link=calendar.session_link(session),
            **context,
        )
        sent += 1
    return sent


def snapshot(session: GroupSession) -> dict:
    return {
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "meeting_url": session.meeting_url,
        "title_en": session.title_en,
        "status": session.status,
        "sequence": session.sequence,
    }


def check_start(starts_at: datetime, now: datetime) -> None:
    if starts_at <= now:
        raise RuleViolation(_l("Choose a time in the future."))


def update_session(
    actor,
    session: GroupSession,
    *,
    title_en: str,
    title_tr: str,
    starts_at: datetime,
    duration_minutes: int,
    meeting_url: str,
    agenda_en: str,
    agenda_tr: str,
    now: datetime | None = None,
) -> bool:
    """Staff adjust a planned session. A new time or link is a reschedule: the calendar's
    SEQUENCE goes up, the reminders are due again for the new time, and the group is told.
    Returns whether it was rescheduled."""
    require_staff(actor)
    now = now or utcnow()
    if session.status != SessionStatus.PLANNED:
        raise RuleViolation(_l("Only a planned session can be changed."))
    before = snapshot(session)
    is_moved = starts_at != session.starts_at or duration_minutes != session.duration_minutes
    is_relinked = (meeting_url or "").strip() != session.meeting_url
    if is_moved:
        check_start(starts_at, now)
    session.title_en = clean_line(title_en) or session.title_en
    session.title_tr = clean_line(title_tr)
    session.starts_at, session.duration_minutes = starts_at, duration_minutes
    session.meeting_url = (meeting_url or "").strip()
    session.agenda_en, session.agenda_tr = (agenda_en or "").strip(), (agenda_tr or "").strip()
    session.updated_at = now
    if is_moved or is_relinked:
        session.sequence += 1
    if is_moved:
        session.week_reminder_at = session.day_reminder_at = None
    db.session.flush()
    audit.record(actor, "session.update", session, before, snapshot(session))
    if is_moved or is_relinked:
        notify_group(
            session,
            "session_changed",
            lambda title: _l("Session changed: %(title)s", title=title),
            change="moved" if is_moved else "relinked",
        )
    cache.bump_directory()
    return is_moved or is_relinked


def cancel_session(actor, session: GroupSession, now: datetime | None = None) -> None:
    require_staff(actor)
    now = now or utcnow()
    if session.status != SessionStatus.PLANNED or session.starts_at <= now:
        raise RuleViolation(_l("Only a planned session that has not started can be cancelled."))
    session.status = SessionStatus.CANCELLED
    session.sequence += 1
    session.updated_at = now
    db.session.flush()
    audit.record(actor, "session.cancel", session, after={"sequence": session.sequence})
    notify_group(
        session,
        "session_changed",
        lambda title: _l("Session cancelled: %(title)s", title=title),
        change="cancelled",
    )
    cache.bump_directory()


def record_minutes(
    actor,
    session: GroupSession,
    *,
    minutes_en: str,
    minutes_tr: str,
    present: list[int] | None,
    now: datetime | None = None,
) -> None:
    """After a session: its minutes in both languages and the cities present; staff or a
    coordinator city's team write them, and may correct them later."""
    now = now or utcnow()
    refuse_unless(actor is None or may_record(actor, session.group), ONLY_RECORDERS)
    if session.status == SessionStatus.CANCELLED:
        raise RuleViolation(_l("This session was cancelled."))
    if session.starts_at > now:
        raise RuleViolation(_l("Minutes and attendance are recorded once the session has begun."))
    wanted = set(present or ())
    known = set(
        db.session.scalars(
            select(City.id).where(City.id.in_(wanted), City.status == CityStatus.ACTIVE)
        )
    ) | {row.city_id for row in session.attendance}
    if not wanted <= known:
        raise RuleViolation(_l("Choose the cities present from the list."))
    before = {"status": session.status, "present": sorted(a.city_id for a in session.attendance)}
    session.attendance = [a for a in session.attendance if a.city_id in wanted] + [
        SessionAttendance(city_id=city_id)
        for city_id in sorted(wanted - {a.city_id for a in session.attendance})
    ]
    session.minutes_en, session.minutes_tr = (minutes_en or "").strip(), (minutes_tr or "").strip()
    session.minutes_at = now
    session.status = SessionStatus.HELD
    session.updated_at = now
    db.session.flush()
    audit.record(
        actor,
        "session.minutes",
        session,
        before,
        {"status": session.status, "present": sorted(wanted)},
    )
    cache.bump_directory()
