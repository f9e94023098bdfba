"""Presidency: the yearly terms, the summits that open and close them, and their preparation."""

from flask import Blueprint

bp = Blueprint("presidency", __name__)

from secretariat.presidency import views  # noqa: E402, F401  (registers the routes on bp)
