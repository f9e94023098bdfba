"""Applications: the public form by which a Balkan city asks to join, and the secretariat's review."""

from flask import Blueprint

bp = Blueprint("applications", __name__)

from secretariat.applications import views  # noqa: E402, F401  (registers the routes on bp)
