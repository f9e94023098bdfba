"""Membership operations: they flush and audit; the caller commits."""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from secretariat import audit, cache
from secretariat.errors import NotAllowed, RuleViolation
from secretariat.extensions import db
from secretariat.members.models import (
    City,
    CityAlias,
    CityStatus,
    Contact,
    Country,
    JoinRoute,
    OfficeHolder,
)
from secretariat.members.queries import (
    country_by_code,
    is_city_slug_taken,
    is_country_code_taken,
)
from secretariat.members.rules import check_mayor_start, may_act_for, slugify
from secretariat.security import Role
from secretariat.text import clean_line


def _country_snapshot(country: Country) -> dict:
    return {
        "code": country.code,
        "name_en": country.name_en,
        "name_tr": country.name_tr,
        "is_active": country.is_active,
    }


def _admin_only(actor) -> None:
    """SPEC §2.1: the list of countries is kept by admins, not by every member of staff."""
    if actor is not None and actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can change the list of countries."))


def add_country(actor, *, code: str, name_en: str, name_tr: str, is_active: bool = True) -> Country:
    """A country cities may apply from; the code is ISO 3166-1 alpha-2 (Kosovo as XK)."""
    _admin_only(actor)
    code = code.strip().upper()
    if is_country_code_taken(code):
        raise RuleViolation(_l("A country with this code already exists."))
    country = Country(
        code=code, name_en=clean_line(name_en), name_tr=clean_line(name_tr), is_active=is_active
    )
    db.session.add(country)
    db.session.flush()
    audit.record(actor, "country.add", country, after=_country_snapshot(country))
    cache.bump_directory()
    return country


def update_country(actor, country: Country, *, name_en: str, name_tr: str, is_active: bool) -> None:
    """Admins rename a country or retire it from new choices; the cities in it keep it."""
    _admin_only(actor)
    before = _country_snapshot(country)
    country.name_en, country.name_tr = clean_line(name_en), clean_line(name_tr)
    country.is_active = is_active
    db.session.flush()
    audit.record(actor, "country.update", country, before, _country_snapshot(country))
    cache.bump_directory()  # the directory's country filter and every city page name the country


def _snapshot(city: City) -> dict:
    return {
        "official_name": city.official_name,
        "english_name": city.english_name,
        "turkish_name": city.turkish_name,
        "country": city.country.code if city.country else None,
        "status": city.status,
        "joined_on": city.joined_on,
        "join_route": city.join_route,
    }


def create_city(
    actor,
    *,
    official_name: str,
    english_name: str,
    country_code: str,
    joined_on: date,
    join_route: JoinRoute,
    turkish_name: str = "",
    population: int | None = None,
    website: str = "",
    aliases: tuple[str, ...] = (),
) -> City:
    """A new member city, with its names indexed for search and sorting."""
    slug = slugify(english_name)
    if is_city_slug_taken(slug):
        raise RuleViolation(_l("A member city with this name already exists."))
    city = City(
        slug=slug,
        official_name=clean_line(official_name),
        english_name=clean_line(english_name),
        turkish_name=clean_line(turkish_name),
        country=country_by_code(country_code),
        population=population,
        website=website,
        status=CityStatus.ACTIVE,
        joined_on=joined_on,
        join_route=join_route,
        aliases=[CityAlias(name=clean_line(alias)) for alias in dict.fromkeys(aliases) if alias],
    )
    city.index_names()
    db.session.add(city)
    db.session.flush()
    audit.record(actor, "city.create", city, after=_snapshot(city))
    cache.bump_directory()
    return city


def withdraw_city(actor, city: City, withdrawn_on: date) -> None:
    """A member may leave; its history stays (SPEC §2: decisions are not binding)."""
    if city.status == CityStatus.WITHDRAWN:
        raise RuleViolation(_l("This city has already withdrawn."))
    before = _snapshot(city)
    city.status, city.withdrawn_on = CityStatus.WITHDRAWN, withdrawn_on
    audit.record(actor, "city.withdraw", city, before, _snapshot(city))
    cache.bump_directory()


def record_mayor(actor, city: City, name: str, since: date) -> OfficeHolder:
    """The new mayor takes office on since; the previous one's period ends the day before
    (SPEC §2.3: mayors change, the history stays)."""
    check_mayor_start(city, since)
    before = None
    for holder in city.office_holders:
        if holder.ended_on is None:
            holder.ended_on = since - timedelta(days=1)
            before = {"mayor": holder.name, "since": holder.started_on}
    holder = OfficeHolder(city=city, name=clean_line(name), started_on=since)
    db.session.add(holder)
    db.session.flush()
    audit.record(actor, "city.mayor", city, before, {"mayor": holder.name, "since": since})
    cache.bump_directory()
    return holder


def update_city(
    actor, city: City, *, aliases: tuple[str, ...] = (), country_code: str, **fields
) -> None:
    """Staff correct a city's names and facts; the search and sort keys follow."""
    before = _snapshot(city)
    for name in ("official_name", "english_name", "turkish_name"):
        setattr(city, name, clean_line(fields.pop(name)))
    city.website = fields.pop("website", city.website) or ""
    for name, value in fields.items():
        setattr(city, name, value)
    city.country = country_by_code(country_code)
    wanted = [clean_line(alias) for alias in dict.fromkeys(aliases) if clean_line(alias)]
    city.aliases = [a for a in city.aliases if a.name in wanted] + [
        CityAlias(name=name) for name in wanted if name not in {a.name for a in city.aliases}
    ]
    city.index_names()
    db.session.flush()
    audit.record(actor, "city.update", city, before, _snapshot(city))
    cache.bump_directory()


def _keeper_only(actor, city: City) -> None:
    """Staff keep every city's contacts; a mayor or delegate keeps their own city's only."""
    if not may_act_for(actor, city):
        raise NotAllowed(_l("You can keep the contacts of your own city only."))


def add_contact(
    actor,
    city: City,
    *,
    kind: str,
    name: str,
    position: str | None = "",
    email: str | None = "",
    phone: str | None = "",
    working_group_id: int | None = None,
) -> Contact:
    _keeper_only(actor, city)
    contact = Contact(
        city=city,
        kind=kind,
        name=clean_line(name),
        position=clean_line(position),
        email=clean_line(email),
        phone=clean_line(phone),
        working_group_id=working_group_id,
    )
    db.session.add(contact)
    db.session.flush()
    audit.record(actor, "contact.add", city, after={"contact": contact.name, "kind": contact.kind})
    return contact


def remove_contact(actor, contact: Contact) -> None:
    """The contact no longer shows; the row stays, since history may refer to it."""
    _keeper_only(actor, contact.city)
    contact.is_active = False
    audit.record(
        actor,
        "contact.remove",
        contact.city,
        before={"contact": contact.name, "kind": contact.kind},
    )


def reactivate_city(actor, city: City, on: date, join_route: JoinRoute) -> None:
    """A city that withdrew joins again; its earlier history stays in the audit log."""
    if city.status == CityStatus.ACTIVE:
        raise RuleViolation(_l("This city is already a member."))
    before = _snapshot(city)
    city.status, city.withdrawn_on, city.joined_on, city.join_route = (
        CityStatus.ACTIVE,
        None,
        on,
        join_route,
    )
    audit.record(actor, "city.reactivate", city, before, _snapshot(city))
    cache.bump_directory()
