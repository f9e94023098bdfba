"""Accounts: people who sign in, their roles, invitations and password resets."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from secretariat.accounts import views  # noqa: E402, F401  (registers the routes on bp)
