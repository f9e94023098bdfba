"""Fixtures: one app on a real database (file SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

import os
import re
import secrets
from datetime import date

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.exc import DBAPIError

from secretariat import create_app, demo
from secretariat.accounts import operations as accounts
from secretariat.accounts.models import User
from secretariat.extensions import db as _db
from secretariat.extensions import limiter
from secretariat.members import operations as members
from secretariat.members.models import JoinRoute
from secretariat.presidency.demo import load_history
from secretariat.security import Role

PASSWORD = "correct-horse-battery-staple"
ROLES = {  # the demo sign-in of each role the gates walk as
    "anonymous": None,
    "delegate": "delegate.sarajevo@b40.example",
    "mayor": "mayor.zagreb@b40.example",
    "secretariat": "expert@b40.example",
    "admin": "secretary@b40.example",
}
CITY_OF = {Role.MAYOR: "zagreb", Role.DELEGATE: "sarajevo"}
TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)

# Hypothesis's deadline (200 ms an example by default) times the machine, not the code: with the
# suite on every core (xdist) beside PostgreSQL, an example that takes 26 ms alone took 269 ms and
# failed as "flaky". No test relies on it; every property is still checked on every example.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")


# The longest tests, longest first (seconds on PostgreSQL beside the rest of the suite). A run
# on xdist workers lasts at least as long as its longest test, and longer when that test starts
# late, or queued behind another long one on the same worker while the others sit idle.
LONG_TESTS = {
    "tests/test_forms_fuzz.py::test_every_form_survives_hostile_input[secretariat]": 100,
    "tests/test_forms_fuzz.py::test_every_form_survives_hostile_input[mayor]": 60,
    "tests/test_forms_fuzz.py::test_every_form_survives_hostile_input[delegate]": 35,
    "tests/test_forms_fuzz.py::test_every_form_survives_hostile_input[anonymous]": 30,
    "tests/test_forms_fuzz.py::test_every_form_survives_hostile_input[admin]": 12,
    "tests/test_crawl.py::test_crawl_every_page_of_a_role[secretariat-tr]": 10,
    "tests/test_crawl.py::test_crawl_every_page_of_a_role[secretariat-en]": 6,
    "tests/test_crawl.py::test_crawl_every_page_of_a_role[admin-en]": 5,
    "tests/test_access.py::test_every_endpoint_answers_every_role_as_its_rule_says[secretariat]": 5,
    "tests/test_access.py::test_every_endpoint_answers_every_role_as_its_rule_says[mayor]": 5,
    "tests/test_access.py::test_every_endpoint_answers_every_role_as_its_rule_says[admin]": 4,
    "tests/test_crawl.py::test_crawl_every_page_of_a_role[admin-tr]": 4,
    "tests/test_crawl.py::test_crawl_every_page_of_a_role[mayor-en]": 4,
    "tests/test_crawl.py::test_crawl_every_page_of_a_role[mayor-tr]": 4,
    "tests/test_election_concurrency.py::test_seventy_cities_vote_while_closes_race_them": 4,
}
PLACE = pytest.StashKey[int]()  # a test's place in the collection as written


def pytest_configure(config):
    """Under xdist, hand each worker one test at a time (a worker holds the one it runs and the
    next): with chunks, the five fuzz tests went to one worker together, one after the other."""
    if getattr(config.option, "maxschedchunk", "absent") is None:
        config.option.maxschedchunk = 1


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL (the suite's second run) only the tests that touch a database: the others
    (pure rules, text folding, templates' words) ran on SQLite already and would only repeat.
    Under xdist, the long tests first, longest first, each followed by a short one: each worker
    starts on a long test, and what waits behind a long test is a short one."""
    for place, item in enumerate(items):
        item.stash[PLACE] = place
    if os.environ.get("TEST_DATABASE_URL"):
        kept = [item for item in items if "app" in getattr(item, "fixturenames", ())]
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept
    if os.environ.get("PYTEST_XDIST_WORKER"):  # every worker orders its collection alike
        long = sorted(
            (item for item in items if item.nodeid in LONG_TESTS),
            key=lambda item: -LONG_TESTS[item.nodeid],
        )
        short = [item for item in items if item.nodeid not in LONG_TESTS]
        paired = [test for pair in zip(long, short, strict=False) for test in pair]
        items[:] = paired + long[len(short) :] + short[len(long) :]


FIGURES: list[tuple[int, str]] = []  # (the test's place in the collection, the line)


