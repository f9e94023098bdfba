"""Member-city reads: the directory, a city's page, the export, countries, whose city is whose."""

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload

from secretariat.errors import RuleViolation
from secretariat.extensions import db
from secretariat.i18n import localized
from secretariat.listing import Page, paginate
from secretariat.members.models import City, CityStatus, Contact, Country
from secretariat.members.rules import name_cores
from secretariat.security import CITY_ROLES
from secretariat.text import SEPARATOR, collation_key, fold, spreadsheet_safe


def matching_names(column, keys: str):
    """Rows whose stored search key holds one of the spellings (whole names, not parts) of keys."""
    padded = literal(SEPARATOR) + column + literal(SEPARATOR)
    return or_(
        *(
            padded.contains(f"{SEPARATOR}{core}{SEPARATOR}", autoescape=True)
            for core in name_cores(keys)
        )
    )


def matching_city(keys: str, country_id: int) -> City | None:
    """The member city (active first, then withdrawn) these names are spellings of, in country."""
    return db.session.scalars(
        select(City)
        .where(City.country_id == country_id, matching_names(City.search_key, keys))
        .order_by(City.status, City.id)  # "active" sorts before "withdrawn"
        .limit(1)
    ).first()


def city_of(user) -> City | None:
    """The city a signed-in mayor or delegate belongs to; None for staff and the anonymous."""
    if user is None or not user.is_authenticated or user.role not in CITY_ROLES:
        return None
    return db.session.scalar(select(City).where(City.slug == user.city_slug))


def is_city_slug_taken(slug: str) -> bool:
    return db.session.scalar(select(City.id).where(City.slug == slug)) is not None


def city_or_404(slug: str) -> City:
    return db.one_or_404(select(City).where(City.slug == slug))


def contact_or_404(city: City, contact_id: int) -> Contact:
    return db.one_or_404(
        select(Contact).where(Contact.id == contact_id, Contact.city_id == city.id)
    )


# --- the directory and a city's page --------------------------------------------------------


@lru_cache(maxsize=256)
def _name_order(name: str, language: str) -> str:
    return collation_key(name, language)


def directory_listing(language: str, query: str = "", country_code: str = "", among=None) -> Page:
    """A page of the active members in language's alphabetical order, found by any of their
    names, in a country; among (a select of city ids) narrows it further."""
    sort_key = City.sort_key_tr if language == "tr" else City.sort_key_en
    stmt = select(City).where(City.status == CityStatus.ACTIVE).order_by(sort_key, City.id)
    if query:
        stmt = stmt.where(City.search_key.contains(fold(query), autoescape=True))
    if country_code:
        code = select(Country.id).where(Country.code == country_code).scalar_subquery()
        stmt = stmt.where(City.country_id == code)
    if among is not None:
        stmt = stmt.where(City.id.in_(among))
    return paginate(stmt)


def members_per_country(language: str) -> list[tuple[str, str, int]]:
    """(code, name, active members) of every country with one, by name in language."""
    counts = (
        select(City.country_id, func.count().label("members"))
        .where(City.status == CityStatus.ACTIVE)
        .group_by(City.country_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Country.code, Country.name_en, Country.name_tr, counts.c.members).join(
            counts, counts.c.country_id == Country.id
        )
    )
    return sorted(
        ((row.code, localized(row, "name", language).text, row.members) for row in rows),
        key=lambda country: _name_order(country[1], language),
    )


def city_for_page(slug: str, *options, with_contacts: bool = False) -> City | None:
    """The city of slug with its names and mayors loaded (and its contacts, for members), plus
    whatever the page's other options load."""
    loads = [
        joinedload(City.aliases),  # joined, so that the terms cost no extra statement
        selectinload(City.office_holders),
        *options,
    ]
    if with_contacts:
        loads.append(selectinload(City.contacts))
    return (
        db.session.scalars(select(City).where(City.slug == slug).options(*loads))
        .unique()
        .one_or_none()
    )


# --- the staff's export ---------------------------------------------------------------------

CSV_COLUMNS = [
    "slug",
    "official_name",
    "english_name",
    "turkish_name",
    "aliases",
    "country",
    "population",
    "website",
    "status",
    "joined_on",
    "join_route",
    "withdrawn_on",
    "mayor",
]


def export_rows() -> list[list]:
    """The header and a row per city, member or withdrawn; every cell spreadsheet-safe."""
    cities = db.session.scalars(
        select(City)
        .options(selectinload(City.aliases), selectinload(City.office_holders))
        .order_by(City.sort_key_en, City.id)
    ).all()
    rows = [CSV_COLUMNS]
    for city in cities:
        mayor = next((h.name for h in city.office_holders if h.ended_on is None), "")
        cells = [
            city.slug,
            city.official_name,
            city.english_name,
            city.turkish_name,
            "; ".join(alias.name for alias in city.aliases),
            city.country.code,
            city.population or "",
            city.website,
            city.status,
            city.joined_on.isoformat(),
            city.join_route,
            city.withdrawn_on.isoformat() if city.withdrawn_on else "",
            mayor,
        ]
        rows.append([spreadsheet_safe(cell) for cell in cells])
    return rows


# --- countries ------------------------------------------------------------------------------


def countries_by_name(
    language: str, *, keep: str | None = None, is_active_only: bool = True
) -> list[tuple[str, str]]:
    """The countries as (code, name) in language, in that language's alphabetical order.

    Only the active ones are offered to a new choice; keep names a country a city already has,
    which stays its choice when an admin makes the country inactive.
    """
    stmt = select(Country)
    if is_active_only:
        stmt = stmt.where(Country.is_active.is_(True) | (Country.code == (keep or "")))
    countries = db.session.scalars(stmt).all()
    named = [(c.code, localized(c, "name", language).text) for c in countries]
    return sorted(named, key=lambda pair: collation_key(pair[1], language))


def country_by_code(code: str) -> Country:
    country = db.session.scalar(select(Country).where(Country.code == code))
    if country is None:
        raise RuleViolation(_l("Unknown country."))
    return country


def country_or_404(code: str) -> Country:
    return db.one_or_404(select(Country).where(Country.code == code))


def all_countries() -> list[Country]:
    """Every country, active or not, for the admins' list: by code, as they look them up."""
    return db.session.scalars(select(Country).order_by(Country.code)).all()


def is_country_code_taken(code: str) -> bool:
    return (
        db.session.scalar(select(Country.id).where(Country.code == code.strip().upper()))
        is not None
    )
