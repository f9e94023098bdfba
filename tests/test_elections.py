"""Elections: phases, candidacy, the roll, delegates, the ballot, counting, paper, certification."""

import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from secretariat import demo
from secretariat.accounts import operations as accounts
from secretariat.accounts.models import User
from secretariat.audit import AuditEntry
from secretariat.database import utcnow
from secretariat.elections import ballot_box, operations, tasks
from secretariat.elections.models import (
    Authorisation,
    Ballot,
    Candidate,
    Election,
    Mode,
    Phase,
    RollEntry,
    Tally,
    VoteRecord,
)
from secretariat.errors import NotAllowed, RuleViolation
from secretariat.extensions import db as _db
from secretariat.members import operations as members
from secretariat.members.models import City, JoinRoute
from secretariat.presidency import demo as presidency_demo
from secretariat.presidency.models import Summit, Term
from secretariat.security import Role
from tests.conftest import load_once, sign_in
from tests.helpers import city, flashes, words

CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)
RECEIPT = re.compile(r"\b[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}\b")
ZAGREB_SUMMIT = 5  # the host of summit 5 holds term 5: it may not stand for term 6


# --- building an election ------------------------------------------------------------------


@pytest.fixture
def network(app, db):
    """The demo network's forty cities and the real history of five summits and terms."""
    load_once(app, "network", lambda: (demo.load_cities(), presidency_demo.load_history(demo.DATA)))


def city_id(slug: str) -> int:
    return _db.session.scalar(select(City.id).where(City.slug == slug))


def person(app, role, city=None, email=None) -> User:
    """An account without a password (no Argon2 round): tests sign it in with signed_in()."""
    role = Role(role)
    email = email or f"{role.value}.{city or 'staff'}@example.org"
    with app.app_context():
        user = accounts.create_user(None, email, f"{role.label} {city or ''}".strip(), role, city)
        _db.session.commit()
        _db.session.refresh(user)
        _db.session.expunge(user)
    return user


def signed_in(client, user: User):
    """The session a sign-in leaves behind (sign-in itself is tested with accounts)."""
    with client.application.app_context():
        accounts.open_session(user)
        _db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def election_at(
    app,
    phase=Phase.VOTING,
    candidates=("tirana", "sarajevo", "skopje"),
    mode=Mode.ONLINE,
    summit_number=ZAGREB_SUMMIT,
) -> int:
    """An election at a summit, taken to phase through the operations (the system as actor)."""
    with app.test_request_context():
        summit = _db.session.scalar(select(Summit).where(Summit.number == summit_number))
        election = operations.create_election(None, summit, mode)
        if phase != Phase.DRAFT:
            operations.open_nominations(None, election)
            for slug in candidates:
                city = _db.session.scalar(select(City).where(City.slug == slug))
                operations.nominate_city(None, election, city)
        if phase in (Phase.VOTING, Phase.CLOSED):
            operations.open_voting(None, election)
        if phase == Phase.CLOSED:
            operations.close_voting(None, election)
        _db.session.commit()
        return election.id


def candidate_codes(app, election_id) -> dict[str, str]:
    """slug -> the code a ballot holds for that candidate."""
    with app.app_context():
        rows = _db.session.execute(
            select(City.slug, Candidate.id)
            .join(Candidate, Candidate.city_id == City.id)
            .where(Candidate.election_id == election_id)
        ).all()
    return {slug: str(code) for slug, code in rows}


def cast(app, user: User, election_id: int, choice: str) -> str:
    with app.test_request_context():
        voter = _db.session.get(User, user.id)
        receipt = ballot_box.cast_ballot(voter, election_id, choice)
        _db.session.commit()
        return receipt


def step(app, operation, election_id, *args, actor=None):
    with app.test_request_context():
        election = _db.session.get(Election, election_id)
        result = operation(actor and _db.session.get(User, actor.id), election, *args)
        _db.session.commit()
        return result


def refused(app, operation, election_id, *args, actor=None) -> str:
    with app.test_request_context(), pytest.raises((RuleViolation, NotAllowed)) as refusal:
        election = _db.session.get(Election, election_id)
        operation(actor and _db.session.get(User, actor.id), election, *args)
    with app.app_context():
        _db.session.rollback()
    return str(refusal.value.message)


def voters(app, slugs) -> dict[str, User]:
    return {slug: person(app, Role.MAYOR, slug) for slug in slugs}


def count_of(app, model, *where) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(model).where(*where))


def read(app, election_id) -> Election:
    with app.app_context():
        election = _db.session.get(Election, election_id)
        _db.session.expunge(election)
        return election


def token(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) or found.group(2)


def post(client, url, data=None, page=None):
    """A form posted with the CSRF token of page (the home page, or sign-in for a visitor)."""
    signed = client.get_cookie("b40_session") and "_user_id" in _session_of(client)
    page = page or ("/" if signed else "/sign-in")
    return client.post(url, data={"csrf_token": client.csrf_token(page), **(data or {})})


def _session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


