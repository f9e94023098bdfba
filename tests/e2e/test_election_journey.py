"""A presidency election in a real browser (SPEC §3.2), as its people would go through it.

The secretariat (in English) creates the election held at summit 5 in Zagreb and opens
nominations; the mayor of Tirana nominates Tirana in Turkish, the mayor of Sofia nominates Sofia
in English; Zagreb, which holds term 5, is refused with the charter rule (no two terms in a row)
in both languages. Voting opens; no count shows while it runs; both mayors vote for Sofia, each
sees a receipt code once, and a second vote of Tirana (from a second tab, and by the ballot's
address) is refused calmly. The secretariat closes and certifies: the results and the counted
receipt codes appear, and Sofia shows as president-elect on /presidency (in English and Turkish)
and as host of summit 6.

Turkish words are read from the portal's own catalogue (`turkish()`), never written here.
"""

import re
from collections.abc import Callable
from html import unescape

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from secretariat import demo
from secretariat.elections.queries import ALREADY_VOTED
from secretariat.extensions import db as _db
from secretariat.members.models import City
from secretariat.presidency import demo as presidency_demo
from secretariat.security import Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

ALERT = re.compile(r'<p class="flash flash-error" role="alert">(.*?)</p>', re.S)
RECEIPT = re.compile(r"[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3}")
ELECTION_URL = re.compile(r"/elections/(\d+)$")
SUMMIT_5 = "Summit %(number)s · %(city)s · %(year)s"
RULE = (
    "No city may hold the presidency for two terms in a row: %(city)s holds term %(term)s, "
    "so it cannot stand for term %(next)s."
)
ZAGREB_RULE = {"city": "Zagreb", "term": 5, "next": 6}
TIRANA, SOFIA = "Tirana", "Sofia"  # English names; Turkish ones from the app (Tiran, Sofya)


def turkish(app, text, **values) -> str:
    """text as the portal shows it in Turkish: msgid with its values, or a lazy string."""
    with app.test_request_context(), force_locale("tr"):
        return str(gettext(text, **values) if isinstance(text, str) else text)


def turkish_name(app, slug: str) -> str:
    """A city's name for Turkish readers, from the demo data (Tirana is Tiran)."""
    with app.app_context():
        return _db.session.scalars(select(City).where(City.slug == slug)).one().name_in("tr")


@pytest.fixture
def network(app, db) -> None:
    """The forty demo cities and the real history: summit 5 in Zagreb, term 5 Zagreb's."""
    with app.test_request_context():
        demo.load_cities()
        presidency_demo.load_history(demo.DATA)
        _db.session.commit()


