"""Membership rules that need no database."""

import re

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
