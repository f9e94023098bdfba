"""Working-group reads: who may do what, the pages' data, whom a group's mail reaches, what is due."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from secretariat.database import utcnow
from secretariat.errors import NotAllowed
from secretariat.extensions import db
from secretariat.listing import paginate
from secretariat.members.models import City, CityStatus, Contact, ContactKind, Country
from secretariat.members.queries import city_of
from secretariat.presidency.models import current_term_query
from secretariat.security import CITY_ROLES, is_staff
from secretariat.text import normalise_email
from secretariat.working_groups.models import (
    GroupMembership,
    GroupSession,
    GroupStatus,
    RequestStatus,
    SessionAttendance,
    SessionRequest,
    SessionStatus,
    WorkingGroup,
)
from secretariat.working_groups.rules import ReminderKind, Side, approving_side, reminder_due

PAST_ON_GROUP_PAGE = 12
CITY_CHOICES = 200  # more cities outside a group than this: staff type the one they add
FEED_MONTHS_BACK = timedelta(days=365)

# --- who may do what ------------------------------------------------------------------------
# Each guard is a predicate the views ask to show a control and the operations ask to refuse,
# in the words below. The operations take no actor (None) for the scheduler and the demo.
# Acting for a city (may_act_for) and what only staff do (require_staff) are members' rules.

OWN_CITY_ONLY = _l("You can act for your own city only.")
ONLY_SIDES_PROPOSE = _l("Only the term presidency and the secretariat propose new groups.")
ONLY_SIDES_AGREE = _l("Only the term presidency and the secretariat agree new groups.")
OTHER_SIDE_APPROVES = _l("The other side approves this proposal; your side made it.")
ONLY_RECORDERS = _l("Only the secretariat and the group's coordinators record this.")
ONLY_MEMBERS_ASK = _l(
    "Only a city in the group can ask for an extra session. Join the group first."
)


def refuse_unless(is_allowed: bool, refusal) -> None:
    """An operation's guard: refused in the words the view shows."""
    if not is_allowed:
        raise NotAllowed(refusal)


def may_manage(user) -> bool:
    """Staff edit groups and sessions, name coordinators and decide on extra sessions."""
    return is_staff(user)


def presiding_city(now: datetime | None = None) -> City | None:
    term = db.session.scalars(current_term_query(now or utcnow())).first()
    return term.city if term is not None else None


def side_of(user, now: datetime | None = None) -> Side | None:
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


def may_propose(user, now: datetime | None = None) -> bool:
    """Either side proposes a new group (SPEC §4)."""
    return side_of(user, now) is not None


def may_decide(user, group: WorkingGroup, now: datetime | None = None) -> bool:
    """Either side may decline a proposal, the proposer's own included (it withdraws it)."""
    return group.status == GroupStatus.PROPOSED and may_propose(user, now)


def may_approve(user, group: WorkingGroup, now: datetime | None = None) -> bool:
    """Only the side that did not propose the group approves it (SPEC §4)."""
    side = side_of(user, now) if group.status == GroupStatus.PROPOSED else None
    return side is not None and side == approving_side(group.proposed_by_side)


def may_record(user, group: WorkingGroup) -> bool:
    """Minutes and attendance: staff, and the team of a coordinator city (SPEC §4)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return user.role in CITY_ROLES and user.city_slug in coordinator_slugs(group)


def is_visible(group: WorkingGroup, user) -> bool:
    """Proposals and declined groups are for the two sides that agree them; the rest is public."""
    if group.status in (GroupStatus.ACTIVE, GroupStatus.CLOSED):
        return True
    return side_of(user) is not None


# --- single rows ----------------------------------------------------------------------------


def find_group(slug: str) -> WorkingGroup | None:
    return db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))


def active_groups(slugs=None) -> list[WorkingGroup]:
    """The active working groups (of slugs, when given), in the order they were founded: what a
    city may join, and what the directory filters by."""
    query = select(WorkingGroup).where(WorkingGroup.status == GroupStatus.ACTIVE)
    if slugs is not None:
        if not slugs:
            return []
        query = query.where(WorkingGroup.slug.in_(list(slugs)))
    return db.session.scalars(query.order_by(WorkingGroup.id)).all()


def find_session(session_id: int) -> GroupSession | None:
    return db.session.scalar(select(GroupSession).where(GroupSession.id == session_id))


def session_with_attendance(session_id: int) -> GroupSession | None:
    """A session with the cities present, for its page."""
    return db.session.scalar(
        select(GroupSession)
        .where(GroupSession.id == session_id)
        .options(selectinload(GroupSession.attendance).joinedload(SessionAttendance.city))
    )


def find_request(request_id: int) -> SessionRequest | None:
    return db.session.scalar(select(SessionRequest).where(SessionRequest.id == request_id))


def find_city(slug: str | None) -> City | None:
    return db.session.scalar(select(City).where(City.slug == slug)) if slug else None


def joining_city(user, typed: str | None) -> City | None:
    """The city a join adds: the one staff typed the short name of, or the person's own."""
    return find_city(typed) if may_manage(user) else city_of(user)


