"""Member-city reads: which city a set of names means."""

from sqlalchemy import literal, or_, select

from secretariat.extensions import db
from secretariat.members.models import City
from secretariat.members.rules import name_cores
from secretariat.text import SEPARATOR


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
