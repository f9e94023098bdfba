"""Paginated listings: a bounded page number, and two queries a page whatever its size."""

from flask import current_app, request

from secretariat.extensions import db

MAX_PAGE = 100_000


def requested_page() -> int:
    value = request.args.get("page", "1")
    return min(max(int(value), 1), MAX_PAGE) if value.isdigit() and len(value) < 7 else 1


def paginate(stmt, per_page: int | None = None):
    """One page of stmt (its items and the total count), for the page the request asks for."""
    return db.paginate(
        stmt,
        page=requested_page(),
        per_page=per_page or current_app.config["PAGE_SIZE"],
        max_per_page=200,
        error_out=False,
    )
