"""The real presidency history (SPEC §3) as demo data: five summits, five terms."""

import csv
from datetime import date, datetime, time

from sqlalchemy import select

from secretariat.database import utcnow
from secretariat.extensions import db
from secretariat.i18n import zone
from secretariat.members.models import City
from secretariat.presidency.operations import record_summit

DATA = "presidency.csv"


def handover_time(day: date) -> datetime:
    """The handover at the summit's end: its last day, 18:00 in Istanbul (stored in UTC)."""
    return datetime.combine(day, time(18, 0), tzinfo=zone("Europe/Istanbul"))


def load_history(data_folder) -> None:
    with (data_folder / DATA).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cities = {c.english_name: c for c in db.session.scalars(select(City))}
    previous = None
    for row in rows:
        host = cities[row["summit_city"]]
        summit, term = record_summit(
            None,
            int(row["term"]),
            host,
            date.fromisoformat(row["summit_start"]),
            date.fromisoformat(row["summit_end"]),
            venue=host.english_name,
        )
        handed_over = handover_time(summit.ends_on)
        if handed_over <= utcnow():
            summit.handed_over_at = term.started_at = handed_over
            if previous is not None:
                previous.ended_at = handed_over
        previous = term
    db.session.flush()
