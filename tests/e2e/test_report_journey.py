"""The activity report of Zagreb's term in a real browser (issue 14), as its people would make it.

In one language throughout (English, then Turkish): the secretariat sets the term's indicators
(one entered, with a figure recorded, and three computed by the portal), starts the report,
types the narrative in both languages in Markdown, previews it (nothing is saved yet), saves it
and sends it to the presidency. Zagreb's mayor returns it with a comment; the secretariat reads
the comment, amends a text and sends it again; the mayor approves; the secretariat publishes.
An anonymous reader finds the report under /reports, opens /reports/2026, sees its three charts
(each an SVG with its figures as a table), the indicators and the narrative, and downloads the
PDF of their language, whose title is the report's and whose text is the report's.

Full-page screenshots of the draft and the published page, at 1366 and 375 pixels wide, go to
/tmp/shots/journey-<language>-<name>.png.

Turkish words of the portal are read from its own catalogue (`say()`), never written here.
"""

import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from secretariat.i18n import LANGUAGE_NAMES
from secretariat.reports.rules import Direction, Measure, ReportState, Source, Step
from secretariat.security import Role
from secretariat.working_groups.operations import PERMANENT_GROUPS
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

TERM, YEAR = 5, 2026  # Zagreb's term, the current one
INDICATORS = f"/presidency/terms/{TERM}/indicators"
SHOTS = Path("/tmp/shots")  # noqa: S108 - screenshots for people to look at, nothing secret
WIDTHS = {"wide": 1366, "narrow": 375}
PUBLISHING_MS = 30_000  # publishing renders the pages and both PDFs

# The entered indicator: (title en, title tr, unit en, unit tr); the computed ones add target,
# direction and measure.
ENTERED = ("Partner events co-hosted", "Ortak düzenlenen etkinlikler", "events", "etkinlik")
COMPUTED = [
    ("New member cities", "Yeni üye şehirler", "cities", "şehir", "3", Direction.AT_LEAST,
     Measure.NEW_MEMBERS),
    ("Working group sessions held", "Yapılan çalışma grubu toplantıları", "sessions",
     "toplantı", "8", Direction.AT_LEAST, Measure.SESSIONS_HELD),
    ("Median days to decide an application", "Bir başvurunun karara bağlanma süresi (medyan)",
     "days", "gün", "30", Direction.AT_MOST, Measure.MEDIAN_DAYS_TO_DECIDE),
]  # fmt: skip
FIGURE = "5"

GROUP_EN, GROUP_TR = PERMANENT_GROUPS[0][1], PERMANENT_GROUPS[0][2]  # Local climate action
TEXTS = {
    "foreword_en": "Zagreb was proud to lead **a network of forty cities** this year.",
    "foreword_tr": "Zagreb bu yıl **kırk şehirlik bir ağa** başkanlık etmekten gurur duydu.",
    "highlights_en": "- Four working groups met\n- Two cities joined",
    "highlights_tr": "- Dört çalışma grubu toplandı\n- İki şehir ağa katıldı; Iğdır ilgi gösterdi",
    "outlook_en": "More sessions next year.",
    "outlook_tr": "Gelecek yıl daha çok toplantı.",
    "note_en": "The climate group shared **heat plans**.",
    "note_tr": "İklim grubu **sıcak hava planlarını** paylaştı.",
}
AMENDED = {
    "outlook_en": "More sessions next year, and a **climate summit** in Sarajevo.",
    "outlook_tr": "Gelecek yıl daha çok toplantı ve Saraybosna'da bir **iklim zirvesi**.",
}
COMMENT = "Please name the Sarajevo climate summit in the outlook."


def say_in(app, language: str) -> Callable[..., str]:
    """say(text, **values): text as the portal shows it in language (msgid or lazy string)."""

    def say(text, **values) -> str:
        with app.test_request_context(), force_locale(language):
            return str(gettext(text, **values) if isinstance(text, str) else text)

    return say


