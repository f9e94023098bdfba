"""Text folding for search keys and identity checks; never for display."""

import unicodedata


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
