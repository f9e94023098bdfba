"""Presidency: terms, summits, delegations and attendance, the host's dashboard, the handover."""

import re
import threading
from datetime import date, timedelta
from html import unescape

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from secretariat import cache, demo
from secretariat.audit import AuditEntry
from secretariat.extensions import db as _db
from secretariat.members import operations as members
from secretariat.members.models import City, CityStatus, JoinRoute
from secretariat.presidency import operations, queries, tasks
from secretariat.presidency.demo import load_history
from secretariat.presidency.models import AgendaItem, ChecklistTask, Delegation, Summit, Term
from secretariat.presidency.rules import (
    STANDARD_TASKS,
    follows_itself,
    handover_time,
    may_hold_next,
    network_today,
    progress,
)
from secretariat.presidency.summits import operations as summit_operations
from secretariat.security import Role
from tests.conftest import load_once
from tests.helpers import city, flashes

PAST_START, PAST_END = date(2024, 5, 13), date(2024, 5, 15)  # a summit long over
CANARY = '<script>alert("b40")</script>'


@pytest.fixture
def cities(app, db):
    """The demo network's forty real cities, with fictional mayors; no summit yet."""
    load_once(app, "cities", demo.load_cities)


@pytest.fixture
def history(app, cities):
    """The real history: five summits and terms, Istanbul 2021 to Zagreb 2026."""
    with app.test_request_context():
        load_history(demo.DATA)
        _db.session.commit()


def summit(number: int) -> Summit:
    return _db.session.scalar(select(Summit).where(Summit.number == number))


def record(app, number, host, starts_on, ends_on, **details):
    """A summit and its term, as staff would record one; handed over if its end has come."""
    with app.test_request_context():
        operations.record_summit(None, number, city(host), starts_on, ends_on, **details)
        operations.hand_over_due_summits()
        _db.session.commit()


def elect(app, host, at_summit):
    """The city elected at summit at_summit: its term and the next summit, without dates."""
    with app.test_request_context():
        term = operations.create_next_term(None, summit(at_summit), city(host))
        _db.session.commit()
        return term.number


def set_dates(app, number, starts_on, ends_on):
    with app.test_request_context():
        found = summit(number)
        summit_operations.update_summit(
            None,
            found,
            starts_on=starts_on,
            ends_on=ends_on,
            venue=found.venue,
            theme_en=found.theme_en,
            theme_tr=found.theme_tr,
        )
        _db.session.commit()


def count(app, model, *where) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(app, action) -> int:
    return count(app, AuditEntry, AuditEntry.action == action)


def text(response) -> str:
    """The page's HTML, entities decoded and the thin spaces of date ranges made plain."""
    html = unescape(response.get_data(as_text=True))
    return html.replace("\u2009", " ").replace("\u202f", " ")


def field_errors(response) -> list[str]:
    return re.findall(r'<p class="error" id="[^"]+">([^<]+)</p>', response.get_data(as_text=True))


# --- the public pages, in both languages ----------------------------------------------------


def test_the_presidency_page_names_the_president_and_every_term(client, history):
    html = text(client.get("/presidency?lang=en"))
    assert '<html lang="en">' in html
    current = html.split("Current president", 1)[1].split("President-elect", 1)[0]
    assert "Zagreb" in current and "January 27, 2026" in current
    assert "The next president has not been elected yet." in html
    rows = re.findall(r"<tr>\s*<td><a href=\"/summits/(\d)\">", html)
    assert rows == ["5", "4", "3", "2", "1"]
    for name in ("Istanbul", "Athens", "Tirana", "Sofia", "Zagreb"):
        assert f">{name}</a></td>" in html
    assert "November 30, 2021" in html  # Istanbul's term began at the end of the first summit


def test_the_presidency_page_reads_in_turkish(client, history):
    html = text(client.get("/presidency?lang=tr"))
    assert '<html lang="tr">' in html
    for name in ("İstanbul", "Atina", "Tiran", "Sofya", "Zagreb"):
        assert f">{name}</a></td>" in html
    assert "Ocak 2026" in html  # Zagreb's handover, in Turkish


