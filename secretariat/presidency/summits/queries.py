"""Summit reads: the pages' data, the checklist, the delegations, and who may do what to them."""

from dataclasses import dataclass
from datetime import date

from babel.dates import format_interval
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from secretariat.errors import NotAllowed
from secretariat.extensions import db
from secretariat.members.models import City, CityStatus
from secretariat.members.queries import city_of, countries_by_name
from secretariat.members.rules import may_act_for, name_cores
from secretariat.presidency.models import AgendaItem, ChecklistTask, Delegation, Summit, TaskKind
from secretariat.presidency.rules import Progress, is_overdue, network_today, progress
from secretariat.text import collation_key, search_keys

# --- who may do what ------------------------------------------------------------------------

PREPARERS_ONLY = _l("Only the host city's team and the secretariat prepare this summit.")
REGISTER_OWN_ONLY = _l("You can register the delegation of your own city only.")
CHANGE_OWN_ONLY = _l("You can change the delegation of your own city only.")
REGISTRATION_CLOSED = _l(
    "The attendance of this summit has been confirmed: its registration is closed."
)
REGISTRATION_NOT_OPEN = _l("Registration opens once the summit's dates are set.")


def _is_signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def may_prepare(user, summit: Summit) -> bool:
    """Staff, and the team (mayor, delegates) of the city hosting summit: the city elected to
    hold the term it opens. The right comes from the summit's host, never from a stored flag."""
    return may_act_for(user, summit.host_city)


def may_register(user, city: City | None) -> bool:
    """Staff register any city's delegation, and a Balkan city's that is not a member (city
    None); a mayor or delegate registers their own city's only."""
    if city is None:
        return _is_signed_in(user) and user.is_staff
    return may_act_for(user, city)


def may_edit_delegation(user, delegation: Delegation) -> bool:
    """Who may register a city's delegation may change or withdraw it."""
    return may_register(user, delegation.city)


def may_correct_names(user, delegation: Delegation) -> bool:
    """The names and country of a city that is not a member are the secretariat's to correct."""
    return delegation.city_id is None and _is_signed_in(user) and user.is_staff


def registration_refusal(summit: Summit):
    """Why no delegation may register for summit, or change, now; None while it may."""
    if summit.attendance_confirmed_at is not None:
        return REGISTRATION_CLOSED
    if summit.starts_on is None:
        return REGISTRATION_NOT_OPEN
    return None


def is_registration_open(summit: Summit) -> bool:
    return registration_refusal(summit) is None


# --- summits --------------------------------------------------------------------------------


def summit_dates(summit: Summit) -> str:
    """The summit's days as one span in the viewer's language; empty until they are set."""
    if summit.starts_on is None or summit.ends_on is None:
        return ""
    return format_interval(summit.starts_on, summit.ends_on, "yMMMd", locale=get_locale())


def summit_by_number(number: int) -> Summit | None:
    return db.session.scalar(select(Summit).where(Summit.number == number))


def _loading(part: str):
    if part == "agenda":
        return selectinload(Summit.agenda)
    if part == "delegations":
        return selectinload(Summit.delegations).options(
            joinedload(Delegation.city), joinedload(Delegation.country)
        )
    if part == "tasks":
        return selectinload(Summit.tasks).joinedload(ChecklistTask.done_by)
    raise ValueError(f"no part {part!r} of a summit to load")


def summit_or_404(number: int, *parts: str) -> Summit:
    """The summit numbered number, with the parts its page shows loaded in the same few queries:
    "agenda", "delegations" (with their cities and countries), "tasks" (with who did them)."""
    query = select(Summit).where(Summit.number == number)
    return db.one_or_404(query.options(*map(_loading, parts)))


def prepared_summit_or_403(number: int, user, *parts: str) -> Summit:
    summit = summit_or_404(number, *parts)
    if not may_prepare(user, summit):
        raise NotAllowed(PREPARERS_ONLY)
    return summit


def summit_number_in(year: int) -> int | None:
    """The number of the summit held in year (one summit a year), or None."""
    return db.session.scalar(select(Summit.number).where(Summit.year == year))


def other_summit_number_in(year: int, summit: Summit) -> int | None:
    return db.session.scalar(
        select(Summit.number).where(Summit.year == year, Summit.id != summit.id)
    )


@dataclass
class Listing:
    """Every summit, the latest first, with its dates in the viewer's language."""

    summits: list[Summit]
    dates: dict[int, str]


def summit_listing() -> Listing:
    found = db.session.scalars(select(Summit).order_by(Summit.number.desc())).all()
    return Listing(found, {summit.id: summit_dates(summit) for summit in found})


@dataclass
class SummitPage:
    """What a summit's page shows the one reading it: the controls follow the guards above."""

    summit: Summit
    dates: str
    people: int
    is_staff: bool
    is_signed_in: bool
    is_registration_open: bool
    may_prepare: bool
    may_register: bool
    my_delegation: Delegation | None
    editable: set[int]


