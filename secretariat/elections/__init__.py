"""Elections: the yearly secret ballot in which mayors choose the next term's presidency."""

from flask import Blueprint

bp = Blueprint("elections", __name__)
