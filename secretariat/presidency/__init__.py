"""Presidency: the yearly terms, the summits that open and close them, and their preparation."""

from flask import Blueprint
from werkzeug.routing import IntegerConverter

bp = Blueprint("presidency", __name__)


class YearConverter(IntegerConverter):
    """A four-digit year in an address: /summits/2026 names a summit by its year.

    Its weight puts it before <int:number>, so four digits are a year and fewer a number
    (one summit a year: a summit's number never reaches four digits).
    """

    regex = r"[1-9]\d{3}"
    weight = 30


bp.record_once(lambda state: state.app.url_map.converters.setdefault("year", YearConverter))
