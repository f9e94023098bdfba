"""Elections: the yearly secret ballot in which mayors choose the next term's presidency."""

from flask import Blueprint

bp = Blueprint("elections", __name__)

from secretariat.elections import views  # noqa: E402, F401  (registers the routes on bp)
