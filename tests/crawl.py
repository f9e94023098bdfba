"""A crawler over the portal as one person sees it: every internal link, GET only, and the forms."""

import re
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from sqlalchemy import select

from secretariat.applications.models import Application
from secretariat.extensions import db

MAX_PAGES = 400
MAX_VARIANTS_PER_PATH = 3  # ?page=2, ?page=3… of one listing: a few are enough
MAX_PER_PATTERN = 6  # /sessions/1, /sessions/2…: pages of one template, a few of each are enough
NUMBER = re.compile(r"/\d+(?=/|\.|$)")
SKIPPED_TAGS = {"script", "style"}
SPOKEN_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")


@dataclass
class Form:
    page: str
    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # name -> choices or [value]
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type / select / textarea


class PageParser(HTMLParser):
    """Links, forms, and the visible text that is in the page's own language."""

    def __init__(self, page_language: str):
        super().__init__(convert_charrefs=True)
        self.page_language = page_language
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.text: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, counts as interface text)
        self._select: str | None = None

    def _own_language(self) -> bool:
        return not self._stack or self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        own = self._own_language() and tag not in SKIPPED_TAGS
        if attrs.get("lang") and attrs["lang"] != self.page_language:
            own = False  # content in another language, such as an English email's subject
        if attrs.get("translate") == "no":
            own = False  # what people typed (a position, a name): content, not interface
        if tag not in ("input", "br", "img", "meta", "link", "hr"):
            self._stack.append((tag, own))
        if own:
            self.text.extend(attrs[name] for name in SPOKEN_ATTRIBUTES if attrs.get(name))
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.text.append(attrs["value"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            self.forms.append(
                Form(
                    page="",
                    action=attrs.get("action") or "",
                    method=(attrs.get("method") or "get").lower(),
                )
            )
        elif self.forms and tag in ("input", "textarea", "select") and attrs.get("name"):
            form = self.forms[-1]
            name = attrs["name"]
            form.kinds[name] = tag if tag != "input" else attrs.get("type", "text")
            form.fields.setdefault(name, [])
            if tag == "input" and attrs.get("value") is not None:
                form.fields[name].append(attrs["value"])
            if tag == "select":
                self._select = name
        elif tag == "option" and self._select and self.forms:
            self.forms[-1].fields[self._select].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        while self._stack:
            opened, _own = self._stack.pop()
            if opened == tag:
                break

    def handle_data(self, data):
        if self._own_language() and data.strip():
            self.text.append(data)


@dataclass
class Visit:
    url: str
    status: int
    html: str
    headers: dict
    text: str
    forms: list[Form] = field(default_factory=list)


BINARY_TYPES = ("application/pdf",)  # downloads the crawler fetches but does not read


def _internal(base: str, href: str) -> str | None:
    """The path and query of an href inside the portal, without its fragment; None elsewhere."""
    target = urlsplit(urljoin(base, href))
    if target.scheme not in ("http", "https") or target.netloc not in ("", "localhost"):
        return None
    query = [(k, v) for k, v in parse_qsl(target.query, keep_blank_values=True) if k != "lang"]
    if target.path.startswith("/static/"):
        return None
    return target.path + (f"?{urlencode(query)}" if query else "")


def crawl(
    client,
    starts: list[str],
    language: str,
    max_pages: int = MAX_PAGES,
    per_pattern: int = MAX_PER_PATTERN,
) -> list[Visit]:
    """Follow every internal link from starts; the session's language is set first."""
    client.get(f"/?lang={language}")
    queue, seen, visits, per_path, seen_pattern = list(starts), set(), [], {}, {}
    while queue and len(visits) < max_pages:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        path = url.split("?", 1)[0]
        per_path[path] = per_path.get(path, 0) + 1
        pattern = NUMBER.sub("/<n>", path)
        seen_pattern[pattern] = seen_pattern.get(pattern, set()) | {path}
        if per_path[path] > MAX_VARIANTS_PER_PATH or len(seen_pattern[pattern]) > per_pattern:
            continue
        response = client.get(url)
        is_binary = response.mimetype in BINARY_TYPES
        html = "" if is_binary else response.get_data(as_text=True)
        parser = PageParser(language)
        if "text/html" in response.content_type:
            parser.feed(html)
        for form in parser.forms:
            form.page = url
        visits.append(
            Visit(
                url,
                response.status_code,
                html,
                dict(response.headers),
                " ".join(parser.text),
                parser.forms,
            )
        )
        if response.status_code in (301, 302, 303):
            location = _internal("http://localhost" + url, response.headers["Location"])
            if location:
                queue.append(location)
        for href in parser.links:
            target = _internal("http://localhost" + url, href)
            if target and target not in seen:
                queue.append(target)
    return visits


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def interface_fragments(catalogue) -> list[str]:
    """English interface text that must not show on a Turkish page: each msgid's fixed parts."""
    fragments = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if msgid in strings:
                continue  # the same in both languages (a name, a code)
            for piece in PLACEHOLDER.split(msgid):
                part = piece.strip(" .,:;()–-")
                if len(part) >= 3 and re.search(r"[A-Za-z]{3}", part):
                    fragments.add(part)
    return sorted(fragments, key=len, reverse=True)


def english_on_page(text: str, fragments: list[str]) -> list[str]:
    """The fragments on the page; one pass over it for all of them, then each one only when that
    pass found any (a Turkish page normally holds none)."""
    if not _any_of(tuple(fragments)).search(text):
        return []
    return [fragment for fragment in fragments if _any_of((fragment,)).search(text)]


@cache
def _any_of(fragments: tuple[str, ...]) -> re.Pattern:
    return re.compile(rf"(?<![\w])(?:{'|'.join(map(re.escape, fragments))})(?![\w])")


def status_pages(app) -> list[str]:
    """The applicants' private status pages: no link leads there, so the gates start from them."""
    with app.app_context():
        tokens = db.session.scalars(select(Application.status_token).order_by(Application.id))
        return [f"/apply/status/{token}" for token in tokens]
