"""The election benchmark's two halves: a database of voting mayors, and the mayors voting.

    python bench/vote.py setup VOTERS             # in the instance of SECRETARIAT_INSTANCE_PATH
    python bench/vote.py fire BASE_URL VOTERS SPREAD
    python bench/vote.py check VOTERS             # ballots and register entries, after the run
    python bench/vote.py close BALLOTS            # time closing a round of BALLOTS ballots

setup: the demo's forty cities plus synthetic ones up to VOTERS, the real presidency history,
one mayor per city (one password, hashed once), and the election at the Zagreb summit in its
voting phase, roll frozen. fire: each mayor signs in and opens the ballot first (not timed);
then every mayor votes at a moment drawn at random within SPREAD seconds (0: all at once, let go
by a barrier): the choice (POST, the confirmation page) and the confirmation (POST, the cast
and its receipt). Each request is timed; p50, p99 and max are printed, and the exit status is 1
when a vote failed or a p99 is over the target. The mayors speak HTTP with the standard library.
"""

import http.client
import random
import re
import sys
import threading
import time
from datetime import date
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, insert, select

from secretariat import create_app, demo
from secretariat.accounts.operations import create_user, password_hasher
from secretariat.elections import ballot_box, operations, queries
from secretariat.elections.models import Ballot, Election, VoteRecord
from secretariat.extensions import db
from secretariat.members import operations as members
from secretariat.members.models import City, JoinRoute
from secretariat.presidency import demo as presidency_demo
from secretariat.presidency.models import Summit
from secretariat.security import Role

PASSWORD = "bench-vote-2026-ballot"  # noqa: S105 - a throwaway benchmark database
TARGET_P99_MS = 200.0
TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
RECEIPT = re.compile(r"\b[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3}\b")
CHOICE = re.compile(r'type="radio" value="([^"]+)"')


def mayor_email(number: int) -> str:
    return f"mayor{number:03d}@bench.example"


def setup(voters: int) -> None:
    app = create_app()
    with app.test_request_context():
        demo.load_cities()
        for number in range(voters - len(db.session.scalars(select(City.id)).all())):
            members.create_city(
                None,
                official_name=f"Bench City {number:03d}",
                english_name=f"Bench City {number:03d}",
                country_code="RS",
                joined_on=date(2025, 1, 1),
                join_route=JoinRoute.APPLICATION,
            )
        presidency_demo.load_history(demo.DATA)
        digest = password_hasher().hash(PASSWORD)
        slugs = db.session.scalars(select(City.slug).order_by(City.id)).all()
        for number, slug in enumerate(slugs):
            mayor = create_user(None, mayor_email(number), f"Mayor {number}", Role.MAYOR, slug)
            mayor.password_hash = digest
        summit = db.session.scalar(select(Summit).where(Summit.number == 5))
        election = operations.create_election(None, summit)
        operations.open_nominations(None, election)
        for slug in ("tirana", "sarajevo", "skopje"):
            operations.nominate_city(
                None, election, db.session.scalar(select(City).where(City.slug == slug))
            )
        roll = operations.open_voting(None, election)
        db.session.commit()
        print(f"setup: {len(slugs)} mayors, {roll} cities on the roll, election {election.id}")


class Browser:
    """One mayor's browser: a session cookie, one HTTP connection per request."""

    def __init__(self, host: str, port: int):
        self.host, self.port, self.cookie = host, port, ""

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Connection": "close"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8")
        elapsed = time.perf_counter() - started
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("b40_session="):
                self.cookie = value.split(";", 1)[0]
        connection.close()
        return response.status, text, elapsed * 1000


