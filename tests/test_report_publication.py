"""A published activity report: public at /reports/<year>, frozen, in both languages and as PDF."""

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from secretariat import cache
from secretariat.extensions import db as _db
from secretariat.members.models import City, JoinRoute
from secretariat.members.operations import create_city
from secretariat.reports.models import ReportSnapshot
from secretariat.security import Role
from tests import test_forms_fuzz as fuzz
from tests.conftest import sign_in
from tests.crawl import crawl
from tests.helpers import city, words
from tests.test_reports import REPORT, TEXTS, ZAGREB_TERM, indicator, step

YEAR = 2026  # Zagreb's term, the demo history's current one


@pytest.fixture
def published(app, client, history, sign_in_as, create_user):
    """Zagreb's report written, reviewed and published, with Niš (Ниш) joined during the term."""
    with app.test_request_context():
        create_city(
            None,
            official_name="Ниш",
            english_name="Niš",
            turkish_name="Niş",
            country_code="RS",
            joined_on=date(2026, 4, 2),
            join_route=JoinRoute.APPLICATION,
        )
        _db.session.commit()
    sign_in_as(Role.SECRETARIAT)
    mayor = app.test_client()
    sign_in(mayor, create_user(Role.MAYOR, city="zagreb").email)
    client.post_form(
        f"/presidency/terms/{ZAGREB_TERM}/indicators/new",
        indicator(title_en="New members", source="computed", measure="new_members", target="2"),
    )
    client.post_form(f"{REPORT}/start", {}, page=REPORT)
    texts = {
        **TEXTS,
        "highlights_en": "**Four** groups met; see [the charter](https://example.org/charter).",
        "highlights_tr": "Dört grup toplandı: İstanbul, Şişli ve Iğdır'dan kentler.",
        "outlook_en": "<script>alert(1)</script> More sessions.",
    }
    assert client.post_form(f"{REPORT}/texts", texts, page=REPORT).status_code == 302
    step(client, "send")
    step(mayor, "approve")
    assert step(client, "publish").status_code == 302
    return client, mayor


def anonymous(app):
    return app.test_client()


def snapshot_ids(app) -> list[int]:
    with app.app_context():
        return _db.session.scalars(select(ReportSnapshot.id).order_by(ReportSnapshot.id)).all()


