"""Races against a real server on 127.0.0.1: one city's ballots at once, and voters against closes.

Threads are released together by a barrier; each speaks HTTP with its own session cookie, as
separate browsers would. Every answer must be one the portal means to give, never a 5xx.
"""

import http.client
import re
import threading
import time
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from secretariat.accounts import operations as accounts
from secretariat.accounts.models import User
from secretariat.elections import operations
from secretariat.elections.models import Ballot, Election, Tally, VoteRecord
from secretariat.extensions import db as _db
from secretariat.members.models import City
from secretariat.security import Role
from tests.conftest import add_cities
from tests.test_elections import (
    RECEIPT,
    candidate_codes,
    election_at,
    network,  # noqa: F401 - the fixture, shared
    person,
)

pytestmark = pytest.mark.usefixtures("network")

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CLOSED_COUNT = re.compile(r"Voting is closed: (\d+) ballots? counted in round 1\.")


@pytest.fixture(scope="module")
def server(app):
    """The test app on a free port of 127.0.0.1, many requests at once (a thread each)."""
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, name="election-server", daemon=True)
    thread.start()
    yield served.server_port
    served.shutdown()
    served.server_close()
    thread.join(timeout=10)


class Browser:
    """One person's browser: its session cookie, kept up to date from every answer."""

    def __init__(self, app, port: int, user: User):
        self.port = port
        client = app.test_client()
        with app.app_context():
            accounts.open_session(user)
            _db.session.commit()
        with client.session_transaction() as session:  # what signing in leaves in the session
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        self.cookie = client.get_cookie("b40_session").value

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": f"b40_session={self.cookie}", "Connection": "close"}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("b40_session="):
                self.cookie = value.split(";", 1)[0].split("=", 1)[1]
        location = response.getheader("Location")
        connection.close()
        return response.status, text, location

    def token(self, path: str) -> str:
        status, text, _location = self.request("GET", path)
        assert status == 200, (path, status)
        return TOKEN.search(text).group(1)


def together(tasks) -> list:
    """Run every task in its own thread, all released at once by a barrier; their answers."""
    barrier = threading.Barrier(len(tasks))
    answers = [None] * len(tasks)

    def run(index, task):
        barrier.wait()
        try:
            answers[index] = task()
        except Exception as error:  # a failed request is an answer the test must see
            answers[index] = error

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def count_of(app, model, *where) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_fifty_ballots_at_once_from_one_city_make_one(app, server):
    election_id = election_at(app)
    codes = list(candidate_codes(app, election_id).values())
    mayor = person(app, Role.MAYOR, "tirana")
    delegate = person(app, Role.DELEGATE, "tirana")
    with app.test_request_context():
        operations.authorise_delegate(
            _db.session.get(User, mayor.id),
            _db.session.get(Election, election_id),
            _db.session.get(User, delegate.id),
        )
        _db.session.commit()
    ballot = f"/elections/{election_id}/ballot"
    browsers = [Browser(app, server, mayor if n % 2 else delegate) for n in range(50)]
    tokens = [browser.token(ballot) for browser in browsers]

    def vote(n):
        form = {"csrf_token": tokens[n], "choice": codes[n % 3], "confirm": "Confirm my vote"}
        return lambda: browsers[n].request("POST", f"{ballot}/cast", form)

    answers = together([vote(n) for n in range(50)])
    statuses = [a if isinstance(a, Exception) else a[0] for a in answers]
    assert not [s for s in statuses if isinstance(s, Exception) or s >= 500], statuses
    cast = [text for status, text, _ in answers if status == 200]
    calm = [text for status, text, _ in answers if status == 409]
    assert len(cast) == 1 and RECEIPT.search(cast[0])
    assert len(calm) == 49
    assert all("Your city has already voted in this round." in text for text in calm)
    assert count_of(app, Ballot) == 1
    assert count_of(app, VoteRecord) == 1


def _seventy_cities(app) -> list[User]:
    """The demo's forty cities and thirty more, each with its mayor."""
    with app.test_request_context():
        add_cities(30, "Test City")
        slugs = _db.session.scalars(select(City.slug).order_by(City.id)).all()
        mayors = [
            accounts.create_user(None, f"mayor.{slug}@example.org", f"Mayor {n}", Role.MAYOR, slug)
            for n, slug in enumerate(slugs)
        ]
        _db.session.commit()
        for mayor in mayors:
            _db.session.refresh(mayor)
            _db.session.expunge(mayor)
    assert len(mayors) == 70
    return mayors


def test_seventy_cities_vote_while_closes_race_them(app, server):
    mayors = _seventy_cities(app)
    election_id = election_at(app)
    codes = [*candidate_codes(app, election_id).values(), "blank"]
    assert count_of(app, VoteRecord) == 0
    page = f"/elections/{election_id}"
    voters = [Browser(app, server, mayor) for mayor in mayors]
    tokens = [voter.token(f"{page}/ballot") for voter in voters]
    staff = person(app, Role.SECRETARIAT)
    closers = [Browser(app, server, staff) for _ in range(4)]
    staff_tokens = [closer.token(page) for closer in closers]

    def vote(n):
        form = {"csrf_token": tokens[n], "choice": codes[n % 4], "confirm": "Confirm my vote"}
        return lambda: voters[n].request("POST", f"{page}/ballot/cast", form)

    def close(n):
        def run():
            time.sleep(0.02 * n)  # the closes land among the ballots, not all before them
            status, _text, location = closers[n].request(
                "POST", f"{page}/phase/closed", {"csrf_token": staff_tokens[n]}
            )
            assert status == 302, status
            return closers[n].request("GET", urlsplit(location).path)

        return run

    answers = together([vote(n) for n in range(70)] + [close(n) for n in range(4)])
    failures = [a for a in answers if isinstance(a, Exception) or a[0] >= 500]
    assert failures == []
    votes, closes = answers[:70], answers[70:]
    counts = [int(CLOSED_COUNT.search(text).group(1)) for _status, text, _ in closes]
    assert len(set(counts)) == 1, counts  # every close reports the same count
    counted = counts[0]

    receipts = {RECEIPT.search(text).group(0) for status, text, _ in votes if status == 200}
    late = [text for status, text, _ in votes if status != 200]
    assert all(status in (200, 409) for status, _text, _ in votes)
    assert all("Voting has closed." in text for text in late)
    assert len(receipts) == counted
    with app.app_context():
        stored = set(_db.session.scalars(select(Ballot.receipt)))
        tallied = _db.session.scalar(select(func.sum(Tally.votes)))
    assert stored == receipts  # no ballot after the close, none lost before it
    assert count_of(app, VoteRecord) == counted
    assert (tallied or 0) == counted

    form = {"csrf_token": tokens[69], "choice": codes[0], "confirm": "Confirm my vote"}
    status, text, _location = voters[69].request("POST", f"{page}/ballot/cast", form)
    assert status == 409 and "Voting has closed." in text
    assert count_of(app, Ballot) == counted
