"""Pages kept rendered in each process while a database stamp says nothing they show changed."""

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TypeVar

from flask import current_app, g, request, session
from flask_login import current_user
from sqlalchemy import String, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from secretariat.database import UTCDateTime, utcnow
from secretariat.extensions import db
from secretariat.i18n import current_language

PAGES_PER_PROCESS = 256
LONGEST_QUERY_STRING = 512  # longer addresses are rendered, not kept: each link repeats them

Kept = TypeVar("Kept")  # a page's HTML, or a feed's bytes

# The stamps: one per group of pages that change together.
DIRECTORY = "members.directory"  # the network as the public reads it: directory, cities, groups
USERS_LISTING = "users"  # the staff's users table
REPORTS = "reports"  # the published activity reports: a new revision is all that changes them


class PageStamp(db.Model):
    """A random token per group of pages, replaced in the transaction of every change they show.

    A token, not a counter: a restored backup or an emptied table can never bring back a value
    that once meant other content.
    """

    __tablename__ = "page_stamps"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _upsert(dialect):
    stamps = PageStamp.__table__
    insert = dialect.insert(stamps).values(
        name=bindparam("name"), token=bindparam("token"), changed_at=bindparam("changed_at")
    )
    return insert.on_conflict_do_update(
        index_elements=[stamps.c.name],
        set_={"token": insert.excluded.token, "changed_at": insert.excluded.changed_at},
    )


_UPSERTS = {"postgresql": _upsert(postgresql), "sqlite": _upsert(sqlite)}


def bump(name: str, connection=None) -> None:
    """Every process renders the pages of name afresh once the caller's transaction commits.

    :param name: the stamp of the pages whose content changed.
    :param connection: the session's own connection, for a bump from inside a flush (a model
        event); by default the request's session. A rollback leaves the stamp as it was.
    """
    connection = connection or db.session.connection()
    connection.execute(
        _UPSERTS[connection.dialect.name],
        {"name": name, "token": secrets.token_hex(16), "changed_at": utcnow()},
    )
    g.pop("page_stamps", None)


def bump_directory() -> None:
    """What the public reads of the network has changed: cities, their names, status, mayors,
    countries, working groups, their members or sessions. The directory, the city and group
    pages, the home page and the feeds are rendered afresh once the caller's transaction commits
    (a rollback leaves the stamp as it was)."""
    bump(DIRECTORY)


_TOKEN_OF = select(PageStamp.__table__.c.token).where(
    PageStamp.__table__.c.name == bindparam("name")
)  # built once: it runs on every request for a kept page


def stamp(name: str) -> str | None:
    """The current token of name, read once per request; None (nothing is kept) when unset."""
    known = g.setdefault("page_stamps", {})
    if name not in known:
        known[name] = db.session.scalar(_TOKEN_OF, {"name": name})
    return known[name]


class StampedCache:
    """A bounded LRU whose entries hold while the stamp they were made under is current and,
    for an entry given an end, until that moment."""

    def __init__(self, size: int):
        self.size = size
        self.stamp: str | None = None
        self.entries: OrderedDict[Hashable, tuple[object, datetime | None]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, stamp: str, now: datetime | None = None) -> object | None:
        with self.lock:
            if stamp != self.stamp:
                self.entries.clear()
                self.stamp = stamp
                return None
            entry = self.entries.get(key)
            if entry is None:
                return None
            value, until = entry
            if until is not None and (now or utcnow()) >= until:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return value

    def put(self, key: Hashable, stamp: str, value: object, until: datetime | None = None) -> None:
        with self.lock:
            if stamp != self.stamp:
                return
            self.entries[key] = (value, until)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.stamp = None


def _pages(name: str) -> StampedCache:
    caches = current_app.extensions.setdefault("page_caches", {})
    if name not in caches:
        caches[name] = StampedCache(PAGES_PER_PROCESS)
    return caches[name]


def forget_pages() -> None:
    """Empty this application's caches (the benchmark counts the statements of a full render)."""
    for cache in current_app.extensions.get("page_caches", {}).values():
        cache.clear()


def _anonymous_without_messages() -> bool:
    # Signed-in readers see contacts, their name and a CSRF token; flashed messages are one-off.
    return not current_user.is_authenticated and not session.get("_flashes")


def kept(
    name: str,
    render: Callable[[], Kept],
    vary: Hashable = None,
    until: Callable[[], datetime | None] | None = None,
    anyone: bool = False,
) -> Kept:
    """render()'s page for anonymous readers, kept per language and address while stamp name holds.

    :param name: the stamp (``DIRECTORY``, ``USERS_LISTING``): every change to what the page
        shows bumps it in the same transaction, so no reader is ever shown a page older than
        the last commit.
    :param render: builds the page from the language, the address and the data under the stamp,
        nothing else (never the reader: the CSRF token, the user's name).
    :param vary: what else the page depends on, such as the day of a feed's sliding window.
    :param until: when the page goes stale on its own (the next session's start, for a page that
        tells upcoming from past sessions); asked once per render, not per request.
    :param anyone: keep it for signed-in readers too: for what shows nothing of its reader (a
        calendar feed, the staff's users table inside its layout), once the view checked access.
    :return: what render() returned, or the kept copy. The response (headers, the session
        cookie) is still built per request.
    """
    too_long = len(request.query_string) > LONGEST_QUERY_STRING
    if too_long or not (anyone or _anonymous_without_messages()):
        return render()
    key = (current_language(), request.script_root, request.path, request.query_string, vary)
    token = stamp(name)  # after the language: choosing it may set the session's language
    if token is None:
        return render()
    cache = _pages(name)
    found = cache.get(key, token)
    if found is not None:
        return found
    ends = until() if until is not None else None  # before the render: it may only end sooner
    session_before = dict(session)
    html = render()
    if dict(session) == session_before:  # no token, no message taken: the page is everyone's
        cache.put(key, token, html, ends)
    return html
