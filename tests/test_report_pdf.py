"""The report's PDF: the shipped font, title, language and tags read back with pypdf; the URL
fetcher reaches the portal's static files and nothing else; print.css paginates and footers."""

import io
import logging
import sys
import time

import pytest
from flask import Flask
from pypdf import PdfReader

from secretariat.reports import pdf
from secretariat.reports.pdf import (
    STATIC_FOLDER,
    STATIC_URL_PATH,
    PdfUnavailable,
    RefusedResource,
    StaticFiles,
    render_pdf,
    static_files,
)

BASE = "http://127.0.0.1:5000/"
TITLE = "B40 Faaliyet Raporu 2025 — Şişli, Niš, Ниш, Αθήνα"
WORDS = ("ş", "ğ", "ı", "İ", "Ниш", "Αθήνα")
ADDRESS = "https://b40.example/reports/2025"
CHECKSUM = "SHA-256 " + "3f" * 32
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 60" width="100%" role="img">'
    "<title>Oturumlar</title><desc>Ниш ve Αθήνα</desc>"
    '<rect x="0" y="10" width="180" height="20" fill="#0b4f8a"/>'
    '<text x="190" y="26" font-size="14" fill="#1b1f24">Niš 12</text></svg>'
)


def document(body: str, head: str = "", attributes: str = "") -> str:
    return (
        f'<!doctype html><html lang="tr"><head><meta charset="utf-8"><title>{TITLE}</title>'
        f'<link rel="stylesheet" href="/static/print.css">{head}</head>'
        f'<body><article class="report"{attributes}>{body}</article></body></html>'
    )


SAMPLE = document(
    '<section class="report-section"><h1>Faaliyet raporu</h1>'
    "<p>Şişli'de ağaç, ılık İzmir; <strong>Ниш</strong> и <em>Αθήνα</em>.</p>"
    f'<figure class="chart">{SVG}<figcaption>Oturumlar</figcaption></figure>'
    f'<footer class="report-footer"><span class="report-address">{ADDRESS}</span> '
    f'<span class="report-checksum">{CHECKSUM}</span></footer></section>'
)


