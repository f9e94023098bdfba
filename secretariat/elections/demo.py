"""Demo data: the election at the Zagreb summit of 2026 for term 6, with voting open."""

from datetime import timedelta

from sqlalchemy import select

from secretariat.accounts.models import User
from secretariat.database import utcnow
from secretariat.elections import operations
from secretariat.elections.models import Election
from secretariat.extensions import db
from secretariat.members.models import City
from secretariat.presidency.models import Summit

SUMMIT = 5  # Zagreb, January 2026: it elects the city of term 6
NOMINATED_BY_MAYOR = ("tirana", "mayor.tirana@b40.example")
NOMINATED_IN_HALL = ("sarajevo", "skopje")


def load_demo_election() -> Election | None:
    """Three candidates (never Zagreb, which holds term 5), the roll frozen and voting open for a
    week, so that a demo mayor can vote; through the same operations as the portal's pages."""
    summit = db.session.scalar(select(Summit).where(Summit.number == SUMMIT))
    if summit is None:
        return None
    cities = {c.slug: c for c in db.session.scalars(select(City))}
    now = utcnow()
    election = operations.create_election(
        None,
        summit,
        nominations_open_at=now - timedelta(days=14),
        voting_opens_at=now - timedelta(hours=2),
        voting_closes_at=now + timedelta(days=7),
    )
    operations.open_nominations(None, election)
    slug, email = NOMINATED_BY_MAYOR
    mayor = db.session.scalar(select(User).where(User.email == email))
    operations.nominate_city(mayor, election, cities[slug])
    for slug in NOMINATED_IN_HALL:
        operations.nominate_city(None, election, cities[slug])
    operations.open_voting(None, election)
    return election