@pytest.fixture
def figure(request):
    """figure(line): a figure a quality gate measured, printed at the end of the run."""
    place = request.node.stash.get(PLACE, 0)
    return lambda line: FIGURES.append((place, line))


def pytest_sessionfinish(session):
    """An xdist worker hands its figures to the controller (pytest_testnodedown)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["figures"] = FIGURES


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    FIGURES.extend(tuple(pair) for pair in getattr(node, "workeroutput", {}).get("figures", []))


def pytest_terminal_summary(terminalreporter):
    """The figures once, in the order of the tests, whichever worker ran them."""
    if FIGURES:
        terminalreporter.section("figures of the quality gates")
        for _place, line in sorted(FIGURES, key=lambda pair: pair[0]):
            terminalreporter.write_line(line)


class Client(FlaskClient):
    """The Flask test client, plus form posts that carry the page's CSRF token like a browser."""

    def csrf_token(self, page: str = "/sign-in") -> str:
        html = self.get(page).get_data(as_text=True)
        found = TOKEN.search(html)
        assert found, f"no CSRF token on {page}"
        return found.group(1) or found.group(2)

    def post_form(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(page or url))
        return self.post(url, data=data, **kwargs)


def _database_url(tmp_path_factory) -> str:
    """The run's database; under xdist each worker has its own (a file, or test_gw0, test_gw1...)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def _worker_database(url: str, worker: str) -> str:
    """The PostgreSQL database of one xdist worker beside TEST_DATABASE_URL's (test_gw0 beside
    test), created if missing through the maintenance database `postgres`."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    exists = text("SELECT 1 FROM pg_database WHERE datname = :name")
    try:
        with engine.connect() as connection:
            if not connection.scalar(exists, {"name": name}):
                quoted = engine.dialect.identifier_preparer.quote(name)
                try:
                    connection.exec_driver_sql(f"CREATE DATABASE {quoted}")
                except DBAPIError:
                    with engine.connect() as again:  # another run may have created it meanwhile
                        if not again.scalar(exists, {"name": name}):
                            raise
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "SERVER_NAME": None,
            "PUBLIC_URL": "http://localhost",  # the test client's host
            "RATELIMIT_STORAGE_URI": "memory://",
            # Argon2id still, at a cost that lets hundreds of sign-ins run in seconds
            "ARGON2_COST": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
        }
    )
    app.instance_path = str(instance)
    app.test_client_class = Client
    with app.app_context():
        if _db.engine.dialect.name == "postgresql":
            with _db.engine.connect() as connection:
                # A commit returns once its WAL is written, not flushed to disk: its rows are
                # seen, locked and checked exactly as before, only a crash of the server could
                # lose the last ones, which a test's throwaway database never needs to survive.
                # The flush was most of a commit's cost here (2.3 ms a commit against 0.5 ms).
                name = _db.engine.dialect.identifier_preparer.quote(_db.engine.url.database)
                connection.exec_driver_sql(f"ALTER DATABASE {name} SET synchronous_commit = off")
                connection.commit()
            _db.engine.dispose()  # the pool's next connections start with the setting
            with _db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
    return app


_LOADED: dict[str, dict[str, list[dict]]] = {}


def load_once(app, name: str, load) -> None:
    """What load() writes into the emptied database: run through the operations the first time
    in this process, then written back as the rows it left (a statement per table instead of
    hundreds), with fresh page stamps so that nothing kept for another test is taken for it."""
    tables = list(_db.metadata.sorted_tables)
    with app.test_request_context():
        if name not in _LOADED:
            load()
            _db.session.commit()
            _LOADED[name] = {
                table.name: [dict(row._mapping) for row in _db.session.execute(table.select())]
                for table in tables
            }
            return
        loaded = _LOADED[name]
        written = [table for table in tables if loaded[table.name]]
        for table in written:
            rows = loaded[table.name]
            if table.name == "page_stamps":
                rows = [{**row, "token": secrets.token_hex(16)} for row in rows]
            if table.name == "elections":  # candidates and the roll are taken only before voting
                rows = [{**row, "phase": "nominations"} for row in rows]
            _db.session.execute(table.insert(), rows)
        elections = _db.metadata.tables["elections"]
        for row in loaded["elections"]:
            _db.session.execute(elections.update().where(elections.c.id == row["id"]).values(row))
        if _db.engine.dialect.name == "postgresql":  # the next id after the rows written back
            for table in written:
                for column in table.primary_key.columns:
                    if column.autoincrement in (True, "auto") and column.type.python_type is int:
                        sequence = func.pg_get_serial_sequence(table.name, column.name)
                        highest = select(func.max(column)).scalar_subquery()
                        _db.session.execute(select(func.setval(sequence, highest)))
        _db.session.commit()