def test_the_president_elect_is_shown_with_the_summit_they_host(app, client, history):
    elect(app, "tirana", 5)
    html = text(client.get("/presidency?lang=en"))
    elected = html.split("President-elect", 1)[1]
    assert "Tirana" in elected and 'href="/summits/6"' in elected
    assert "Zagreb" in html.split("Current president", 1)[1].split("President-elect", 1)[0]


def test_the_home_page_names_the_president_and_the_next_summit(app, client, history):
    before = text(client.get("/?lang=en"))
    assert "Zagreb" in before.split("Current president", 1)[1]
    assert "Next summit" not in before  # nobody elected yet
    elect(app, "tirana", 5)
    html = text(client.get("/?lang=tr"))
    assert 'href="/summits/6"' in html and "Tiran" in html


def test_the_summits_are_listed_in_both_languages(client, history):
    english = text(client.get("/summits?lang=en"))
    assert re.findall(r'href="/summits/(\d)">Summit \d', english) == ["5", "4", "3", "2", "1"]
    assert "Jan 22 – 24, 2023" in english and "Better Future, Better Cooperation" in english
    turkish = text(client.get("/summits?lang=tr"))
    assert '<html lang="tr">' in turkish
    assert "22–24 Oca 2023" in turkish and "Atina" in turkish
    # the theme has no Turkish version yet: shown in English, marked as such
    assert '<span lang="en">Better Future, Better Cooperation</span>' in turkish


def test_a_summit_page_shows_its_agenda_delegations_and_attendance(client, history):
    html = text(client.get("/summits/1?lang=en"))
    assert "Better Future, Better Cooperation" in html
    assert "Nov 29 – 30, 2021" in html
    agenda = re.findall(r"<li>([^<]+)</li>", html.split("<h2>Agenda</h2>", 1)[1])
    assert agenda[:2] == ["Opening of the summit", "Signing of the Istanbul Declaration"]
    assert "19 delegations registered" in html
    assert "19 cities attended." in html
    assert ">Belgrade</a>" in html
    turkish = text(client.get("/summits/1?lang=tr"))
    assert ">Belgrad</a>" in turkish and ">Saraybosna</a>" in turkish


def test_the_next_summit_has_no_year_until_its_dates_are_set(app, client, history):
    elect(app, "tirana", 5)
    html = text(client.get("/summits/6?lang=en"))
    assert "<h1>Summit 6</h1>" in html
    assert "not set yet" in html
    assert "Registration opens once the summit’s dates are set." in html
    assert client.get("/summits/99").status_code == 404


def test_delegates_names_are_for_signed_in_readers_only(app, client, cities, sign_in_as):
    record(app, 1, "sofia", date(2099, 3, 2), date(2099, 3, 3))
    with app.test_request_context():
        summit_operations.register_delegation(
            None, summit(1), city=city("kotor"), people=2, names="Milena Vuković\nLuka Radović"
        )
        _db.session.commit()
    public = text(client.get("/summits/1?lang=en"))
    assert ">Kotor</a>" in public and "2 people" in public
    assert "Milena" not in public
    sign_in_as(Role.DELEGATE, city="sarajevo")
    assert "Milena Vuković, Luka Radović" in text(client.get("/summits/1?lang=en"))


# --- the charter's invariants ---------------------------------------------------------------


def test_the_database_refuses_two_terms_for_one_year(app, history):
    with app.app_context():
        spare = Summit(number=40, host_city=city("kotor"))
        _db.session.add(spare)
        _db.session.add(Term(number=40, year=2023, city=city("kotor"), opening_summit=spare))
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()


def test_no_city_follows_itself_in_the_real_history(app, history):
    with app.app_context():
        terms = queries.terms_in_order()
        holders = [term.city_id for term in terms]
        assert len(holders) == 5
        assert not follows_itself(holders)
        for term in terms:
            assert may_hold_next(term.city_id, queries.holders_before(term.number))