def reader_of(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def fetched_and_refused(caplog) -> tuple[list[str], list[str]]:
    messages = [r.getMessage() for r in caplog.records if r.name == pdf.__name__]
    return (
        [m.removeprefix("PDF fetched ") for m in messages if m.startswith("PDF fetched ")],
        [m.removeprefix("PDF refused ") for m in messages if m.startswith("PDF refused ")],
    )


@pytest.fixture(scope="module")
def sample() -> PdfReader:
    return reader_of(render_pdf(SAMPLE, base_url=BASE))


def test_the_text_keeps_turkish_cyrillic_and_greek(sample):
    text = "".join(page.extract_text() for page in sample.pages)
    for word in WORDS:
        assert word in text
    assert "Niš 12" in text  # the SVG's label is text, not paths


def test_title_language_and_tags_make_it_pdf_ua(sample):
    catalog = sample.trailer["/Root"]
    assert sample.metadata.title == TITLE
    assert catalog["/Lang"] == "tr"
    assert sample.pdf_header == "%PDF-1.7"  # PDF/UA-1 is on PDF 1.7
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in catalog
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert b"pdfuaid:part" in catalog["/Metadata"].get_object().get_data()


def test_the_same_html_makes_the_same_bytes():
    # No creation date, no random identifier: a snapshot's PDF can be checked by its own hash.
    assert render_pdf(SAMPLE, base_url=BASE) == render_pdf(SAMPLE, base_url=BASE)


def test_the_shipped_dejavu_is_the_font_used(caplog):
    caplog.set_level(logging.DEBUG, logger=pdf.__name__)
    reader = reader_of(render_pdf(SAMPLE, base_url=BASE))
    fetched, refused = fetched_and_refused(caplog)
    assert refused == []
    assert set(fetched) >= {
        f"{BASE}static/print.css",
        f"{BASE}static/fonts/DejaVuSans.ttf",
        f"{BASE}static/fonts/DejaVuSans-Bold.ttf",
        f"{BASE}static/fonts/DejaVuSans-Oblique.ttf",
    }
    # WeasyPrint names embedded fonts by family and style (a system DejaVu would be named the
    # same: the fetches above are what prove the shipped files are the ones embedded).
    names = font_names(reader)
    assert {name.split("+")[-1] for name in names} == {
        "DejaVu-Sans",
        "DejaVu-Sans-Bold",
        "DejaVu-Sans-Italic",
    }


def test_the_shipped_fonts_stay_small():
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"):
        assert (STATIC_FOLDER / "fonts" / name).stat().st_size < 800_000
    assert "Bitstream Vera" in (STATIC_FOLDER / "fonts" / "DejaVu-LICENSE.txt").read_text()


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/x.css",
        "https://evil.example/static/print.css",
        "http://127.0.0.1:5000@evil.example/static/print.css",
        "https://127.0.0.1:5000/static/print.css",  # another scheme
        "http://127.0.0.1:5001/static/print.css",  # another port
        "http://localhost:5000/static/print.css",  # another name for the host
        "file:///etc/passwd",
        f"file://{STATIC_FOLDER}/print.css",
        "data:text/css,body{color:red}",
        "ftp://127.0.0.1:5000/static/print.css",
        "http://127.0.0.1:5000/pyproject.toml",
        "http://127.0.0.1:5000/staticx/print.css",
        "http://127.0.0.1:5000/static/../../pyproject.toml",
        "http://127.0.0.1:5000/static/%2e%2e/%2e%2e/pyproject.toml",
        "http://127.0.0.1:5000/static/%2E%2E/%2E%2E/pyproject.toml",
        "http://127.0.0.1:5000/static/..%2f..%2fpyproject.toml",
        "http://127.0.0.1:5000/static/%5c..%5c..%5cpyproject.toml",
        "http://127.0.0.1:5000/static//etc/passwd",
        "http://127.0.0.1:5000/static/print.css%00.png",
        "http://127.0.0.1:5000/static/fonts",  # a folder
        "http://127.0.0.1:5000/static/no-such.css",
        "http://127.0.0.1:notaport/static/print.css",
    ],
)
def test_the_fetcher_refuses_anything_but_a_static_file(url):
    with pytest.raises(RefusedResource):
        StaticFiles(BASE, STATIC_FOLDER).read(url)


def test_the_fetcher_serves_static_files_with_their_type():
    files = StaticFiles(BASE, STATIC_FOLDER)
    css, mime = files.read(f"{BASE}static/print.css?v=2#top")
    assert (css, mime) == ((STATIC_FOLDER / "print.css").read_bytes(), "text/css")
    assert files.read("HTTP://127.0.0.1:5000/static/fonts/DejaVuSans.ttf")[1] == "font/ttf"
    assert files.read("http://127.0.0.1:5000/static/favicon.svg")[1] == "image/svg+xml"
    assert StaticFiles("https://b40.example", STATIC_FOLDER).read(
        "https://b40.example:443/static/print.css"
    )[1] == ("text/css")


def test_a_symlink_out_of_the_static_folder_is_refused(tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "inside.css").write_text("p {}")
    (folder / "leak.css").symlink_to(tmp_path / "secret.txt")
    files = StaticFiles(BASE, folder)
    assert files.read(f"{BASE}static/inside.css") == (b"p {}", "text/css")
    with pytest.raises(RefusedResource):
        files.read(f"{BASE}static/leak.css")


def test_the_base_url_must_be_an_http_origin():
    for base in ("file:///work/", "data:text/html,x", "/static/"):
        with pytest.raises(ValueError, match="origin"):
            StaticFiles(base, STATIC_FOLDER)