# --- phases ---------------------------------------------------------------------------------


def test_staff_create_an_election_and_move_its_phases_in_order(app, client, network):
    staff = person(app, Role.SECRETARIAT)
    signed_in(client, staff)
    with app.app_context():
        summit_id = _db.session.scalar(select(Summit.id).where(Summit.number == ZAGREB_SUMMIT))
    page = client.get("/elections/new").get_data(as_text=True)
    assert "Summit 5 · Zagreb · 2026" in page
    created = client.post(
        "/elections/new",
        data={
            "csrf_token": token(page),
            "summit": summit_id,
            "mode": "online",
            "nominations_open_at": "2026-12-01T09:00",
            "voting_opens_at": "2026-12-10T09:00",
            "voting_closes_at": "2026-12-12T18:00",
        },
    )
    assert created.status_code == 302
    election_id = int(created.headers["Location"].rsplit("/", 1)[1])
    election = read(app, election_id)
    assert (election.phase, election.term_number) == (Phase.DRAFT, 6)
    assert election.voting_opens_at == datetime(2026, 12, 10, 6, 0, tzinfo=UTC)  # Istanbul time

    url = f"/elections/{election_id}"
    refused_early = post(client, f"{url}/phase/voting", page=url)
    assert refused_early.status_code == 302
    assert read(app, election_id).phase == Phase.DRAFT
    post(client, f"{url}/phase/nominations", page=url)
    assert read(app, election_id).phase == Phase.NOMINATIONS
    without_candidates = post(client, f"{url}/phase/voting", page=url)
    assert "without a candidate" in client.get(without_candidates.headers["Location"]).text

    assert (
        post(client, f"{url}/nominations", {"city": city_id_in(app, "sofia")}, url).status_code
        == 302
    )
    opened = client.get(post(client, f"{url}/phase/voting", page=url).headers["Location"]).text
    assert "Voting is open: 40 cities are on the roll." in flashes(opened)
    closed = client.get(post(client, f"{url}/phase/closed", page=url).headers["Location"]).text
    assert "Voting is closed: 0 ballots counted in round 1." in flashes(closed)
    assert count_of(app, Tally, Tally.election_id == election_id) == 3  # yes, no, blank


def city_id_in(app, slug) -> int:
    with app.app_context():
        return city_id(slug)


def test_a_summit_has_one_election(app, network):
    election_at(app, Phase.DRAFT)
    with app.test_request_context():
        summit = _db.session.scalar(select(Summit).where(Summit.number == ZAGREB_SUMMIT))
        with pytest.raises(RuleViolation):
            operations.create_election(None, summit)


def test_dates_must_follow_the_phases(app, network):
    with app.test_request_context():
        summit = _db.session.scalar(select(Summit).where(Summit.number == ZAGREB_SUMMIT))
        now = utcnow()
        with pytest.raises(RuleViolation, match="check the dates"):
            operations.create_election(None, summit, Mode.ONLINE, now, now - timedelta(days=1))


def test_the_scheduler_opens_and_closes_phases_on_time(app, network, caplog):
    now = utcnow()
    election_id = election_at(app, Phase.DRAFT)
    with app.test_request_context():
        election = _db.session.get(Election, election_id)
        operations.set_schedule(
            None,
            election,
            Mode.ONLINE,
            now + timedelta(hours=1),
            now + timedelta(hours=2),
            now + timedelta(hours=3),
        )
        _db.session.commit()
    with app.app_context():
        assert tasks.advance_phases(now) == 0
        assert tasks.advance_phases(now + timedelta(hours=1)) == 1
        assert tasks.advance_phases(now + timedelta(hours=1)) == 0  # a second scheduler: no-op
        with caplog.at_level(logging.WARNING, logger="secretariat.elections"):
            assert tasks.advance_phases(now + timedelta(hours=2)) == 0  # no candidate yet
        assert "without a candidate" in caplog.text
    assert read(app, election_id).phase == Phase.NOMINATIONS
    with app.test_request_context():
        operations.nominate_city(None, _db.session.get(Election, election_id), city("athens"))
        _db.session.commit()
    with app.app_context():
        assert tasks.advance_phases(now + timedelta(hours=2)) == 1
        assert read(app, election_id).phase == Phase.VOTING
        assert tasks.advance_phases(now + timedelta(hours=3)) == 1
        assert tasks.advance_phases(now + timedelta(hours=4)) == 0
    assert read(app, election_id).phase == Phase.CLOSED


# --- candidacy ------------------------------------------------------------------------------


def test_a_mayor_nominates_their_own_city(app, client, network):
    election_id = election_at(app, Phase.NOMINATIONS, candidates=())
    mayor = person(app, Role.MAYOR, "tirana")
    signed_in(client, mayor)
    url = f"/elections/{election_id}"
    page = client.get(url).text
    assert "Nominate Tirana as a candidate" in page
    done = post(client, f"{url}/nominations", {"city": city_id_in(app, "sofia")}, url)
    assert "Tirana is a candidate." in flashes(client.get(done.headers["Location"]).text)
    assert candidate_codes(app, election_id).keys() == {"tirana"}  # the city field is ignored
    with app.app_context():
        entry = _db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "election.nominate")
        )
        assert entry.after == {"city": "tirana", "in_hall": False}