@given(st.lists(st.integers(1, 4), max_size=30))
def test_follows_itself_means_two_equal_neighbours(holders):
    expected = any(holders[i] == holders[i + 1] for i in range(len(holders) - 1))
    assert follows_itself(holders) == expected
    if holders:
        assert not may_hold_next(holders[-1], holders)


def test_staff_cannot_put_two_summits_in_one_year(app, client, history, sign_in_as):
    elect(app, "tirana", 5)
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/summits/6/edit",
        {"starts_on": "2026-12-01", "ends_on": "2026-12-02", "venue": "", "theme_en": ""},
    )
    assert response.status_code == 200
    assert any("there is one summit a year" in message for message in flashes(response))
    response = client.post_form(
        "/summits/6/edit", {"starts_on": "2025-12-01", "ends_on": "2025-12-02"}
    )
    assert any("after the one before it" in message for message in flashes(response))
    response = client.post_form(
        "/summits/6/edit", {"starts_on": "2027-01-20", "ends_on": "2027-01-19"}
    )
    assert "The last day cannot come before the first day." in field_errors(response)
    with app.app_context():
        assert summit(6).starts_on is None and summit(6).year is None


def test_setting_the_dates_gives_the_summit_and_its_term_their_year(app, client, history):
    elect(app, "tirana", 5)
    set_dates(app, 6, date(2027, 1, 25), date(2027, 1, 26))
    with app.app_context():
        assert summit(6).year == 2027
        assert _db.session.scalar(select(Term.year).where(Term.number == 6)) == 2027
    assert "Jan 25 – 26, 2027" in text(client.get("/summits?lang=en"))


# --- delegations and attendance -------------------------------------------------------------


def test_attending_makes_a_non_member_a_member_on_the_first_day_once(
    app, client, cities, sign_in_as
):
    record(app, 1, "sofia", PAST_START, PAST_END)
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/summits/1/delegations/new",
        {
            "city": "",
            "city_name": "Ниш",
            "city_name_en": "Niš",
            "country": "RS",
            "people": "3",
            "names": "Ana Ilić\nMarko Petrović",
        },
    )
    assert response.status_code == 302, field_errors(response)
    again = client.post_form(
        "/summits/1/delegations/new",
        {"city": "", "city_name": "NIŠ", "city_name_en": "Nis", "country": "RS", "people": "1"},
        page="/summits/1/delegations/new",
    )
    assert "Nis is already registered for this summit." in flashes(again)
    client.post_form("/summits/1/delegations/new", {"city": "kotor", "country": "", "people": "2"})
    with app.app_context():
        nis, kotor = _db.session.scalars(select(Delegation).order_by(Delegation.id)).all()
        assert nis.city_id is None and kotor.city_id is not None
    attended = {"attended": [str(nis.id)], "confirm": "y"}
    response = client.post_form("/summits/1/attendance", attended)
    assert response.status_code == 302
    assert "New members by attending: Niš." in flashes(client.get("/summits/1?lang=en"))

    with app.app_context():
        joined = _db.session.scalar(select(City).where(City.english_name == "Niš"))
        assert (joined.join_route, joined.joined_on) == (JoinRoute.SUMMIT, PAST_START)
        assert joined.official_name == "Ниш" and joined.status == CityStatus.ACTIVE
        came = {d.city.slug: d.attended for d in _db.session.scalars(select(Delegation))}
        assert came == {"nis": True, "kotor": False}
    cities_before = count(app, City)
    response = client.post_form("/summits/1/attendance", attended, page="/summits/1/attendance")
    assert response.status_code == 302
    assert "The attendance had already been confirmed: nothing changed." in flashes(
        client.get("/summits/1")
    )
    assert count(app, City) == cities_before
    assert audits(app, "summit.attendance") == 1
    assert audits(app, "city.create") == 41  # forty demo cities, then Niš once
    page = text(client.get("/members/nis?lang=en"))
    assert "Joined by attending a summit" in page and "May 13, 2024" in page
    closed = client.post_form(
        "/summits/1/delegations/new",
        {"city": "split", "country": "", "people": "1"},
        page="/summits/1",
    )
    assert any("registration is closed" in message for message in flashes(closed))


