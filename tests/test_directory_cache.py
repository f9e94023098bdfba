"""The public directory and city pages are kept rendered: the same bytes, never a stale page."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, event, select

from secretariat import cache, create_app, demo
from secretariat.extensions import db as _db
from secretariat.members import operations
from secretariat.members.models import City, JoinRoute
from secretariat.security import Role
from tests.conftest import load_once

PUBLIC_PAGES = [
    "/members",
    "/members?lang=tr",
    "/members?q=sofia",
    "/members?lang=en&country=GR",
    "/members?group=local-climate-action&page=1",
    "/members/istanbul",
    "/members/istanbul?lang=tr",
]


@pytest.fixture
def cities(app, db):
    """The demo network's forty real cities, with fictional mayors and contacts."""
    load_once(app, "cities", demo.load_cities)


def fetch(app, client, url):
    """The response to a GET of url and the SQL statements it issued."""
    seen: list[str] = []
    with app.app_context():
        engine = _db.engine

    def listener(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200, url
    return response, seen


def text_of(client, url) -> str:
    return client.get(url).get_data(as_text=True)


def kept_text_of(app, client, url) -> str:
    """The page of url, which must come from the kept pages (one statement: the stamp)."""
    response, statements = fetch(app, client, url)
    assert len(statements) == 1, url
    return response.get_data(as_text=True)


def change(app, act):
    """Run act(City lookup) as an operation in its own request, then commit, as a view does."""
    with app.test_request_context():
        act(lambda slug: _db.session.scalar(select(City).where(City.slug == slug)))
        _db.session.commit()


def _headers(response) -> list[tuple[str, str]]:
    # The session cookie is signed with a timestamp: compare that it is there, not its bytes.
    return sorted(
        (name, "<cookie>" if name == "Set-Cookie" else value)
        for name, value in response.headers.items()
    )


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_kept_page_is_byte_for_byte_the_page_a_fresh_render_gives(app, client, cities, url):
    rendered, first = fetch(app, client, url)
    kept, second = fetch(app, client, url)
    with app.app_context():
        cache.forget_pages()
    fresh, third = fetch(app, client, url)

    assert len(first) > 1 and len(third) == len(first)
    assert len(second) == 1  # only the stamp
    assert second[0].startswith("SELECT page_stamps.token FROM page_stamps WHERE")
    assert kept.get_data() == rendered.get_data() == fresh.get_data()
    assert _headers(kept) == _headers(rendered) == _headers(fresh)
    assert kept.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert kept.headers["X-Frame-Options"] == "DENY"


def test_a_new_city_is_listed_on_the_very_next_request(app, client, cities):
    for url in ("/members?lang=en", "/members?lang=en&country=ME"):
        client.get(url)
    assert "40 cities in the network." in kept_text_of(app, client, "/members?lang=en")
    assert "Cetinje" not in kept_text_of(app, client, "/members?lang=en&country=ME")
    assert client.get("/members/cetinje").status_code == 404

    change(
        app,
        lambda city: operations.create_city(
            None,
            official_name="Cetinje",
            english_name="Cetinje",
            country_code="ME",
            joined_on=date(2026, 5, 1),
            join_route=JoinRoute.APPLICATION,
        ),
    )

    assert "41 cities in the network." in text_of(client, "/members?lang=en")
    assert "Cetinje" in text_of(client, "/members?lang=en&country=ME")
    assert "Cetinje" in text_of(client, "/members/cetinje")


def test_a_rename_a_new_mayor_and_a_withdrawal_show_on_the_next_request(app, client, cities):
    pages = ["/members/pula?lang=en", "/members/kotor?lang=en", "/members?lang=en&country=ME"]

    def all_kept():
        for url in pages:
            client.get(url)
            kept_text_of(app, client, url)

    def rename(city):
        pula = city("pula")
        operations.update_city(
            None,
            pula,
            official_name="Pula",
            english_name="Pula",
            turkish_name="",
            aliases=("Pola",),
            country_code="HR",
            population=52000,
            website="https://www.pula.hr",
            joined_on=pula.joined_on,
            join_route=pula.join_route,
        )

    all_kept()
    change(app, rename)
    assert "https://www.pula.hr" in text_of(client, "/members/pula?lang=en")
    assert "Pola" in text_of(client, "/members/pula?lang=en")

    all_kept()
    change(app, lambda city: operations.record_mayor(None, city("pula"), "Ana Novak", date.today()))
    assert "Ana Novak" in text_of(client, "/members/pula?lang=en")

    all_kept()
    change(app, lambda city: operations.withdraw_city(None, city("kotor"), date(2026, 6, 30)))
    assert "Withdrawn" in text_of(client, "/members/kotor?lang=en")
    assert "/members/kotor" not in text_of(client, "/members?lang=en&country=ME")


def test_a_change_made_through_another_process_is_seen_by_this_one(app, client, cities):
    """Two gunicorn workers, or two web servers: each keeps its own pages, one database stamp."""
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    try:
        client.get("/members?lang=en&country=ME")
        assert "Cetinje" not in kept_text_of(app, client, "/members?lang=en&country=ME")
        with other.test_request_context():
            operations.create_city(
                None,
                official_name="Cetinje",
                english_name="Cetinje",
                country_code="ME",
                joined_on=date(2026, 5, 1),
                join_route=JoinRoute.APPLICATION,
            )
            _db.session.commit()
        assert "Cetinje" in text_of(client, "/members?lang=en&country=ME")
    finally:
        with other.app_context():
            _db.engine.dispose()


def test_a_rolled_back_change_leaves_the_kept_pages_valid(app, client, cities):
    client.get("/members?lang=en")
    kept_text_of(app, client, "/members?lang=en")
    with app.test_request_context():
        operations.create_city(
            None,
            official_name="Cetinje",
            english_name="Cetinje",
            country_code="ME",
            joined_on=date(2026, 5, 1),
            join_route=JoinRoute.APPLICATION,
        )
        _db.session.rollback()
    assert "Cetinje" not in kept_text_of(app, client, "/members?lang=en")


def test_signed_in_readers_see_contacts_and_their_own_page_never_a_kept_one(
    app, client, cities, sign_in_as
):
    anonymous = app.test_client()
    assert "b40@istanbul.example" not in text_of(anonymous, "/members/istanbul")
    assert "b40@istanbul.example" not in kept_text_of(app, anonymous, "/members/istanbul")

    user = sign_in_as(Role.DELEGATE)
    page = text_of(client, "/members/istanbul")
    assert "b40@istanbul.example" in page
    assert user.name in page
    assert "Sign out" in page and 'name="csrf_token"' in page
    directory, statements = fetch(app, client, "/members")
    assert user.name in directory.get_data(as_text=True)
    assert len(statements) > 1
    assert directory.headers["Cache-Control"] == "private, no-store"

    assert "b40@istanbul.example" not in kept_text_of(app, anonymous, "/members/istanbul")
    assert user.name not in text_of(anonymous, "/members")


def test_a_flashed_message_is_shown_once_and_never_kept(app, client, cities):
    others = app.test_client()
    for first_seen_by in ("a reader with the message", "another reader"):
        with app.app_context():
            cache.forget_pages()
        if first_seen_by == "another reader":
            others.get("/members?lang=en")  # the page is kept before the message arrives
        with client.session_transaction() as session:
            session["_flashes"] = [("success", "You have signed out.")]
        assert "You have signed out." in text_of(client, "/members?lang=en")
        assert "You have signed out." not in text_of(client, "/members?lang=en")
        assert "You have signed out." not in text_of(others, "/members?lang=en")


def test_a_kept_turkish_page_still_remembers_the_language(app, cities):
    first, second = app.test_client(), app.test_client()
    first.get("/members?lang=tr")
    response, statements = fetch(app, second, "/members?lang=tr")
    assert len(statements) == 1  # kept
    assert "b40_session=" in response.headers["Set-Cookie"]
    assert '<html lang="tr">' in text_of(second, "/members")


def test_pages_are_rendered_without_keeping_them_when_the_stamp_is_missing(app, client, cities):
    with app.app_context():
        _db.session.execute(delete(cache.PageStamp))
        _db.session.commit()
    first = fetch(app, client, "/members")[1]
    again = fetch(app, client, "/members")[1]
    assert len(again) == len(first) > 1


def test_a_get_never_writes_to_the_database(app, client, cities):
    statements = []
    for url in PUBLIC_PAGES * 2:
        statements += fetch(app, client, url)[1]
    assert statements
    writes = [sql for sql in statements if sql.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []


def test_the_store_is_bounded_and_forgets_the_least_recently_read_first():
    store = cache.StampedCache(2)
    assert store.get("a", "t1") is None
    store.put("a", "t1", "A")
    store.put("b", "t1", "B")
    assert store.get("a", "t1") == "A"
    store.put("c", "t1", "C")
    assert store.get("b", "t1") is None
    assert (store.get("a", "t1"), store.get("c", "t1")) == ("A", "C")
    assert store.get("a", "t2") is None  # a new stamp: everything kept before is gone
    store.put("a", "t1", "stale")  # rendered under the old stamp: not kept
    assert store.get("a", "t2") is None


def test_an_entry_given_an_end_is_kept_until_that_moment_only():
    store = cache.StampedCache(4)
    noon = datetime(2027, 3, 9, 12, 0, tzinfo=UTC)
    store.get("page", "t1")
    store.put("page", "t1", "before the session", until=noon)
    assert store.get("page", "t1", now=noon - timedelta(seconds=1)) == "before the session"
    assert store.get("page", "t1", now=noon) is None
    assert store.get("page", "t1", now=noon - timedelta(seconds=1)) is None  # gone, not hidden


def test_the_stamp_says_when_the_directory_last_changed(app, cities):
    before = datetime.now(UTC)
    with app.test_request_context():
        cache.bump_directory()
        _db.session.commit()
        stamp = _db.session.get(cache.PageStamp, cache.DIRECTORY)
    assert before - timedelta(seconds=1) <= stamp.changed_at <= datetime.now(UTC)
    assert len(stamp.token) == 32
