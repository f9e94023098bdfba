"""Demo data: the real network with fictional people, or synthetic data for load tests."""

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import select

from secretariat.accounts.operations import create_user
from secretariat.extensions import db
from secretariat.members import operations as members
from secretariat.members.models import City, Contact, ContactKind, Country, JoinRoute
from secretariat.members.rules import BALKAN_COUNTRIES
from secretariat.security import Role
from secretariat.working_groups.models import GroupMembership, WorkingGroup
from secretariat.working_groups.operations import ensure_permanent_groups

DATA = Path(__file__).with_name("data")
DEMO_PASSWORD = "balkan-demo-2026"  # noqa: S105 - printed by make run and listed in the README
FOUNDING_SUMMIT = date(2021, 11, 30)

DEMO_USERS = [
    ("secretary@b40.example", "Elif Demir", Role.ADMIN, None, "tr"),
    ("expert@b40.example", "Jovana Petrović", Role.SECRETARIAT, None, "en"),
    ("mayor.zagreb@b40.example", "Marko Horvat", Role.MAYOR, "zagreb", "en"),
    ("mayor.tirana@b40.example", "Arben Hoxha", Role.MAYOR, "tirana", "en"),
    ("delegate.sarajevo@b40.example", "Amra Hodžić", Role.DELEGATE, "sarajevo", "en"),
    ("delegate.edirne@b40.example", "Zeynep Yıldız", Role.DELEGATE, "edirne", "tr"),
]
# Fictional mayors, one per city in the order of cities.csv; none is a real person.
FIRST_NAMES = ["Ayla", "Nikos", "Mira", "Dritan", "Elena", "Goran", "Selin", "Ivan", "Ana", "Kemal"]
LAST_NAMES = [
    "Aksoy",
    "Papadakis",
    "Kovač",
    "Berisha",
    "Petrova",
    "Jovanović",
    "Yılmaz",
    "Dimitrov",
]
JOINED_LATER = {"summit": date(2023, 1, 24), "application": date(2024, 5, 14)}


def demo_cities() -> list[dict]:
    with (DATA / "cities.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def ensure_countries() -> None:
    """The Balkan countries (the migration seeds them; a bare test database may not have them)."""
    known = set(db.session.scalars(select(Country.code)))
    for code, name_en, name_tr in BALKAN_COUNTRIES:
        if code not in known:
            db.session.add(Country(code=code, name_en=name_en, name_tr=name_tr, is_active=True))
    db.session.flush()


def load_cities() -> list[City]:
    ensure_countries()
    ensure_permanent_groups()
    groups = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)).all()
    cities = []
    for number, row in enumerate(demo_cities()):
        founding = row["founding"] == "yes"
        route = (
            JoinRoute.FOUNDING
            if founding
            else (JoinRoute.SUMMIT if number % 2 else JoinRoute.APPLICATION)
        )
        city = members.create_city(
            None,
            official_name=row["official_name"],
            english_name=row["english_name"],
            turkish_name=row["turkish_name"] if row["turkish_name"] != row["english_name"] else "",
            country_code=row["country"],
            joined_on=FOUNDING_SUMMIT if founding else JOINED_LATER[route],
            join_route=route,
            population=int(row["population_approx"]),
            aliases=tuple(
                name
                for name in (row["latin_name"],)
                if name not in (row["official_name"], row["english_name"])
            ),
        )
        mayor = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} {LAST_NAMES[number % len(LAST_NAMES)]}"
        members.record_mayor(None, city, mayor, city.joined_on)
        db.session.add(Contact(city=city, kind=ContactKind.MAYOR, name=mayor))
        db.session.add(
            Contact(
                city=city,
                kind=ContactKind.FOCAL_POINT,
                name=f"{FIRST_NAMES[(number + 3) % len(FIRST_NAMES)]} {LAST_NAMES[(number + 5) % len(LAST_NAMES)]}",
                position="International relations",
                email=f"b40@{city.slug}.example",
            )
        )
        for index, group in enumerate(groups):
            if (number + index) % 3 == 0:
                db.session.add(
                    GroupMembership(
                        group=group, city=city, joined_on=city.joined_on, is_coordinator=number < 4
                    )
                )
        cities.append(city)
    db.session.flush()
    return cities


def load(scale: int = 0) -> None:
    """The real network with fictional people; with scale, that many synthetic cities on top."""
    load_cities()
    for email, name, role, city, language in DEMO_USERS:
        create_user(None, email, name, role, city, DEMO_PASSWORD, language)
    for number in range(scale):
        members.create_city(
            None,
            official_name=f"Synthetic City {number:05d}",
            english_name=f"Synthetic City {number:05d}",
            country_code=BALKAN_COUNTRIES[number % len(BALKAN_COUNTRIES)][0],
            joined_on=date(2024, 1, 1),
            join_route=JoinRoute.APPLICATION,
        )
        create_user(
            None,
            f"delegate{number:05d}@synthetic.example",
            f"Synthetic Delegate {number:05d}",
            Role.DELEGATE,
            f"synthetic-city-{number:05d}",
            None,
            "en" if number % 2 else "tr",
        )
    db.session.flush()


def print_sign_ins(echo) -> None:
    echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, name, role, city, _language in DEMO_USERS:
        echo(f"  {role:<12} {email:<32} {name}" + (f" ({city})" if city else ""))
