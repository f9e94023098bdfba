"""Folding, search keys and sort keys for names in Latin, Cyrillic and Greek; never for display."""

import re
import unicodedata
from typing import NamedTuple

# Letters that Unicode does not decompose into a base letter and a mark.
_SPECIAL = str.maketrans(
    {
        "ı": "i",
        "İ": "i",
        "đ": "dj",
        "Đ": "dj",
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

SEPARATOR = " | "


def _table(pairs: str) -> dict[str, str]:
    """`ж=zh ш=sh` as {"ж": "zh", "ш": "sh"}: each letter beside its spelling, easy to check."""
    return dict(pair.split("=") for pair in pairs.split())


# Serbian and Macedonian letters have shapes of their own, so one table serves three languages;
# the letters all three share take the values of Bulgaria's Streamlined System.
_CYRILLIC_VALUES = _table(
    "а=a б=b в=v г=g д=d е=e ж=zh з=z и=i й=y к=k л=l м=m н=n о=o п=p р=r с=s т=t у=u ф=f "
    "х=h ц=ts ч=ch ш=sh щ=sht ъ=a ь=y ю=yu я=ya "
    "ђ=dj ј=j љ=lj њ=nj ћ=c џ=dz ѓ=gj ќ=kj ѕ=dz "
    "ё=yo є=ye і=i ї=yi ґ=g ў=u ы=y э=e"
)
_CYRILLIC = str.maketrans(_CYRILLIC_VALUES)
# Serbian and Croatian readers sort Cyrillic by its Latin letters, accents kept.
_CYRILLIC_GAJ = str.maketrans(_CYRILLIC_VALUES | _table("ж=ž ч=č ш=š ц=c ћ=ć ђ=đ џ=dž й=j"))
_GREEK_VALUES = _table(
    "α=a β=v γ=g δ=d ε=e ζ=z η=i θ=th ι=i κ=k λ=l μ=m ν=n ξ=x ο=o π=p ρ=r σ=s ς=s τ=t "
    "υ=y φ=f χ=ch ψ=ps ω=o ϲ=s"
)
_GREEK_VOICELESS = frozenset("θκξπσςτφχψ")
_GREEK = re.compile(
    "(?P<v_or_f>[αεη]υ)(?![\u0300-\u036f]*\u0308)"  # a diaeresis keeps the two vowels apart
    "|(?P<ou>ου)(?![\u0300-\u036f]*\u0308)"
    "|(?P<nasal>γ)(?=[γξχ])"
    "|(?P<mp>μπ)"
    "|(?P<letter>[α-ωϲ])"
)

_LOOSE = re.compile(r"zh|ch|sh|ts|dj|iya\b")
_LOOSE_SPELLING = {"zh": "z", "ch": "c", "sh": "s", "ts": "c", "dj": "d", "iya": "ia"}
_SPELLED_OUT = str.maketrans({"š": "sh", "Š": "sh", "ž": "zh", "Ž": "zh", "č": "ch", "Č": "ch"})


def _greek_neighbour(text: str, index: int, step: int) -> str | None:
    """The Greek letter next to text[index] in the direction of step, past any accents."""
    index += step
    while 0 <= index < len(text) and unicodedata.category(text[index]).startswith("M"):
        index += step
    if 0 <= index < len(text) and text[index] in _GREEK_VALUES:
        return text[index]
    return None


def _greek_to_latin(text: str) -> str:
    """ELOT 743, the romanisation on Greek passports and road signs, for lower-case NFD text."""

    def spell(match: re.Match) -> str:
        letters, start, end = match.group(), match.start(), match.end()
        if match.lastgroup == "v_or_f":
            following = _greek_neighbour(text, end - 1, 1)
            voiced = following is not None and following not in _GREEK_VOICELESS
            return _GREEK_VALUES[letters[0]] + ("v" if voiced else "f")
        if match.lastgroup == "ou":
            return "ou"
        if match.lastgroup == "nasal":
            return "n"
        if match.lastgroup == "mp":
            inside = _greek_neighbour(text, start, -1) and _greek_neighbour(text, end - 1, 1)
            return "mp" if inside else "b"
        return _GREEK_VALUES[letters]

    return _GREEK.sub(spell, text)


def _to_latin(text: str, cyrillic: dict[int, str]) -> str:
    """Lower-case NFC text with Cyrillic and Greek in Latin letters, returned in NFD.

    The Cyrillic table runs on both forms: before decomposition for the letters whose mark makes
    them another letter (й, ѓ, ќ), after it for a stressed vowel that has no letter of its own.
    """
    text = unicodedata.normalize("NFD", text.translate(cyrillic)).translate(cyrillic)
    return _greek_to_latin(text)


def fold(value: str | None) -> str:
    """A search key: no case, no diacritics, the Turkish dotted and dotless i as plain i.

    `İSTANBUL`, `istanbul` and `İstanbul` give one key; so do `Niš` and `Nis`. Cyrillic and Greek
    are spelled in Latin first (`Пловдив` gives `plovdiv`, `Αθήνα` gives `athina`), so a name
    typed in either alphabet meets its romanisation. Letters Cyrillic languages share take their
    Bulgarian value, so `Ниш` gives `nish`: search_keys makes it meet `Niš`. A key never holds
    the `|` of SEPARATOR.
    """
    if not value:
        return ""
    value = unicodedata.normalize("NFKC", value.translate(_SPECIAL)).casefold()
    value = _to_latin(unicodedata.normalize("NFC", value), _CYRILLIC)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return " ".join(value.translate(_SPECIAL).replace("|", " ").split())


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


def _loosen(key: str) -> str:
    return _LOOSE.sub(lambda match: _LOOSE_SPELLING[match.group()], key)


def search_keys(*names: str | None) -> str:
    """Every spelling a person may type for any of names, folded, joined by SEPARATOR.

    Stored in one column and searched with `LIKE '%' || fold(query) || '%'`, as `matches` does.
    Each name gives up to three spellings, because romanisations disagree on digraphs:
    - fold(name): `Кърджали` gives `kardzhali`, `Niš` gives `nis`;
    - the loose one: zh, ch, sh, ts and dj become z, c, s, c and d, and a final `iya` becomes
      `ia`, so `Kardžali`, `Niš`, `Đakovo` typed as `Dakovo`, and `Sofia` for `София` all meet;
    - the spelled-out one: š, ž and č written sh, zh and ch, so `Никшић` (`nikshic`) finds a
      city stored only as `Nikšić`.
    """
    keys: list[str] = []
    for name in names:
        folded = fold(name)
        spelled_out = unicodedata.normalize("NFC", name or "").translate(_SPELLED_OUT)
        for key in (folded, _loosen(folded), fold(spelled_out)):
            if key and key not in keys:
                keys.append(key)
    return SEPARATOR.join(keys)


def matches(query: str | None, keys: str) -> bool:
    """Whether a search for query finds keys from search_keys: the SQL LIKE, in Python.

    An empty query finds everything, as `LIKE '%%'` does.
    """
    return fold(query) in keys


class _Alphabet(NamedTuple):
    codes: dict[str, str]
    capitals: dict[int, str]
    cyrillic: dict[int, str]


def _alphabet(letters: str, capitals: dict[str, str], cyrillic: dict[int, str]) -> _Alphabet:
    codes = {letter: str(30 + rank) for rank, letter in enumerate(letters.split())}
    return _Alphabet(codes, str.maketrans(capitals), cyrillic)


_ALPHABETS = {
    "en": _alphabet("a b c d e f g h i j k l m n o p q r s t u v w x y z", {}, _CYRILLIC),
    "tr": _alphabet(
        "a b c ç d e f g ğ h ı i j k l m n o ö p q r s ş t u ü v w x y z",
        {"I": "ı", "İ": "i"},
        _CYRILLIC,
    ),
    "hr": _alphabet(
        "a b c č ć d dž đ e f g h i j k l lj m n nj o p q r s š t u v w x y z ž", {}, _CYRILLIC_GAJ
    ),
}
_ALPHABETS["sr"] = _ALPHABETS["bs"] = _ALPHABETS["hr"]

# Letters with no decomposition that are not letters of the alphabet in use: read as these.
_UNDECOMPOSED = {
    "đ": "d",
    "ð": "d",
    "ħ": "h",
    "ı": "i",
    "ł": "l",
    "ø": "o",
    "ŧ": "t",
    "ŋ": "n",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
}
_ACCENTS = {
    "\u0301": "1",  # acute
    "\u0300": "2",  # grave
    "\u0306": "3",  # breve
    "\u0302": "4",  # circumflex
    "\u030c": "5",  # caron
    "\u030a": "6",  # ring
    "\u0307": "6",  # dot above
    "\u0308": "7",  # diaeresis
    "\u0327": "8",  # cedilla
    "\u0326": "8",  # comma below
    "\u0328": "8",  # ogonek
}
_OTHER_ACCENT = "9"
_END_OF_LETTERS = "0"
_WORD_BREAK = "1"
_KEY_LENGTH = 200


def _clusters(text: str) -> list[str]:
    """NFD text cut into base characters, each with the marks that follow it."""
    clusters: list[str] = []
    for ch in text:
        if clusters and unicodedata.category(ch).startswith("M"):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def _element(cluster: str, codes: dict[str, str]) -> list[tuple[str, str]]:
    """The (letter code, accent weight) pairs one character sorts by; a word break if none."""
    base, marks = cluster[0], cluster[1:]
    accent = _ACCENTS.get(marks, _OTHER_ACCENT) if marks else "0"
    if base in codes:
        return [(codes[base], accent)]
    if base in _UNDECOMPOSED:
        return [(codes[letter], _OTHER_ACCENT) for letter in _UNDECOMPOSED[base]]
    if base.isdecimal():
        return [("2" + str(unicodedata.decimal(base)), "0" if base.isascii() else "1")]
    if base.isalpha():
        return [(f"9{ord(base):07d}", accent)]
    if unicodedata.category(base).startswith("M"):
        return []
    return [(_WORD_BREAK, "0")]


def _elements(text: str, codes: dict[str, str]) -> list[tuple[str, str]]:
    """The elements of a name; a two-letter letter (dž, lj, nj) is one, as its readers count it."""
    clusters = [unicodedata.normalize("NFC", cluster) for cluster in _clusters(text)]
    elements: list[tuple[str, str]] = []
    index = 0
    while index < len(clusters):
        letter, pair = clusters[index], "".join(clusters[index : index + 2])
        if index + 1 < len(clusters) and pair in codes:
            elements.append((codes[pair], "0"))
            index += 2
            continue
        if letter in codes:
            elements.append((codes[letter], "0"))
        else:
            for element in _element(unicodedata.normalize("NFD", letter), codes):
                if element[0] != _WORD_BREAK or (elements and elements[-1][0] != _WORD_BREAK):
                    elements.append(element)
        index += 1
    while elements and elements[-1][0] == _WORD_BREAK:
        elements.pop()
    return elements


def collation_key(value: str, language: str) -> str:
    """A sort key whose plain byte order is the alphabetical order of language.

    So `ORDER BY sort_key` on an indexed column sorts like a dictionary in SQLite and PostgreSQL
    alike: the key is decimal digits only, which any collation but an explicitly numeric one
    orders as bytes do (letters are not safe: Czech sorts `ch` after `h`, Danish `aa` after `z`).
    The key is, in turn:
    - the letters, two digits each in the order of the language's alphabet, `1` for a run of
      spaces and punctuation, `2` and the digit for a digit, `9` and the code point for a letter
      of another script, then `0`; so a name sorts before every longer name it begins;
    - one digit a letter for its accent (`0` none), so `Tiranë` follows `Tirane` and `Čačak`
      follows `Cacak`;
    - the original text, code point by code point, so the order is total.
    It is cut at 200 characters, which can only make near-equal keys tie.

    Languages: `tr`, the Turkish alphabet (c ç, g ğ, dotless i before i, o ö, s ş, u ü; capital I
    is the dotless letter, as a Turkish reader means it); `hr`, `sr` and `bs`, Gaj's alphabet
    (c č ć, d dž đ, l lj, n nj, s š, z ž); any other gets the English one, where the dotless i
    is i. Other accented letters follow their base letter; Cyrillic and Greek sort by their Latin
    spelling.
    """
    alphabet = _ALPHABETS.get(language.replace("_", "-").partition("-")[0], _ALPHABETS["en"])
    text = unicodedata.normalize("NFKC", value).translate(alphabet.capitals).casefold()
    text = _to_latin(unicodedata.normalize("NFC", text), alphabet.cyrillic)
    elements = _elements(text, alphabet.codes)
    original = "".join(f"{len(str(ord(ch)))}{ord(ch)}" for ch in value)
    letters = "".join(code for code, _ in elements) + _END_OF_LETTERS
    accents = "".join(accent for _, accent in elements)
    return (letters + accents + original)[:_KEY_LENGTH]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """A CSV cell no spreadsheet runs as a formula: text starting with = + - @, a tab or a
    carriage return gets a leading apostrophe (OWASP's advice); numbers are written plain."""
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
