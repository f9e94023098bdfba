"""Working-group operations: they flush, audit and queue mail; the caller commits."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from secretariat import audit, cache, mail
from secretariat.database import claim, insert_new, utcnow
from secretariat.errors import NotAllowed, RuleViolation
from secretariat.extensions import db
from secretariat.i18n import is_timezone, localized
from secretariat.members.models import City, CityStatus, Contact, ContactKind
from secretariat.members.rules import slugify
from secretariat.presidency.models import current_term_query
from secretariat.security import CITY_ROLES
from secretariat.text import clean_line, normalise_email
from secretariat.working_groups import calendar
from secretariat.working_groups.models import (
    GroupKind,
    GroupMembership,
    GroupSession,
    GroupStatus,
    ReminderKind,
    RequestStatus,
    SessionAttendance,
    SessionKind,
    SessionReminder,
    SessionRequest,
    SessionStatus,
    Side,
    WorkingGroup,
)
from secretariat.working_groups.rules import (
    SESSION_ZONE,
    approving_side,
    has_ended,
    quarter_label,
    quarter_to_plan,
    regular_slot,
    reminder_due,
)

# SPEC §4: the network starts with four permanent groups.
PERMANENT_GROUPS = [
    ("local-climate-action", "Local climate action", "Yerel iklim eylemi"),
    ("local-democracy-and-migration", "Local democracy and migration", "Yerel demokrasi ve göç"),
    (
        "smart-cities-and-digital-transformation",
        "Smart cities and digital transformation",
        "Akıllı şehirler ve dijital dönüşüm",
    ),
    ("local-economic-cooperation", "Local economic cooperation", "Yerel ekonomik işbirliği"),
]
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
EXTRA_TITLE = {"en": "{name}: extra session", "tr": "{name}: ek oturum"}


def ensure_permanent_groups() -> None:
    """The four groups of the charter exist (the migration seeds them; a bare database may not)."""
    known = set(db.session.scalars(select(WorkingGroup.slug)))
    for slug, name_en, name_tr in PERMANENT_GROUPS:
        if slug not in known:
            db.session.add(
                WorkingGroup(
                    slug=slug,
                    name_en=name_en,
                    name_tr=name_tr,
                    kind=GroupKind.PERMANENT,
                    status=GroupStatus.ACTIVE,
                )
            )
    db.session.flush()


# --- who may do what ------------------------------------------------------------------------


def presiding_city(now: datetime | None = None) -> City | None:
    term = db.session.scalars(current_term_query(now or utcnow())).first()
    return term.city if term is not None else None


def side_of(user, now: datetime | None = None) -> str | None:
    """The side a person speaks for in agreeing a new group: staff for the secretariat, the
    mayor or a delegate of the presiding city for the term presidency (rights follow the terms)."""
    if user is None or not user.is_authenticated:
        return None
    if user.is_staff:
        return Side.SECRETARIAT
    if user.role in CITY_ROLES:
        city = presiding_city(now)
        if city is not None and city.slug == user.city_slug:
            return Side.PRESIDENCY
    return None


def may_act_for(user, city: City) -> bool:
    """Staff act for any city; a mayor or delegate for their own."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or (user.role in CITY_ROLES and user.city_slug == city.slug)


def coordinator_slugs(group: WorkingGroup) -> set[str]:
    return set(
        db.session.scalars(
            select(City.slug)
            .join(GroupMembership, GroupMembership.city_id == City.id)
            .where(GroupMembership.group_id == group.id, GroupMembership.is_coordinator.is_(True))
        )
    )