def test_two_staff_confirming_at_once_make_one_member(app, cities, create_user):
    record(app, 1, "sofia", PAST_START, PAST_END)
    staff = [create_user(Role.SECRETARIAT) for _ in range(2)]
    with app.test_request_context():
        registered = summit_operations.register_delegation(
            None, summit(1), city_name="Ниш", city_name_en="Niš", country="RS", people=2
        )
        _db.session.commit()
        ids = [registered.id]
    start = threading.Barrier(2)
    outcomes = []

    def confirm(person):
        with app.test_request_context():
            start.wait()
            outcome = summit_operations.confirm_attendance(
                _db.session.merge(person), summit(1), ids
            )
            _db.session.commit()
            outcomes.append(outcome.is_already_confirmed)

    threads = [threading.Thread(target=confirm, args=(person,)) for person in staff]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]
    assert count(app, City, City.slug == "nis") == 1
    assert audits(app, "summit.attendance") == 1


def test_a_withdrawn_city_that_attends_is_a_member_again(app, client, cities, sign_in_as):
    with app.test_request_context():
        members.withdraw_city(None, city("pula"), date(2023, 6, 1))
        _db.session.commit()
    record(app, 1, "sofia", PAST_START, PAST_END)
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/summits/1/delegations/new",
        {"city": "", "city_name": "PULA", "city_name_en": "Pula", "country": "HR", "people": "2"},
    )
    assert response.status_code == 302, field_errors(response)
    with app.app_context():
        delegation = _db.session.scalar(select(Delegation))
        assert delegation.city.slug == "pula"  # found among the former members by its name
    client.post_form("/summits/1/attendance", {"attended": [str(delegation.id)], "confirm": "y"})
    with app.app_context():
        pula = city("pula")
        assert pula.status == CityStatus.ACTIVE and pula.withdrawn_on is None
        assert (pula.join_route, pula.joined_on) == (JoinRoute.SUMMIT, PAST_START)
        assert count(app, City, City.slug.like("pula%")) == 1
    assert audits(app, "city.reactivate") == 1


def test_attendance_waits_for_the_summits_first_day(app, client, cities, sign_in_as):
    record(app, 1, "sofia", date(2099, 3, 2), date(2099, 3, 3))
    sign_in_as(Role.ADMIN)
    response = client.post_form("/summits/1/attendance", {"confirm": "y"})
    assert "Attendance is confirmed from the summit's first day on." in flashes(response)
    with app.app_context():
        assert summit(1).attendance_confirmed_at is None


def test_a_mayor_registers_their_own_citys_delegation(app, client, cities, sign_in_as):
    record(app, 1, "sofia", date(2099, 3, 2), date(2099, 3, 3))
    sign_in_as(Role.MAYOR, city="kotor")
    page = text(client.get("/summits/1?lang=en"))
    assert "Register your city’s delegation" in page
    form = text(client.get("/summits/1/delegations/new"))
    assert 'name="city"' not in form and 'name="country"' not in form
    response = client.post_form(
        "/summits/1/delegations/new",
        {"city": "split", "people": "2", "names": "Jelena Marković"},
    )
    assert response.status_code == 302
    too_many = client.post_form(
        "/summits/1/delegations/new", {"people": "1", "names": "A\nB"}, page="/summits/1"
    )
    assert too_many.status_code == 200 and field_errors(too_many)
    with app.app_context():
        (delegation,) = _db.session.scalars(select(Delegation)).all()
        assert delegation.city.slug == "kotor"  # never another city, whatever was posted
        assert delegation.names == "Jelena Marković"
    twice = client.post_form("/summits/1/delegations/new", {"people": "1"}, page="/summits/1")
    assert "Kotor is already registered for this summit." in flashes(twice)
    changed = client.post_form(
        f"/summits/1/delegations/{delegation.id}/edit", {"people": "4", "names": "Jelena\nIvo"}
    )
    assert changed.status_code == 302
    with app.app_context():
        assert _db.session.get(Delegation, delegation.id).people == 4


