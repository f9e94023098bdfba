"""What many tests read off a page or the database: the flashed messages, the words, a city, mail."""

import re
from html import unescape

from sqlalchemy import select

from secretariat.extensions import db
from secretariat.mail import OutboxMessage
from secretariat.members.models import City

FLASH = re.compile(r'<p class="flash flash-\w+"[^>]*>([^<]+)</p>')


def html_of(page) -> str:
    """A response's HTML, or the HTML itself."""
    return page if isinstance(page, str) else page.get_data(as_text=True)


def flashes(page) -> list[str]:
    """The messages flashed on a page (a response or its HTML), as the reader sees them."""
    return [unescape(message) for message in FLASH.findall(html_of(page))]


def words(page) -> str:
    """A page's visible text: tags out, entities decoded, every run of space one space."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_of(page))))


def city(slug: str) -> City:
    """The member city of slug (inside an app context)."""
    return db.session.scalar(select(City).where(City.slug == slug))


def outbox(to: str | None = None) -> list[OutboxMessage]:
    """The queued mail, oldest first; only to one address when given (inside an app context)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.recipient == to)
    return list(db.session.scalars(query))