def test_a_mayor_cannot_nominate_another_city_nor_a_delegate_any(app, client, network):
    election_id = election_at(app, Phase.NOMINATIONS, candidates=())
    mayor = person(app, Role.MAYOR, "tirana")
    with app.test_request_context():
        election = _db.session.get(Election, election_id)
        with pytest.raises(NotAllowed):
            operations.nominate_city(_db.session.get(User, mayor.id), election, city("sofia"))
    signed_in(client, person(app, Role.DELEGATE, "tirana"))
    assert post(client, f"/elections/{election_id}/nominations").status_code == 403


def test_the_city_of_the_previous_term_cannot_stand(app, client, network):
    """Zagreb hosts summit 5 and holds term 5 (after the handover, the current president): the
    charter's rule refuses it for term 6, for its mayor and for staff in the hall alike."""
    election_id = election_at(app, Phase.NOMINATIONS, candidates=())
    rule = (
        "No city may hold the presidency for two terms in a row: Zagreb holds term 5, "
        "so it cannot stand for term 6."
    )
    signed_in(client, person(app, Role.MAYOR, "zagreb"))
    url = f"/elections/{election_id}"
    assert rule in words(client.get(url).text)  # shown instead of the nomination button
    answer = post(client, f"{url}/nominations", page=url)
    assert rule in flashes(client.get(answer.headers["Location"]).text)
    staff = person(app, Role.SECRETARIAT)
    with app.test_request_context():
        election = _db.session.get(Election, election_id)
        with pytest.raises(RuleViolation) as refusal:
            operations.nominate_city(_db.session.get(User, staff.id), election, city("zagreb"))
    assert str(refusal.value.message) == rule
    assert candidate_codes(app, election_id) == {}


def test_sofia_may_stand_again_after_a_term_between(app, network):
    election_id = election_at(app, Phase.NOMINATIONS, candidates=("sofia",))
    assert candidate_codes(app, election_id).keys() == {"sofia"}


def test_a_city_that_left_the_network_cannot_stand(app, network):
    election_id = election_at(app, Phase.NOMINATIONS, candidates=())
    with app.test_request_context():
        members.withdraw_city(None, city("kotor"), date(2026, 3, 1))
        _db.session.commit()
    with app.test_request_context(), pytest.raises(RuleViolation, match="not an active member"):
        operations.nominate_city(None, _db.session.get(Election, election_id), city("kotor"))


def test_eligibility_is_checked_again_when_voting_opens(app, network):
    election_id = election_at(app, Phase.NOMINATIONS, candidates=("kotor", "split"))
    with app.test_request_context():
        members.withdraw_city(None, city("kotor"), date(2026, 3, 1))
        _db.session.commit()
    message = refused(app, operations.open_voting, election_id)
    assert "Kotor is not an active member" in message
    assert "Withdraw this nomination" in message
    assert read(app, election_id).phase == Phase.NOMINATIONS
    assert count_of(app, RollEntry) == 0
    with app.test_request_context():
        election = _db.session.get(Election, election_id)
        kotor = next(c for c in election.candidates if c.city.slug == "kotor")
        operations.withdraw_nomination(None, election, kotor)
        operations.open_voting(None, election)
        _db.session.commit()
    assert read(app, election_id).phase == Phase.VOTING


def test_nominations_happen_only_while_nominations_are_open(app, network):
    election_id = election_at(app, Phase.VOTING)
    assert "Nominations are not open" in refused(
        app, operations.nominate_city, election_id, _city_in(app, "split")
    )
    with app.app_context():
        candidate = _db.session.scalar(
            select(Candidate).where(Candidate.election_id == election_id)
        )
        assert "frozen" in refused(app, operations.withdraw_nomination, election_id, candidate)


def _city_in(app, slug) -> City:
    with app.app_context():
        found = city(slug)
        _db.session.expunge(found)
        return found


def test_the_roll_and_the_candidates_are_frozen_when_voting_opens(app, client, network):
    election_id = election_at(app, Phase.VOTING)
    assert count_of(app, RollEntry, RollEntry.election_id == election_id) == 40
    with app.test_request_context():
        late = members.create_city(
            None,
            official_name="Mostar",
            english_name="Mostar",
            country_code="BA",
            joined_on=date(2026, 6, 1),
            join_route=JoinRoute.APPLICATION,
        )
        _db.session.commit()
        late_id = late.id
    signed_in(client, person(app, Role.MAYOR, "mostar"))
    assert client.get(f"/elections/{election_id}/ballot").status_code == 403
    with app.app_context(), _db.engine.connect() as connection:
        for statement in (
            "INSERT INTO roll_entries (election_id, city_id) VALUES (:e, :c)",
            "INSERT INTO candidates (election_id, city_id, in_hall, is_in_second_round, nominated_at)"
            " VALUES (:e, :c, false, false, CURRENT_TIMESTAMP)",
            "DELETE FROM roll_entries WHERE election_id = :e",
            "DELETE FROM candidates WHERE election_id = :e",
        ):
            with pytest.raises(IntegrityError, match="frozen"):
                connection.execute(text(statement), {"e": election_id, "c": late_id})
            connection.rollback()


