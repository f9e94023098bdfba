"""Summit operations (dates, agenda, delegations, attendance, checklist); they never commit."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from secretariat import audit, cache
from secretariat.database import claim, insert_missing, utcnow
from secretariat.errors import NotAllowed, RuleViolation
from secretariat.extensions import db
from secretariat.i18n import current_language
from secretariat.members import operations as members
from secretariat.members.models import City, CityStatus, JoinRoute
from secretariat.members.queries import country_by_code, matching_city
from secretariat.members.rules import require_staff
from secretariat.presidency.models import AgendaItem, ChecklistTask, Delegation, OwnerSide, Summit
from secretariat.presidency.queries import term_opened_by
from secretariat.presidency.rules import STANDARD_TASKS, names_of, network_today, standard_due_on
from secretariat.presidency.summits import queries
from secretariat.presidency.summits.queries import (
    CHANGE_OWN_ONLY,
    PREPARERS_ONLY,
    REGISTER_OWN_ONLY,
)
from secretariat.text import clean_line, search_keys


def _preparer_only(actor, summit: Summit) -> None:
    if actor is not None and not queries.may_prepare(actor, summit):
        raise NotAllowed(PREPARERS_ONLY)


# --- the summit -----------------------------------------------------------------------------


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
    previous = queries.summit_by_number(summit.number - 1)
    if previous is not None and previous.ends_on is not None and starts_on <= previous.ends_on:
        raise RuleViolation(
            _l(
                "A summit begins after the one before it (summit %(number)s) has ended.",
                number=previous.number,
            )
        )
    following = queries.summit_by_number(summit.number + 1)
    if following is not None and following.starts_on is not None and ends_on >= following.starts_on:
        raise RuleViolation(
            _l(
                "A summit ends before the one after it (summit %(number)s) begins.",
                number=following.number,
            )
        )
    taken = queries.other_summit_number_in(starts_on.year, summit)
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
    require_staff(actor)
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
        insert_standard_tasks(actor, summit)
    audit.record(actor, "summit.update", summit, before, _summit_snapshot(summit))
    cache.bump_directory()  # city pages show their terms' years


# --- the agenda -----------------------------------------------------------------------------


def _titles(title_en: str, title_tr: str) -> tuple[str, str]:
    titles = clean_line(title_en), clean_line(title_tr)
    if not any(titles):
        raise RuleViolation(_l("Give a title in English, in Turkish, or in both."))
    return titles


def add_agenda_item(
    actor, summit: Summit, *, title_en: str, title_tr: str = "", starts_at: datetime | None = None
) -> AgendaItem:
    require_staff(actor)
    title_en, title_tr = _titles(title_en, title_tr)
    item = AgendaItem(
        summit=summit,
        position=queries.last_agenda_position(summit) + 1,
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
    require_staff(actor)
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
    require_staff(actor)
    audit.record(
        actor, "agenda.remove", item, before={"title_en": item.title_en, "title_tr": item.title_tr}
    )
    db.session.delete(item)
    db.session.flush()


def move_agenda_item(actor, item: AgendaItem, direction: str) -> bool:
    """Swap the item with the one before it ("up") or after it ("down"); False at either end."""
    require_staff(actor)
    neighbour = queries.agenda_neighbour(item, is_earlier=direction == "up")
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


def _refuse_unless_open(summit: Summit) -> None:
    refusal = queries.registration_refusal(summit)
    if refusal is not None:
        raise RuleViolation(refusal)


def _people(people: int, names: str | None) -> tuple[int, str]:
    listed = names_of(names)
    if people < 1:
        raise RuleViolation(_l("A delegation has at least one person."))
    if len(listed) > people:
        raise RuleViolation(
            _l("More names are listed than the number of people: please correct one or the other.")
        )
    return people, "\n".join(listed)


def _non_member_names(city_name: str | None, city_name_en: str | None) -> tuple[str, str]:
    """The official name (the English one when none is given) and the English name."""
    english = clean_line(city_name_en)
    if not english:
        raise RuleViolation(_l("Give the city's name in English."))
    return clean_line(city_name) or english, english


def register_delegation(
    actor,
    summit: Summit,
    *,
    people: int,
    names: str | None = "",
    city: City | None = None,
    city_name: str | None = "",
    city_name_en: str | None = "",
    country: str | None = "",
) -> Delegation:
    """A city's delegation to summit: a member city (staff for any, a mayor or delegate for
    their own), or a Balkan city that is not a member (staff), named by city_name, city_name_en
    and the code of its country, and found among former members by its names whatever the
    script; it becomes a member if it attends (SPEC §2)."""
    _refuse_unless_open(summit)
    people, names = _people(people, names)
    if actor is not None and not queries.may_register(actor, city):
        raise NotAllowed(REGISTER_OWN_ONLY)
    official, english, found_country = "", "", None
    if city is None:
        found_country = country_by_code(country or "")
        official, english = _non_member_names(city_name, city_name_en)
        keys = search_keys(official, english)
        city = matching_city(keys, found_country.id)
        if city is None and queries.registered_non_member(summit, keys, found_country.id):
            raise RuleViolation(_l("%(city)s is already registered for this summit.", city=english))
    if city is not None:
        if queries.is_city_registered(summit, city):
            raise RuleViolation(
                _l(
                    "%(city)s is already registered for this summit.",
                    city=city.name_in(current_language()),
                )
            )
        official, english, found_country = "", "", None
    delegation = Delegation(
        summit=summit,
        city=city,
        city_name=official,
        city_name_en=english,
        country=found_country,
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
    names: str | None = "",
    city_name: str | None = None,
    city_name_en: str | None = None,
    country: str | None = None,
) -> None:
    """The number and names of a delegation; staff may also correct a non-member's names (when
    city_name_en is given)."""
    if actor is not None and not queries.may_edit_delegation(actor, delegation):
        raise NotAllowed(CHANGE_OWN_ONLY)
    summit = delegation.summit
    _refuse_unless_open(summit)
    before = {"people": delegation.people, "names": delegation.names}
    delegation.people, delegation.names = _people(people, names)
    if delegation.city_id is None and city_name_en is not None:
        require_staff(actor)
        official, english = _non_member_names(city_name, city_name_en)
        found_country = country_by_code(country or "")
        keys = search_keys(official, english)
        if queries.registered_non_member(summit, keys, found_country.id, delegation.id):
            raise RuleViolation(_l("%(city)s is already registered for this summit.", city=english))
        delegation.city_name, delegation.city_name_en = official, english
        delegation.country = found_country
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
    if actor is not None and not queries.may_edit_delegation(actor, delegation):
        raise NotAllowed(CHANGE_OWN_ONLY)
    summit = delegation.summit
    _refuse_unless_open(summit)
    audit.record(actor, "delegation.remove", delegation, before={"people": delegation.people})
    db.session.delete(delegation)
    db.session.flush()
    db.session.expire(summit, ["delegations"])


@dataclass
class Attendance:
    """What confirming a summit's attendance did: nothing at all when it was confirmed before."""

    is_already_confirmed: bool = False
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
    if delegation.city_id is None and not queries.is_city_registered(summit, city):
        delegation.city = city  # else the city had registered itself as well: keep that row


