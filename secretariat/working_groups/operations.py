"""Working-group operations on the groups and their member cities; the caller commits."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update

from secretariat import audit, cache
from secretariat.database import claim, utcnow
from secretariat.errors import RuleViolation
from secretariat.extensions import db
from secretariat.i18n import is_timezone
from secretariat.members.models import City, CityStatus, Contact, ContactKind
from secretariat.members.rules import may_act_for, require_staff, slugify
from secretariat.text import clean_line
from secretariat.working_groups.models import (
    GroupKind,
    GroupMembership,
    GroupSession,
    GroupStatus,
    SessionStatus,
    WorkingGroup,
)
from secretariat.working_groups.queries import (
    ONLY_SIDES_AGREE,
    ONLY_SIDES_PROPOSE,
    OTHER_SIDE_APPROVES,
    OWN_CITY_ONLY,
    group_contact,
    may_approve,
    may_decide,
    may_propose,
    membership_of,
    refuse_unless,
    side_of,
)
from secretariat.working_groups.rules import SESSION_ZONE, has_ended

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


def refuse_unless_active(group: WorkingGroup) -> None:
    if group.status != GroupStatus.ACTIVE:
        raise RuleViolation(_l("This working group is not active."))


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
    refuse_unless(may_propose(actor, now), ONLY_SIDES_PROPOSE)
    side = side_of(actor, now)
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
    refuse_unless(may_decide(actor, group, now), ONLY_SIDES_AGREE)
    refuse_unless(may_approve(actor, group, now), OTHER_SIDE_APPROVES)
    side = side_of(actor, now)
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
    refuse_unless(may_decide(actor, group, now), ONLY_SIDES_AGREE)
    side = side_of(actor, now)
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
    require_staff(actor)
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
    ahead are cancelled. Each is claimed, so a second scheduler closes nothing twice."""
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
    still_active = WorkingGroup.status == GroupStatus.ACTIVE
    for group in due:
        if not claim(db.session, group, still_active, status=GroupStatus.CLOSED, closed_at=now):
            continue
        db.session.execute(  # every session still ahead: a bulk UPDATE, not one row's claim
            update(GroupSession)
            .where(
                GroupSession.group_id == group.id,
                GroupSession.status == SessionStatus.PLANNED,
                GroupSession.starts_at > now,
            )
            .values(status=SessionStatus.CANCELLED, sequence=GroupSession.sequence + 1)
            .execution_options(synchronize_session=False)
        )
        audit.record(None, "group.close", group, after={"ends_on": group.ends_on})
        closed.append(group)
    if closed:
        cache.bump_directory()
    return closed


# --- member cities of a group ---------------------------------------------------------------


def join_group(actor, group: WorkingGroup, city, on: date) -> GroupMembership | None:
    """The city takes part in the group from on; nothing changes when it already does."""
    refuse_unless(actor is None or may_act_for(actor, city), OWN_CITY_ONLY)
    refuse_unless_active(group)
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
    refuse_unless(actor is None or may_act_for(actor, city), OWN_CITY_ONLY)
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
    require_staff(actor)
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
    refuse_unless(actor is None or may_act_for(actor, city), OWN_CITY_ONLY)
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