# --- delegates -------------------------------------------------------------------------------


def test_a_mayor_authorises_one_delegate_of_their_city(app, client, network):
    election_id = election_at(app)
    mayor = person(app, Role.MAYOR, "tirana")
    delegate = person(app, Role.DELEGATE, "tirana", "first.delegate@example.org")
    other = person(app, Role.DELEGATE, "tirana", "second.delegate@example.org")
    outsider = person(app, Role.DELEGATE, "sofia")
    url = f"/elections/{election_id}"

    signed_in(client, delegate)
    assert client.get(f"{url}/ballot").status_code == 403
    assert "not authorised you" in client.get(f"{url}/ballot").text
    assert post(client, f"{url}/authorisation", {"delegate": delegate.id}, url).status_code == 403

    signed_in(client, mayor)
    page = client.get(url).text
    assert "first.delegate" not in page and "Delegate tirana" in page
    assert post(client, f"{url}/authorisation", {"delegate": outsider.id}, url).status_code == 200
    done = post(client, f"{url}/authorisation", {"delegate": other.id}, url)
    done = post(client, f"{url}/authorisation", {"delegate": delegate.id}, url)
    assert done.status_code == 302
    with app.app_context():
        authorisation = _db.session.scalar(select(Authorisation))
        assert (authorisation.user_id, authorisation.granted_by_id) == (delegate.id, mayor.id)
        actions = _db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("election.authorise"))
        ).all()
        assert len(actions) == 2  # the first choice and its replacement, both recorded
        with pytest.raises(NotAllowed):
            operations.authorise_delegate(
                _db.session.get(User, mayor.id),
                _db.session.get(Election, election_id),
                _db.session.get(User, outsider.id),
            )

    signed_in(client, other)
    assert client.get(f"{url}/ballot").status_code == 403
    signed_in(client, delegate)
    assert client.get(f"{url}/ballot").status_code == 200
    receipt = vote_through_pages(client, election_id, candidate_codes(app, election_id)["skopje"])
    assert RECEIPT.fullmatch(receipt)
    with app.app_context():
        record = _db.session.scalar(select(VoteRecord))
        assert (record.city_id, record.voted_by_id) == (city_id("tirana"), delegate.id)
    signed_in(client, mayor)
    assert "Your city has already voted in this round." in client.get(f"{url}/ballot").text

    staff = person(app, Role.SECRETARIAT)
    signed_in(client, staff)
    listed = words(client.get(url).text)
    assert "Tirana Delegate tirana <first.delegate@example.org>" in listed


# --- the ballot ------------------------------------------------------------------------------


def vote_through_pages(client, election_id, choice) -> str:
    """Choose, confirm, and read the receipt: what a mayor does in the browser."""
    url = f"/elections/{election_id}/ballot"
    ballot = client.get(url)
    assert ballot.status_code == 200, ballot.text
    confirm = client.post(url, data={"csrf_token": token(ballot.text), "choice": choice})
    assert confirm.status_code == 200
    assert 'value="Confirm my vote"' in confirm.text
    done = client.post(
        f"{url}/cast",
        data={"csrf_token": token(confirm.text), "choice": choice, "confirm": "Confirm my vote"},
    )
    assert done.status_code == 200, done.text
    return RECEIPT.search(done.text).group(0)


