"""Applications: the public form by which a Balkan city asks to join, and the secretariat's review."""

from flask import Blueprint

bp = Blueprint("applications", __name__)
