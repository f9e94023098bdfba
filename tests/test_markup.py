"""What people write in Markdown reads as they meant it, and nothing they type runs in a page."""

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from secretariat.markup import TAGS, render


class _Elements(HTMLParser):
    """Every start tag of a fragment with its attributes, as a browser would read them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(str(html))
    parser.close()
    return parser.found


def tags(html: str) -> list[str]:
    return [tag for tag, _ in elements(html)]


def links(html: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in elements(html) if tag == "a"]


SCHEME_NOISE = re.compile(r"[\x00-\x20\x7f-\x9f]+")
RUNNABLE = re.compile(r"(?:java|vb)script:|data:")  # where a browser reads the scheme: the start


def unsafe_attributes(html: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, value) for every handler attribute, style, or address that runs script,
    read as a browser does: entities decoded, percent-escapes and control characters ignored."""
    bad = []
    for tag, attrs in elements(html):
        for name, value in attrs.items():
            plain = SCHEME_NOISE.sub("", unquote(value)).lower()
            if name.startswith("on") or name == "style" or RUNNABLE.match(plain):
                bad.append((tag, name, value))
    return bad


# What people write


def test_headings_sit_below_the_page_and_section_headings():
    html = render("# Agenda\n\n## Items\n\n### Notes\n\n#### Deeper")
    assert "<h3>Agenda</h3>" in html
    assert "<h4>Items</h4>" in html
    assert "<h5>Notes</h5>" in html
    assert "<h5>Deeper</h5>" in html  # no h6 in the allow-list: the deepest stays h5
    assert not {"h1", "h2", "h6"} & set(tags(html))


def test_lists_emphasis_quotes_and_code_render():
    html = render(
        "1. first\n2. second\n\n- one\n- two\n\n*said* **done** ~~gone~~ `x < y`\n\n"
        "> quoted\n\n---\n\n    block"
    )
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<em>said</em> <strong>done</strong> <del>gone</del>" in html
    assert "<code>x &lt; y</code>" in html
    assert "<blockquote>\n<p>quoted</p>\n</blockquote>" in html
    assert "<hr>" in html
    assert "<pre><code>block\n</code></pre>" in html


def test_a_table_renders_without_inline_style():
    html = render("| City | Votes |\n|:--|--:|\n| Niš | 12 |")
    assert tags(html) == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    assert "<th>City</th>" in html
    assert "<td>12</td>" in html
    # the CSP allows no inline style, so alignment is dropped rather than left to be refused
    assert "style" not in html


def test_empty_text_renders_nothing():
    for text in ("", "   ", "\n\t\n", None):
        html = render(text)
        assert isinstance(html, Markup)
        assert html == ""


def test_the_result_is_markup_and_not_escaped_again():
    html = render("**a**")
    assert isinstance(html, Markup)
    assert Markup("{0}").format(html) == "<p><strong>a</strong></p>\n"


def test_turkish_and_cyrillic_pass_unchanged():
    text = "Şehir ğ ı İ i I — Ниш, Скопје, Θεσσαλονίκη"
    assert render(text) == f"<p>{text}</p>\n"
    assert render(f"# {text}") == f"<h3>{text}</h3>\n"
    assert render(f"[{text}](/members/niş)").count(text) == 1


# What an attacker types


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="https://evil.example">x</a>',
        "<a href=javascript:alert(1)>x</a>",
        '<iframe src="https://evil.example"></iframe>',
        "<style>body { display: none }</style>",
        "<div onclick=alert(1)>x</div>",
        "<svg onload=alert(1)>",
        "<!-- a comment --><b>x</b>",
        "<details open ontoggle=alert(1)>",
        'x <span style="color:red">y</span>',
    ],
)
def test_raw_html_never_becomes_an_element(text):
    html = render(text)
    assert tags(html) == ["p"]  # only the paragraph the text sits in
    assert unsafe_attributes(html) == []


def test_raw_html_is_shown_as_the_text_that_was_typed():
    assert render("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#x09;script:alert(1))",
        "[x](java&#9;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x](<java script:alert(1)>)",
        "[x](%6Aavascript:alert(1))",
        "[x]( javascript:alert(1))",
        "<javascript:alert(1)>",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](file:///etc/passwd)",
        "[x](http:evil.example)",
        "[x][r]\n\n[r]: javascript:alert(1)",
    ],
)
def test_a_link_that_could_run_or_open_something_else_is_no_link(text):
    html = render(text)
    assert links(html) == []
    assert unsafe_attributes(html) == []
    assert re.sub(r"<[^>]+>", "", html).strip()  # what was written still reads, as text