def test_the_ballot_a_confirmation_and_a_receipt_shown_once(app, client, network):
    election_id = election_at(app)
    codes = candidate_codes(app, election_id)
    signed_in(client, person(app, Role.MAYOR, "tirana"))
    url = f"/elections/{election_id}/ballot"

    ballot = client.get(url)
    assert ballot.headers["Cache-Control"] == "private, no-store"
    options = re.findall(r'type="radio" value="([^"]+)"> <label for="[^"]+">([^<]+)<', ballot.text)
    assert options == [
        (codes["tirana"], "Tirana"),
        (codes["sarajevo"], "Sarajevo"),
        (codes["skopje"], "Skopje"),
        ("blank", "Blank vote"),
    ]
    nothing = client.post(url, data={"csrf_token": token(ballot.text)})
    assert "Choose one option." in nothing.text
    forged = client.post(url, data={"csrf_token": token(ballot.text), "choice": "999"})
    assert 'value="Confirm my vote"' not in forged.text

    confirm = client.post(url, data={"csrf_token": token(ballot.text), "choice": codes["skopje"]})
    assert "<strong>Skopje</strong>" in confirm.text
    assert count_of(app, Ballot) == 0  # nothing is cast before the confirmation
    changed = client.post(
        f"{url}/cast",
        data={"csrf_token": token(confirm.text), "choice": codes["skopje"], "change": "Change"},
    )
    assert re.search(rf'<input checked [^>]*value="{codes["skopje"]}"', changed.text)
    assert count_of(app, Ballot) == 0

    done = client.post(
        f"{url}/cast",
        data={"csrf_token": token(confirm.text), "choice": codes["skopje"], "confirm": "Confirm"},
    )
    receipt = RECEIPT.search(done.text).group(0)
    assert done.headers["Cache-Control"] == "private, no-store"
    assert receipt not in client.get_cookie("b40_session").value
    with app.app_context():
        ballot_row = _db.session.get(Ballot, receipt)
        assert (ballot_row.choice, ballot_row.round) == (codes["skopje"], 1)
    election_page = client.get(f"/elections/{election_id}").text
    assert receipt not in election_page and "Your city has already voted" in election_page

    again = client.post(
        f"{url}/cast",
        data={"csrf_token": token(confirm.text), "choice": codes["tirana"], "confirm": "Confirm"},
    )
    assert again.status_code == 409
    assert "Your city has already voted in this round." in again.text
    assert count_of(app, Ballot) == count_of(app, VoteRecord) == 1


def test_nobody_votes_by_get(app, client, network):
    election_id = election_at(app)
    signed_in(client, person(app, Role.MAYOR, "tirana"))
    code = candidate_codes(app, election_id)["tirana"]
    assert (
        client.get(f"/elections/{election_id}/ballot/cast?choice={code}&confirm=1").status_code
        == 405
    )
    assert client.get(f"/elections/{election_id}/ballot?choice={code}").status_code == 200
    assert count_of(app, Ballot) == 0


def test_who_may_open_the_ballot(app, client, network):
    election_id = election_at(app)
    url = f"/elections/{election_id}/ballot"
    assert client.get(url).headers["Location"].startswith("/sign-in")
    signed_in(client, person(app, Role.SECRETARIAT))
    assert client.get(url).status_code == 403
    signed_in(client, person(app, Role.DELEGATE, "sofia"))
    assert client.get(url).status_code == 403
    assert client.get("/elections/987654/ballot").status_code == 404


def test_a_mayor_votes_for_their_own_city_only(app, client, network):
    election_id = election_at(app)
    code = candidate_codes(app, election_id)["sarajevo"]
    signed_in(client, person(app, Role.MAYOR, "tirana"))
    page = client.get(f"/elections/{election_id}/ballot").text
    client.post(
        f"/elections/{election_id}/ballot/cast",
        data={
            "csrf_token": token(page),
            "choice": code,
            "confirm": "Confirm",
            "city": city_id_in(app, "athens"),
            "city_id": city_id_in(app, "athens"),
        },
    )
    with app.app_context():
        assert _db.session.scalars(select(VoteRecord.city_id)).all() == [city_id("tirana")]


def test_a_single_candidate_is_elected_with_more_yes_than_no(app, client, network):
    election_id = election_at(app, candidates=("sofia",))
    people = voters(app, ["athens", "tirana", "izmir", "split"])
    signed_in(client, people["athens"])
    ballot = client.get(f"/elections/{election_id}/ballot").text
    assert re.findall(r'type="radio" value="([^"]+)"', ballot) == ["yes", "no", "blank"]
    assert "Yes, Sofia" in ballot
    for slug, choice in zip(people, ["yes", "yes", "no", "blank"], strict=True):
        cast(app, people[slug], election_id, choice)
    assert step(app, operations.close_voting, election_id) == 4
    page = words(client.get(f"/elections/{election_id}").text)
    assert "Sofia is elected: more yes than no votes." in page
    assert "Blank votes (counted, not valid) 1" in page
    assert "Valid votes 3" in page


def test_a_single_candidate_without_more_yes_than_no_is_not_elected(app, network):
    election_id = election_at(app, candidates=("sofia",))
    people = voters(app, ["athens", "tirana"])
    cast(app, people["athens"], election_id, "yes")
    cast(app, people["tirana"], election_id, "no")
    step(app, operations.close_voting, election_id)
    election = read(app, election_id)
    assert election.winner_city_id is None
    assert "No city has been elected" in refused(app, operations.certify_election, election_id)


def test_results_turnout_and_receipts_are_hidden_until_voting_closes(app, client, network):
    election_id = election_at(app)
    codes = candidate_codes(app, election_id)
    people = voters(app, ["athens", "tirana", "izmir"])
    receipts = [cast(app, people[slug], election_id, codes["skopje"]) for slug in people]
    url = f"/elections/{election_id}"
    for who in (None, person(app, Role.SECRETARIAT), people["athens"]):
        if who is not None:
            signed_in(client, who)
        during = client.get(url).text
        assert "Results of round" not in during
        assert "Turnout" not in during and "Cities that voted" not in during
        assert not any(receipt in during for receipt in receipts)
    step(app, operations.close_voting, election_id)
    with client.session_transaction() as session:
        session.clear()
    after = client.get(url).text
    shown = words(after)
    assert "Results of round 1" in shown
    assert "Skopje 3" in shown
    assert "3 of 40 cities on the roll (8%)" in shown
    assert "Skopje is elected with an absolute majority of the valid votes." in shown
    assert all(receipt in after for receipt in receipts)
    listed = re.search(r"Cities that voted \(3\)</summary>\s*<ul>(.*?)</ul>", after).group(1)
    assert re.findall(r"<li>([^<]+)</li>", listed) == ["Athens", "Izmir", "Tirana"]