def confirm_attendance(actor, summit: Summit, attended_ids) -> Attendance:
    """Staff confirm which registered delegations came. Balkan cities that are not members and
    attended become members on the summit's first day (join route "summit"); a city that had
    withdrawn is a member again. The confirmation happens once: the summit is claimed, and
    confirming again changes nothing."""
    require_staff(actor)
    if summit.starts_on is None or summit.starts_on > network_today():
        raise RuleViolation(_l("Attendance is confirmed from the summit's first day on."))
    if not claim(
        db.session,
        summit,
        Summit.attendance_confirmed_at.is_(None),
        attendance_confirmed_at=utcnow(),
    ):
        return Attendance(is_already_confirmed=True)
    wanted = {int(each) for each in attended_ids or ()}
    outcome = Attendance()
    for delegation in queries.delegations_of(summit):
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
    return insert_standard_tasks(actor, summit)


def insert_standard_tasks(actor, summit: Summit) -> int:
    """add_standard_tasks without the preparers' guard: for the operations that plan a summit."""
    before = queries.task_count(summit)
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
    added = queries.task_count(summit) - before
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
    task = ChecklistTask(
        summit=summit,
        position=max(queries.last_task_position(summit), len(STANDARD_TASKS)) + 1,
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


def mark_task(actor, task: ChecklistTask, is_done: bool) -> bool:
    """Tick a task done or open it again; asking for the state it is in changes nothing."""
    _preparer_only(actor, task.summit)
    if (task.done_at is not None) == is_done:
        return False
    task.done_at = utcnow() if is_done else None
    task.done_by_id = actor.id if (is_done and actor is not None) else None
    db.session.flush()
    audit.record(actor, "checklist.done" if is_done else "checklist.reopen", task)
    return True
