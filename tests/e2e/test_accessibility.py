"""The accessibility gate: axe-core on every page a role reaches, in both languages.

The crawler (tests/crawl.py) lists the pages with the Flask test client on the demo data; a real
Chromium then opens each of them and axe-core checks it against the WCAG 2.2 A/AA rules. Any
violation of impact serious or critical fails the test.
"""

import time

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from secretariat import demo
from tests.conftest import ROLES, sign_in
from tests.crawl import crawl, status_pages
from tests.e2e.conftest import TIMEOUT_MS

pytestmark = pytest.mark.e2e

CHECKED_ROLES = ("anonymous", "secretariat")
LANGUAGES = ("en", "tr")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": WCAG_TAGS},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
PAGES_PER_VIEW = 2  # a view renders one template: two of its pages (say, 0 and 3 rows) cover it

axe = Axe()


def pages_of(app, email: str | None, language: str) -> list[str]:
    """The HTML pages the crawler reaches for one person, in one language."""
    client = app.test_client()
    if email:
        assert sign_in(client, email, demo.DEMO_PASSWORD).status_code == 302
    visits = crawl(client, ["/", *status_pages(app)], language)
    routes = app.url_map.bind("localhost")
    per_view: dict[str, int] = {}
    pages = []
    for visit in visits:
        if visit.status != 200 or "text/html" not in visit.headers.get("Content-Type", ""):
            continue
        view = routes.match(visit.url.split("?", 1)[0])[0]
        per_view[view] = per_view.get(view, 0) + 1
        if per_view[view] <= PAGES_PER_VIEW:
            pages.append(visit.url)
    return pages


def sign_in_through_the_form(page: Page, email: str) -> None:
    page.goto("/sign-in?lang=en")
    form = page.get_by_role("main")
    form.get_by_label("Email").fill(email)
    form.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    form.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_be_visible()


def blocking_violations(page: Page, url: str) -> list[str]:
    """One line per serious or critical violation on the page: rule, impact, where."""
    results = axe.run(page, options=AXE_OPTIONS)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        more = len(violation["nodes"]) - len(targets)
        where = "; ".join(targets) + (f" (+{more} more)" if more > 0 else "")
        found.append(
            f"{url}: {violation['id']} ({violation['impact']}) — {violation['help']} — {where}"
        )
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", CHECKED_ROLES)
def test_every_page_passes_axe(
    app,
    browser: Browser,
    live_server,
    demo_data,
    figure,
    role,
    language,
):
    started = time.monotonic()
    email = ROLES[role]
    urls = pages_of(app, email, language)
    assert urls, f"the crawler reached no page for {role}/{language}"

    # axe is injected with page.evaluate, which runs through the DevTools protocol and is not
    # subject to the portal's Content-Security-Policy: no bypass_csp is needed.
    context = browser.new_context(base_url=live_server, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    try:
        if email:
            sign_in_through_the_form(page, email)
        page.goto(f"/?lang={language}")
        expect(page.locator("html")).to_have_attribute("lang", language)

        problems = []
        for url in urls:
            response = page.goto(url)
            assert response is not None and response.status == 200, f"{url}: {response}"
            expect(page.locator("html")).to_have_attribute("lang", language)
            problems += blocking_violations(page, url)
    finally:
        context.close()

    figure(
        f"axe {role}/{language}: {len(urls)} pages, {len(problems)} serious or critical"
        f" ({time.monotonic() - started:.1f} s)"
    )
    assert problems == [], "axe found serious or critical violations:\n" + "\n".join(problems)


def test_the_gate_sees_a_violation(page: Page, live_server):
    """axe really runs under the portal's CSP: a page spoiled on purpose fails the gate."""
    page.goto("/")
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            const faint = document.createElement("p");
            faint.textContent = "faint";
            faint.style.color = "#bbb";  // through the CSSOM: the CSP blocks style="" attributes
            main.append(faint, Object.assign(document.createElement("input"), {name: "nameless"}));
        }"""
    )
    rules = {line.split(": ", 1)[1].split(" ", 1)[0] for line in blocking_violations(page, "/")}
    assert {"color-contrast", "label"} <= rules, rules