# --- counting --------------------------------------------------------------------------------


def test_closing_twice_counts_once(app, network):
    election_id = election_at(app)
    codes = candidate_codes(app, election_id)
    people = voters(app, ["athens", "tirana"])
    for slug in people:
        cast(app, people[slug], election_id, codes["sarajevo"])
    assert step(app, operations.close_voting, election_id) == 2
    assert step(app, operations.close_voting, election_id) == 2
    assert count_of(app, Tally, Tally.election_id == election_id) == 4
    with app.test_request_context(), pytest.raises(RuleViolation, match="Voting has closed"):
        ballot_box.cast_ballot(_db.session.get(User, people["athens"].id), election_id, "blank")


def test_a_second_round_between_the_two_leaders_with_the_same_roll(app, client, network):
    election_id = election_at(app, candidates=("tirana", "sarajevo", "skopje", "sofia"))
    codes = candidate_codes(app, election_id)
    slugs = ["athens", "izmir", "bursa", "split", "pula", "kotor", "burgas"]
    people = voters(app, slugs)
    for slug, choice in zip(
        slugs,
        ["tirana", "tirana", "sarajevo", "sarajevo", "sarajevo", "skopje", "sofia"],
        strict=True,
    ):
        cast(app, people[slug], election_id, codes[choice])
    step(app, operations.close_voting, election_id)
    page = words(client.get(f"/elections/{election_id}").text)
    assert "No absolute majority: a second round between Sarajevo and Tirana." in page
    staff = person(app, Role.SECRETARIAT)
    signed_in(client, staff)
    url = f"/elections/{election_id}"
    opened = post(client, f"{url}/second-round", {"closes_at": ""}, url)
    assert "The second round is open, with the same roll." in flashes(
        client.get(opened.headers["Location"]).text
    )
    election = read(app, election_id)
    assert (election.phase, election.round, election.voting_closes_at) == (Phase.VOTING, 2, None)

    signed_in(client, people["athens"])
    ballot = client.get(f"/elections/{election_id}/ballot").text
    assert re.findall(r'type="radio" value="([^"]+)"', ballot) == [
        codes["tirana"],
        codes["sarajevo"],
        "blank",
    ]
    with (
        app.test_request_context(),
        pytest.raises(RuleViolation, match="Choose one of the candidates"),
    ):
        ballot_box.cast_ballot(
            _db.session.get(User, people["kotor"].id), election_id, codes["skopje"]
        )
    for slug, choice in zip(
        slugs,
        ["tirana", "tirana", "sarajevo", "sarajevo", "sarajevo", "tirana", "tirana"],
        strict=True,
    ):
        cast(app, people[slug], election_id, codes[choice])
    with app.test_request_context(), pytest.raises(RuleViolation, match="already voted"):
        ballot_box.cast_ballot(_db.session.get(User, people["athens"].id), election_id, "blank")
    assert step(app, operations.close_voting, election_id) == 7
    assert count_of(app, VoteRecord, VoteRecord.round == 2) == 7
    assert count_of(app, Ballot, Ballot.round == 2) == 7
    result = words(client.get(url).text)
    assert "Results of round 1" in result and "Results of round 2" in result
    assert "Tirana is elected with an absolute majority of the valid votes." in result
    assert read(app, election_id).winner_city_id == city_id_in(app, "tirana")


def test_an_exact_tie_in_the_last_round_is_settled_by_lots_staff_record(app, client, network):
    election_id = election_at(app, candidates=("tirana", "sarajevo"))
    codes = candidate_codes(app, election_id)
    people = voters(app, ["athens", "izmir"])
    cast(app, people["athens"], election_id, codes["tirana"])
    cast(app, people["izmir"], election_id, codes["sarajevo"])
    step(app, operations.close_voting, election_id)  # 1 to 1: a second round between both
    step(app, operations.open_second_round, election_id, None)
    cast(app, people["athens"], election_id, codes["tirana"])
    cast(app, people["izmir"], election_id, codes["sarajevo"])
    step(app, operations.close_voting, election_id)

    staff = person(app, Role.SECRETARIAT)
    signed_in(client, staff)
    url = f"/elections/{election_id}"
    page = client.get(url).text
    assert "An exact tie: a drawing of lots decides between Tirana, Sarajevo." in words(page)
    assert "Certify the result" not in page
    no_note = post(client, f"{url}/lots", {"drawn": codes["sarajevo"], "note": ""}, url)
    assert "Describe the drawing." in no_note.text
    both = post(
        client, f"{url}/lots", {"drawn": [codes["sarajevo"], codes["tirana"]], "note": "x"}, url
    )
    assert "Choose 1 of the tied candidates, as the lots fell." in flashes(
        client.get(both.headers["Location"]).text
    )
    note = "Drawn by the network secretary in the hall, witnessed by both mayors."
    drawn = post(client, f"{url}/lots", {"drawn": codes["sarajevo"], "note": note}, url)
    assert "The drawing of lots is recorded." in flashes(client.get(drawn.headers["Location"]).text)
    election = read(app, election_id)
    assert (election.winner_city_id, election.lots_note) == (city_id_in(app, "sarajevo"), note)
    assert note in client.get(url).text
    assert "No drawing of lots is needed" in refused(
        app, operations.record_lots, election_id, "again", [int(codes["tirana"])]
    )


