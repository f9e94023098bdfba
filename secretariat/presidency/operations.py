"""Presidency operations: they flush and audit; the caller commits."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from secretariat import audit, cache
from secretariat.database import insert_missing, utcnow
from secretariat.errors import NotAllowed, RuleViolation
from secretariat.extensions import db
from secretariat.i18n import current_language, zone
from secretariat.members import operations as members
from secretariat.members.models import City, CityStatus, JoinRoute
from secretariat.members.queries import matching_city
from secretariat.members.rules import name_cores
from secretariat.presidency.models import (
    AgendaItem,
    ChecklistTask,
    Delegation,
    OwnerSide,
    Summit,
    Term,
    current_term_query,
)
from secretariat.presidency.rules import (
    HANDOVER_ZONE,
    STANDARD_TASKS,
    handover_time,
    names_of,
    standard_due_on,
)
from secretariat.security import CITY_ROLES
from secretariat.text import clean_line, search_keys


def network_today(now: datetime | None = None) -> date:
    """The date in Istanbul, where the secretariat keeps the network's calendar."""
    return (now or utcnow()).astimezone(zone(HANDOVER_ZONE)).date()


def terms_in_order() -> list[Term]:
    return db.session.scalars(select(Term).order_by(Term.number)).all()


def holders_before(term_number: int) -> list[int]:
    """The cities of the terms before term_number, in order: what the succession rule reads."""
    return db.session.scalars(
        select(Term.city_id).where(Term.number < term_number).order_by(Term.number)
    ).all()


def current_term(now: datetime | None = None) -> Term | None:
    """The term whose summit has handed over last (rights follow the terms, never a flag)."""
    return db.session.scalars(current_term_query(now or utcnow())).first()


def president_elect(now: datetime | None = None) -> Term | None:
    """The elected term that has not started yet: its city prepares and hosts the next summit."""
    now = now or utcnow()
    return db.session.scalars(
        select(Term)
        .where((Term.started_at.is_(None)) | (Term.started_at > now))
        .order_by(Term.number)
        .limit(1)
    ).first()


@dataclass
class Overview:
    """Every term, with the current one and the president-elect picked out: one query."""

    terms: list[Term]
    current: Term | None
    elect: Term | None


def overview(now: datetime | None = None) -> Overview:
    now = now or utcnow()
    terms = terms_in_order()
    started = [t for t in terms if t.started_at is not None and t.started_at <= now]
    waiting = [t for t in terms if t.started_at is None or t.started_at > now]
    return Overview(terms, started[-1] if started else None, waiting[0] if waiting else None)


def terms_of_city(city_id: int) -> list[Term]:
    """The terms a city held or will hold, for its page."""
    return db.session.scalars(
        select(Term).where(Term.city_id == city_id).order_by(Term.number)
    ).all()


def summit_by_number(number: int) -> Summit | None:
    return db.session.scalar(select(Summit).where(Summit.number == number))


def term_opened_by(summit: Summit) -> Term | None:
    return db.session.scalar(select(Term).where(Term.opening_summit_id == summit.id))


def mayor_of(city: City) -> str:
    return next((h.name for h in city.office_holders if h.ended_on is None), "")


# --- who may do what ------------------------------------------------------------------------


def may_prepare(user, summit: Summit) -> bool:
    """Staff, and the team (mayor, delegates) of the city hosting summit: the city elected to
    hold the term it opens. The right comes from the summit's host, never from a stored flag."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or (user.role in CITY_ROLES and user.city_slug == summit.host_city.slug)


def may_register_for(user, city: City) -> bool:
    """Staff register any city; a mayor or delegate registers their own city only."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or (user.role in CITY_ROLES and user.city_slug == city.slug)


def may_change_delegation(user, delegation: Delegation) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return delegation.city is not None and may_register_for(user, delegation.city)


def _staff_only(actor) -> None:
    if actor is not None and not actor.is_staff:
        raise NotAllowed(_l("Only the secretariat can do this."))


