"""Accounts: people who sign in, their roles, invitations and password resets."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