def test_the_app_s_static_folder_and_path_are_read_when_there_is_one(tmp_path):
    # The package path stands in for Flask's default for the portal's own app.
    portal = Flask("secretariat")
    assert (portal.static_folder, portal.static_url_path) == (str(STATIC_FOLDER), STATIC_URL_PATH)
    (tmp_path / "a.css").write_text("p {}")
    app = Flask(__name__, static_folder=str(tmp_path), static_url_path="/assets")
    with app.app_context():
        files = static_files(BASE)
        assert files.read(f"{BASE}assets/a.css") == (b"p {}", "text/css")
        with pytest.raises(RefusedResource):
            files.read(f"{BASE}static/print.css")
    assert static_files(BASE).folder == STATIC_FOLDER


def test_a_document_linking_outside_still_renders_with_nothing_fetched(caplog):
    caplog.set_level(logging.DEBUG, logger=pdf.__name__)
    hostile = (
        '<link rel="stylesheet" href="http://evil.example/x.css">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="/static/../../pyproject.toml">'
        '<link rel="stylesheet" href="/static/%2e%2e/%2e%2e/pyproject.toml">'
    )
    images = (
        '<img alt="x" src="http://evil.example/pixel.png">'
        '<img alt="y" src="data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E">'
    )
    data = render_pdf(document(f"<p>Ниш Αθήνα</p>{images}", head=hostile), base_url=BASE)
    text = "".join(page.extract_text() for page in reader_of(data).pages)
    assert "Ниш" in text
    fetched, refused = fetched_and_refused(caplog)
    assert all(url.startswith(f"{BASE}static/") for url in fetched)
    assert f"{BASE}static/print.css" in fetched
    assert set(refused) == {
        "http://evil.example/x.css",
        "file:///etc/passwd",
        f"{BASE}pyproject.toml",  # WeasyPrint joined the dots away: outside /static/
        f"{BASE}static/%2e%2e/%2e%2e/pyproject.toml",
        "http://evil.example/pixel.png",
        "data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22/%3E",
    }


def test_without_weasyprint_the_pdf_is_said_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(PdfUnavailable, match="WeasyPrint cannot be loaded"):
        render_pdf(SAMPLE, base_url=BASE)


def test_ten_sections_make_ten_pages_each_footed_with_address_and_checksum(figure):
    section = (
        '<section class="report-section"><h2>{n}. Çalışma grubu — Ниш, Αθήνα</h2>'
        + "<p>Oturumlar, katılım ve tutanaklar; şehirler ağı, Niš. </p>" * 6
        + f'<figure class="chart">{SVG}<figcaption>Grafik {{n}}</figcaption>'
        '<table class="listing chart-data"><caption>Rakamlar</caption>'
        '<thead><tr><th scope="col">Grup</th><th scope="col">Oturum</th></tr></thead><tbody>'
        + "<tr><th scope='row'>Ulaşım</th><td>4</td></tr>"
        * 8
        + '</tbody></table></figure><p>Ayrıntı: <a class="external" '
        'href="https://example.org/b40">örnek</a></p></section>'
    )
    footer = (
        f'<footer class="report-footer"><span class="report-address">{ADDRESS}</span> '
        f'<span class="report-checksum">{CHECKSUM}</span></footer>'
    )
    html = document(
        "".join(section.format(n=n) for n in range(1, 11)) + footer,
        attributes=f' data-address="{ADDRESS}" data-checksum="{CHECKSUM}"',
    )
    started = time.perf_counter()
    data = render_pdf(html, base_url=BASE)
    seconds = time.perf_counter() - started
    reader = reader_of(data)
    line = f"report PDF: {len(reader.pages)} pages, {len(data) / 1024:.0f} KiB in {seconds:.2f} s"
    print(line)
    figure(line)
    assert len(reader.pages) == 10  # a section a page
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert f"{number}. Çalışma grubu" in text
        assert ADDRESS in text
        assert f"{CHECKSUM} · {number}/10" in text
        assert "(https://example.org/b40)" in text  # an external link prints its address