def _preparer_only(actor, summit: Summit) -> None:
    if actor is not None and not may_prepare(actor, summit):
        raise NotAllowed(_l("Only the host city's team and the secretariat prepare this summit."))


# --- terms and summits ----------------------------------------------------------------------


def create_next_term(actor, summit: Summit, city: City) -> Term:
    """The city elected at summit holds the next term and hosts the next summit (SPEC §3).

    The next summit has no dates yet: its host sets them while preparing it.
    """
    next_summit = Summit(number=summit.number + 1, host_city=city)
    db.session.add(next_summit)
    term = Term(
        number=summit.number + 1, city=city, mayor_name=mayor_of(city), opening_summit=next_summit
    )
    db.session.add(term)
    db.session.flush()
    audit.record(actor, "term.create", term, after={"city": city.slug, "number": term.number})
    _insert_standard_tasks(actor, next_summit)
    cache.bump_directory()  # city pages list their terms
    return term


def record_summit(
    actor, number: int, host: City, starts_on: date, ends_on: date, **details
) -> tuple[Summit, Term]:
    """A summit of the past (or one being set up) with the term it opens, held by its host.

    One still to come gets the standard preparation checklist; a past one is history only.
    """
    summit = Summit(
        number=number,
        year=starts_on.year,
        host_city=host,
        starts_on=starts_on,
        ends_on=ends_on,
        **details,
    )
    db.session.add(summit)
    term = Term(
        number=number,
        year=starts_on.year,
        city=host,
        mayor_name=mayor_of(host),
        opening_summit=summit,
    )
    db.session.add(term)
    db.session.flush()
    audit.record(actor, "summit.create", summit, after={"host": host.slug, "year": summit.year})
    if ends_on >= network_today():
        _insert_standard_tasks(actor, summit)
    cache.bump_directory()
    return summit, term


def _summit_snapshot(summit: Summit) -> dict:
    return {
        "starts_on": summit.starts_on,
        "ends_on": summit.ends_on,
        "venue": summit.venue,
        "theme_en": summit.theme_en,
        "theme_tr": summit.theme_tr,
    }


def _check_dates(summit: Summit, starts_on: date | None, ends_on: date | None) -> None:
    if summit.handed_over_at is not None:
        raise RuleViolation(_l("This summit has already handed over: its dates stay as they are."))
    if (starts_on is None) != (ends_on is None):
        raise RuleViolation(_l("Give both the first and the last day of the summit."))
    if starts_on is None:
        return
    if ends_on < starts_on:
        raise RuleViolation(_l("The last day cannot come before the first day."))
    previous = summit_by_number(summit.number - 1)
    if previous is not None and previous.ends_on is not None and starts_on <= previous.ends_on:
        raise RuleViolation(
            _l(
                "A summit begins after the one before it (summit %(number)s) has ended.",
                number=previous.number,
            )
        )
    following = summit_by_number(summit.number + 1)
    if following is not None and following.starts_on is not None and ends_on >= following.starts_on:
        raise RuleViolation(
            _l(
                "A summit ends before the one after it (summit %(number)s) begins.",
                number=following.number,
            )
        )
    taken = db.session.scalar(
        select(Summit.number).where(Summit.year == starts_on.year, Summit.id != summit.id)
    )
    if taken is not None:
        raise RuleViolation(
            _l(
                "Summit %(number)s is held in %(year)s already: there is one summit a year.",
                number=taken,
                year=starts_on.year,
            )
        )