def test_a_tie_for_a_place_in_the_second_round_is_drawn_by_lots(app, network):
    election_id = election_at(app, candidates=("tirana", "sarajevo", "skopje"))
    codes = candidate_codes(app, election_id)
    people = voters(app, ["athens", "izmir", "bursa", "split"])
    for slug, choice in zip(people, ["tirana", "tirana", "sarajevo", "skopje"], strict=True):
        cast(app, people[slug], election_id, codes[choice])
    step(app, operations.close_voting, election_id)
    assert "record the drawing of lots first" in refused(
        app, operations.open_second_round, election_id, None
    )
    step(app, operations.record_lots, election_id, "Drawn in the hall.", [int(codes["skopje"])])
    step(app, operations.open_second_round, election_id, None)
    with app.app_context():
        pair = _db.session.scalars(
            select(Candidate.id)
            .where(Candidate.is_in_second_round.is_(True))
            .order_by(Candidate.id)
        ).all()
    assert [str(code) for code in pair] == [codes["tirana"], codes["skopje"]]


# --- paper mode ------------------------------------------------------------------------------


def test_paper_mode_staff_enter_the_cities_and_the_totals(app, client, network):
    election_id = election_at(app, mode=Mode.PAPER, candidates=("tirana", "sarajevo"))
    codes = candidate_codes(app, election_id)
    mayor = person(app, Role.MAYOR, "athens")
    with app.test_request_context(), pytest.raises(RuleViolation, match="on paper"):
        ballot_box.cast_ballot(_db.session.get(User, mayor.id), election_id, codes["tirana"])
    staff = person(app, Role.SECRETARIAT)
    signed_in(client, staff)
    url = f"/elections/{election_id}/paper"
    form = client.get(url).text
    assert "Tirana" in form and "Blank vote" in form
    voted = [city_id_in(app, slug) for slug in ("athens", "izmir", "split")]
    fields = {"voted": voted, f"votes_{codes['tirana']}": "2", f"votes_{codes['sarajevo']}": "0"}
    wrong = client.post(url, data={"csrf_token": token(form), **fields, "votes_blank": "0"})
    assert "The totals add up to 2 ballots, but 3 cities voted." in flashes(wrong.text)
    done = client.post(url, data={"csrf_token": token(form), **fields, "votes_blank": "1"})
    assert done.status_code == 302
    page = client.get(done.headers["Location"]).text
    assert "The paper results are recorded: 3 ballots counted in round 1." in flashes(page)
    assert "Tirana is elected with an absolute majority of the valid votes." in words(page)
    assert "3 of 40 cities on the roll (8%)" in words(page)
    with app.app_context():
        assert _db.session.scalars(select(VoteRecord.voted_by_id)).all() == [None] * 3
        assert _db.session.scalar(select(func.count()).select_from(Ballot)) == 0
    assert client.get(url).status_code == 302  # closed: nothing more to enter


# --- certification ---------------------------------------------------------------------------


def test_certification_makes_the_winner_president_elect(app, client, network):
    election_id = election_at(app)
    codes = candidate_codes(app, election_id)
    people = voters(app, ["athens", "izmir", "bursa"])
    for slug in people:
        cast(app, people[slug], election_id, codes["sarajevo"])
    step(app, operations.close_voting, election_id)
    signed_in(client, person(app, Role.ADMIN))
    url = f"/elections/{election_id}"
    done = post(client, f"{url}/phase/certified", page=url)
    page = client.get(done.headers["Location"]).text
    assert "The result is certified: Sarajevo holds term 6 and hosts the next summit." in flashes(
        page
    )
    with app.app_context():
        term = _db.session.scalar(select(Term).where(Term.number == 6))
        summit = _db.session.scalar(select(Summit).where(Summit.number == 6))
        assert term.city.slug == summit.host_city.slug == "sarajevo"
        election = _db.session.get(Election, election_id)
        assert election.phase == Phase.CERTIFIED and election.certified_at is not None
    assert "Certified" in client.get("/elections").text


