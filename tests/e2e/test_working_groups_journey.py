"""Working groups in a real browser (SPEC §4), as their people would go through them.

On the demo network, the delegate of Edirne (whose saved language is Turkish) picks a group
Edirne is not in, joins it and asks for an extra session at a time typed into the form. The
secretariat's expert, in English, finds the request under "Session requests" and approves it at
the proposed time, which the form offers. The new session is among the group's upcoming sessions
and in the group's calendar feed, under its stable UID. The expert then records the minutes and
the attendance of a session the group has held, and both languages read them on its page.

A delegate of Zagreb, the presiding city, switches to Turkish and proposes a temporary group; the
proposing side gets no approve button; the expert approves it and it is listed as active.

Turkish words are read from the portal's own catalogue (`turkish()`), never written here.
"""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, gettext
from icalendar import Calendar
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from secretariat.demo import DEMO_PASSWORD
from secretariat.extensions import db as _db
from secretariat.members.models import City
from secretariat.security import Role
from secretariat.working_groups.models import GroupKind, RequestStatus
from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e

EDIRNE_DELEGATE = "delegate.edirne@b40.example"  # saved language: Turkish
EXPERT = "expert@b40.example"  # the secretariat, in English
ISTANBUL = ZoneInfo("Europe/Istanbul")  # everyone's time zone here: the portal's default
SESSION_URL = re.compile(r"/sessions/(\d+)$")
GROUP_URL = re.compile(r"/working-groups/([a-z0-9-]+)$")
REASON = "Edirne hosts a heritage festival next month; we would like to plan a joint programme."
MINUTES_EN = "The group adopted its work plan. Edirne presented its river-front project."
MINUTES_TR = "Grup çalışma planını kabul etti. Edirne nehir kıyısı projesini sundu."
NEW_GROUP_EN = "Wildfire preparedness"
NEW_GROUP_TR = "Orman yangınlarına hazırlık"


def turkish(app, text, **values) -> str:
    """text as the portal shows it in Turkish: msgid with its values, or a lazy string."""
    with app.test_request_context(), force_locale("tr"):
        return str(gettext(text, **values) if isinstance(text, str) else text)


def english(text, **values) -> str:
    return str(text) % values if values else str(text)


def turkish_name(app, slug: str) -> str:
    with app.app_context():
        return _db.session.scalars(select(City).where(City.slug == slug)).one().name_in("tr")


def sign_in(page: Page, email: str, password: str, say: Callable[..., str]) -> None:
    """Through the form, in English (the browser's language); then the saved language holds."""
    page.goto("/sign-in")
    form = page.get_by_role("main")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("banner").get_by_role("button", name=say("Sign out"))).to_be_visible()


def section(page: Page, heading: str) -> Locator:
    """The <section> of the main content that a heading opens."""
    return (
        page.get_by_role("main")
        .locator("section")
        .filter(has=page.get_by_role("heading", name=heading, exact=True))
    )


def go_to(page: Page, say: Callable[..., str], item: str) -> None:
    page.get_by_role("navigation", name=say("Main")).get_by_role(
        "link", name=say(item), exact=True
    ).click()


def active_groups(page: Page) -> Locator:
    """The table of active groups on /working-groups (the others are in sections below it)."""
    return page.get_by_role("main").locator(":scope > table")