def may_record(user, group: WorkingGroup) -> bool:
    """Minutes and attendance: staff, and the team of a coordinator city (SPEC §4)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return user.role in CITY_ROLES and user.city_slug in coordinator_slugs(group)


def membership_of(group: WorkingGroup, city: City) -> GroupMembership | None:
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.city_id == city.id
        )
    )


def _staff_only(actor) -> None:
    if actor is not None and not actor.is_staff:
        raise NotAllowed(_l("Only the secretariat can do this."))


def _for_city(actor, city: City) -> None:
    if actor is not None and not may_act_for(actor, city):
        raise NotAllowed(_l("You can act for your own city only."))


def _active(group: WorkingGroup) -> None:
    if group.status != GroupStatus.ACTIVE:
        raise RuleViolation(_l("This working group is not active."))


# --- groups: agreement between the term presidency and the secretariat ----------------------


def _group_snapshot(group: WorkingGroup) -> dict:
    return {
        "name_en": group.name_en,
        "name_tr": group.name_tr,
        "kind": group.kind,
        "status": group.status,
        "ends_on": group.ends_on,
        "meeting_url": group.meeting_url,
    }


def _free_slug(name: str) -> str:
    base = slugify(name) or "group"
    taken = set(
        db.session.scalars(
            select(WorkingGroup.slug).where(
                or_(WorkingGroup.slug == base, WorkingGroup.slug.like(f"{base}-%"))
            )
        )
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _check_kind(kind: str, ends_on: date | None, today: date) -> None:
    if kind == GroupKind.TEMPORARY:
        if ends_on is None:
            raise RuleViolation(_l("A temporary group needs an end date."))
        if ends_on <= today:
            raise RuleViolation(_l("The end date must lie in the future."))


def propose_group(
    actor,
    *,
    name_en: str,
    name_tr: str,
    description_en: str,
    description_tr: str,
    kind: str,
    ends_on: date | None,
    now: datetime | None = None,
) -> WorkingGroup:
    """Either side proposes; the proposal counts as its own side's approval (SPEC §4)."""
    now = now or utcnow()
    side = side_of(actor, now)
    if side is None:
        raise NotAllowed(_l("Only the term presidency and the secretariat propose new groups."))
    name_en, name_tr = clean_line(name_en), clean_line(name_tr)
    if not name_en:
        raise RuleViolation(_l("Give the group a name in English."))
    _check_kind(kind, ends_on, now.astimezone(SESSION_ZONE).date())
    group = WorkingGroup(
        slug=_free_slug(name_en),
        name_en=name_en,
        name_tr=name_tr,
        description_en=(description_en or "").strip(),
        description_tr=(description_tr or "").strip(),
        kind=kind,
        ends_on=ends_on if kind == GroupKind.TEMPORARY else None,
        status=GroupStatus.PROPOSED,
        proposed_by_side=side,
        proposed_by_id=actor.id,
    )
    setattr(group, f"{side}_approved_by_id", actor.id)
    setattr(group, f"{side}_approved_at", now)
    db.session.add(group)
    db.session.flush()
    audit.record(actor, "group.propose", group, after={**_group_snapshot(group), "side": side})
    return group


def approve_group(actor, group: WorkingGroup, now: datetime | None = None) -> None:
    """The other side agrees, and the group starts its work; nobody approves their own side's
    proposal."""
    now = now or utcnow()
    if group.status != GroupStatus.PROPOSED:
        raise RuleViolation(_l("Only a proposed group can be approved."))
    side = side_of(actor, now)
    if side is None:
        raise NotAllowed(_l("Only the term presidency and the secretariat agree new groups."))
    if side != approving_side(group.proposed_by_side):
        raise NotAllowed(_l("The other side approves this proposal; your side made it."))
    if group.kind == GroupKind.TEMPORARY and has_ended(
        group.ends_on, now.astimezone(SESSION_ZONE).date()
    ):
        raise RuleViolation(_l("The proposed end date has passed; decline this proposal."))
    approval = {f"{side}_approved_by_id": actor.id, f"{side}_approved_at": now}
    proposed = WorkingGroup.status == GroupStatus.PROPOSED
    if not claim(db.session, group, proposed, status=GroupStatus.ACTIVE, **approval):
        raise RuleViolation(_l("Someone else decided on this proposal meanwhile. Please reload."))
    audit.record(actor, "group.approve", group, after={"status": group.status, "side": side})
    cache.bump_directory()


def decline_group(actor, group: WorkingGroup, note: str, now: datetime | None = None) -> None:
    """Either side may decline a proposal, the proposer's included (it withdraws it)."""
    now = now or utcnow()
    if group.status != GroupStatus.PROPOSED:
        raise RuleViolation(_l("Only a proposed group can be declined."))
    side = side_of(actor, now)
    if side is None:
        raise NotAllowed(_l("Only the term presidency and the secretariat agree new groups."))
    declined = claim(
        db.session,
        group,
        WorkingGroup.status == GroupStatus.PROPOSED,
        status=GroupStatus.DECLINED,
        declined_by_id=actor.id,
        declined_at=now,
        decline_note=(note or "").strip(),
    )
    if not declined:
        raise RuleViolation(_l("Someone else decided on this proposal meanwhile. Please reload."))
    audit.record(actor, "group.decline", group, after={"side": side, "note": group.decline_note})


