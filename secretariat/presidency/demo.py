"""The real presidency history (SPEC §3) as demo data: five summits, five terms."""

import csv
from datetime import date

from sqlalchemy import select

from secretariat.extensions import db
from secretariat.members.models import City, JoinRoute
from secretariat.presidency.operations import hand_over_due_summits, record_summit
from secretariat.presidency.rules import handover_time
from secretariat.presidency.summits.operations import (
    add_agenda_item,
    confirm_attendance,
    register_delegation,
    update_summit,
)

__all__ = ["handover_time", "load_history"]

DATA = "presidency.csv"
FOUNDING_THEME = "Better Future, Better Cooperation"  # the Istanbul Summit of November 2021


def load_history(data_folder) -> None:
    with (data_folder / DATA).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cities = {c.english_name: c for c in db.session.scalars(select(City).order_by(City.id))}
    summits = []
    for row in rows:
        host = cities[row["summit_city"]]
        summit, _term = record_summit(
            None,
            int(row["term"]),
            host,
            date.fromisoformat(row["summit_start"]),
            date.fromisoformat(row["summit_end"]),
            venue=host.english_name,
        )
        summits.append(summit)
    _founding_summit(summits[0], cities.values())
    hand_over_due_summits()


def _founding_summit(summit, cities) -> None:
    """The founding members came to the first summit and signed the Istanbul Declaration."""
    update_summit(
        None,
        summit,
        starts_on=summit.starts_on,
        ends_on=summit.ends_on,
        venue=summit.venue,
        theme_en=FOUNDING_THEME,
        theme_tr="",
    )
    add_agenda_item(None, summit, title_en="Opening of the summit")
    add_agenda_item(None, summit, title_en="Signing of the Istanbul Declaration")
    founders = [city for city in cities if city.join_route == JoinRoute.FOUNDING]
    delegations = [
        register_delegation(None, summit, city=city, people=2 + number % 3)
        for number, city in enumerate(founders)
    ]
    confirm_attendance(None, summit, [delegation.id for delegation in delegations])
