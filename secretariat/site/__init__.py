"""The public site and the secretariat's tools: home page, audit log, outbox."""

from flask import Blueprint

bp = Blueprint("site", __name__)
