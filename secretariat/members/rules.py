"""Membership rules that need no database, and who may act for a city."""

import re
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from secretariat.errors import NotAllowed, RuleViolation
from secretariat.security import CITY_ROLES
from secretariat.text import SEPARATOR, fold

BALKAN_COUNTRIES = [
    # code, English, Turkish — the list of SPEC §2.1; Kosovo as XK
    ("AL", "Albania", "Arnavutluk"),
    ("BA", "Bosnia and Herzegovina", "Bosna-Hersek"),
    ("BG", "Bulgaria", "Bulgaristan"),
    ("HR", "Croatia", "Hırvatistan"),
    ("GR", "Greece", "Yunanistan"),
    ("XK", "Kosovo", "Kosova"),
    ("MD", "Moldova", "Moldova"),
    ("ME", "Montenegro", "Karadağ"),
    ("MK", "North Macedonia", "Kuzey Makedonya"),
    ("RO", "Romania", "Romanya"),
    ("RS", "Serbia", "Sırbistan"),
    ("SI", "Slovenia", "Slovenya"),
    ("TR", "Türkiye", "Türkiye"),
]


def slugify(name: str) -> str:
    """The city's address in the portal: its English name folded to ASCII words."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:120] or "city"


# Words that name the kind of municipality rather than the city: "Grad Niš", "Municipality of
# Tirana", "Edirne Belediyesi", "Dimos Patreon". Folded, so one spelling covers every script.
_GENERIC = frozenset(
    fold(word)
    for word in [
        "city",
        "of",
        "municipality",
        "metropolitan",
        "municipal",
        "the",
        "grad",
        "opstina",
        "općina",
        "občina",
        "obshtina",
        "stolichna",
        "bashkia",
        "bashkise",
        "komuna",
        "dimos",
        "dhimos",
        "δήμος",
        "municipiul",
        "comuna",
        "orasul",
        "belediyesi",
        "buyuksehir",
        "büyükşehir",
        "il",
        "ilce",
        "ilçe",
    ]
)


def name_cores(keys: str) -> set[str]:
    """Each folded spelling of search_keys(), and the same without generic municipality words."""
    cores = set()
    for key in keys.split(SEPARATOR):
        if not key:
            continue
        cores.add(key)
        core = " ".join(word for word in re.split(r"[\s,.\-]+", key) if word not in _GENERIC)
        if core:
            cores.add(core)
    return cores


def may_act_for(user, city) -> bool:
    """Staff act for every member city; a mayor or delegate for their own city only."""
    if user is None or not user.is_authenticated:
        return False
    return user.is_staff or (user.role in CITY_ROLES and user.city_slug == city.slug)


def is_staff_or_system(actor) -> bool:
    """Staff, or the portal itself (actor None: the command line, a scheduled job)."""
    return actor is None or actor.is_staff


def require_staff(actor) -> None:
    """The refusal of what only the secretariat does."""
    if not is_staff_or_system(actor):
        raise NotAllowed(_l("Only the secretariat can do this."))


def check_mayor_start(city, since: date) -> None:
    """A new mayor takes office after the present one did: the history is a line of periods."""
    current = max(city.office_holders, key=lambda holder: holder.started_on, default=None)
    if current is not None and since <= current.started_on:
        raise RuleViolation(
            _l(
                "The new mayor must take office after %(name)s, who took office on %(date)s.",
                name=current.name,
                date=format_date(current.started_on, "long"),
            )
        )
