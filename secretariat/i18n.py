"""Locale and time-zone selection, and localized() for content written in English and Turkish."""

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "tr": "Türkçe"}
DEFAULT_TIMEZONE = "Europe/Istanbul"


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def select_locale() -> str:
    """?lang=, then the session, then the user's saved preference, then Accept-Language, then en."""
    if not has_request_context():  # command line and scheduler: mail says force_locale itself
        return "en"
    asked = request.args.get("lang")
    if asked in languages():
        session["lang"] = asked
        return asked
    if session.get("lang") in languages():
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.language in languages():
        return current_user.language
    return request.accept_languages.best_match(languages()) or "en"


def select_timezone() -> str:
    if not has_request_context():
        return DEFAULT_TIMEZONE
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return DEFAULT_TIMEZONE


def current_language() -> str:
    return str(get_locale() or "en")


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the tz database from disk: once per process


def is_timezone(name: str) -> bool:
    return name in _timezones()


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name if name and is_timezone(name) else DEFAULT_TIMEZONE)


class LabelledEnum(StrEnum):
    """A stored code with the lazy label people read: MEMBER = "code", _l("Label")."""

    def __new__(cls, value: str, label):
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


@dataclass(frozen=True)
class Localized:
    """A piece of content in the viewer's language, or in the other one (then is_fallback)."""

    text: str
    language: str
    is_fallback: bool

    def __str__(self) -> str:
        return self.text


def localized(obj, field: str, language: str | None = None) -> Localized:
    """Read obj.<field>_en / obj.<field>_tr in the active language, falling back to the other."""
    wanted = language or current_language()
    order = [wanted, *(code for code in LANGUAGE_NAMES if code != wanted)]
    for code in order:
        value = getattr(obj, f"{field}_{code}", None)
        if value:
            return Localized(value, code, code != wanted)
    return Localized("", wanted, False)
