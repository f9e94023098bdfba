"""The public site and the secretariat's tools: home page, audit log, outbox."""

from flask import Blueprint

bp = Blueprint("site", __name__)

from secretariat.site import views  # noqa: E402, F401  (registers the routes on bp)
