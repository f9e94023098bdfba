"""Text folding for search keys and identity checks; never for display."""

import unicodedata

# Letters that Unicode does not decompose into a base letter and a mark.
_SPECIAL = str.maketrans(
    {
        "ı": "i",
        "İ": "i",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "ł": "l",
        "Ł": "l",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "ß": "ss",
        "þ": "th",
    }
)


def fold(value: str | None) -> str:
    """A search key: no case, no diacritics, the Turkish dotted and dotless i as plain i.

    `İSTANBUL`, `istanbul` and `İstanbul` give one key; so do `Niš` and `Nis`.
    """
    if not value:
        return ""
    value = unicodedata.normalize("NFKD", value.translate(_SPECIAL))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return " ".join(value.casefold().translate(_SPECIAL).split())


def normalise_email(address: str) -> str:
    """One spelling per mailbox: trimmed, NFC, and compared without case.

    Email addresses are matched case-insensitively in practice; this key is never shown.
    """
    return unicodedata.normalize("NFC", address.strip()).casefold()


def clean_line(value: str | None) -> str:
    """A single line as a person meant it: NFC, no control characters, outer spaces trimmed."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    return " ".join(value.split())
