"""Password and token rules: pure functions, no database."""

import hashlib
import re
import unicodedata
from functools import cache
from itertools import pairwise
from pathlib import Path

from flask_babel import lazy_gettext as _l

from secretariat.errors import RuleViolation
from secretariat.security import CITY_ROLES

MIN_LENGTH = 12
MAX_LENGTH = 128
PADDED_WORDS = (
    "password",
    "passw0rd",
    "qwerty",
    "iloveyou",
    "welcome",
    "letmein",
    "admin",
    "changeme",
    "sifre",
    "şifre",
    "parola",
    "secret",
    "b40",
)


@cache
def common_passwords() -> frozenset[str]:
    lines = (Path(__file__).with_name("common_passwords.txt")).read_text("utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _key(value: str) -> str:
    return unicodedata.normalize("NFC", value).casefold()


def _is_run(value: str) -> bool:
    """One character repeated, or a straight run up or down the character table (abcd…, 4321…)."""
    steps = {ord(b) - ord(a) for a, b in pairwise(value)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


def password_problems(password: str, email: str = "", name: str = "") -> list:
    """What is wrong with a new password; an empty list when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return [_l("Use at least %(n)d characters.", n=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_l("Use at most %(n)d characters.", n=MAX_LENGTH)]
    key = _key(password)
    core = re.sub(r"[\d\W_]+", "", key)
    if key in common_passwords() or core in PADDED_WORDS or _is_run(key):
        return [_l("This password is too common. Choose one that is harder to guess.")]
    candidates = (_key(email), _key(email).split("@")[0], _key(name).replace(" ", ""))
    personal = {value for value in candidates if len(value) >= 4}
    if key in personal or core in personal:
        return [_l("Do not use your name or email address as your password.")]
    return []


def digest(raw: str) -> str:
    """What is stored of a one-time link's or a session's secret: a database leak opens nothing."""
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def city_for_role(role: str, city_slug: str | None) -> str | None:
    """Mayors and delegates belong to a city; staff to none (the slug is then dropped)."""
    if role in CITY_ROLES and not city_slug:
        raise RuleViolation(_l("Mayors and delegates belong to a city."))
    return city_slug if role in CITY_ROLES else None