def update_summit(
    actor,
    summit: Summit,
    *,
    starts_on: date | None,
    ends_on: date | None,
    venue: str,
    theme_en: str,
    theme_tr: str,
) -> None:
    """Staff set a summit's dates, venue and theme. Setting the dates gives the summit and its
    term their year, and the standard preparation steps their due dates."""
    _staff_only(actor)
    before = _summit_snapshot(summit)
    old_start = summit.starts_on
    if (starts_on, ends_on) != (summit.starts_on, summit.ends_on):
        _check_dates(summit, starts_on, ends_on)
        summit.starts_on, summit.ends_on = starts_on, ends_on
        summit.year = starts_on.year if starts_on else None
        term = term_opened_by(summit)
        if term is not None:
            term.year = summit.year
        for task in summit.tasks:
            planned = standard_due_on(task.kind, old_start) if task.kind else None
            if task.kind and task.done_at is None and task.due_on in (None, planned):
                task.due_on = standard_due_on(task.kind, starts_on)
    summit.venue = clean_line(venue)
    summit.theme_en, summit.theme_tr = clean_line(theme_en), clean_line(theme_tr)
    db.session.flush()
    if summit.starts_on is not None and old_start is None:
        _insert_standard_tasks(actor, summit)
    audit.record(actor, "summit.update", summit, before, _summit_snapshot(summit))
    cache.bump_directory()  # city pages show their terms' years