@pytest.mark.parametrize(
    "text",
    [
        "![a](https://evil.example/p.png)",
        "![a](http://evil.example/p.png)",
        "![a](//evil.example/p.png)",
        "![a](/media/../secret)",
        "![a](/media/%2e%2e/secret)",
        "![a](/media/..%2fsecret)",
        "![a](/media\\..\\secret)",
        "![a](/uploads/p.png)",
        "![a](media/p.png)",
        "![a](data:image/png;base64,AAAA)",
        "![a](javascript:alert(1))",
        '![a](/media/p.png" onerror="alert(1))',
    ],
)
def test_an_image_from_anywhere_but_the_portal_media_is_dropped(text):
    html = render(text)
    assert "img" not in tags(html)
    assert unsafe_attributes(html) == []


def test_an_image_of_the_portal_media_survives_with_its_alt():
    html = render('![Summit in Niš](/media/pic.png "The hall")')
    assert elements(html) == [
        ("p", {}),
        ("img", {"src": "/media/pic.png", "alt": "Summit in Niš", "title": "The hall"}),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '[x](/a "t" onclick=alert(1))',
        '[x](/a "t\\" onclick=\\"alert(1))',
        "[x](/a onmouseover=alert(1))",
        '![a](/media/p.png "t\\" onerror=\\"alert(1)")',
        "*<b onmouseover=alert(1)>x</b>*",
        "| a |\n|---|\n| <td onclick=alert(1)> |",
        "`<x onload=alert(1)>`",
        "[<img src=x onerror=alert(1)>](/a)",
    ],
)
def test_no_event_handler_is_smuggled_in(text):
    html = render(text)
    assert [a for _, attrs in elements(html) for a in attrs if a.startswith("on")] == []
    assert set(tags(html)) <= TAGS


# Where links lead


def test_an_external_link_is_marked_and_keeps_no_referrer():
    html = render("[Sofia](https://sofia.example/plan)")
    assert links(html) == [
        {
            "href": "https://sofia.example/plan",
            "rel": "noopener noreferrer nofollow",
            "class": "external",
        }
    ]


def test_relative_links_fragments_and_mail_are_not_marked():
    html = render("[a](/members/nis) [b](#votes) [c](../about) [d](mailto:sec@b40.example)")
    assert links(html) == [
        {"href": "/members/nis"},
        {"href": "#votes"},
        {"href": "../about"},
        {"href": "mailto:sec@b40.example"},
    ]


def test_a_protocol_relative_link_to_another_host_is_external():
    (link,) = links(render("[x](//evil.example/p)"))
    assert link["class"] == "external"


def test_a_link_to_the_public_origin_is_ours(app):
    with app.app_context():  # PUBLIC_URL is http://localhost
        html = render("[x](http://localhost/members) [y](http://LOCALHOST/a) [z](//localhost/b)")
        assert links(html) == [
            {"href": "http://localhost/members"},
            {"href": "http://LOCALHOST/a"},
            {"href": "//localhost/b"},
        ]
        # another scheme, port or host is another origin
        for other in ("https://localhost/x", "http://localhost:8080/x", "http://localhost.evil/x"):
            (link,) = links(render(f"[x]({other})"))
            assert link["class"] == "external", other


def test_the_kept_render_follows_the_public_origin(app):
    text = "[x](http://localhost/members)"
    with app.app_context():
        assert links(render(text)) == [{"href": "http://localhost/members"}]
    # outside the app the same text is not ours: a kept render of it must not leak across
    (link,) = links(render(text))
    assert link["class"] == "external"
    with app.app_context():
        assert links(render(text)) == [{"href": "http://localhost/members"}]


def test_templates_have_the_markdown_filter(app):
    with app.app_context():
        template = app.jinja_env.from_string("<div>{{ text|markdown }}</div>")
        page = template.render(text="**kept** <b>typed</b>")
    assert page == "<div><p><strong>kept</strong> &lt;b&gt;typed&lt;/b&gt;</p>\n</div>"


# Whatever is typed

FRAGMENTS = [
    "<", ">", "[", "]", "(", ")", "!", '"', "'", "`", "*", "_", "~", "|", "-", "#", " ", "\n",
    "\t", "\\", "&", ";", ":", "=", "/", "//", "..", "/media/", "http://", "https://e.example",
    "javascript:", "JaVaScRiPt:", "java&#x09;script:", "&#106;avascript:", "&#58;", "%3A",
    "vbscript:", "data:", "<script>", "</script>", "<img ", "<a ", "href=", "src=", "onerror=",
    " onload=", "onclick", "alert(1)", "style=", "<iframe>", "<!--", "-->", "&lt;", "ş", "Ниш",
    "](", "![", "\n\n", "| a |\n|---|\n", "    ", "1. ", "> ",
]  # fmt: skip
typed = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=40).map("".join)


@given(typed)
def test_nothing_typed_becomes_script_handler_or_script_link(text):
    html = render(text)
    assert "<script" not in html.lower()
    assert unsafe_attributes(html) == []
    assert set(tags(html)) <= TAGS
    assert render(text) == html
