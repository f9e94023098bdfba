"""Paginated listings: a bounded page number, and at most two queries a page whatever its size;
the bounded ids of addresses."""

from datetime import datetime, time, timedelta

from flask import current_app, request
from flask_babel import get_timezone
from flask_sqlalchemy.pagination import SelectPagination
from werkzeug.routing import IntegerConverter

from secretariat.extensions import db
from secretariat.forms import bounded_day

MAX_PAGE = 100_000
MAX_ID = 2**31 - 1  # the largest value of an INTEGER column on PostgreSQL (SQLite holds more)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits up to MAX_ID, so an id of 10^23 is no page (a 404)
    instead of an overflow in the database driver."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class Page(SelectPagination):
    """A page of a select; when the first page is not full, its length is the total count."""

    def _query_count(self) -> int:
        if self.page == 1 and len(self.items) < self.per_page:
            return len(self.items)
        return super()._query_count()


def requested_page() -> int:
    value = request.args.get("page", "1")
    if not (value.isascii() and value.isdigit() and len(value) < 7):  # "²" is a digit too
        return 1
    return min(max(int(value), 1), MAX_PAGE)


def paginate(stmt, per_page: int | None = None) -> Page:
    """One page of stmt (its items and the total count), for the page the request asks for."""
    return Page(
        select=stmt,
        session=db.session(),
        page=requested_page(),
        per_page=per_page or current_app.config["PAGE_SIZE"],
        max_per_page=200,
        error_out=False,
    )


def requested_period() -> tuple[datetime | None, datetime | None]:
    """The filter's `from` and `to` days (yyyy-mm-dd, either may be missing or implausible) as
    moments in the viewer's time zone: the start of the first and the start of the day after
    the last, for `at >= since` and `at < until`."""
    first, last = bounded_day(request.args.get("from")), bounded_day(request.args.get("to"))
    zone = get_timezone()
    since = datetime.combine(first, time.min, tzinfo=zone) if first else None
    until = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone) if last else None
    return since, until