def hand_over_due_summits(now: datetime | None = None) -> list[Summit]:
    """At the end of each summit (its last day, 18:00 in Istanbul) the term it opens starts and
    the term before it ends (SPEC §3.1). Each summit is claimed with a conditional UPDATE, so a
    second scheduler, a retry or an overlapping run hands nothing over twice."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(Summit)
        .where(
            Summit.handed_over_at.is_(None),
            Summit.ends_on.is_not(None),
            Summit.ends_on <= network_today(now),
        )
        .order_by(Summit.number)
    ).all()
    handed = []
    for summit in candidates:
        at = handover_time(summit.ends_on)
        if at > now:
            continue
        claimed = db.session.execute(
            update(Summit)
            .where(Summit.id == summit.id, Summit.handed_over_at.is_(None))
            .values(handed_over_at=at)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            continue
        db.session.refresh(summit, ["handed_over_at"])
        term = term_opened_by(summit)
        previous = db.session.scalar(select(Term).where(Term.number == summit.number - 1))
        if term is not None and term.started_at is None:
            term.started_at = at
        if previous is not None and previous.ended_at is None:
            previous.ended_at = at
        db.session.flush()
        audit.record(
            None,
            "summit.handover",
            summit,
            after={
                "at": at,
                "term": term.number if term else None,
                "city": term.city.slug if term else None,
                "previous_term": previous.number if previous else None,
            },
        )
        cache.bump_directory()
        handed.append(summit)
    return handed


# --- the agenda -----------------------------------------------------------------------------


def _titles(title_en: str, title_tr: str) -> tuple[str, str]:
    titles = clean_line(title_en), clean_line(title_tr)
    if not any(titles):
        raise RuleViolation(_l("Give a title in English, in Turkish, or in both."))
    return titles


def add_agenda_item(
    actor, summit: Summit, *, title_en: str, title_tr: str = "", starts_at: datetime | None = None
) -> AgendaItem:
    _staff_only(actor)
    title_en, title_tr = _titles(title_en, title_tr)
    last = db.session.scalar(
        select(func.max(AgendaItem.position)).where(AgendaItem.summit_id == summit.id)
    )
    item = AgendaItem(
        summit=summit,
        position=(last or 0) + 1,
        title_en=title_en,
        title_tr=title_tr,
        starts_at=starts_at,
    )
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "agenda.add", item, after={"title_en": title_en, "title_tr": title_tr})
    return item


def update_agenda_item(
    actor, item: AgendaItem, *, title_en: str, title_tr: str = "", starts_at: datetime | None = None
) -> None:
    _staff_only(actor)
    before = {"title_en": item.title_en, "title_tr": item.title_tr, "starts_at": item.starts_at}
    item.title_en, item.title_tr = _titles(title_en, title_tr)
    item.starts_at = starts_at
    db.session.flush()
    audit.record(
        actor,
        "agenda.update",
        item,
        before,
        {"title_en": item.title_en, "title_tr": item.title_tr, "starts_at": item.starts_at},
    )


def remove_agenda_item(actor, item: AgendaItem) -> None:
    _staff_only(actor)
    audit.record(
        actor, "agenda.remove", item, before={"title_en": item.title_en, "title_tr": item.title_tr}
    )
    db.session.delete(item)
    db.session.flush()


def move_agenda_item(actor, item: AgendaItem, direction: str) -> bool:
    """Swap the item with the one before it ("up") or after it ("down"); False at either end."""
    _staff_only(actor)
    earlier = direction == "up"
    neighbour = db.session.scalars(
        select(AgendaItem)
        .where(
            AgendaItem.summit_id == item.summit_id,
            AgendaItem.position < item.position if earlier else AgendaItem.position > item.position,
        )
        .order_by(AgendaItem.position.desc() if earlier else AgendaItem.position)
        .limit(1)
    ).first()
    if neighbour is None:
        return False
    mine, theirs = item.position, neighbour.position
    item.position = -item.id  # positions are unique per summit: step aside first
    db.session.flush()
    neighbour.position = mine
    db.session.flush()
    item.position = theirs
    db.session.flush()
    audit.record(actor, "agenda.move", item, before={"position": mine}, after={"position": theirs})
    return True


# --- delegations and attendance -------------------------------------------------------------


def _registration_open(summit: Summit) -> None:
    if summit.attendance_confirmed_at is not None:
        raise RuleViolation(
            _l("The attendance of this summit has been confirmed: its registration is closed.")
        )
    if summit.starts_on is None:
        raise RuleViolation(_l("Registration opens once the summit's dates are set."))


def _people(people: int, names: str) -> tuple[int, str]:
    listed = names_of(names)
    if people < 1:
        raise RuleViolation(_l("A delegation has at least one person."))
    if len(listed) > people:
        raise RuleViolation(
            _l("More names are listed than the number of people: please correct one or the other.")
        )
    return people, "\n".join(listed)


def _same_non_member(summit: Summit, keys: str, country_id: int, exclude_id: int = 0):
    cores = name_cores(keys)
    for other in summit.delegations:
        if (
            other.city_id is None
            and other.country_id == country_id
            and other.id != exclude_id
            and cores & name_cores(search_keys(other.city_name, other.city_name_en))
        ):
            return other
    return None


def register_delegation(
    actor,
    summit: Summit,
    *,
    people: int,
    names: str = "",
    city: City | None = None,
    official_name: str = "",
    english_name: str = "",
    country_code: str = "",
) -> Delegation:
    """A city's delegation to summit: a member city (staff for any, a mayor or delegate for
    their own), or a Balkan city that is not a member (staff), found among former members by
    its names whatever the script; it becomes a member if it attends (SPEC §2)."""
    _registration_open(summit)
    people, names = _people(people, names)
    official, english, country = "", "", None
    if city is None:
        _staff_only(actor)
        country = members.country_by_code(country_code)
        english = clean_line(english_name)
        official = clean_line(official_name) or english
        if not english:
            raise RuleViolation(_l("Give the city's name in English."))
        keys = search_keys(official, english)
        city = matching_city(keys, country.id)
        if city is None and _same_non_member(summit, keys, country.id) is not None:
            raise RuleViolation(_l("%(city)s is already registered for this summit.", city=english))
    elif actor is not None and not may_register_for(actor, city):
        raise NotAllowed(_l("You can register the delegation of your own city only."))
    if city is not None:
        already = db.session.scalar(
            select(Delegation.id).where(
                Delegation.summit_id == summit.id, Delegation.city_id == city.id
            )
        )
        if already is not None:
            raise RuleViolation(
                _l(
                    "%(city)s is already registered for this summit.",
                    city=city.name_in(current_language()),
                )
            )
        official, english, country = "", "", None
    delegation = Delegation(
        summit=summit,
        city=city,
        city_name=official,
        city_name_en=english,
        country=country,
        people=people,
        names=names,
    )
    db.session.add(delegation)
    db.session.flush()
    audit.record(
        actor,
        "delegation.register",
        delegation,
        after={"city": city.slug if city else english, "people": people},
    )
    return delegation


def update_delegation(
    actor,
    delegation: Delegation,
    *,
    people: int,
    names: str = "",
    official_name: str | None = None,
    english_name: str | None = None,
    country_code: str | None = None,
) -> None:
    """The number and names of a delegation; staff may also correct a non-member's names."""
    if actor is not None and not may_change_delegation(actor, delegation):
        raise NotAllowed(_l("You can change the delegation of your own city only."))
    summit = delegation.summit
    if summit.attendance_confirmed_at is not None:
        raise RuleViolation(
            _l("The attendance of this summit has been confirmed: its registration is closed.")
        )
    before = {"people": delegation.people, "names": delegation.names}
    delegation.people, delegation.names = _people(people, names)
    if delegation.city_id is None and english_name is not None:
        _staff_only(actor)
        english = clean_line(english_name)
        if not english:
            raise RuleViolation(_l("Give the city's name in English."))
        country = members.country_by_code(country_code or "")
        official = clean_line(official_name) or english
        keys = search_keys(official, english)
        if _same_non_member(summit, keys, country.id, exclude_id=delegation.id) is not None:
            raise RuleViolation(_l("%(city)s is already registered for this summit.", city=english))
        delegation.city_name, delegation.city_name_en, delegation.country = (
            official,
            english,
            country,
        )
    db.session.flush()
    audit.record(
        actor,
        "delegation.update",
        delegation,
        before,
        {"people": delegation.people, "names": delegation.names},
    )


