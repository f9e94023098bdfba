"""Working groups: the network's thematic groups, their quarterly sessions and calendars."""

from flask import Blueprint

bp = Blueprint("working_groups", __name__)
