"""Session reminders, 7 days and 1 day before, each sent exactly once (SPEC §4)."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from secretariat import audit, mail
from secretariat.database import claim_by_id, utcnow
from secretariat.extensions import db
from secretariat.i18n import localized
from secretariat.working_groups import calendar
from secretariat.working_groups.models import GroupSession, SessionReminder, SessionStatus
from secretariat.working_groups.queries import recipients
from secretariat.working_groups.rules import ReminderKind

_CLAIM_COLUMN = {ReminderKind.WEEK: "week_reminder_at", ReminderKind.DAY: "day_reminder_at"}


def send_reminder(session_id: int, kind: ReminderKind, now: datetime | None = None) -> int:
    """Claim one reminder with a conditional UPDATE, then queue it for each recipient, in the
    same transaction: a second scheduler or a retried job claims nothing and sends nothing.
    The ledger's unique (session, sequence, kind, address) says the same again. A day reminder
    also settles the week reminder of a session planned at short notice."""
    now = now or utcnow()
    values = {_CLAIM_COLUMN[kind]: now}
    if kind == ReminderKind.DAY:
        values["week_reminder_at"] = func.coalesce(GroupSession.week_reminder_at, now)
    if not claim_by_id(
        db.session,
        GroupSession,
        session_id,
        GroupSession.status == SessionStatus.PLANNED,
        getattr(GroupSession, _CLAIM_COLUMN[kind]).is_(None),
        **values,
    ):
        return 0
    session = db.session.get(GroupSession, session_id, populate_existing=True)
    people = recipients(session.group_id)
    if people:
        db.session.execute(
            SessionReminder.__table__.insert(),
            [
                {
                    "session_id": session.id,
                    "sequence": session.sequence,
                    "kind": kind,
                    "email": person.email,
                    "queued_at": now,
                }
                for person in people
            ],
        )
    for person in people:
        title = localized(session, "title", person.language).text
        mail.queue(
            person.email,
            _l("Reminder: %(title)s", title=title)
            if kind == ReminderKind.WEEK
            else _l("Tomorrow: %(title)s", title=title),
            "session_reminder",
            person.language,
            attachment=calendar.invitation(session, person.timezone),
            session=session,
            person=person,
            kind=kind,
            when=calendar.when(session, person.language, person.timezone),
            link=calendar.session_link(session),
        )
    audit.record(None, f"session.remind_{kind}", session, after={"recipients": len(people)})
    return len(people)