def test_a_delegate_joins_a_group_and_gets_an_extra_session_with_minutes_after(
    app, db, open_page, demo_data
):
    def tr(text, **values) -> str:
        return turkish(app, text, **values)

    edirne_tr = turkish_name(app, "edirne")
    wanted = (datetime.now(ISTANBUL) + timedelta(days=23)).replace(
        hour=15, minute=30, second=0, microsecond=0
    )
    typed = wanted.strftime("%Y-%m-%dT%H:%M")

    # 1. The delegate of Edirne signs in; the portal speaks Turkish, the saved preference.
    edirne = open_page()
    sign_in(edirne, EDIRNE_DELEGATE, DEMO_PASSWORD, tr)
    expect(edirne.locator("html")).to_have_attribute("lang", "tr")

    # ...picks, among the active groups, one that Edirne is not in yet, and joins it.
    go_to(edirne, tr, "Working groups")
    expect(edirne.get_by_role("heading", level=1)).to_have_text(tr("Working groups"))
    names = active_groups(edirne).get_by_role("link").all_inner_texts()
    assert len(names) >= 4, names
    join = edirne.get_by_role("button", name=tr("Join the group"), exact=True)
    for name in names:
        active_groups(edirne).get_by_role("link", name=name, exact=True).click()
        expect(edirne.get_by_role("heading", level=1)).to_have_text(name)
        expect(section(edirne, tr("Your city in this group"))).to_be_visible()
        if join.count():
            break
        edirne.go_back()
    else:
        pytest.fail(f"Edirne is in every active group: {names}")
    group_url = edirne.url
    slug = GROUP_URL.search(group_url).group(1)
    join.click()
    expect(edirne.get_by_role("status")).to_have_text(
        tr("%(city)s takes part in the group.", city=edirne_tr)
    )
    own = section(edirne, tr("Your city in this group"))
    expect(own).to_contain_text(tr("%(city)s takes part in this group.", city=edirne_tr))
    expect(own.get_by_role("button", name=tr("Join the group"))).to_have_count(0)
    members = section(edirne, tr("Member cities"))
    expect(members.get_by_role("link", name=edirne_tr, exact=True)).to_be_visible()

    # ...and asks for an extra session, with a reason and a time typed in.
    own.get_by_role("link", name=tr("Ask for an extra session")).click()
    expect(edirne.get_by_role("heading", level=1)).to_have_text(tr("Ask for an extra session"))
    form = edirne.get_by_role("main").locator("form")
    form.get_by_label(tr("Reason"), exact=True).fill(REASON)
    first_choice = form.get_by_label(tr("Proposed date and time"), exact=True)
    expect(first_choice).to_have_attribute("type", "datetime-local")
    first_choice.fill(typed)
    form.get_by_role("button", name=tr("Send the request")).click()
    expect(edirne).to_have_url(group_url)
    expect(edirne.get_by_role("status")).to_have_text(
        tr(
            "Your request has been sent to the secretariat. "
            "You will be told of its decision by email."
        )
    )

    # 2. The expert, in English, opens "Session requests" and Edirne's request.
    office = open_page()
    sign_in(office, EXPERT, DEMO_PASSWORD, english)
    expect(office.locator("html")).to_have_attribute("lang", "en")
    go_to(office, english, "Session requests")
    expect(office.get_by_role("heading", level=1)).to_have_text("Extra session requests")
    rows = office.get_by_role("main").get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(3)  # the heading, Sarajevo's waiting request and Edirne's
    ours = rows.filter(has_text="Edirne")
    expect(ours).to_have_count(1)
    expect(ours).to_contain_text(english(RequestStatus.PENDING.label))
    ours.get_by_role("link").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Extra session request")
    facts = office.get_by_role("main").locator("dl")
    expect(facts).to_contain_text(re.compile(r"City\s*Edirne"))
    expect(facts).to_contain_text(REASON)
    group_en = facts.get_by_role("link").first.inner_text()

    # The form offers the first proposed time; the expert approves at it.
    approve = section(office, "Approve: plan the session")
    expect(approve.get_by_label("Date and time", exact=True)).to_have_value(typed)
    approve.get_by_role("button", name="Approve and plan the session").click()
    expect(office).to_have_url(SESSION_URL)
    session_id = int(SESSION_URL.search(office.url).group(1))
    expect(office.get_by_role("status")).to_have_text(
        "The extra session has been planned and the requester told."
    )
    expect(office.get_by_role("main").locator("dl")).to_contain_text(
        re.compile(r"Kind\s*Extra session")
    )

    # 3. The session is among the group's upcoming sessions, and in the group's calendar feed.
    edirne.goto(group_url)
    expect(edirne.locator("html")).to_have_attribute("lang", "tr")
    upcoming = section(edirne, tr("Upcoming sessions"))
    expect(upcoming.locator(f'a[href$="/sessions/{session_id}"]')).to_have_count(1)
    feed_link = upcoming.get_by_role(
        "link", name=tr("Subscribe to this group’s calendar (iCalendar)")
    )
    expect(feed_link).to_have_attribute(
        "href", re.compile(rf"/working-groups/{slug}/calendar\.ics(\?lang=tr)?$")
    )
    feed = edirne.request.get(urljoin(edirne.url, feed_link.get_attribute("href")))
    assert feed.status == 200, feed.status
    assert feed.headers["content-type"].startswith("text/calendar"), feed.headers
    events = {str(event["uid"]): event for event in Calendar.from_ical(feed.body()).walk("VEVENT")}
    uid = f"session-{session_id}@b40-secretariat-portal"
    assert uid in events, sorted(events)
    assert events[uid].decoded("dtstart") == wanted, events[uid].decoded("dtstart")

    # 4. The expert records the minutes and attendance of a session the group has held.
    office.get_by_role("main").get_by_role("link", name=group_en, exact=True).first.click()
    expect(office.get_by_role("heading", level=1)).to_have_text(group_en)
    held = section(office, "Past sessions").get_by_role("table").get_by_role("link").first
    held_title = held.inner_text()
    held.click()
    expect(office.get_by_role("heading", level=1)).to_have_text(held_title)
    held_url = office.url
    office.get_by_role("link", name="Record the minutes and attendance").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Minutes and attendance")
    form = office.get_by_role("main").locator("form")
    form.get_by_label("Minutes in English").fill(MINUTES_EN)
    form.get_by_label("Minutes in Turkish").fill(MINUTES_TR)
    present = form.get_by_role("group", name="Cities present")
    edirne_box = present.get_by_label("Edirne", exact=True)
    expect(edirne_box).not_to_be_checked()  # Edirne joined only today
    edirne_box.check()
    ticked = present.get_by_role("checkbox", checked=True).count()
    form.get_by_role("button", name="Save the minutes").click()
    expect(office).to_have_url(held_url)
    expect(office.get_by_role("status")).to_have_text(
        "The minutes and the attendance have been saved."
    )
    minutes = section(office, "Minutes")
    expect(minutes.locator("p.prose")).to_have_text(MINUTES_EN)
    cities = minutes.get_by_role("heading", name="Cities present").locator("xpath=following::p[1]")
    expect(cities).to_contain_text("Edirne")
    assert cities.inner_text().count(",") == ticked - 1, (cities.inner_text(), ticked)
    office.goto(group_url)
    past_row = section(office, "Past sessions").get_by_role("row").filter(has_text=held_title)
    expect(past_row.get_by_role("cell").nth(2)).to_have_text(str(ticked))

    # The delegate of Edirne reads the minutes in Turkish.
    edirne.goto(held_url)
    minutes = section(edirne, tr("Minutes"))
    expect(minutes.locator("p.prose")).to_have_text(MINUTES_TR)
    expect(minutes).to_contain_text(edirne_tr)
    expect(minutes.get_by_role("link", name=tr("Record the minutes and attendance"))).to_have_count(
        0
    )


