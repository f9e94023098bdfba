"""Demo data: the real network with fictional people, or synthetic data for load tests."""

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select

from secretariat.accounts.models import User
from secretariat.accounts.operations import create_user
from secretariat.applications import operations as applications
from secretariat.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationNameClaim,
    ReferenceCounter,
)
from secretariat.applications.rules import Action, ApplicationState, reference
from secretariat.database import utcnow
from secretariat.elections import demo as elections_demo
from secretariat.extensions import db
from secretariat.members import operations as members
from secretariat.members.models import City, Contact, ContactKind, Country, JoinRoute
from secretariat.members.rules import BALKAN_COUNTRIES, name_cores
from secretariat.presidency import demo as presidency_demo
from secretariat.reports import demo as reports_demo
from secretariat.security import Role
from secretariat.text import fold
from secretariat.working_groups import demo as working_groups_demo
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
    # the mayors of the past presidencies, who approved their terms' reports
    ("mayor.istanbul@b40.example", "Ayla Aksoy", Role.MAYOR, "istanbul", "tr"),
    ("mayor.athens@b40.example", "Ivan Dimitrov", Role.MAYOR, "athens", "en"),
    ("mayor.sofia@b40.example", "Selin Aksoy", Role.MAYOR, "sofia", "en"),
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
JOINED_LATER = {"summit": date(2023, 1, 22), "application": date(2024, 5, 14)}


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


# Cities that are not (yet) members apply; one application ends in each state of SPEC §2.2.
DEMO_APPLICATIONS = [
    ("Крагујевац", "Kragujevac", "RS", "tr", []),
    ("Novi Sad", "Novi Sad", "RS", "en", [(Action.START_REVIEW, "")]),
    (
        "Битола",
        "Bitola",
        "MK",
        "en",
        [
            (Action.START_REVIEW, ""),
            (
                Action.REQUEST_INFO,
                "Could you send us the council's decision on joining the network?",
            ),
        ],
    ),
    (
        "Mostar",
        "Mostar",
        "BA",
        "en",
        [(Action.START_REVIEW, ""), (Action.APPROVE, "Welcome to the network!")],
    ),
    (
        "Chișinău",
        "Chisinau",
        "MD",
        "en",
        [
            (Action.START_REVIEW, ""),
            (
                Action.REJECT,
                "The application was sent by a private association, not by the municipality. "
                "The city is welcome to apply through its mayor's office.",
            ),
        ],
    ),
    ("Охрид", "Ohrid", "MK", "tr", [(Action.WITHDRAW, "We will apply after the elections.")]),
]


def load_applications(reviewer: User) -> list[Application]:
    """The demo applications, through the same operations as the form and the review."""
    made = []
    for number, (official, english, country, language, steps) in enumerate(DEMO_APPLICATIONS):
        mayor = f"{FIRST_NAMES[(number + 5) % len(FIRST_NAMES)]} {LAST_NAMES[(number + 2) % len(LAST_NAMES)]}"
        contact = f"{FIRST_NAMES[(number + 7) % len(FIRST_NAMES)]} {LAST_NAMES[(number + 6) % len(LAST_NAMES)]}"
        slug = english.lower().replace(" ", "-")
        application = applications.submit_application(
            applications.Submission(
                city_name=official,
                city_name_en=english,
                country_code=country,
                mayor_name=mayor,
                mayor_email=f"mayor@{slug}.example",
                contact_name=contact,
                contact_position="International relations office",
                contact_email=f"international@{slug}.example",
                language=language,
                population=100_000 + 25_000 * number,
                motivation="We would like to share our experience in local climate action "
                "and learn from other Balkan cities.",
                deciding_body="Municipal council",
                decision_number=f"{number + 11}/2026",
                group_slugs=["local-climate-action", "local-economic-cooperation"][: number % 3],
            ),
            f"demo-application-{number:04d}-0000000",
        )
        for action, note in steps:
            if action == Action.WITHDRAW:
                applications.withdraw_application(application, note)
            elif action == Action.APPROVE:
                applications.approve_application(reviewer, application, note)
            else:
                applications.review(reviewer, application, action, note)
        made.append(application)
    return made


