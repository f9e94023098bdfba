"""Markdown people write, as HTML safe to show: CommonMark, no raw HTML, nh3's allow-list."""

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import nh3
from flask import current_app, has_app_context
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

IMAGE_PREFIX = "/media/"  # the only images shown: the portal's own, under this path
EXTERNAL_REL = "noopener noreferrer nofollow"
LINK_SCHEMES = frozenset({"http", "https", "mailto"})
WEB_SCHEMES = frozenset({"http", "https"})
HEADING_SHIFT = 2  # the text sits under the page's h1 and a section's h2: # is h3
DEEPEST_HEADING = 5

TAGS = frozenset(
    {
        "p", "br", "h3", "h4", "h5", "ul", "ol", "li", "strong", "em", "del", "code", "pre",
        "blockquote", "hr", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
    }
)  # fmt: skip
# No style anywhere: the CSP's style-src has no 'unsafe-inline', so a table's alignment goes
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
TAG_ATTRIBUTE_VALUES = {"a": {"rel": {EXTERNAL_REL}, "class": {"external"}}}

# What a browser ignores inside a scheme ("java\tscript:"): whitespace and control characters
IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f]+")
SCHEME_LIKE = re.compile(r"^[^/?#]*:")

_parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def render(text: str) -> Markup:
    """text (Markdown) as HTML that is safe to put in a page; nothing for empty text."""
    if not text or not str(text).strip():
        return Markup("")
    html = _render(str(text), _public_origin())
    return Markup(html)  # noqa: S704  # nosec B704 - nh3's output, from an allow-list


def _public_origin() -> str:
    """scheme://host[:port] of PUBLIC_URL, lower-cased; '' outside an app (every web link is
    then external)."""
    if not has_app_context():
        return ""
    return _origin_of(current_app.config.get("PUBLIC_URL") or "")


def _origin_of(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


@lru_cache(maxsize=4096)
def _render(text: str, origin: str) -> str:
    """The work of render, kept per (text, origin): the same text is marked the same way
    only for the same public origin."""
    tokens = _parser.parse(text)
    _rewrite(tokens, origin)
    html = _parser.renderer.render(tokens, _parser.options, {})
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        tag_attribute_values=TAG_ATTRIBUTE_VALUES,
        attribute_filter=_attribute_filter,
        url_schemes=set(LINK_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )


def _rewrite(tokens: list[Token], origin: str) -> None:
    """The token pass: headings shifted down, <s> as <del>, table alignment dropped, links
    checked and marked, images other than the portal's own dropped."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, DEEPEST_HEADING)
            token.tag = f"h{level}"
        elif token.type in ("th_open", "td_open"):
            token.attrs.pop("style", None)
        if token.children:
            token.children = _rewrite_inline(token.children, origin)


def _rewrite_inline(children: list[Token], origin: str) -> list[Token]:
    kept: list[Token] = []
    dropping_link = False
    for token in children:
        if token.type == "link_open":
            href = str(token.attrGet("href") or "")
            kind = _link_kind(href, origin)
            if kind is None:
                dropping_link = True  # its text stays, the link goes
                continue
            if kind == "external":
                token.attrSet("rel", EXTERNAL_REL)
                token.attrSet("class", "external")
        elif token.type == "link_close" and dropping_link:
            dropping_link = False
            continue
        elif token.type == "image" and not is_portal_image(str(token.attrGet("src") or "")):
            continue
        elif token.type in ("s_open", "s_close"):
            token.tag = "del"
        kept.append(token)
    return kept


def _link_kind(href: str, origin: str) -> str | None:
    """'external', 'internal', or None when the link may not be followed at all."""
    bare = IGNORED_IN_URL.sub("", unquote(href)).replace("\\", "/")
    try:
        parts = urlsplit(bare)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme:
        if scheme not in LINK_SCHEMES:
            return None
    elif SCHEME_LIKE.match(bare):
        return None  # something before a colon that is no scheme a browser would agree on
    if scheme == "mailto":
        return "internal"  # not a web page: nothing to mark
    if not parts.netloc:
        return "internal" if not scheme else None  # "http:foo" has no host: refuse it
    # http(s)://host or //host (the page's own scheme): ours only at the very same origin
    target = f"{scheme or urlsplit(origin).scheme}://{parts.netloc.lower()}"
    return "internal" if origin and target == origin else "external"


def is_portal_image(src: str) -> bool:
    """src is a path on the portal itself under IMAGE_PREFIX: no scheme, no host, no '..'."""
    bare = unquote(src)
    if IGNORED_IN_URL.search(bare) or "\\" in bare or ".." in bare:
        return False
    # a path that starts with /media/ has no scheme and no host
    return src.startswith(IMAGE_PREFIX) and bare.startswith(IMAGE_PREFIX)


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """nh3's last word on what the token pass left: no foreign image, no unfollowable link."""
    if tag == "img" and attribute == "src":
        return value if is_portal_image(value) else None
    if tag == "a" and attribute == "href":
        return value if _link_kind(value, "") is not None else None
    return value