def update_group(
    actor,
    group: WorkingGroup,
    *,
    name_en: str,
    name_tr: str,
    description_en: str,
    description_tr: str,
    ends_on: date | None,
    meeting_url: str,
    now: datetime | None = None,
) -> None:
    _staff_only(actor)
    now = now or utcnow()
    before = _group_snapshot(group)
    name_en = clean_line(name_en)
    if not name_en:
        raise RuleViolation(_l("Give the group a name in English."))
    if group.kind == GroupKind.TEMPORARY and ends_on != group.ends_on:
        _check_kind(group.kind, ends_on, now.astimezone(SESSION_ZONE).date())
        group.ends_on = ends_on
    group.name_en, group.name_tr = name_en, clean_line(name_tr)
    group.description_en = (description_en or "").strip()
    group.description_tr = (description_tr or "").strip()
    group.meeting_url = (meeting_url or "").strip()
    db.session.flush()
    audit.record(actor, "group.update", group, before, _group_snapshot(group))
    cache.bump_directory()


def close_ended_groups(now: datetime | None = None) -> list[WorkingGroup]:
    """Temporary groups whose end date has passed close by themselves; their sessions still
    ahead are cancelled. Each is claimed with a conditional UPDATE, so a second scheduler
    closes nothing twice."""
    now = now or utcnow()
    today = now.astimezone(SESSION_ZONE).date()
    due = db.session.scalars(
        select(WorkingGroup).where(
            WorkingGroup.status == GroupStatus.ACTIVE,
            WorkingGroup.kind == GroupKind.TEMPORARY,
            WorkingGroup.ends_on < today,
        )
    ).all()
    closed = []
    for group in due:
        claimed = db.session.execute(
            update(WorkingGroup)
            .where(WorkingGroup.id == group.id, WorkingGroup.status == GroupStatus.ACTIVE)
            .values(status=GroupStatus.CLOSED, closed_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        db.session.execute(
            update(GroupSession)
            .where(
                GroupSession.group_id == group.id,
                GroupSession.status == SessionStatus.PLANNED,
                GroupSession.starts_at > now,
            )
            .values(status=SessionStatus.CANCELLED, sequence=GroupSession.sequence + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(group)
        audit.record(None, "group.close", group, after={"ends_on": group.ends_on})
        closed.append(group)
    if closed:
        cache.bump_directory()
    return closed


# --- member cities of a group ---------------------------------------------------------------


def join_group(actor, group: WorkingGroup, city, on: date) -> GroupMembership | None:
    """The city takes part in the group from on; nothing changes when it already does."""
    _for_city(actor, city)
    _active(group)
    if city.status != CityStatus.ACTIVE:
        raise RuleViolation(_l("Only member cities take part in working groups."))
    if membership_of(group, city) is not None:
        return None
    membership = GroupMembership(group=group, city=city, joined_on=on)
    db.session.add(membership)
    db.session.flush()
    audit.record(actor, "group.join", group, after={"city": city.slug, "since": on})
    cache.bump_directory()
    return membership


def leave_group(actor, group: WorkingGroup, city: City) -> None:
    """The city no longer takes part; the sessions it attended keep its attendance."""
    _for_city(actor, city)
    membership = membership_of(group, city)
    if membership is None:
        raise RuleViolation(_l("This city is not in the group."))
    db.session.delete(membership)
    db.session.flush()
    audit.record(
        actor,
        "group.leave",
        group,
        before={"city": city.slug, "coordinator": membership.is_coordinator},
    )
    cache.bump_directory()


def set_coordinator(actor, group: WorkingGroup, city: City, is_coordinator: bool) -> None:
    _staff_only(actor)
    membership = membership_of(group, city)
    if membership is None:
        raise RuleViolation(_l("Only a city in the group can coordinate it."))
    if membership.is_coordinator == is_coordinator:
        return
    membership.is_coordinator = is_coordinator
    db.session.flush()
    audit.record(
        actor, "group.coordinator", group, after={"city": city.slug, "coordinator": is_coordinator}
    )
    cache.bump_directory()


def group_contact(group: WorkingGroup, city: City) -> Contact | None:
    return db.session.scalar(
        select(Contact).where(
            Contact.city_id == city.id,
            Contact.kind == ContactKind.WORKING_GROUP,
            Contact.working_group_id == group.id,
            Contact.is_active.is_(True),
        )
    )


def name_group_contact(
    actor,
    group: WorkingGroup,
    city: City,
    *,
    name: str,
    email: str,
    position: str = "",
    phone: str = "",
    language: str = "en",
    timezone: str = "Europe/Istanbul",
) -> Contact:
    """The city's contact for this group, who gets its reminders; the one before is kept in
    the history, no longer active."""
    _for_city(actor, city)
    if membership_of(group, city) is None:
        raise RuleViolation(_l("Only a city in the group names a contact for it."))
    if not is_timezone(timezone):
        raise RuleViolation(_l("Choose a time zone from the list."))
    previous = group_contact(group, city)
    if previous is not None:
        previous.is_active = False
    contact = Contact(
        city=city,
        kind=ContactKind.WORKING_GROUP,
        working_group_id=group.id,
        name=clean_line(name),
        email=clean_line(email),
        position=clean_line(position),
        phone=clean_line(phone),
        language=language,
        timezone=timezone,
    )
    db.session.add(contact)
    db.session.flush()
    audit.record(
        actor,
        "group.contact",
        group,
        before={"city": city.slug, "contact": previous.name} if previous else None,
        after={"city": city.slug, "contact": contact.name},
    )
    return contact


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: str
    timezone: str


def recipients(group_id: int) -> list[Recipient]:
    """Whom a group's mail reaches: each member city's contact for the group, or, where it has
    named none, its focal points; one message per address. Two queries, whatever the size."""
    rows = db.session.execute(
        select(
            Contact.city_id,
            Contact.kind,
            Contact.email,
            Contact.name,
            Contact.language,
            Contact.timezone,
        )
        .join(GroupMembership, GroupMembership.city_id == Contact.city_id)
        .join(City, City.id == Contact.city_id)
        .where(
            GroupMembership.group_id == group_id,
            City.status == CityStatus.ACTIVE,
            Contact.is_active.is_(True),
            Contact.email != "",
            or_(
                and_(
                    Contact.kind == ContactKind.WORKING_GROUP, Contact.working_group_id == group_id
                ),
                Contact.kind == ContactKind.FOCAL_POINT,
            ),
        )
        .order_by(Contact.city_id, Contact.id)
    ).all()
    named = {row.city_id for row in rows if row.kind == ContactKind.WORKING_GROUP}
    found: dict[str, Recipient] = {}
    for row in rows:
        if row.kind == ContactKind.FOCAL_POINT and row.city_id in named:
            continue
        found.setdefault(
            normalise_email(row.email), Recipient(row.email, row.name, row.language, row.timezone)
        )
    return list(found.values())


# --- sessions -------------------------------------------------------------------------------


def next_start(slug: str | None = None, now: datetime | None = None) -> datetime | None:
    """When the next planned session (of the group with slug, or of any) begins: pages that
    tell upcoming from past sessions are kept until then, not re-rendered by the clock."""
    stmt = select(func.min(GroupSession.starts_at)).where(
        GroupSession.status == SessionStatus.PLANNED, GroupSession.starts_at > (now or utcnow())
    )
    if slug is not None:
        group = select(WorkingGroup.id).where(WorkingGroup.slug == slug).scalar_subquery()
        stmt = stmt.where(GroupSession.group_id == group)
    return db.session.scalar(stmt)


def upcoming_sessions(limit: int = 5, now: datetime | None = None) -> list[GroupSession]:
    """The next planned sessions of the active groups, soonest first (the home page's)."""
    return db.session.scalars(
        select(GroupSession)
        .join(WorkingGroup, WorkingGroup.id == GroupSession.group_id)
        .where(
            WorkingGroup.status == GroupStatus.ACTIVE,
            GroupSession.status == SessionStatus.PLANNED,
            GroupSession.starts_at > (now or utcnow()),
        )
        .order_by(GroupSession.starts_at, GroupSession.id)
        .limit(limit)
    ).all()


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


def _notify(session: GroupSession, template: str, subject, **context) -> int:
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


def _session_snapshot(session: GroupSession) -> dict:
    return {
        "starts_at": session.starts_at,
        "duration_minutes": session.duration_minutes,
        "meeting_url": session.meeting_url,
        "title_en": session.title_en,
        "status": session.status,
        "sequence": session.sequence,
    }


def _check_start(starts_at: datetime, now: datetime) -> None:
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
    _staff_only(actor)
    now = now or utcnow()
    if session.status != SessionStatus.PLANNED:
        raise RuleViolation(_l("Only a planned session can be changed."))
    before = _session_snapshot(session)
    moved = starts_at != session.starts_at or duration_minutes != session.duration_minutes
    relinked = (meeting_url or "").strip() != session.meeting_url
    if moved:
        _check_start(starts_at, now)
    session.title_en = clean_line(title_en) or session.title_en
    session.title_tr = clean_line(title_tr)
    session.starts_at, session.duration_minutes = starts_at, duration_minutes
    session.meeting_url = (meeting_url or "").strip()
    session.agenda_en, session.agenda_tr = (agenda_en or "").strip(), (agenda_tr or "").strip()
    session.updated_at = now
    if moved or relinked:
        session.sequence += 1
    if moved:
        session.week_reminder_at = session.day_reminder_at = None
    db.session.flush()
    audit.record(actor, "session.update", session, before, _session_snapshot(session))
    if moved or relinked:
        _notify(
            session,
            "session_changed",
            lambda title: _l("Session changed: %(title)s", title=title),
            change="moved" if moved else "relinked",
        )
    cache.bump_directory()
    return moved or relinked


def cancel_session(actor, session: GroupSession, now: datetime | None = None) -> None:
    _staff_only(actor)
    now = now or utcnow()
    if session.status != SessionStatus.PLANNED or session.starts_at <= now:
        raise RuleViolation(_l("Only a planned session that has not started can be cancelled."))
    session.status = SessionStatus.CANCELLED
    session.sequence += 1
    session.updated_at = now
    db.session.flush()
    audit.record(actor, "session.cancel", session, after={"sequence": session.sequence})
    _notify(
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
    city_ids: list[int],
    now: datetime | None = None,
) -> None:
    """After a session: its minutes in both languages and the cities present; staff or a
    coordinator city's team write them, and may correct them later."""
    now = now or utcnow()
    if actor is not None and not may_record(actor, session.group):
        raise NotAllowed(_l("Only the secretariat and the group's coordinators record this."))
    if session.status == SessionStatus.CANCELLED:
        raise RuleViolation(_l("This session was cancelled."))
    if session.starts_at > now:
        raise RuleViolation(_l("Minutes and attendance are recorded once the session has begun."))
    wanted = set(city_ids)
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


# --- extra sessions on request --------------------------------------------------------------


def request_extra_session(
    actor,
    group: WorkingGroup,
    city: City,
    *,
    reason: str,
    times: list[datetime],
    now: datetime | None = None,
) -> SessionRequest:
    """A member city asks for an extra session, with up to three proposed times (SPEC §4)."""
    now = now or utcnow()
    _for_city(actor, city)
    _active(group)
    if membership_of(group, city) is None:
        raise RuleViolation(_l("Only a city in the group can ask for an extra session."))
    times = sorted(set(times))[:3]
    if not times:
        raise RuleViolation(_l("Propose at least one date and time."))
    for moment in times:
        _check_start(moment, now)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Say why the group should meet."))
    request = SessionRequest(
        group=group,
        city=city,
        requested_by_id=actor.id,
        reason=reason,
        first_choice_at=times[0],
        second_choice_at=times[1] if len(times) > 1 else None,
        third_choice_at=times[2] if len(times) > 2 else None,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(actor, "session_request.submit", request, after={"times": times})
    return request


def _decide(actor, request: SessionRequest, status: str, **values) -> None:
    pending = SessionRequest.status == RequestStatus.PENDING
    decided_by_id = actor.id if actor else None
    if not claim(
        db.session, request, pending, status=status, decided_by_id=decided_by_id, **values
    ):
        raise RuleViolation(_l("Someone else decided on this request meanwhile. Please reload."))


def _tell_requester(request: SessionRequest) -> None:
    person = request.requested_by
    if person is None or not person.is_active:
        return
    approved = request.status == RequestStatus.APPROVED
    group_name = localized(request.group, "name", person.language).text
    mail.queue(
        person.email,
        _l("Extra session approved: %(group)s", group=group_name)
        if approved
        else _l("Extra session declined: %(group)s", group=group_name),
        "session_request_decided",
        person.language,
        attachment=calendar.invitation(request.session, person.timezone) if approved else None,
        request=request,
        person=person,
        when=calendar.when(request.session, person.language, person.timezone) if approved else "",
        link=calendar.session_link(request.session)
        if approved
        else calendar.group_link(request.group),
    )


def approve_request(
    actor,
    request: SessionRequest,
    *,
    starts_at: datetime,
    duration_minutes: int = 90,
    meeting_url: str = "",
    agenda_en: str = "",
    agenda_tr: str = "",
    note: str = "",
    now: datetime | None = None,
) -> GroupSession:
    """Staff approve: the extra session is created at the time they chose, the requester is
    told, and the group is invited."""
    _staff_only(actor)
    now = now or utcnow()
    _check_start(starts_at, now)
    group = request.group
    _active(group)
    session = GroupSession(
        group=group,
        kind=SessionKind.EXTRA,
        quarter=None,
        title_en=EXTRA_TITLE["en"].format(name=group.name_en),
        title_tr=EXTRA_TITLE["tr"].format(name=group.name_tr or group.name_en),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        meeting_url=(meeting_url or "").strip() or group.meeting_url,
        agenda_en=(agenda_en or "").strip() or request.reason,
        agenda_tr=(agenda_tr or "").strip(),
        created_at=now,
        updated_at=now,
    )
    db.session.add(session)
    db.session.flush()
    _decide(
        actor,
        request,
        RequestStatus.APPROVED,
        decided_at=now,
        decision_note=(note or "").strip(),
        session_id=session.id,
    )
    audit.record(actor, "session_request.approve", request, after={"session": session.id})
    audit.record(actor, "session.create", session, after=_session_snapshot(session))
    _tell_requester(request)
    _notify(
        session,
        "session_changed",
        lambda title: _l("New session: %(title)s", title=title),
        change="new",
    )
    cache.bump_directory()
    return session


def decline_request(actor, request: SessionRequest, note: str, now: datetime | None = None) -> None:
    _staff_only(actor)
    note = (note or "").strip()
    if not note:
        raise RuleViolation(_l("Please write a note for the requester."))
    _decide(actor, request, RequestStatus.DECLINED, decided_at=now or utcnow(), decision_note=note)
    audit.record(actor, "session_request.decline", request, after={"note": note})
    _tell_requester(request)


# --- reminders ------------------------------------------------------------------------------

_CLAIM_COLUMN = {ReminderKind.WEEK: "week_reminder_at", ReminderKind.DAY: "day_reminder_at"}


def due_reminders(now: datetime | None = None) -> list[tuple[int, str]]:
    """(session, kind) pairs whose reminder has come and has not been claimed yet."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            GroupSession.id,
            GroupSession.starts_at,
            GroupSession.week_reminder_at,
            GroupSession.day_reminder_at,
        )
        .join(WorkingGroup, WorkingGroup.id == GroupSession.group_id)
        .where(
            GroupSession.status == SessionStatus.PLANNED,
            WorkingGroup.status == GroupStatus.ACTIVE,
            GroupSession.starts_at > now,
            GroupSession.starts_at <= now + timedelta(days=7),
            or_(GroupSession.week_reminder_at.is_(None), GroupSession.day_reminder_at.is_(None)),
        )
        .order_by(GroupSession.starts_at, GroupSession.id)
    ).all()
    due = []
    for row in rows:
        kind = reminder_due(row.starts_at, now)
        if kind == ReminderKind.DAY and row.day_reminder_at is None:
            due.append((row.id, ReminderKind.DAY))
        elif kind == ReminderKind.WEEK and row.week_reminder_at is None:
            due.append((row.id, ReminderKind.WEEK))
    return due


def send_reminder(session_id: int, kind: str, now: datetime | None = None) -> int:
    """Claim one reminder with a conditional UPDATE, then queue it for each recipient, in the
    same transaction: a second scheduler or a retried job claims nothing and sends nothing.
    The ledger's unique (session, sequence, kind, address) says the same again. A day reminder
    also settles the week reminder of a session planned at short notice."""
    now = now or utcnow()
    values = {_CLAIM_COLUMN[kind]: now}
    if kind == ReminderKind.DAY:
        values["week_reminder_at"] = func.coalesce(GroupSession.week_reminder_at, now)
    claimed = db.session.execute(
        update(GroupSession)
        .where(
            GroupSession.id == session_id,
            GroupSession.status == SessionStatus.PLANNED,
            getattr(GroupSession, _CLAIM_COLUMN[kind]).is_(None),
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
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