def test_another_citys_delegation_is_out_of_reach(app, client, cities, sign_in_as):
    record(app, 1, "sofia", date(2099, 3, 2), date(2099, 3, 3))
    with app.test_request_context():
        theirs = summit_operations.register_delegation(
            None, summit(1), city=city("split"), people=2
        )
        _db.session.commit()
        theirs_id = theirs.id
    sign_in_as(Role.DELEGATE, city="kotor")
    token = client.csrf_token("/summits/1")
    edit = f"/summits/1/delegations/{theirs_id}/edit"
    assert client.get(edit).status_code == 403
    assert client.post(edit, data={"csrf_token": token, "people": "9"}).status_code == 403
    remove = f"/summits/1/delegations/{theirs_id}/remove"
    assert client.post(remove, data={"csrf_token": token}).status_code == 403
    with app.app_context():
        assert _db.session.get(Delegation, theirs_id).people == 2


# --- access ---------------------------------------------------------------------------------


@pytest.fixture
def prepared(app, history):
    """Tirana elected at the Zagreb summit: summit 6, hosted by Tirana, being prepared."""
    elect(app, "tirana", 5)


@pytest.mark.parametrize(
    ("who", "dashboard", "edit"),
    [
        (None, 302, 302),
        ({"role": Role.SECRETARIAT}, 200, 200),
        ({"role": Role.ADMIN}, 200, 200),
        ({"role": Role.MAYOR, "city": "tirana"}, 200, 403),
        ({"role": Role.DELEGATE, "city": "tirana"}, 200, 403),
        ({"role": Role.MAYOR, "city": "zagreb"}, 403, 403),  # the president, not the host
        ({"role": Role.DELEGATE, "city": "sarajevo"}, 403, 403),
    ],
    ids=["public", "secretariat", "admin", "host-mayor", "host-delegate", "zagreb", "other"],
)
def test_who_may_open_the_dashboard_and_the_staff_tools(
    app, client, prepared, sign_in_as, who, dashboard, edit
):
    if who:
        sign_in_as(who["role"], city=who.get("city"))
    assert client.get("/summits/6").status_code == 200
    assert client.get("/presidency").status_code == 200
    assert client.get("/summits/6/dashboard").status_code == dashboard
    for staff_page in ("/summits/6/edit", "/summits/6/agenda", "/summits/6/attendance"):
        assert client.get(staff_page).status_code == edit
    with app.app_context():
        task = _db.session.scalar(select(ChecklistTask.id).order_by(ChecklistTask.id))
    token = client.csrf_token("/" if who else "/sign-in")
    answer = client.post(f"/summits/6/checklist/{task}/done", data={"csrf_token": token})
    assert answer.status_code == (302 if dashboard == 200 else dashboard)
    done = count(app, ChecklistTask, ChecklistTask.done_at.is_not(None))
    assert done == (1 if dashboard == 200 else 0)


def test_the_dashboard_link_shows_only_to_those_who_prepare(client, prepared, sign_in_as):
    assert "/summits/6/dashboard" not in text(client.get("/summits/6"))
    sign_in_as(Role.DELEGATE, city="tirana")
    assert "/summits/6/dashboard" in text(client.get("/summits/6"))


def test_the_host_right_follows_the_summit_not_a_flag(app, client, history, sign_in_as):
    """Zagreb hosted summit 5: its team prepares summit 5, not summit 6 that Tirana hosts."""
    elect(app, "tirana", 5)
    sign_in_as(Role.MAYOR, city="zagreb")
    assert client.get("/summits/5/dashboard").status_code == 200
    assert client.get("/summits/6/dashboard").status_code == 403


# --- the dashboard --------------------------------------------------------------------------


def checklist(response) -> tuple[str, list[str]]:
    html = text(response)
    summary = re.search(r'<p id="progress-text">(.*?)</p>', html, re.S).group(1)
    overdue = re.findall(
        r"<tr>\s*<td>([^<]+)</td>(?:(?!</tr>).)*<strong>overdue</strong>", html, re.S
    )
    return re.sub(r"<[^>]+>", "", summary), overdue


