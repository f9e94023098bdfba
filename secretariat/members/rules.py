"""Membership rules that need no database."""

import re

from secretariat.text import fold

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