def prepare(browser: Browser, number: int, election: int) -> tuple[str, str]:
    status, page, _ms = browser.request("GET", "/sign-in")
    form = {"email": mayor_email(number), "password": PASSWORD}
    status, page, _ms = browser.request(
        "POST", "/sign-in", {**form, "csrf_token": TOKEN.search(page).group(1)}
    )
    if status != 302:
        raise RuntimeError(f"mayor {number}: sign-in answered {status}")
    status, page, _ms = browser.request("GET", f"/elections/{election}/ballot")
    if status != 200:
        raise RuntimeError(f"mayor {number}: ballot answered {status}")
    choices = CHOICE.findall(page)
    return TOKEN.search(page).group(1), choices[number % len(choices)]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def fire(base: str, voters: int, spread: float) -> int:
    address = urlsplit(base)
    browsers = [Browser(address.hostname, address.port) for _ in range(voters)]
    _status, page, _ms = browsers[0].request("GET", "/elections")
    election = int(re.search(r'href="/elections/(\d+)"', page).group(1))
    started = time.perf_counter()
    prepared = [prepare(browser, n, election) for n, browser in enumerate(browsers)]
    print(
        f"fire: {voters} mayors signed in and opened the ballot in {time.perf_counter() - started:.1f} s"
    )

    rng = random.Random(70)  # noqa: S311 - arrival times, not a secret
    moments = sorted(rng.uniform(0, spread) for _ in range(voters)) if spread else [0.0] * voters
    barrier = threading.Barrier(voters)
    timings = {"choose": [], "cast": []}
    errors: list[str] = []
    lock = threading.Lock()

    def vote(n: int):
        token, choice = prepared[n]
        barrier.wait()
        time.sleep(moments[n])
        path = f"/elections/{election}/ballot"
        status, page, choose_ms = browsers[n].request(
            "POST", path, {"csrf_token": token, "choice": choice}
        )
        if status != 200 or "Confirm my vote" not in page:
            with lock:
                errors.append(f"mayor {n}: choice answered {status}")
            return
        form = {
            "csrf_token": TOKEN.search(page).group(1),
            "choice": choice,
            "confirm": "Confirm my vote",
        }
        status, page, cast_ms = browsers[n].request("POST", f"{path}/cast", form)
        with lock:
            timings["choose"].append(choose_ms)
            timings["cast"].append(cast_ms)
            if status != 200 or not RECEIPT.search(page):
                errors.append(f"mayor {n}: confirmation answered {status}")

    threads = [threading.Thread(target=vote, args=(n,)) for n in range(voters)]
    window = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    window = time.perf_counter() - window
    print(f"fire: {voters} mayors voted within {window:.2f} s (arrivals spread over {spread:g} s)")
    worst = 0.0
    for name, values in timings.items():
        if values:
            p99 = percentile(values, 0.99)
            worst = max(worst, p99)
            print(
                f"  {name:<7} {len(values)} requests: p50 {percentile(values, 0.5):.1f} ms, "
                f"p99 {p99:.1f} ms, max {max(values):.1f} ms"
            )
    print(f"  errors: {len(errors)}" + "".join(f"\n    {e}" for e in errors[:10]))
    verdict = not errors and worst <= TARGET_P99_MS
    print(f"  target p99 <= {TARGET_P99_MS:.0f} ms and no error: {'met' if verdict else 'MISSED'}")
    return 0 if verdict else 1


def check(voters: int) -> int:
    with create_app().app_context():
        ballots = db.session.scalar(select(func.count()).select_from(Ballot))
        register = db.session.scalar(select(func.count()).select_from(VoteRecord))
    verdict = ballots == register == voters
    print(
        f"check: {ballots} ballots, {register} register entries (expected {voters}): {'ok' if verdict else 'WRONG'}"
    )
    return 0 if verdict else 1


def close(total: int) -> int:
    """Time the close of a round of total ballots: the run's, plus random ones put straight into
    the box (the round is still open), counted in the database, tallied, the round closed."""
    with create_app().test_request_context():
        election = db.session.scalar(select(Election))
        options = queries.ballot_options(election)
        missing = total - db.session.scalar(select(func.count()).select_from(Ballot))
        rng = random.Random(10)  # noqa: S311 - benchmark ballots, not a secret
        rows = [
            {
                "receipt": ballot_box.new_receipt(),
                "election_id": election.id,
                "round": 1,
                "choice": rng.choice(options),
            }
            for _ in range(missing)
        ]
        if rows:
            db.session.execute(insert(Ballot), rows)
        db.session.commit()
        started = time.perf_counter()
        counted = operations.close_voting(None, election)
        db.session.commit()
        elapsed = (time.perf_counter() - started) * 1000
    verdict = counted == total and elapsed < 100
    print(
        f"close: {counted:,} ballots counted from the database, tallied and the round closed "
        f"in {elapsed:.1f} ms (limit 100 ms): {'ok' if verdict else 'MISSED'}"
    )
    return 0 if verdict else 1


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "setup":
        setup(int(argv[1]))
        return 0
    if len(argv) == 4 and argv[0] == "fire":
        return fire(argv[1], int(argv[2]), float(argv[3]))
    if len(argv) == 2 and argv[0] == "check":
        return check(int(argv[1]))
    if len(argv) == 2 and argv[0] == "close":
        return close(int(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