def summit_page(number: int, user) -> SummitPage:
    summit = summit_or_404(number, "agenda", "delegations")
    own = city_of(user)
    mine = next((d for d in summit.delegations if own and d.city_id == own.id), None)
    is_open = is_registration_open(summit)
    is_staff = _is_signed_in(user) and user.is_staff
    return SummitPage(
        summit=summit,
        dates=summit_dates(summit),
        people=sum(d.people for d in summit.delegations),
        is_staff=is_staff,
        is_signed_in=_is_signed_in(user),
        is_registration_open=is_open,
        may_prepare=may_prepare(user, summit),
        may_register=is_open and may_register(user, own) and (is_staff or mine is None),
        my_delegation=mine,
        editable={d.id for d in summit.delegations if may_edit_delegation(user, d)},
    )


# --- the agenda -----------------------------------------------------------------------------


def agenda_item_or_404(summit: Summit, item_id: int) -> AgendaItem:
    return db.one_or_404(
        select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.summit_id == summit.id)
    )


def last_agenda_position(summit: Summit) -> int:
    return (
        db.session.scalar(
            select(func.max(AgendaItem.position)).where(AgendaItem.summit_id == summit.id)
        )
        or 0
    )


def agenda_neighbour(item: AgendaItem, is_earlier: bool) -> AgendaItem | None:
    """The item just before item on its summit's agenda (is_earlier), or just after it."""
    return db.session.scalars(
        select(AgendaItem)
        .where(
            AgendaItem.summit_id == item.summit_id,
            AgendaItem.position < item.position
            if is_earlier
            else AgendaItem.position > item.position,
        )
        .order_by(AgendaItem.position.desc() if is_earlier else AgendaItem.position)
        .limit(1)
    ).first()


# --- delegations ----------------------------------------------------------------------------


def member_city_or_404(slug: str) -> City | None:
    """The member city chosen in a form by its slug; None when none was chosen."""
    if not slug:
        return None
    return db.one_or_404(select(City).where(City.slug == slug))


def member_choices(language: str) -> list[tuple[str, str]]:
    cities = db.session.scalars(select(City).where(City.status == CityStatus.ACTIVE)).all()
    named = sorted(
        ((c.slug, c.name_in(language)) for c in cities),
        key=lambda pair: collation_key(pair[1], language),
    )
    return [("", _("A city that is not a member")), *named]


def country_choices(language: str) -> list[tuple[str, str]]:
    return [("", _("Choose a country")), *countries_by_name(language)]


def delegation_or_403(summit: Summit, delegation_id: int, user) -> Delegation:
    delegation = db.one_or_404(
        select(Delegation).where(Delegation.id == delegation_id, Delegation.summit_id == summit.id)
    )
    if not may_edit_delegation(user, delegation):
        raise NotAllowed(CHANGE_OWN_ONLY)
    return delegation


def delegations_of(summit: Summit) -> list[Delegation]:
    return db.session.scalars(
        select(Delegation).where(Delegation.summit_id == summit.id).order_by(Delegation.id)
    ).all()


def is_city_registered(summit: Summit, city: City) -> bool:
    return (
        db.session.scalar(
            select(Delegation.id).where(
                Delegation.summit_id == summit.id, Delegation.city_id == city.id
            )
        )
        is not None
    )


def registered_non_member(
    summit: Summit, keys: str, country_id: int, exclude_id: int = 0
) -> Delegation | None:
    """A delegation of a city that is not a member, already registered under one of the names
    in keys (whatever the script) for summit."""
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


# --- the preparation checklist --------------------------------------------------------------


def task_or_404(summit: Summit, task_id: int) -> ChecklistTask:
    return db.one_or_404(
        select(ChecklistTask).where(
            ChecklistTask.id == task_id, ChecklistTask.summit_id == summit.id
        )
    )


def task_count(summit: Summit) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ChecklistTask).where(ChecklistTask.summit_id == summit.id)
    )


def last_task_position(summit: Summit) -> int:
    return (
        db.session.scalar(
            select(func.max(ChecklistTask.position)).where(ChecklistTask.summit_id == summit.id)
        )
        or 0
    )


@dataclass
class Checklist:
    """A summit's preparation at a glance: its tasks by due date, the overdue ones, progress."""

    tasks: list[ChecklistTask]
    overdue: set[int]
    progress: Progress
    is_standard_missing: bool


def checklist(summit: Summit, today: date | None = None) -> Checklist:
    today = today or network_today()
    tasks = sorted(summit.tasks, key=lambda t: (t.due_on is None, t.due_on or today, t.position))
    return Checklist(
        tasks=tasks,
        overdue={t.id for t in tasks if is_overdue(t.due_on, t.done_at is not None, today)},
        progress=progress([(t.due_on, t.done_at is not None) for t in tasks], today),
        is_standard_missing=len({t.kind for t in tasks if t.kind}) < len(TaskKind),
    )