def sign_in(page: Page, email: str, language: str, say: Callable[..., str]) -> None:
    """Through the form, the first visit in the person's language (?lang=)."""
    page.goto(f"/sign-in?lang={language}")
    form = page.get_by_role("main")
    form.get_by_label(say("Email")).fill(email)
    form.get_by_label(say("Password")).fill(PASSWORD)
    form.get_by_role("button", name=say("Sign in")).click()
    expect(page.get_by_role("banner").get_by_role("button", name=say("Sign out"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)


def status(page: Page) -> Locator:
    return page.get_by_role("main").get_by_role("status")


def state_of(page: Page) -> Locator:
    return page.get_by_role("main").locator("p.lead strong")


def shoot(page: Page, language: str, name: str) -> None:
    """Full-page screenshots at each width, then back to the wide one."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width_name, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SHOTS / f"journey-{language}-{name}-{width_name}.png", full_page=True)
    page.set_viewport_size({"width": WIDTHS["wide"], "height": 900})


def add_indicator(page: Page, say, titles, units, target, direction, source, measure=None):
    page.get_by_role("main").get_by_role("link", name=say("Add an indicator")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(say("Add an indicator"))
    form = page.get_by_role("main").locator("form")
    form.get_by_label(say("Title in English"), exact=True).fill(titles[0])
    form.get_by_label(say("Title in Turkish"), exact=True).fill(titles[1])
    form.get_by_label(say("Target"), exact=True).fill(target)
    form.get_by_label(say("The target is met by")).select_option(label=say(direction.label))
    form.get_by_label(say("Unit in English"), exact=True).fill(units[0])
    form.get_by_label(say("Unit in Turkish"), exact=True).fill(units[1])
    form.get_by_label(say("The figure is")).select_option(label=say(source.label))
    if measure is not None:
        form.get_by_label(say("What the portal counts")).select_option(label=say(measure.label))
    form.get_by_role("button", name=say("Save")).click()
    expect(status(page)).to_have_text(say("The indicator has been added."))
    expect(page).to_have_url(re.compile(rf"{INDICATORS}$"))


def fill_texts(form: Locator, say, language: str, texts: dict[str, str]) -> None:
    labels = {
        "foreword": "Foreword from the presidency, in %s",
        "highlights": "Highlights of the year, in %s",
        "outlook": "Outlook, in %s",
    }
    languages = {"en": "English", "tr": "Turkish"}
    for key, text in texts.items():
        part, code = key.rsplit("_", 1)
        if part == "note":
            group = GROUP_TR if language == "tr" else GROUP_EN  # as the page names it
            label = say(f"Note on %(group)s, in {languages[code]}", group=group)
        else:
            label = say(labels[part] % languages[code])
        form.get_by_label(label, exact=True).fill(text)


def take_step(page: Page, say, step: Step, comment: str = "") -> None:
    form = (
        page.get_by_role("main")
        .locator("form")
        .filter(has=page.get_by_label(say("Comment"), exact=True))
    )
    if comment:
        form.get_by_label(say("Comment"), exact=True).fill(comment)
    form.get_by_role("button", name=say(step.label), exact=True).click()
    expect(status(page)).to_have_text(
        say("Done: %(step)s.", step=step.label), timeout=PUBLISHING_MS
    )


@pytest.mark.parametrize("language", ["en", "tr"])
def test_staff_write_the_report_the_mayor_reviews_it_and_the_public_reads_its_pdf(
    app,
    db,
    open_page,
    create_user,
    history,
    language,
):
    say = say_in(app, language)
    staff_user = create_user(Role.SECRETARIAT, name="Ayşe Yılmaz")
    mayor_user = create_user(Role.MAYOR, city="zagreb", name="Tomislav Tomašević")
    ours = language  # the texts a reader of this language reads
    shown = {key[: -len("_" + ours)]: text for key, text in TEXTS.items() if key.endswith(ours)}

    # 1. Staff open the term's indicators and set four: one entered, three computed.
    office = open_page()
    office.set_viewport_size({"width": WIDTHS["wide"], "height": 900})
    sign_in(office, staff_user.email, language, say)
    office.goto(INDICATORS)
    expect(office.get_by_role("heading", level=1)).to_have_text(
        say("Indicators of term %(number)s", number=TERM)
    )
    expect(office.get_by_role("main")).to_contain_text(
        say("No indicators have been set for this term yet.")
    )
    add_indicator(office, say, ENTERED[:2], ENTERED[2:], "12", Direction.AT_LEAST, Source.ENTERED)
    for title_en, title_tr, unit_en, unit_tr, target, direction, measure in COMPUTED:
        add_indicator(
            office,
            say,
            (title_en, title_tr),
            (unit_en, unit_tr),
            target,
            direction,
            Source.COMPUTED,
            measure,
        )
    items = office.get_by_role("main").locator("li.indicator")
    expect(items).to_have_count(4)
    title = 1 if language == "tr" else 0
    entered = items.filter(has=office.get_by_role("heading", name=ENTERED[title], exact=True))
    expect(entered).to_contain_text(say("no figure yet"))
    for line in COMPUTED:
        one = items.filter(has=office.get_by_role("heading", name=line[title], exact=True))
        expect(one).to_contain_text(
            say("computed by the portal: %(measure)s", measure=line[-1].label)
        )
        expect(one.get_by_role("link", name=say("Record a figure"))).to_have_count(0)

    # ...and record a figure for the entered one.
    entered.get_by_role("link", name=say("Record a figure")).click()
    form = office.get_by_role("main").locator("form")
    form.get_by_label(say("Figure"), exact=True).fill(FIGURE)
    form.get_by_label(say("Day of the figure"), exact=True).fill(date.today().isoformat())
    form.get_by_label(say("Note"), exact=True).fill("Zagreb, Sofya ve Tiran ile ortak etkinlikler.")
    form.get_by_role("button", name=say("Record"), exact=True).click()
    expect(status(office)).to_have_text(say("The figure has been recorded."))
    expect(entered.locator("dl")).to_contain_text(f"{FIGURE} {ENTERED[2 + title]}")

    # 2. From the indicators, the draft of the term's report: staff start it.
    office.get_by_role("link", name=say("Activity report of term %(number)s", number=TERM)).click()
    expect(office.get_by_role("heading", level=1)).to_have_text(
        say("Activity report of term %(number)s", number=TERM)
    )
    draft_url = office.url
    expect(office.get_by_role("main")).to_contain_text(
        say("The report of this term has not been started.")
    )
    office.get_by_role("button", name=say("Start the report")).click()
    expect(status(office)).to_have_text(say("The report has been started as a draft."))
    expect(state_of(office)).to_have_text(say(ReportState.DRAFT.label))

    # 3. They type the narrative in both languages, in Markdown, and preview it.
    texts = (
        office.get_by_role("main")
        .locator("form")
        .filter(has=office.get_by_role("button", name=say("Save the texts")))
    )
    fill_texts(texts, say, language, TEXTS)
    texts.get_by_role("button", name=say("Preview"), exact=True).click()
    expect(office.locator("#compiled")).to_have_text(
        say("Preview of the report, with the texts as typed (not saved)")
    )
    preview = office.locator(".report-preview")
    bold = "a network of forty cities" if ours == "en" else "kırk şehirlik bir ağa"
    expect(preview.locator("strong", has_text=bold)).to_be_visible()
    expect(preview).not_to_contain_text("**")
    expect(preview.locator("li", has_text=shown["highlights"].split("\n")[0][2:])).to_be_visible()
    foreword_en = say("Foreword from the presidency, in English")
    expect(texts.get_by_label(foreword_en, exact=True)).to_have_value(TEXTS["foreword_en"])

    # Nothing is saved yet: the draft, opened afresh in another tab, has no texts.
    other_tab = office.context.new_page()
    other_tab.goto(draft_url)
    expect(other_tab.locator("#compiled")).to_have_text(say("The report as it stands"))
    expect(other_tab.locator(".report-preview")).not_to_contain_text(bold)
    expect(other_tab.locator(".report-preview")).to_contain_text(say("Not written."))
    other_tab.close()

    # 4. They save the texts: the report as it stands shows them, rendered.
    texts = (
        office.get_by_role("main")
        .locator("form")
        .filter(has=office.get_by_role("button", name=say("Save the texts")))
    )
    texts.get_by_role("button", name=say("Save the texts")).click()
    expect(status(office)).to_have_text(say("The texts have been saved."))
    expect(office).to_have_url(draft_url)
    report = office.locator(".report-preview")
    expect(report.locator("strong", has_text=bold)).to_be_visible()
    expect(report).to_contain_text(shown["outlook"])
    note_bold = re.search(r"\*\*(.+)\*\*", shown["note"]).group(1)
    expect(report.locator("strong", has_text=note_bold)).to_be_visible()
    expect(report.locator("figure.chart")).to_have_count(3)
    shoot(office, language, "draft")

    take_step(office, say, Step.SEND)
    expect(state_of(office)).to_have_text(say(ReportState.REVIEW.label))
    expect(office.get_by_role("button", name=say("Save the texts"))).to_have_count(0)

    # 5. Zagreb's mayor opens the report from the term's indicators and returns it.
    mayor = open_page()
    sign_in(mayor, mayor_user.email, language, say)
    mayor.goto(INDICATORS)
    mayor.get_by_role("link", name=say("Activity report of term %(number)s", number=TERM)).click()
    expect(mayor).to_have_url(draft_url)
    expect(state_of(mayor)).to_have_text(say(ReportState.REVIEW.label))
    expect(mayor.locator(".report-preview strong", has_text=bold)).to_be_visible()
    expect(mayor.get_by_role("button", name=say(Step.PUBLISH.label), exact=True)).to_have_count(0)
    expect(mayor.get_by_role("button", name=say("Save the texts"))).to_have_count(0)
    take_step(mayor, say, Step.RETURN, COMMENT)
    expect(state_of(mayor)).to_have_text(say(ReportState.DRAFT.label))

    # 6. Staff see the comment, amend the outlook and send the report again.
    office.reload()
    expect(state_of(office)).to_have_text(say(ReportState.DRAFT.label))
    timeline = office.get_by_role("main").locator("ol.timeline")
    returned = timeline.get_by_role("listitem").filter(has_text=say(Step.RETURN.label))
    expect(returned).to_contain_text(mayor_user.name)
    expect(returned.locator("blockquote")).to_have_text(COMMENT)
    texts = (
        office.get_by_role("main")
        .locator("form")
        .filter(has=office.get_by_role("button", name=say("Save the texts")))
    )
    expect(texts.get_by_label(say("Outlook, in English"), exact=True)).to_have_value(
        TEXTS["outlook_en"]
    )
    fill_texts(texts, say, language, AMENDED)
    texts.get_by_role("button", name=say("Save the texts")).click()
    expect(status(office)).to_have_text(say("The texts have been saved."))
    amended_bold = "climate summit" if ours == "en" else "iklim zirvesi"
    expect(office.locator(".report-preview strong", has_text=amended_bold)).to_be_visible()
    take_step(office, say, Step.SEND)
    expect(state_of(office)).to_have_text(say(ReportState.REVIEW.label))

    # 7. The mayor approves it.
    mayor.reload()
    expect(mayor.locator(".report-preview strong", has_text=amended_bold)).to_be_visible()
    take_step(mayor, say, Step.APPROVE)
    expect(state_of(mayor)).to_have_text(say(ReportState.APPROVED.label))

    # 8. Staff publish it.
    office.reload()
    expect(state_of(office)).to_have_text(say(ReportState.APPROVED.label))
    take_step(office, say, Step.PUBLISH)
    expect(state_of(office)).to_have_text(say(ReportState.PUBLISHED.label))
    steps = office.get_by_role("main").locator("ol.timeline > li > strong")
    expect(steps).to_have_text(
        [say(s.label) for s in (Step.SEND, Step.RETURN, Step.SEND, Step.APPROVE, Step.PUBLISH)]
    )

    # 9. An anonymous reader finds the report among the published ones and opens it.
    reader = open_page()
    reader.set_viewport_size({"width": WIDTHS["wide"], "height": 900})
    reader.goto(f"/reports?lang={language}")
    expect(reader.locator("html")).to_have_attribute("lang", language)
    expect(reader.get_by_role("heading", level=1)).to_have_text(say("Activity reports"))
    reader.get_by_role("link", name=say("Activity report %(year)s", year=YEAR), exact=True).click()
    expect(reader).to_have_url(re.compile(rf"/reports/{YEAR}(\?lang={language})?$"))
    main = reader.get_by_role("main")
    expect(main.get_by_role("heading", level=1)).to_have_text(
        say("Activity report %(year)s", year=YEAR)
    )

    # ...sees the three charts, each an SVG with its figures as a table...
    charts = main.locator("figure.chart")
    expect(charts).to_have_count(3)
    for number in range(3):
        chart = charts.nth(number)
        expect(chart.locator("svg")).to_have_count(1)
        expect(chart.locator("svg")).to_be_visible()
        expect(chart.locator("figcaption")).not_to_be_empty()
        expect(chart.locator("table")).to_have_count(1)
        expect(chart.locator("table caption")).to_contain_text(
            say("Figures: %(chart)s", chart="").strip()
        )
    expect(charts.nth(2).locator("table tbody tr")).to_have_count(4)

    # ...the indicators against their targets, the narrative as written, and the checksum...
    indicators = main.get_by_role("table", name=say("The term's indicators"), exact=True)
    expect(indicators.locator("tbody tr")).to_have_count(4)
    expect(indicators).to_contain_text(ENTERED[title])
    for line in COMPUTED:
        expect(indicators).to_contain_text(line[title])
    expect(indicators.get_by_role("row").filter(has_text=ENTERED[title])).to_contain_text(
        f"{FIGURE} {ENTERED[2 + title]}"
    )
    expect(main.locator("strong", has_text=bold)).to_be_visible()
    expect(main.locator("strong", has_text=amended_bold)).to_be_visible()
    expect(main).to_contain_text(re.compile(r"\b[0-9a-f]{64}\b"))
    shoot(reader, language, "published")

    # ...and downloads the PDF of their language.
    pdf_link = main.get_by_role(
        "link", name=say("PDF in %(language)s", language=LANGUAGE_NAMES[language]), exact=True
    )
    with reader.expect_download() as download_info:
        pdf_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert download.suggested_filename.endswith(f"-{language}.pdf"), download.suggested_filename
    pdf = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    assert pdf.metadata.title == say("B40 activity report %(year)s", year=YEAR), pdf.metadata.title
    assert pdf.trailer["/Root"]["/Lang"] == language
    content = " ".join(one.extract_text() for one in pdf.pages)
    flat = " ".join(content.split())
    assert say("Activity report %(year)s", year=YEAR) in flat, flat[:500]
    assert ENTERED[title] in flat, flat
    if language == "tr":
        assert any(letter in content for letter in "şğıİ"), content[:500]
        assert "kırk şehirlik bir ağa" in flat, flat
    else:
        assert "a network of forty cities" in flat, flat