def coordinator_slugs(group: WorkingGroup) -> set[str]:
    return set(
        db.session.scalars(
            select(City.slug)
            .join(GroupMembership, GroupMembership.city_id == City.id)
            .where(GroupMembership.group_id == group.id, GroupMembership.is_coordinator.is_(True))
        )
    )


def membership_of(group: WorkingGroup, city: City) -> GroupMembership | None:
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.city_id == city.id
        )
    )


def group_contact(group: WorkingGroup, city: City) -> Contact | None:
    return db.session.scalar(
        select(Contact).where(
            Contact.city_id == city.id,
            Contact.kind == ContactKind.WORKING_GROUP,
            Contact.working_group_id == group.id,
            Contact.is_active.is_(True),
        )
    )


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


# --- the groups' pages ----------------------------------------------------------------------


def _sort_key(language: str):
    return City.sort_key_tr if language == "tr" else City.sort_key_en


def groups_overview(user, now: datetime | None = None) -> dict:
    """The list of groups by state, with their member counts and next sessions; proposals and
    declined groups only for the two sides."""
    now = now or utcnow()
    side = side_of(user, now)
    statuses = [GroupStatus.ACTIVE, GroupStatus.CLOSED]
    if side is not None:
        statuses += [GroupStatus.PROPOSED, GroupStatus.DECLINED]
    groups = db.session.scalars(
        select(WorkingGroup).where(WorkingGroup.status.in_(statuses)).order_by(WorkingGroup.id)
    ).all()
    ids = [group.id for group in groups]
    active = select(City.id).where(
        City.id == GroupMembership.city_id, City.status == CityStatus.ACTIVE
    )  # EXISTS, not a join: SQLite would walk every active city for each group
    members = dict(
        db.session.execute(
            select(GroupMembership.group_id, func.count())
            .where(GroupMembership.group_id.in_(ids), active.exists())
            .group_by(GroupMembership.group_id)
        ).all()
    )
    upcoming = (
        select(GroupSession.group_id, func.min(GroupSession.starts_at).label("starts_at"))
        .where(
            GroupSession.group_id.in_(ids),
            GroupSession.status == SessionStatus.PLANNED,
            GroupSession.starts_at > now,
        )
        .group_by(GroupSession.group_id)
    )
    next_session = {row.group_id: row.starts_at for row in db.session.execute(upcoming)}
    by_status = {status: [g for g in groups if g.status == status] for status in GroupStatus}
    return {"by_status": by_status, "members": members, "next_session": next_session, "side": side}


def group_page(group: WorkingGroup, user, language: str, now: datetime | None = None) -> dict:
    """A group's page: its members (a page of them), coordinators, upcoming and past sessions
    with the count present at each, and what the reader may do there."""
    now = now or utcnow()
    members = paginate(
        select(GroupMembership)
        .join(City, City.id == GroupMembership.city_id)
        .join(Country, Country.id == City.country_id)
        .where(GroupMembership.group_id == group.id, City.status == CityStatus.ACTIVE)
        # the joins above, not joinedload's own nested one: SQLite would copy every city for it
        .options(contains_eager(GroupMembership.city).contains_eager(City.country))
        .order_by(_sort_key(language), City.id)
    )
    coordinators = db.session.scalars(
        select(City)
        .join(GroupMembership, GroupMembership.city_id == City.id)
        .where(GroupMembership.group_id == group.id, GroupMembership.is_coordinator.is_(True))
        .order_by(_sort_key(language))
    ).all()
    upcoming = db.session.scalars(
        select(GroupSession)
        .where(
            GroupSession.group_id == group.id,
            GroupSession.status == SessionStatus.PLANNED,
            GroupSession.starts_at > now,
        )
        .order_by(GroupSession.starts_at)
        .limit(PAST_ON_GROUP_PAGE)
    ).all()
    past = db.session.scalars(
        select(GroupSession)
        .where(
            GroupSession.group_id == group.id,
            GroupSession.starts_at <= now,
            GroupSession.status != SessionStatus.CANCELLED,
        )
        .order_by(GroupSession.starts_at.desc())
        .limit(PAST_ON_GROUP_PAGE)
    ).all()
    present = dict(
        db.session.execute(
            select(SessionAttendance.session_id, func.count())
            .where(SessionAttendance.session_id.in_([s.id for s in past]))
            .group_by(SessionAttendance.session_id)
        ).all()
    )
    page = {"group": group, "members": members, "coordinators": coordinators}
    page |= {"upcoming": upcoming, "past": past, "present": present, "language": language}
    return page | _reader_actions(group, user, language)


