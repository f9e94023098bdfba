"""Members: countries, member cities, their names, office-holders and contacts, the directory."""

from flask import Blueprint

bp = Blueprint("members", __name__)

from secretariat.members import views  # noqa: E402, F401  (registers the routes on bp)