def test_a_published_report_is_listed_and_read_by_anyone_in_both_languages(app, published):
    reader = anonymous(app)
    listing = words(reader.get("/reports"))
    assert "Activity report 2026" in listing and "Term 5, Zagreb" in listing
    page = reader.get(f"/reports/{YEAR}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = words(page)
    assert "Niš (Ниш)" in shown and "Joined through the application form" in shown
    assert "<strong>Four</strong>" in html and 'class="external"' in html
    assert "<script>alert" not in html and "More sessions." in shown
    assert re.search(r"SHA-256 checksum: [0-9a-f]{64}", shown)
    turkish = words(reader.get(f"/reports/{YEAR}?lang=tr"))
    assert "Faaliyet raporu 2026" in turkish and "Niş (Ниш)" in turkish
    assert "İstanbul, Şişli ve Iğdır" in turkish


def test_every_chart_of_the_report_has_its_figures_as_a_table(app, published):
    html = anonymous(app).get(f"/reports/{YEAR}").get_data(as_text=True)
    charts = re.findall(r'<figure class="chart".*?</figure>', html, re.S)
    assert len(charts) == 3
    for chart in charts:
        assert "<svg" in chart and "<title" in chart and "<desc" in chart
        assert '<table class="listing chart-data">' in chart and "<figcaption>" in chart


@pytest.mark.parametrize(
    "language, title",
    [("en", "B40 activity report 2026"), ("tr", "B40 faaliyet raporu 2026")],
)
def test_the_pdf_holds_the_report_in_its_language_with_its_title(app, published, language, title):
    response = anonymous(app).get(f"/reports/{YEAR}/revisions/1/{language}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert reader.metadata.title == title
    assert reader.trailer["/Root"]["/Lang"] == language
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    content = " ".join(page.extract_text() for page in reader.pages)
    assert "Ниш" in content
    if language == "tr":
        for letter in "şğıİ":
            assert letter in content


def test_nothing_done_later_changes_a_published_report(app, published):
    reader = anonymous(app)
    addresses = [
        f"/reports/{YEAR}",
        f"/reports/{YEAR}?lang=tr",
        f"/reports/{YEAR}/revisions/1/en.pdf",
    ]
    before = [reader.get(address).data for address in addresses]
    with app.app_context():
        nis = _db.session.scalar(select(City).where(City.english_name == "Niš"))
        nis.english_name = "Nish"
        nis.official_name = "Ниш (renamed)"
        zagreb = city("zagreb")
        zagreb.turkish_name = "Zagrep (yeni)"
        nis.withdrawn_on = date(2026, 6, 1)
        nis.status = "withdrawn"
        _db.session.commit()
    assert [anonymous(app).get(address).data for address in addresses] == before
    with app.app_context():
        cache.forget_pages()  # rendered afresh from the snapshot, not from a kept copy
    assert [anonymous(app).get(address).data for address in addresses] == before


def test_the_database_refuses_to_change_or_remove_a_published_snapshot(app, published):
    [snapshot_id] = snapshot_ids(app)
    with app.app_context():
        with pytest.raises(IntegrityError):
            _db.session.execute(
                update(ReportSnapshot)
                .where(ReportSnapshot.id == snapshot_id)
                .values(html_en="<p>rewritten</p>")
            )
        _db.session.rollback()
        with pytest.raises(IntegrityError):
            _db.session.execute(text("DELETE FROM report_snapshots"))
        _db.session.rollback()
        html = _db.session.scalar(select(ReportSnapshot.html_en))
    assert "rewritten" not in html


def test_a_correction_is_a_new_revision_and_the_first_stays_readable(app, published):
    client, mayor = published
    refused = step(client, "correct")
    assert "Say why in a comment" in words(refused)
    assert step(client, "correct", "The climate group met five times, not four.").status_code == 302
    fixed = {**TEXTS, "highlights_en": "Five sessions of the climate group."}
    client.post_form(f"{REPORT}/texts", fixed, page=REPORT)
    step(client, "send")
    step(mayor, "approve")
    step(client, "publish")
    reader = anonymous(app)
    current = words(reader.get(f"/reports/{YEAR}"))
    assert "Five sessions of the climate group." in current
    assert "Revision 2, a correction: The climate group met five times, not four." in current
    first = words(reader.get(f"/reports/{YEAR}/revisions/1"))
    assert "Four groups met" in first
    assert "This is revision 1, kept as it was published. The current text is revision 2." in first
    assert reader.get(f"/reports/{YEAR}/revisions/3").status_code == 404
    assert len(snapshot_ids(app)) == 2


def test_staff_preview_the_texts_before_saving_and_write_a_note_per_group(
    app,
    client,
    history,
    sign_in_as,
):
    sign_in_as(Role.SECRETARIAT)
    client.post_form(f"{REPORT}/start", {}, page=REPORT)
    draft = client.get(REPORT).get_data(as_text=True)
    notes = re.findall(r'name="(note_\d+_en)"', draft)
    assert notes, "a note field per working group"
    typed = {**TEXTS, "foreword_en": "# A year\n\nOf *sessions*.", notes[0]: "The group met."}
    preview = client.post_form(f"{REPORT}/texts", {**typed, "preview": "1"}, page=REPORT)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "<h3>A year</h3>" in html and "<em>sessions</em>" in html
    assert "The group met." in words(preview)
    assert "A year" not in words(client.get(REPORT)), "a preview saves nothing"
    assert client.post_form(f"{REPORT}/texts", typed, page=REPORT).status_code == 302
    saved = words(client.get(REPORT))
    assert "A year" in saved and "The group met." in saved


def test_no_report_is_published_for_an_unknown_year_or_revision(app, client, history):
    for address in ("/reports/1999", f"/reports/{YEAR}", f"/reports/{YEAR}/revisions/1/en.pdf"):
        assert client.get(address).status_code == 404
    assert "No report has been published yet." in words(client.get("/reports"))
    assert ZAGREB_TERM == 5


def test_publishing_ticks_the_closing_summits_step_and_the_home_page_links_the_report(
    app,
    client,
    history,
    sign_in_as,
    create_user,
):
    sofia = "/presidency/terms/4/report"
    sign_in_as(Role.SECRETARIAT)
    dashboard = "/summits/5/dashboard"  # Zagreb's summit ends Sofia's term
    client.post_form("/summits/5/checklist/standard", {}, page=dashboard)
    step_link = f'<a href="{sofia}">Activity report presented</a>'
    assert step_link in client.get(dashboard).get_data(as_text=True)
    mayor = app.test_client()
    sign_in(mayor, create_user(Role.MAYOR, city="sofia").email)
    client.post_form(f"{sofia}/start", {}, page=sofia)
    client.post_form(f"{sofia}/send", {"comment": ""}, page=sofia)
    mayor.post_form(f"{sofia}/approve", {"comment": ""}, page=sofia)
    assert "Activity report presented" in words(client.get(dashboard))
    assert client.post_form(f"{sofia}/publish", {"comment": ""}, page=sofia).status_code == 302
    row = re.search(
        r"Activity report presented</a></td>.*?</tr>",
        client.get(dashboard).get_data(as_text=True),
        re.S,
    )
    assert "done on" in row.group(0)
    home = anonymous(app).get("/").get_data(as_text=True)
    assert 'href="/reports/2025"' in home and "The latest activity report (2025)" in home


def test_the_report_forms_survive_hostile_input(app, client, history, sign_in_as, figure):
    """The fuzzer's sweep at the forms of a draft (the demo's report is in review, where the
    crawler meets no texts form): every hostile value in every field, the others valid."""
    sign_in_as(Role.SECRETARIAT)
    client.post_form(f"{REPORT}/start", {}, page=REPORT)
    forms = fuzz._forms(app, crawl(client, [REPORT], "en", max_pages=1))
    assert {form.action for form in forms} >= {f"{REPORT}/texts", f"{REPORT}/send"}
    token, sent = client.csrf_token(REPORT), 0
    for form in forms:
        for payload in fuzz._sweep(form):
            response = client.post(form.action, data={**payload, "csrf_token": token})
            sent += 1
            assert response.status_code in fuzz.ANSWERS, f"{form.action} {payload!r:.200}"
            if response.status_code == 302 and form.action.endswith("/send"):
                step(client, "return")  # not the presidency: refused, and the draft stays
                break
            assert fuzz.CANARY not in response.get_data(as_text=True)
    page = client.get(REPORT).get_data(as_text=True)
    assert fuzz.CANARY not in page and "Traceback" not in page
    figure(f"fuzz report draft: {sent} submissions to {len(forms)} forms")
