"""Paginated listings: a bounded page number, and at most two queries a page whatever its size."""

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination

from secretariat.extensions import db

MAX_PAGE = 100_000


class Page(SelectPagination):
    """A page of a select; when the first page is not full, its length is the total count."""

    def _query_count(self) -> int:
        if self.page == 1 and len(self.items) < self.per_page:
            return len(self.items)
        return super()._query_count()


def requested_page() -> int:
    value = request.args.get("page", "1")
    return min(max(int(value), 1), MAX_PAGE) if value.isdigit() and len(value) < 7 else 1


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
