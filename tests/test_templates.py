"""Templates carry no interface text of their own: every word a person reads goes through _()."""

import re
from html.parser import HTMLParser

import pytest
from jinja2 import Environment

from secretariat.config import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
SPOKEN = ("alt", "title", "placeholder", "aria-label", "value", "label")
WORD = re.compile(r"[^\W\d_]{2,}")


class LiteralText(HTMLParser):
    """Words outside tags, and in the attributes a person hears or reads."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in SPOKEN and value:
                self.words += WORD.findall(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.words += WORD.findall(data)


def _literal_words(path) -> list[str]:
    """The words of a template once every {{ … }} and {% … %} is taken out."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # only lexed, never rendered
    data = "".join(
        value if token == "data" else " "
        for _line, token, value in env.lex(path.read_text("utf-8"))
        if token in ("data", "variable_begin", "block_begin")
    )
    if path.suffix == ".txt":
        return WORD.findall(data)
    parser = LiteralText()
    parser.feed(data)
    return parser.words


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.*")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_template_has_no_untranslated_text(path):
    assert _literal_words(path) == []