def load_synthetic_applications(scale: int) -> None:
    """One approved application per synthetic city, and a tenth as many still open: bulk rows,
    since thousands of them only serve the load tests."""
    cities = dict(
        db.session.execute(
            select(City.slug, City.id).where(City.slug.like("synthetic-city-%"))
        ).all()
    )
    countries = dict(db.session.execute(select(Country.code, Country.id)).all())
    open_states = (
        ApplicationState.SUBMITTED,
        ApplicationState.UNDER_REVIEW,
        ApplicationState.INFO_REQUESTED,
    )
    at, year, rows = utcnow().replace(year=2025, month=6, day=1), 2025, []
    total = scale + scale // 10
    for number in range(1, total + 1):
        synthetic = number <= scale
        name = f"Synthetic City {number - 1:05d}" if synthetic else f"Synthetic Town {number:05d}"
        rows.append(
            {
                "year": year,
                "number": number,
                "reference": reference(year, number),
                "status_token": f"synthetic-status-{number:07d}",
                "submission_token": f"synthetic-form-{number:07d}",
                "state": ApplicationState.APPROVED if synthetic else open_states[number % 3],
                "submitted_at": at,
                "updated_at": at,
                "city_name": name,
                "city_name_en": name,
                "country_id": countries[BALKAN_COUNTRIES[number % len(BALKAN_COUNTRIES)][0]],
                "mayor_name": f"Synthetic Mayor {number:05d}",
                "mayor_email": f"mayor{number:05d}@synthetic.example",
                "contact_name": f"Synthetic Contact {number:05d}",
                "contact_email": f"contact{number:05d}@synthetic.example",
                "language": "en" if number % 2 else "tr",
                "consented_at": at,
                "search_key": fold(name),
                "city_id": cities.get(f"synthetic-city-{number - 1:05d}") if synthetic else None,
            }
        )
    for start in range(0, len(rows), 1000):
        db.session.execute(insert(Application), rows[start : start + 1000])
    ids = db.session.scalars(
        select(Application.id).where(Application.status_token.like("synthetic-status-%"))
    ).all()
    events = [
        {
            "application_id": id_,
            "at": at,
            "action": Action.SUBMIT,
            "state": ApplicationState.SUBMITTED,
        }
        for id_ in ids
    ]
    for start in range(0, len(events), 1000):
        db.session.execute(insert(ApplicationEvent), events[start : start + 1000])
    still_open = db.session.execute(
        select(Application.id, Application.country_id, Application.search_key).where(
            Application.status_token.like("synthetic-status-%"), Application.state.in_(open_states)
        )
    )
    claims = [
        {"country_id": country_id, "name_key": core, "application_id": id_}
        for id_, country_id, keys in still_open
        for core in name_cores(keys)
    ]
    for start in range(0, len(claims), 1000):
        db.session.execute(insert(ApplicationNameClaim), claims[start : start + 1000])
    db.session.add(ReferenceCounter(name=f"applications-{year}", value=total))
    db.session.flush()


def load(scale: int = 0) -> None:
    """The real network with fictional people; with scale, that many synthetic cities on top."""
    load_cities()
    for email, name, role, city, language in DEMO_USERS:
        create_user(None, email, name, role, city, DEMO_PASSWORD, language)
    reviewer = db.session.scalar(select(User).where(User.email == DEMO_USERS[1][0]))
    load_applications(reviewer)
    presidency_demo.load_history(DATA)
    elections_demo.load_demo_election()
    working_groups_demo.load_demo_groups()
    reports_demo.load_indicators()
    reports_demo.load_reports()
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
    if scale:
        load_synthetic_applications(scale)
        working_groups_demo.load_synthetic_groups(scale)


def print_sign_ins(echo) -> None:
    echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
    for email, name, role, city, _language in DEMO_USERS:
        echo(f"  {role:<12} {email:<32} {name}" + (f" ({city})" if city else ""))