def test_the_checklist_is_ready_with_the_next_summit_and_dated_with_it(app, client, prepared):
    with app.app_context():
        tasks_now = _db.session.scalars(select(ChecklistTask).order_by(ChecklistTask.position))
        assert [(t.kind, t.due_on) for t in tasks_now] == [
            (k, None) for k, _d, _o in STANDARD_TASKS
        ]
    set_dates(app, 6, date(2027, 1, 25), date(2027, 1, 26))
    with app.app_context():
        due = dict(_db.session.execute(select(ChecklistTask.kind, ChecklistTask.due_on)).all())
    assert due["venue_confirmed"] == date(2026, 9, 27)  # 120 days before the first day
    assert due["activity_report_presented"] == date(2027, 1, 25)


def test_the_host_team_ticks_tasks_and_sees_progress(app, client, cities, sign_in_as):
    soon = operations_today(app) + timedelta(days=20)
    record(app, 1, "sofia", soon, soon + timedelta(days=1))
    sign_in_as(Role.DELEGATE, city="sofia")
    summary, overdue = checklist(client.get("/summits/1/dashboard?lang=en"))
    assert summary.startswith("0 of 6 tasks done (0%)")
    assert "4 tasks are overdue" in summary
    assert overdue == [
        "Venue confirmed",
        "Invitations sent",
        "Registration open",
        "Agenda published",
    ]
    with app.app_context():
        venue = _db.session.scalar(
            select(ChecklistTask.id).where(ChecklistTask.kind == "venue_confirmed")
        )
    done = f"/summits/1/checklist/{venue}/done"
    assert client.post_form(done, page="/summits/1/dashboard").status_code == 302
    assert client.post_form(done, page="/summits/1/dashboard").status_code == 302  # twice: once
    summary, overdue = checklist(client.get("/summits/1/dashboard?lang=en"))
    assert summary.startswith("1 of 6 tasks done (17%)") and "3 tasks are overdue" in summary
    assert "Venue confirmed" not in overdue
    assert audits(app, "checklist.done") == 1
    reopen = f"/summits/1/checklist/{venue}/open"
    assert client.post_form(reopen, page="/summits/1/dashboard").status_code == 302
    summary, _overdue = checklist(client.get("/summits/1/dashboard?lang=en"))
    assert summary.startswith("0 of 6 tasks done")

    added = client.post_form(
        "/summits/1/checklist",
        {
            "title_en": "Book interpreters",
            "title_tr": "Tercümanları ayarla",
            "owner_side": "host",
            "owner": "Ivana Petrova",
            "due_on": (soon - timedelta(days=3)).isoformat(),
        },
        page="/summits/1/dashboard",
    )
    assert added.status_code == 302
    english = text(client.get("/summits/1/dashboard?lang=en"))
    assert "Book interpreters" in english and "Ivana Petrova" in english
    assert "0 of 7 tasks done" in english
    assert "Tercümanları ayarla" in text(client.get("/summits/1/dashboard?lang=tr"))


def operations_today(app) -> date:
    with app.app_context():
        return network_today()


