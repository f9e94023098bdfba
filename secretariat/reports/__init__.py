"""Reports: the term's success indicators and the annual activity report (SPEC §5)."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