RESTART_SEQUENCES = text(
    "SELECT setval(sequencename::regclass, 1, false) FROM pg_sequences WHERE schemaname = 'public'"
)


def _empty_tables():
    tables = list(reversed(_db.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        # DELETE, not TRUNCATE: a TRUNCATE of forty tables costs a tenth of a second of new files
        # each time, a DELETE of a test's few rows next to nothing. As the replication role, the
        # session fires no triggers and checks no foreign keys (the election's guards, which
        # keep ballots while their election exists), so the order of the tables does not matter.
        with _db.engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            for table in tables:
                connection.execute(table.delete())
            connection.execute(RESTART_SEQUENCES)
        return
    # Parents first, foreign keys off: an election goes before its ballots, register and
    # tallies, which the database's triggers keep while their election exists.
    with _db.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in reversed(tables):
            connection.execute(table.delete())
        connection.commit()
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


@pytest.fixture
def db(app):
    """The database, emptied after the test. Requests push their own contexts, as in production,
    so a test reads or writes rows inside `with app.app_context():`."""
    yield _db
    with app.app_context():
        _db.session.remove()
        _empty_tables()
    limiter.reset()


@pytest.fixture
def in_request(app, db):
    """For operation-level tests: the test's body runs inside one request, as operations do."""
    with app.test_request_context():
        yield _db.session


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def create_user(app, db):
    """create_user(role, email=..., city=..., password=..., language=...) -> User, committed."""
    counter = iter(range(1, 10_000))

    def make(
        role=Role.DELEGATE, email=None, city=None, password=PASSWORD, language="en", name=None
    ):
        number = next(counter)
        role = Role(role)
        with app.app_context():
            user = accounts.create_user(
                None,
                email or f"{role.value}{number}@example.org",
                name or f"Person {number}",
                role,
                city or CITY_OF.get(role),
                password,
                language,
            )
            _db.session.commit()
            _db.session.refresh(user)
            _db.session.expunge(user)
        return user

    return make


def add_cities(count: int, name: str, joined_on: date = date(2025, 1, 1)) -> None:
    """count more member cities, "<name> 000" on, in Serbia (in a request, before a commit)."""
    for number in range(count):
        members.create_city(
            None,
            official_name=f"{name} {number:03d}",
            english_name=f"{name} {number:03d}",
            country_code="RS",
            joined_on=joined_on,
            join_route=JoinRoute.APPLICATION,
        )


def add_city(app, name: str, country_code: str = "HR") -> None:
    """The member city name (its slug: name in lower case), committed."""
    with app.test_request_context():
        demo.ensure_countries()
        members.create_city(
            None,
            official_name=name,
            english_name=name,
            country_code=country_code,
            joined_on=date(2025, 1, 1),
            join_route=JoinRoute.APPLICATION,
        )
        _db.session.commit()


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post_form("/sign-in", {"email": email, "password": password}, page="/sign-in")


@pytest.fixture
def sign_in_as(client, create_user):
    """sign_in_as(role) signs the client in as a new user of that role and returns the user."""

    def act(role, **kwargs):
        user = create_user(role, **kwargs)
        response = sign_in(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return act


def _staff_work() -> None:
    admin = _db.session.scalar(_db.select(User).where(User.role == Role.ADMIN))
    accounts.invite_user(
        admin, "new.delegate@b40.example", "Nikola Jovanović", Role.DELEGATE, "skopje", "tr"
    )
    accounts.request_password_reset("mayor.zagreb@b40.example")


@pytest.fixture
def demo_data(app, db):
    """The demo sign-ins, plus what staff work leaves behind: an invitation, a reset, audit rows.
    Loaded through the operations once per process, then written back."""
    load_once(app, "demo", lambda: (demo.load(), _staff_work()))


@pytest.fixture
def history(app, db):
    """The real network and its presidency history: five terms, İstanbul 2021 to Zagreb 2026
    (a module may define its own history fixture, which then takes its place)."""
    load_once(app, "history", lambda: (demo.load_cities(), load_history(demo.DATA)))