def remove_delegation(actor, delegation: Delegation) -> None:
    """A registration made in error or cancelled before the summit's attendance is confirmed."""
    if actor is not None and not may_change_delegation(actor, delegation):
        raise NotAllowed(_l("You can change the delegation of your own city only."))
    summit = delegation.summit
    if summit.attendance_confirmed_at is not None:
        raise RuleViolation(
            _l("The attendance of this summit has been confirmed: its registration is closed.")
        )
    audit.record(actor, "delegation.remove", delegation, before={"people": delegation.people})
    db.session.delete(delegation)
    db.session.flush()
    db.session.expire(summit, ["delegations"])


@dataclass
class Attendance:
    """What confirming a summit's attendance did: nothing at all when it was confirmed before."""

    already_confirmed: bool = False
    attended: int = 0
    joined: list[City] = field(default_factory=list)
    rejoined: list[City] = field(default_factory=list)


def _member_by_attending(actor, summit: Summit, delegation: Delegation, outcome: Attendance):
    """The attending city as a member from the summit's first day (SPEC §2: by attending)."""
    city = delegation.city
    if city is None:
        keys = search_keys(delegation.city_name, delegation.city_name_en)
        city = matching_city(keys, delegation.country_id)
    if city is None:
        city = members.create_city(
            actor,
            official_name=delegation.city_name or delegation.city_name_en,
            english_name=delegation.city_name_en,
            country_code=delegation.country.code,
            joined_on=summit.starts_on,
            join_route=JoinRoute.SUMMIT,
        )
        outcome.joined.append(city)
    elif city.status == CityStatus.WITHDRAWN:
        members.reactivate_city(actor, city, summit.starts_on, JoinRoute.SUMMIT)
        outcome.rejoined.append(city)
    if delegation.city_id is None:
        taken = db.session.scalar(
            select(Delegation.id).where(
                Delegation.summit_id == summit.id, Delegation.city_id == city.id
            )
        )
        if taken is None:  # else the city had registered itself as well: keep that row
            delegation.city = city