def test_opening_the_dashboard_writes_nothing(app, client, history, sign_in_as):
    """A past summit has no checklist; opening its dashboard adds none (no write on a GET)."""
    sign_in_as(Role.SECRETARIAT)
    statements = []
    with app.app_context():
        engine = _db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        html = text(client.get("/summits/5/dashboard?lang=en"))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    writes = [s for s in statements if s.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert "The checklist is empty." in html
    assert count(app, ChecklistTask) == 0
    standard = "/summits/5/checklist/standard"
    assert client.post_form(standard, page="/summits/5/dashboard").status_code == 302
    assert client.post_form(standard, page="/summits/5/dashboard").status_code == 302
    assert count(app, ChecklistTask) == len(STANDARD_TASKS)
    assert audits(app, "checklist.standard") == 1


def test_progress_at_a_glance():
    today = date(2026, 6, 1)
    tasks_now = [(date(2026, 5, 1), True), (date(2026, 5, 1), False), (None, False)]
    counted = progress(tasks_now, today)
    assert (counted.done, counted.total, counted.overdue, counted.percent) == (1, 3, 1, 33)
    assert progress([], today).percent == 0


# --- staff tools ----------------------------------------------------------------------------


def agenda_titles(client, number=1) -> list[str]:
    html = text(client.get(f"/summits/{number}?lang=en"))
    return re.findall(r"<li>([^<]+)</li>", html.split("<h2>Agenda</h2>", 1)[1].split("</ol>")[0])


def test_staff_keep_the_agenda_in_order(app, client, cities, sign_in_as):
    record(app, 1, "sofia", date(2099, 3, 2), date(2099, 3, 3))
    sign_in_as(Role.SECRETARIAT)
    for title in ("Opening", "Handover", "Election"):
        response = client.post_form("/summits/1/agenda", {"title_en": title, "title_tr": ""})
        assert response.status_code == 302
    empty = client.post_form("/summits/1/agenda", {"title_en": " ", "title_tr": ""})
    assert "Give a title in English, in Turkish, or in both." in field_errors(empty)
    assert agenda_titles(client) == ["Opening", "Handover", "Election"]
    with app.app_context():
        ids = _db.session.scalars(select(AgendaItem.id).order_by(AgendaItem.position)).all()
    client.post_form(f"/summits/1/agenda/{ids[2]}/up", page="/summits/1/agenda")
    assert agenda_titles(client) == ["Opening", "Election", "Handover"]
    client.post_form(f"/summits/1/agenda/{ids[0]}/up", page="/summits/1/agenda")  # already first
    client.post_form(f"/summits/1/agenda/{ids[0]}/down", page="/summits/1/agenda")
    assert agenda_titles(client) == ["Election", "Opening", "Handover"]
    client.post_form(
        f"/summits/1/agenda/{ids[1]}/edit",
        {"title_en": "Handover of the presidency", "title_tr": "Başkanlığın devri"},
    )
    client.post_form(f"/summits/1/agenda/{ids[0]}/remove", page="/summits/1/agenda")
    assert agenda_titles(client) == ["Election", "Handover of the presidency"]
    turkish = text(client.get("/summits/1?lang=tr"))
    assert "Başkanlığın devri" in turkish
    assert '<span lang="en">Election</span>' in turkish  # no Turkish title: marked English


def test_a_stored_script_is_shown_escaped(app, client, cities, sign_in_as):
    record(app, 1, "sofia", date(2030, 3, 2), date(2030, 3, 3))
    sign_in_as(Role.SECRETARIAT)
    client.post_form(
        "/summits/1/edit",
        {"starts_on": "2030-03-02", "ends_on": "2030-03-03", "venue": CANARY, "theme_en": CANARY},
    )
    client.post_form("/summits/1/agenda", {"title_en": CANARY, "title_tr": CANARY})
    client.post_form(
        "/summits/1/delegations/new",
        {"city": "", "city_name_en": CANARY, "country": "RS", "people": "1", "names": CANARY},
    )
    client.post_form(
        "/summits/1/checklist",
        {"title_en": CANARY, "owner_side": "host", "owner": CANARY},
        page="/summits/1/dashboard",
    )
    for url in (
        "/summits/1",
        "/summits/1?lang=tr",
        "/summits",
        "/summits/1/agenda",
        "/summits/1/dashboard",
    ):
        html = client.get(url).get_data(as_text=True)
        assert CANARY not in html, url
        assert "&lt;script&gt;" in html, url


# --- the handover ---------------------------------------------------------------------------


def test_the_handover_job_moves_the_presidency_once(app, cities):
    record(app, 1, "sofia", date(2023, 3, 1), date(2023, 3, 2))
    elect(app, "kotor", 1)
    set_dates(app, 2, PAST_START, PAST_END)
    with app.app_context():
        assert queries.current_term().city.slug == "sofia"
        assert queries.president_elect().city.slug == "kotor"
    with app.app_context():
        assert tasks.hand_over() == 1
        _db.session.commit()
    with app.app_context():
        assert tasks.hand_over() == 0
        _db.session.commit()
        term = queries.current_term()
        assert (term.number, term.city.slug) == (2, "kotor")
        assert term.started_at == handover_time(PAST_END)
        assert _db.session.scalar(select(Term.ended_at).where(Term.number == 1)) == term.started_at
        assert summit(2).handed_over_at == term.started_at
        assert queries.president_elect() is None
    assert audits(app, "summit.handover") == 2  # summit 1 when recorded, summit 2 now


def test_two_schedulers_hand_over_once(app, cities):
    record(app, 1, "sofia", date(2023, 3, 1), date(2023, 3, 2))
    elect(app, "kotor", 1)
    set_dates(app, 2, PAST_START, PAST_END)
    start = threading.Barrier(2)
    handed: list[int] = []

    def scheduler():
        with app.app_context():
            start.wait()
            handed.append(tasks.hand_over())
            _db.session.commit()
            _db.session.remove()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(handed) == [0, 1]
    assert audits(app, "summit.handover") == 2


def test_the_handover_waits_for_six_in_the_evening_in_istanbul():
    at = handover_time(date(2026, 1, 27))
    assert at.isoformat() == "2026-01-27T18:00:00+03:00"


def test_a_summit_that_has_handed_over_keeps_its_dates(app, client, history, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        "/summits/5/edit", {"starts_on": "2026-01-26", "ends_on": "2026-01-27", "venue": "Zagreb"}
    )
    assert any("already handed over" in message for message in flashes(response))


# --- the city page --------------------------------------------------------------------------


def statements_of(app, client, url) -> int:
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


def test_a_city_page_lists_its_terms_and_follows_the_handover(app, client, history):
    athens = text(client.get("/members/athens?lang=en"))
    presidency = athens.split("<h2>Presidency</h2>", 1)[1].split("</section>", 1)[0]
    assert "Term 2" in presidency and "(2023)" in presidency
    assert "January 24, 2023" in presidency and "January 31, 2024" in presidency
    kotor = text(client.get("/members/kotor?lang=en"))
    assert "This city has not held the presidency yet." in kotor
    assert "Term 6" not in text(client.get("/members/tirana?lang=en"))
    elect(app, "tirana", 5)  # the kept page of Tirana must show the new term at once
    tirana = text(client.get("/members/tirana?lang=en"))
    assert "Term 6" in tirana
    set_dates(app, 6, date(2027, 1, 25), date(2027, 1, 26))
    assert "Term 6</a> (2027)" in text(client.get("/members/tirana?lang=en"))


def test_a_city_page_costs_the_same_statements_with_or_without_terms(app, client, history):
    with app.app_context():
        cache.forget_pages()
    holder = statements_of(app, client, "/members/athens?lang=en")
    never = statements_of(app, client, "/members/kotor?lang=en")
    assert holder == never <= 5


# --- a summit by its year (issue 5) ---------------------------------------------------------


def test_a_summit_is_found_by_its_year_and_its_number_stays_its_address(client, history):
    response = client.get("/summits/2026")
    assert response.status_code in (301, 308)
    assert response.headers["Location"] == "/summits/5"
    landed = client.get("/summits/2026?lang=en", follow_redirects=True)
    assert landed.request.path == "/summits/5"
    assert "Zagreb" in text(landed)
    assert client.get("/summits/2026?lang=tr").headers["Location"] == "/summits/5?lang=tr"
    assert client.get("/summits/2021").headers["Location"] == "/summits/1"
    assert client.get("/summits/5").status_code == 200


@pytest.mark.parametrize("year", ["2030", "1999"])
def test_a_year_without_a_summit_is_404(client, history, year):
    assert client.get(f"/summits/{year}").status_code == 404


def test_a_summit_whose_year_is_not_set_yet_is_not_found_by_year(app, client, history):
    elect(app, "tirana", 5)  # the next summit, in Tirana, has no dates yet
    assert client.get("/summits/6").status_code == 200
    assert client.get("/summits/2027").status_code == 404