def test_the_presidency_proposes_a_temporary_group_and_the_secretariat_approves_it(
    app, db, page: Page, open_page, create_user, demo_data
):
    def tr(text, **values) -> str:
        return turkish(app, text, **values)

    zagreb_delegate = create_user(Role.DELEGATE, city="zagreb", name="Ivana Kovač")
    ends_on = (datetime.now(ISTANBUL) + timedelta(days=200)).date()

    # Zagreb holds the presidency: its delegate switches to Turkish and proposes a group.
    zagreb = open_page()
    sign_in(zagreb, zagreb_delegate.email, PASSWORD, english)
    expect(zagreb.locator("html")).to_have_attribute("lang", "en")
    go_to(zagreb, english, "Working groups")
    zagreb.get_by_role("navigation", name="Language").get_by_role("link", name="Türkçe").click()
    expect(zagreb.locator("html")).to_have_attribute("lang", "tr")
    expect(zagreb.get_by_role("heading", level=1)).to_have_text(tr("Working groups"))
    zagreb.get_by_role("link", name=tr("Propose a new group")).click()
    expect(zagreb.get_by_role("heading", level=1)).to_have_text(tr("Propose a new working group"))
    form = zagreb.get_by_role("main").locator("form")
    form.get_by_label(tr("Name in English"), exact=True).fill(NEW_GROUP_EN)
    form.get_by_label(tr("Name in Turkish"), exact=True).fill(NEW_GROUP_TR)
    form.get_by_label(tr("Description in English"), exact=True).fill(
        "Cities share how they prepare for wildfire seasons and help each other."
    )
    form.get_by_label(tr("Kind"), exact=True).select_option(label=tr(GroupKind.TEMPORARY.label))
    form.get_by_label(tr("End date"), exact=True).fill(ends_on.isoformat())
    form.get_by_role("button", name=tr("Propose the group")).click()
    expect(zagreb).to_have_url(GROUP_URL)
    group_url = zagreb.url
    expect(zagreb.get_by_role("status")).to_have_text(
        tr("The group has been proposed. The other side approves it or declines.")
    )
    expect(zagreb.get_by_role("heading", level=1)).to_have_text(NEW_GROUP_TR)
    decide = section(zagreb, tr("Decide on this proposal"))
    expect(decide).to_contain_text(
        tr(
            "Your side proposed this group; the other side approves it. "
            "You may withdraw the proposal by declining it."
        )
    )
    expect(zagreb.get_by_role("button", name=tr("Approve the group"))).to_have_count(0)

    # The public does not see a proposal.
    page.goto("/working-groups?lang=en")
    expect(page.get_by_role("main").get_by_role("link", name=NEW_GROUP_EN)).to_have_count(0)

    # The expert finds it among the proposals and approves it.
    office = open_page()
    sign_in(office, EXPERT, DEMO_PASSWORD, english)
    go_to(office, english, "Working groups")
    proposed = section(office, "Proposed groups")
    expect(active_groups(office).get_by_role("link", name=NEW_GROUP_EN)).to_have_count(0)
    proposed.get_by_role("link", name=NEW_GROUP_EN, exact=True).click()
    expect(office).to_have_url(group_url)
    expect(office.get_by_role("main").locator("dl")).to_contain_text(
        re.compile(
            r"Agreed by the term presidency\s*[^\n]*Ivana Kovač\s*Agreed by the secretariat\s*not yet"
        )
    )
    office.get_by_role("button", name="Approve the group").click()
    expect(office.get_by_role("status")).to_have_text("The group is agreed and active.")
    expect(office.get_by_role("button", name="Approve the group")).to_have_count(0)
    expect(office.get_by_role("main").locator("dl")).to_contain_text(re.compile(r"State\s*Active"))

    # It is listed as active on /working-groups, for the public in both languages.
    for language, name in (("en", NEW_GROUP_EN), ("tr", NEW_GROUP_TR)):
        page.goto(f"/working-groups?lang={language}")
        expect(page.locator("html")).to_have_attribute("lang", language)
        row = (
            active_groups(page)
            .get_by_role("row")
            .filter(has=page.get_by_role("link", name=name, exact=True))
        )
        expect(row).to_have_count(1)
        kind = (
            english(GroupKind.TEMPORARY.label)
            if language == "en"
            else tr(GroupKind.TEMPORARY.label)
        )
        expect(row).to_contain_text(kind)
    expect(
        section(page, tr("Proposed groups")).get_by_role("link", name=NEW_GROUP_TR)
    ).to_have_count(0)