def confirm_attendance(actor, summit: Summit, attended_ids) -> Attendance:
    """Staff confirm which registered delegations came. Balkan cities that are not members and
    attended become members on the summit's first day (join route "summit"); a city that had
    withdrawn is a member again. The confirmation happens once: the summit is claimed with a
    conditional UPDATE, and confirming again changes nothing."""
    _staff_only(actor)
    if summit.starts_on is None or summit.starts_on > network_today():
        raise RuleViolation(_l("Attendance is confirmed from the summit's first day on."))
    claimed = db.session.execute(
        update(Summit)
        .where(Summit.id == summit.id, Summit.attendance_confirmed_at.is_(None))
        .values(attendance_confirmed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(summit, ["attendance_confirmed_at"])
    if claimed.rowcount != 1:
        return Attendance(already_confirmed=True)
    wanted = {int(each) for each in attended_ids}
    outcome = Attendance()
    delegations = db.session.scalars(
        select(Delegation).where(Delegation.summit_id == summit.id).order_by(Delegation.id)
    ).all()
    for delegation in delegations:
        delegation.attended = delegation.id in wanted
        if delegation.attended:
            outcome.attended += 1
            _member_by_attending(actor, summit, delegation, outcome)
        db.session.flush()
    audit.record(
        actor,
        "summit.attendance",
        summit,
        after={
            "attended": outcome.attended,
            "joined": [city.slug for city in outcome.joined],
            "rejoined": [city.slug for city in outcome.rejoined],
        },
    )
    cache.bump_directory()
    return outcome


# --- the preparation checklist --------------------------------------------------------------


def add_standard_tasks(actor, summit: Summit) -> int:
    """The standard steps (SPEC §3.1) summit does not have yet, due counted back from its first
    day when known. One of each kind per summit, enforced by the database: calling this again,
    or twice at once, adds nothing more."""
    _preparer_only(actor, summit)
    return _insert_standard_tasks(actor, summit)


def _insert_standard_tasks(actor, summit: Summit) -> int:
    before = db.session.scalar(
        select(func.count()).select_from(ChecklistTask).where(ChecklistTask.summit_id == summit.id)
    )
    for position, (kind, _days, owner_side) in enumerate(STANDARD_TASKS, start=1):
        insert_missing(
            db.session,
            ChecklistTask,
            {
                "summit_id": summit.id,
                "position": position,  # positions up to len(STANDARD_TASKS) are theirs
                "kind": kind,
                "owner_side": owner_side,
                "due_on": standard_due_on(kind, summit.starts_on),
            },
        )
    added = (
        db.session.scalar(
            select(func.count())
            .select_from(ChecklistTask)
            .where(ChecklistTask.summit_id == summit.id)
        )
        - before
    )
    db.session.expire(summit, ["tasks"])
    if added:
        audit.record(actor, "checklist.standard", summit, after={"added": added})
    return added


def add_task(
    actor,
    summit: Summit,
    *,
    title_en: str,
    title_tr: str = "",
    owner_side: str = OwnerSide.TOGETHER,
    owner: str = "",
    due_on: date | None = None,
) -> ChecklistTask:
    _preparer_only(actor, summit)
    title_en, title_tr = _titles(title_en, title_tr)
    last = db.session.scalar(
        select(func.max(ChecklistTask.position)).where(ChecklistTask.summit_id == summit.id)
    )
    task = ChecklistTask(
        summit=summit,
        position=max(last or 0, len(STANDARD_TASKS)) + 1,
        title_en=title_en,
        title_tr=title_tr,
        owner_side=OwnerSide(owner_side),
        owner=clean_line(owner),
        due_on=due_on,
    )
    db.session.add(task)
    db.session.flush()
    audit.record(
        actor, "checklist.add", task, after={"title_en": title_en, "owner_side": owner_side}
    )
    return task


def mark_task(actor, task: ChecklistTask, done: bool) -> bool:
    """Tick a task done or open it again; asking for the state it is in changes nothing."""
    _preparer_only(actor, task.summit)
    if (task.done_at is not None) == done:
        return False
    task.done_at = utcnow() if done else None
    task.done_by_id = actor.id if (done and actor is not None) else None
    db.session.flush()
    audit.record(actor, "checklist.done" if done else "checklist.reopen", task)
    return True
