"""The member directory: cities found the way people type them, sorted the way they read."""

import re
from datetime import date

import pytest
from sqlalchemy import event, func, select

from secretariat import demo
from secretariat.extensions import db as _db
from secretariat.members import operations
from secretariat.members.models import City, Contact, JoinRoute
from secretariat.security import Role


@pytest.fixture
def cities(app, db):
    """The demo network's forty real cities, with fictional mayors and contacts."""
    with app.test_request_context():
        demo.load_cities()
        _db.session.commit()


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
