"""Members: countries, member cities, their names, office-holders and contacts, the directory."""

from flask import Blueprint

bp = Blueprint("members", __name__)