def sign_in(page: Page, email: str, language: str, say: Callable[[str], str]) -> None:
    page.goto(f"/sign-in?lang={language}")
    form = page.get_by_role("main")
    form.get_by_label(say("Email")).fill(email)
    form.get_by_label(say("Password")).fill(PASSWORD)
    form.get_by_role("button", name=say("Sign in")).click()
    header = page.get_by_role("banner")
    expect(header.get_by_role("button", name=say("Sign out"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", language)


def section(page: Page, heading: str) -> Locator:
    """The <section> of the main content that a heading opens."""
    return (
        page.get_by_role("main")
        .locator("section")
        .filter(has=page.get_by_role("heading", name=heading, exact=True))
    )


def no_results_shown(page: Page, say: Callable[..., str]) -> None:
    """While voting runs, the page shows no count, no turnout and no receipt codes."""
    main = page.get_by_role("main")
    expect(
        main.get_by_role("heading", name=say("Results of round %(round)s", round=1))
    ).to_have_count(0)
    expect(main.get_by_role("table")).to_have_count(0)
    expect(main).not_to_contain_text(say("Valid votes"))
    expect(main).not_to_contain_text(say("Turnout"))
    expect(main.locator("code")).to_have_count(0)


def test_mayors_elect_the_next_president_who_hosts_the_next_summit(
    app, db, page: Page, open_page, create_user, network
):
    staff = create_user(Role.SECRETARIAT, name="Ayşe Yılmaz")
    tirana_mayor = create_user(Role.MAYOR, city="tirana", name="Erion Veliaj")
    sofia_mayor = create_user(Role.MAYOR, city="sofia", name="Vasil Terziev")
    zagreb_mayor = create_user(Role.MAYOR, city="zagreb", name="Tomislav Tomašević")

    def en(text, **values) -> str:
        return text % values if values else text

    def tr(text, **values) -> str:
        return turkish(app, text, **values)

    tiran, sofya = turkish_name(app, "tirana"), turkish_name(app, "sofia")  # Tiran, Sofya

    # 1. The secretariat creates the election held at summit 5 and opens nominations.
    office = open_page()
    sign_in(office, staff.email, "en", en)
    office.goto("/elections")
    office.get_by_role("main").get_by_role("link", name="New election").click()
    form = office.get_by_role("main").locator("form")
    form.get_by_label("Summit", exact=True).select_option(
        label=en(SUMMIT_5, number=5, city="Zagreb", year=2026)
    )
    expect(form.get_by_label("How the vote is held")).to_have_value("online")
    form.get_by_role("button", name="Create the election").click()
    expect(office).to_have_url(ELECTION_URL)
    election_url = office.url
    expect(office.get_by_role("status")).to_have_text(
        "The election is created. Nominations open when you say so."
    )
    expect(office.get_by_role("heading", level=1)).to_have_text("Election of term 6")
    office.get_by_role("button", name="Open nominations").click()
    expect(office.get_by_role("status")).to_have_text("Nominations are open.")

    # 2. The mayor of Tirana, in Turkish, nominates Tirana.
    tirana = open_page()
    sign_in(tirana, tirana_mayor.email, "tr", tr)
    tirana.goto(election_url)
    expect(tirana.locator("html")).to_have_attribute("lang", "tr")
    tirana.get_by_role("button", name=tr("Nominate %(city)s as a candidate", city=tiran)).click()
    expect(tirana.get_by_role("status")).to_have_text(tr("%(city)s is a candidate.", city=tiran))
    candidates = section(tirana, tr("Candidates"))
    expect(candidates.get_by_role("link", name=tiran, exact=True)).to_be_visible()

    # 3. The mayor of Sofia, in English, nominates Sofia.
    sofia = open_page()
    sign_in(sofia, sofia_mayor.email, "en", en)
    sofia.goto(election_url)
    sofia.get_by_role("button", name="Nominate Sofia as a candidate").click()
    expect(sofia.get_by_role("status")).to_have_text("Sofia is a candidate.")
    candidates = section(sofia, "Candidates")
    expect(candidates.get_by_role("listitem")).to_have_count(2)
    expect(candidates.get_by_role("link", name=TIRANA, exact=True)).to_be_visible()
    expect(candidates.get_by_role("link", name=SOFIA, exact=True)).to_be_visible()

    # 4. Zagreb holds term 5: its mayor is told the charter rule instead of a button, in English
    # and in Turkish, and a nomination sent anyway is refused with the same reason.
    zagreb = open_page()
    sign_in(zagreb, zagreb_mayor.email, "en", en)
    zagreb.goto(election_url)
    own = section(zagreb, "Your city: Zagreb")
    expect(own).to_contain_text(en(RULE, **ZAGREB_RULE))
    expect(zagreb.get_by_role("button", name=re.compile("^Nominate"))).to_have_count(0)
    zagreb.get_by_role("navigation", name="Language").get_by_role("link", name="Türkçe").click()
    expect(zagreb.locator("html")).to_have_attribute("lang", "tr")
    own = section(zagreb, tr("Your city: %(city)s", city="Zagreb"))
    expect(own).to_contain_text(tr(RULE, **ZAGREB_RULE))
    # (sent as the page's own forms are: the session's cookie and CSRF token, a plain POST)
    token = zagreb.locator('input[name="csrf_token"]').first.get_attribute("value")
    answer = zagreb.request.post(f"{election_url}/nominations", form={"csrf_token": token})
    assert answer.status == 200, answer.status  # redirected back to the election page, calmly
    assert answer.url == election_url
    alerts = [unescape(text) for text in ALERT.findall(answer.text())]
    assert alerts == [tr(RULE, **ZAGREB_RULE)], alerts
    zagreb.reload()
    expect(section(zagreb, tr("Candidates")).get_by_role("listitem")).to_have_count(2)

    # The secretariat cannot record Zagreb from the summit hall either.
    office.reload()
    office.get_by_label("City nominated in the summit hall").select_option(label="Zagreb")
    office.get_by_role("button", name="Record the nomination").click()
    expect(office.get_by_role("alert")).to_have_text(en(RULE, **ZAGREB_RULE))
    expect(section(office, "Candidates").get_by_role("listitem")).to_have_count(2)

    # 5. Voting opens: the candidates and the roll of forty cities are frozen.
    office.get_by_role("button", name="Open voting: freeze the candidates and the roll").click()
    expect(office.get_by_role("status")).to_have_text("Voting is open: 40 cities are on the roll.")
    no_results_shown(office, en)
    page.goto(election_url)  # anyone
    expect(section(page, "Voting")).to_contain_text(
        "Voting is open. The results, the turnout and the list of counted receipt codes are "
        "published when voting closes."
    )
    no_results_shown(page, en)

    # 6. The mayor of Tirana votes for Sofia, in Turkish, with a confirmation step; a second tab
    # of the same session reaches the confirmation too, before the vote is cast.
    second_tab = tirana.context.new_page()
    for tab in (tirana, second_tab):
        tab.goto(election_url)
        tab.get_by_role("link", name=tr("Vote for %(city)s", city=tiran)).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text(
            tr("Ballot: election of term %(number)s", number=6)
        )
        choices = tab.get_by_role("group", name=tr("Your vote"))
        expect(choices.get_by_role("radio")).to_have_count(3)  # two candidates and a blank vote
        choices.get_by_label(sofya, exact=True).check()
        tab.get_by_role("button", name=tr("Continue")).click()
        expect(tab.get_by_role("heading", level=1)).to_have_text(tr("Confirm your vote"))
        expect(tab.get_by_role("main").locator("strong")).to_have_text(sofya)

    tirana.get_by_role("button", name=tr("Confirm my vote")).click()
    expect(tirana.get_by_role("heading", level=1)).to_have_text(tr("Your vote is cast"))
    tirana_receipt_code = tirana.get_by_role("main").locator("code")
    expect(tirana_receipt_code).to_have_text(RECEIPT)
    tirana_receipt = tirana_receipt_code.inner_text()

    # 7. A second vote of Tirana is refused: from the other tab, and by the ballot's address.
    with second_tab.expect_response(re.compile(r"/ballot/cast$")) as cast:
        second_tab.get_by_role("button", name=tr("Confirm my vote")).click()
    assert cast.value.status == 409, cast.value.status
    expect(second_tab.get_by_role("alert")).to_have_text(turkish(app, ALREADY_VOTED))
    second_tab.close()

    tirana.goto(election_url)
    expect(tirana.get_by_role("main").locator("code")).to_have_count(0)  # the receipt was once
    voting = section(tirana, tr("Voting"))
    expect(voting).to_contain_text(turkish(app, ALREADY_VOTED))
    expect(voting.get_by_role("link", name=tr("Vote for %(city)s", city=tiran))).to_have_count(0)
    answer = tirana.goto(f"{election_url}/ballot")
    assert answer.status == 409, answer.status
    expect(tirana.get_by_role("alert")).to_have_text(turkish(app, ALREADY_VOTED))
    expect(tirana.get_by_role("radio")).to_have_count(0)

    # 8. The mayor of Sofia votes for Sofia, in English.
    sofia.goto(election_url)
    sofia.get_by_role("link", name="Vote for Sofia").click()
    sofia.get_by_role("group", name="Your vote").get_by_label(SOFIA, exact=True).check()
    sofia.get_by_role("button", name="Continue").click()
    expect(sofia.get_by_role("heading", level=1)).to_have_text("Confirm your vote")
    sofia.get_by_role("button", name="Confirm my vote").click()
    expect(sofia.get_by_role("heading", level=1)).to_have_text("Your vote is cast")
    expect(sofia.get_by_role("main").locator("code")).to_have_text(RECEIPT)
    sofia_receipt = sofia.get_by_role("main").locator("code").inner_text()
    assert sofia_receipt != tirana_receipt

    # Still nothing counted in sight while voting runs.
    office.reload()
    no_results_shown(office, en)
    page.reload()
    no_results_shown(page, en)

    # 9. The secretariat closes the vote: Sofia has both valid votes; then certifies.
    office.get_by_role("button", name="Close voting and count").click()
    expect(office.get_by_role("status")).to_have_text(
        "Voting is closed: 2 ballots counted in round 1."
    )
    results = section(office, "Results of round 1")
    rows = results.get_by_role("table").get_by_role("row")
    expect(rows).to_have_text(
        [
            re.compile(r"Choice\s*Votes"),
            re.compile(rf"{TIRANA}\s*0"),
            re.compile(rf"{SOFIA}\s*2"),
            re.compile(r"Blank votes \(counted, not valid\)\s*0"),
        ]
    )
    expect(results).to_contain_text("2 of 40 cities on the roll (5%)")
    expect(results).to_contain_text(
        "Sofia is elected with an absolute majority of the valid votes."
    )
    office.get_by_role("button", name="Certify the result").click()
    expect(office.get_by_role("status")).to_have_text(
        "The result is certified: Sofia holds term 6 and hosts the next summit."
    )
    expect(office.get_by_role("button", name="Certify the result")).to_have_count(0)

    # Each mayor finds their receipt among the counted ones; the turnout list is public.
    tirana.goto(election_url)
    results = section(tirana, tr("Results of round %(round)s", round=1))
    receipts = results.locator("details", has_text=tr("Counted receipt codes (%(count)s)", count=2))
    receipts.locator("summary").click()
    expect(receipts.locator("code")).to_have_count(2)
    expect(receipts.get_by_text(tirana_receipt, exact=True)).to_be_visible()
    expect(results).to_contain_text(
        tr("%(city)s is elected with an absolute majority of the valid votes.", city=sofya)
    )
    page.goto(election_url)
    results = section(page, "Results of round 1")
    expect(results.locator("code", has_text=sofia_receipt)).to_have_count(1)
    voted = results.locator("details", has_text="Cities that voted (2)")
    voted.locator("summary").click()
    expect(voted.get_by_role("listitem")).to_have_text([SOFIA, TIRANA])

    # 10. Sofia is president-elect on /presidency, in English and in Turkish; Zagreb presides.
    page.goto("/presidency?lang=en")
    expect(section(page, "Current president")).to_contain_text("Zagreb")
    elect = section(page, "President-elect")
    expect(elect.get_by_role("link", name=SOFIA, exact=True)).to_be_visible()
    expect(elect.get_by_role("link", name="Summit 6", exact=True)).to_have_attribute(
        "href", re.compile(r"/summits/6$")
    )
    page.goto("/presidency?lang=tr")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    elect = section(page, tr("President-elect"))
    expect(elect.get_by_role("link", name=sofya, exact=True)).to_be_visible()
    expect(section(page, tr("Current president"))).to_contain_text("Zagreb")

    # 11. ...and hosts the next summit, summit 6.
    page.goto("/summits?lang=en")
    summit_6 = (
        page.get_by_role("main")
        .get_by_role("row")
        .filter(has=page.get_by_role("link", name="Summit 6", exact=True))
    )
    expect(summit_6).to_contain_text(SOFIA)
    summit_6.get_by_role("link", name="Summit 6", exact=True).click()
    expect(page).to_have_url(re.compile(r"/summits/6$"))
    facts = page.get_by_role("main").locator("dl")
    expect(facts).to_contain_text(re.compile(rf"Host city\s*{SOFIA}"))
    page.goto("/summits/6?lang=tr")
    facts = page.get_by_role("main").locator("dl")
    expect(facts).to_contain_text(re.compile(rf"{tr('Host city')}\s*{sofya}"))