def test_eligibility_is_checked_again_at_certification(app, network):
    election_id = election_at(app)
    codes = candidate_codes(app, election_id)
    cast(app, voters(app, ["athens"])["athens"], election_id, codes["skopje"])
    step(app, operations.close_voting, election_id)
    with app.test_request_context():
        members.withdraw_city(None, city("skopje"), date(2026, 12, 1))
        _db.session.commit()
    assert "Skopje is not an active member" in refused(
        app, operations.certify_election, election_id
    )
    assert count_of(app, Term, Term.number == 6) == 0


def test_the_database_refuses_to_change_ballots_and_certified_results(app, network):
    election_id = election_at(app)
    codes = candidate_codes(app, election_id)
    people = voters(app, ["athens", "izmir"])
    receipt = cast(app, people["athens"], election_id, codes["skopje"])
    statements = {
        "UPDATE ballots SET choice = :other": "ballots never change",
        "UPDATE vote_records SET city_id = city_id": "never change",
    }
    _refused_by_database(app, statements, election_id, codes)
    cast(app, people["izmir"], election_id, codes["skopje"])
    step(app, operations.close_voting, election_id)
    _refused_by_database(
        app,
        {
            "DELETE FROM ballots WHERE receipt = :receipt": "never removed",
            "INSERT INTO ballots (receipt, election_id, round, choice)"
            " VALUES ('LATE', :election, 1, :other)": "only while its round is being voted",
            "INSERT INTO vote_records (election_id, round, city_id)"
            " VALUES (:election, 1, :city)": "only while",
            "UPDATE tallies SET votes = votes + 1": "never change",
            "DELETE FROM tallies": "never removed",
        },
        election_id,
        codes,
        receipt=receipt,
    )
    step(app, operations.certify_election, election_id)
    _refused_by_database(
        app,
        {
            "UPDATE elections SET winner_city_id = :city": "certified election never changes",
            "UPDATE elections SET phase = 'closed'": "certified election never changes",
            "UPDATE candidates SET is_in_second_round = true": "certified election never changes",
            "DELETE FROM candidates": "frozen",
        },
        election_id,
        codes,
        receipt=receipt,
    )
    with app.app_context():
        assert _db.session.get(Ballot, receipt).choice == codes["skopje"]
        assert _db.session.get(Election, election_id).phase == Phase.CERTIFIED


def _refused_by_database(app, statements, election_id, codes, receipt=""):
    with app.app_context(), _db.engine.connect() as connection:
        for statement, reason in statements.items():
            values = {
                "other": codes["tirana"],
                "receipt": receipt,
                "election": election_id,
                "city": city_id("tirana"),
            }
            with pytest.raises(IntegrityError, match=reason):
                connection.execute(text(statement), values)
            connection.rollback()


# --- access, audit, demo ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), (Role.DELEGATE, 403), (Role.MAYOR, 302), (Role.SECRETARIAT, 302)],
)
def test_who_may_move_phases_and_nominate(app, client, network, role, expected):
    election_id = election_at(app, Phase.NOMINATIONS, candidates=())
    if role is not None:
        signed_in(
            client, person(app, role, "tirana" if role in (Role.MAYOR, Role.DELEGATE) else None)
        )
    answer = post(
        client, f"/elections/{election_id}/nominations", {"city": city_id_in(app, "split")}
    )
    assert answer.status_code == expected
    if role is None:
        assert answer.headers["Location"].startswith("/sign-in")
    phase = post(client, f"/elections/{election_id}/phase/voting")
    assert phase.status_code == (302 if role in (None, Role.SECRETARIAT) else 403)


def test_the_audit_trail_records_who_voted_never_what(app, network):
    election_id = election_at(app)
    codes = candidate_codes(app, election_id)
    mayor = voters(app, ["athens"])["athens"]
    receipt = cast(app, mayor, election_id, codes["skopje"])
    with app.app_context():
        entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "election.vote"))
        assert (entry.actor_id, entry.after) == (mayor.id, {"city": "athens", "round": 1})
        for row in _db.session.scalars(select(AuditEntry)):
            assert receipt not in repr((row.before, row.after, row.target_label))


def test_the_demo_election_lets_the_mayor_of_tirana_vote(app, client, demo_data):
    with app.app_context():
        election = _db.session.scalar(select(Election))
        assert (election.phase, election.term_number) == (Phase.VOTING, 6)
        standing = {c.city.slug for c in election.candidates}
        assert len(standing) == 3 and "zagreb" not in standing
        election_id = election.id
    assert sign_in(client, "mayor.tirana@b40.example", demo.DEMO_PASSWORD).status_code == 302
    page = client.get(f"/elections/{election_id}").text
    assert "Vote for Tirana" in page
    choice = re.search(
        r'type="radio" value="(\d+)"', client.get(f"/elections/{election_id}/ballot").text
    )
    assert RECEIPT.fullmatch(vote_through_pages(client, election_id, choice.group(1)))
    assert "Elections" in client.get("/").text
