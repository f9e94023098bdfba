"""Presidency: the yearly terms, the summits that open and close them, and their preparation."""

from flask import Blueprint

bp = Blueprint("presidency", __name__)