def _reader_actions(group: WorkingGroup, user, language: str) -> dict:
    """What the signed-in reader may do on the group's page."""
    if not user.is_authenticated:
        return {"side": None, "own": None, "may_manage": False, "cities_outside": None}
    own = city_of(user)
    mine = membership_of(group, own) if own is not None else None
    is_open = may_manage(user) and group.status == GroupStatus.ACTIVE
    return {
        "side": side_of(user),
        "own": own,
        "own_membership": mine,
        "may_manage": may_manage(user),
        "may_decide": may_decide(user, group),
        "may_approve": may_approve(user, group),
        "own_contact": group_contact(group, own) if mine is not None else None,
        "cities_outside": cities_outside(group, language) if is_open else None,
    }


def cities_outside(group: WorkingGroup, language: str) -> list[City]:
    """The active cities outside the group, one more than a list shows: then a name is asked."""
    inside = select(GroupMembership.city_id).where(GroupMembership.group_id == group.id)
    return db.session.scalars(
        select(City)
        .where(City.status == CityStatus.ACTIVE, City.id.not_in(inside))
        .order_by(_sort_key(language))
        .limit(CITY_CHOICES + 1)
    ).all()


def group_sessions(group: WorkingGroup):
    """A page of the group's sessions, latest first."""
    return paginate(
        select(GroupSession)
        .where(GroupSession.group_id == group.id)
        .order_by(GroupSession.starts_at.desc(), GroupSession.id.desc())
    )


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


def present_cities(session: GroupSession, language: str) -> list[City]:
    """The cities recorded present, in the reader's alphabetical order."""
    return sorted(
        (a.city for a in session.attendance),
        key=lambda city: getattr(city, f"sort_key_{language}"),
    )


def attendance_choices(session: GroupSession, language: str) -> list[City]:
    """The cities the minutes may name present: the group's members that are active, and any
    city recorded present before (it may have left the group or the network since)."""
    was_present = [a.city_id for a in session.attendance]
    in_group = select(GroupMembership.city_id).where(GroupMembership.group_id == session.group_id)
    return db.session.scalars(
        select(City)
        .where(
            or_(City.id.in_(in_group), City.id.in_(was_present)),
            or_(City.status == CityStatus.ACTIVE, City.id.in_(was_present)),
        )
        .order_by(_sort_key(language))
    ).all()


def feed_sessions(group_id: int | None = None) -> list[GroupSession]:
    """A calendar feed's sessions: those of the last twelve months and all ahead, of the groups
    the public sees (of one, when group_id is given)."""
    since = utcnow() - FEED_MONTHS_BACK
    where = [] if group_id is None else [GroupSession.group_id == group_id]
    return db.session.scalars(
        select(GroupSession)
        .join(WorkingGroup, WorkingGroup.id == GroupSession.group_id)
        .where(
            WorkingGroup.status.in_([GroupStatus.ACTIVE, GroupStatus.CLOSED]),
            GroupSession.starts_at >= since,
            *where,
        )
        .order_by(GroupSession.starts_at, GroupSession.id)
    ).all()


# --- extra-session requests and reminders -----------------------------------------------------


def session_requests(state: str) -> dict:
    """The staff's queue: a page of the requests in state (all for an unknown one), newest
    first, and how many there are in each state."""
    stmt = select(SessionRequest).order_by(SessionRequest.id.desc())
    if state in set(RequestStatus):
        stmt = stmt.where(SessionRequest.status == state)
    counts = dict(
        db.session.execute(
            select(SessionRequest.status, func.count()).group_by(SessionRequest.status)
        ).all()
    )
    return {"page": paginate(stmt), "state": state, "counts": counts}


def due_reminders(now: datetime | None = None) -> list[tuple[int, ReminderKind]]:
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
