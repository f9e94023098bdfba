"""Election operations: they lock the election row, flush and audit; the caller commits."""

import base64
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import chain, pairwise, repeat

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update

from secretariat import audit
from secretariat.accounts.models import User
from secretariat.database import claim, utcnow
from secretariat.elections import rules
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
from secretariat.extensions import db
from secretariat.i18n import current_language
from secretariat.members.models import City, CityStatus
from secretariat.presidency import operations as presidency
from secretariat.presidency.models import Summit, Term
from secretariat.presidency.rules import may_hold_next
from secretariat.security import STAFF, Role

ALREADY_VOTED = _l("Your city has already voted in this round.")
OPEN_PHASES = (Phase.DRAFT, Phase.NOMINATIONS, Phase.VOTING)


# --- reading ---------------------------------------------------------------------------------


def round_candidates(election: Election, round_number: int | None = None) -> list[Candidate]:
    """The candidates on the ballot of a round: everyone in the first, the two leaders after."""
    round_number = round_number or election.round
    if round_number == 1:
        return list(election.candidates)
    return [c for c in election.candidates if c.is_in_second_round]


def ballot_options(election: Election, round_number: int | None = None) -> list[str]:
    """The codes a ballot of the round may hold: candidate ids, or yes/no; blank last."""
    candidates = [str(c.id) for c in round_candidates(election, round_number)]
    if len(candidates) == 1:
        return [rules.YES, rules.NO, rules.BLANK]
    return [*candidates, rules.BLANK]


def roll_size(election: Election) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RollEntry).where(RollEntry.election_id == election.id)
    )


def tallies(election: Election, round_number: int) -> dict[str, int]:
    return dict(
        db.session.execute(
            select(Tally.choice, Tally.votes).where(
                Tally.election_id == election.id, Tally.round == round_number
            )
        ).all()
    )


def outcome(election: Election, round_number: int) -> rules.Outcome | None:
    """The counted outcome of a closed round (online or on paper), from its tallies."""
    counted = tallies(election, round_number)
    if not counted:
        return None
    candidates = [str(c.id) for c in round_candidates(election, round_number)]
    choices = chain.from_iterable(repeat(choice, votes) for choice, votes in counted.items())
    return rules.count(candidates, choices, round_number)


def lots_pending(election: Election) -> rules.Outcome | None:
    """The outcome of the closed round while a drawing of lots must still settle it."""
    if election.phase != Phase.CLOSED:
        return None
    result = outcome(election, election.round)
    if result is None or not result.needs_lots or election.winner_city_id is not None:
        return None
    if election.round < rules.LAST_ROUND and any(c.is_in_second_round for c in election.candidates):
        return None
    return result


def second_round_ready(election: Election) -> bool:
    """Round one closed without a winner, and its two leaders known (by votes or by lots)."""
    return (
        election.phase == Phase.CLOSED
        and election.round == 1
        and election.winner_city_id is None
        and sum(c.is_in_second_round for c in election.candidates) == 2
    )


def closed_rounds(election: Election) -> list[int]:
    """The rounds whose results may be shown: never the one still being voted."""
    if election.phase in (Phase.CLOSED, Phase.CERTIFIED):
        return list(range(1, election.round + 1))
    if election.phase == Phase.VOTING:
        return list(range(1, election.round))
    return []


def counted_receipts(election: Election, round_number: int) -> list[str]:
    return db.session.scalars(
        select(Ballot.receipt)
        .where(Ballot.election_id == election.id, Ballot.round == round_number)
        .order_by(Ballot.receipt)
    ).all()


def cities_that_voted(election: Election, round_number: int) -> list[City]:
    return db.session.scalars(
        select(City)
        .join(VoteRecord, VoteRecord.city_id == City.id)
        .where(VoteRecord.election_id == election.id, VoteRecord.round == round_number)
        .order_by(City.sort_key_en, City.id)
    ).all()


def authorisation_for(election: Election, city: City) -> Authorisation | None:
    return db.session.scalar(
        select(Authorisation).where(
            Authorisation.election_id == election.id, Authorisation.city_id == city.id
        )
    )


def city_of(user) -> City | None:
    if not user.is_authenticated or user.role not in (Role.MAYOR, Role.DELEGATE):
        return None
    return db.session.scalar(select(City).where(City.slug == user.city_slug))


def has_voted(election: Election, city: City) -> bool:
    return (
        db.session.scalar(
            select(VoteRecord.id).where(
                VoteRecord.election_id == election.id,
                VoteRecord.round == election.round,
                VoteRecord.city_id == city.id,
            )
        )
        is not None
    )


# --- the rules that span rows ------------------------------------------------------------------


def eligibility_problem(election: Election, city: City):
    """Why city may not stand, or None. SPEC §3.2: an active member that is not the city of the
    term just before the one being elected (the host of this summit, before or after the
    handover), since no city may hold the presidency for two terms in a row."""
    if city.status != CityStatus.ACTIVE:
        return _l(
            "%(city)s is not an active member of the network.",
            city=city.name_in(current_language()),
        )
    if not may_hold_next(city.id, presidency.holders_before(election.term_number)):
        return _l(
            "No city may hold the presidency for two terms in a row: %(city)s holds term "
            "%(term)s, so it cannot stand for term %(next)s.",
            city=city.name_in(current_language()),
            term=election.term_number - 1,
            next=election.term_number,
        )
    return None


def voter_city(user, election: Election) -> City:
    """The city user votes for: their own, as its mayor, or as the delegate the mayor authorised
    for this election; and only a city on the frozen roll (SPEC §3.2, voters)."""
    city = city_of(user)
    if city is None:
        raise NotAllowed(
            _l("Only a mayor, or a delegate the mayor authorised, can vote for a member city.")
        )
    if user.role == Role.DELEGATE:
        authorisation = authorisation_for(election, city)
        if authorisation is None or authorisation.user_id != user.id:
            raise NotAllowed(_l("Your mayor has not authorised you to vote in this election."))
    on_roll = db.session.scalar(
        select(RollEntry.id).where(
            RollEntry.election_id == election.id, RollEntry.city_id == city.id
        )
    )
    if on_roll is None:
        raise NotAllowed(_l("Your city is not on the roll of this election."))
    return city


def _lock(election_id: int, shared: bool = False) -> Election:
    """The election row, locked until the transaction ends, and read afresh.

    Every change to an election, every ballot and the close queue on this row, so a ballot
    never lands after the close and the phase read here is the phase the change is made under.
    PostgreSQL: SELECT … FOR UPDATE (FOR SHARE for a ballot: the ballots of different cities go
    side by side, the close waits for those under way and the next ones wait for it). SQLite has
    one writer at a time: an UPDATE that changes nothing takes the write lock first, as
    BEGIN IMMEDIATE would, before anything is read.
    """
    stmt = select(Election).where(Election.id == election_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(read=shared, of=Election)
    else:
        db.session.execute(
            update(Election)
            .where(Election.id == election_id, Election.phase != Phase.CERTIFIED)
            .values(round=Election.round)
            .execution_options(synchronize_session=False)
        )
    election = db.session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()
    if election is None:
        raise RuleViolation(_l("There is no such election."))
    db.session.expire(election, ["candidates"])
    return election


def _claim(election: Election, expected: str, **values) -> None:
    """Move the election on from the phase it was read in; a change that raced another (the
    conditional UPDATE matches no row) is refused."""
    if not claim(db.session, election, Election.phase == expected, **values):
        raise RuleViolation(_l("Someone else changed this election meanwhile. Please reload."))


def _snapshot(election: Election) -> dict:
    return {
        "phase": election.phase,
        "mode": election.mode,
        "round": election.round,
        "nominations_open_at": election.nominations_open_at,
        "voting_opens_at": election.voting_opens_at,
        "voting_closes_at": election.voting_closes_at,
    }


def _require_phase(election: Election, *phases: str) -> None:
    if election.phase not in phases:
        raise RuleViolation(
            _l(
                "This election is “%(phase)s”: that step is not possible now.",
                phase=Phase(election.phase).label,
            )
        )


def _check_schedule(nominations_open_at, voting_opens_at, voting_closes_at) -> None:
    given = [t for t in (nominations_open_at, voting_opens_at, voting_closes_at) if t is not None]
    if any(later < earlier for earlier, later in pairwise(given)):
        raise RuleViolation(
            _l("Nominations open first, then voting opens, then voting closes: check the dates.")
        )


# --- staff: the election and its phases --------------------------------------------------------


def create_election(
    actor,
    summit: Summit,
    mode: str = Mode.ONLINE,
    nominations_open_at: datetime | None = None,
    voting_opens_at: datetime | None = None,
    voting_closes_at: datetime | None = None,
) -> Election:
    """The election held at summit, for the term that the next summit opens (SPEC §3)."""
    if db.session.scalar(select(Election.id).where(Election.summit_id == summit.id)):
        raise RuleViolation(_l("This summit already has its election."))
    _check_schedule(nominations_open_at, voting_opens_at, voting_closes_at)
    election = Election(
        summit=summit,
        term_number=summit.number + 1,
        phase=Phase.DRAFT,
        mode=Mode(mode),
        round=1,
        nominations_open_at=nominations_open_at,
        voting_opens_at=voting_opens_at,
        voting_closes_at=voting_closes_at,
    )
    db.session.add(election)
    db.session.flush()
    audit.record(actor, "election.create", election, after=_snapshot(election))
    return election


def set_schedule(
    actor,
    election: Election,
    mode: str,
    nominations_open_at: datetime | None,
    voting_opens_at: datetime | None,
    voting_closes_at: datetime | None,
) -> None:
    """Staff set the dates; the way of voting is fixed once voting opens."""
    election = _lock(election.id)
    _require_phase(election, *OPEN_PHASES)
    if mode != election.mode and election.phase == Phase.VOTING:
        raise RuleViolation(_l("The way of voting cannot change once voting has opened."))
    _check_schedule(nominations_open_at, voting_opens_at, voting_closes_at)
    before = _snapshot(election)
    _claim(
        election,
        election.phase,
        mode=Mode(mode),
        nominations_open_at=nominations_open_at,
        voting_opens_at=voting_opens_at,
        voting_closes_at=voting_closes_at,
    )
    audit.record(actor, "election.schedule", election, before, _snapshot(election))


def open_nominations(actor, election: Election) -> None:
    election = _lock(election.id)
    _require_phase(election, Phase.DRAFT)
    _claim(election, Phase.DRAFT, phase=Phase.NOMINATIONS)
    audit.record(actor, "election.open_nominations", election, after={"phase": election.phase})


def open_voting(actor, election: Election) -> int:
    """Check every candidate again, then freeze the candidate list and the roll: one entry per
    active member city (SPEC §3.2). Returns the size of the roll."""
    election = _lock(election.id)
    _require_phase(election, Phase.NOMINATIONS)
    candidates = list(election.candidates)
    if not candidates:
        raise RuleViolation(_l("Voting cannot open without a candidate."))
    for candidate in candidates:
        problem = eligibility_problem(election, candidate.city)
        if problem is not None:
            raise RuleViolation(
                _l(
                    "%(problem)s Withdraw this nomination before voting opens.",
                    problem=problem,
                )
            )
    cities = db.session.scalars(
        select(City.id).where(City.status == CityStatus.ACTIVE).order_by(City.id)
    ).all()
    # the roll is written while the phase still allows it; the database refuses it afterwards
    db.session.execute(
        insert(RollEntry), [{"election_id": election.id, "city_id": city} for city in cities]
    )
    _claim(election, Phase.NOMINATIONS, phase=Phase.VOTING, round=1)
    audit.record(
        actor,
        "election.open_voting",
        election,
        after={"roll": len(cities), "candidates": [c.city.slug for c in candidates]},
    )
    return len(cities)


def close_voting(actor, election: Election) -> int:
    """Close the round being voted and count it; returns how many ballots the round counted.

    Idempotent: a close that finds the round closed (a second click, a racing request, the
    scheduler) changes nothing and answers the same count. Ballots wait on the same lock, so none
    is accepted once the close has begun (SPEC §3.2, never twice).
    """
    election = _lock(election.id)
    if election.phase in (Phase.CLOSED, Phase.CERTIFIED):
        return sum(tallies(election, election.round).values())
    _require_phase(election, Phase.VOTING)
    if election.mode == Mode.PAPER:
        raise RuleViolation(_l("A paper ballot closes when staff enter its results."))
    counted = _box_count(election.id, election.round)
    _box_shuffle(election.id, election.round)  # while the round is open: the database allows it
    return _finish_round(actor, election, counted)


def record_paper_results(
    actor, election: Election, city_ids: Iterable[int], totals: Mapping[str, int]
) -> int:
    """A round voted on paper in the summit hall: staff enter which cities voted and the counted
    totals; the round closes with the same counting rules as online (SPEC §3.2, paper mode)."""
    election = _lock(election.id)
    _require_phase(election, Phase.VOTING)
    if election.mode != Mode.PAPER:
        raise RuleViolation(_l("This election is held online: its ballots are counted at close."))
    voted = sorted(set(city_ids))
    on_roll = set(
        db.session.scalars(select(RollEntry.city_id).where(RollEntry.election_id == election.id))
    )
    if not set(voted) <= on_roll:
        raise RuleViolation(_l("Only cities on the roll can vote."))
    options = ballot_options(election)
    if set(totals) - set(options) or any(int(v) < 0 for v in totals.values()):
        raise RuleViolation(_l("Enter a number of votes, zero or more, for every option."))
    counted = {option: int(totals.get(option, 0)) for option in options}
    if sum(counted.values()) != len(voted):
        raise RuleViolation(
            _l(
                "The totals add up to %(ballots)s ballots, but %(cities)s cities voted.",
                ballots=sum(counted.values()),
                cities=len(voted),
            )
        )
    if voted:
        db.session.execute(
            insert(VoteRecord),
            [
                {"election_id": election.id, "round": election.round, "city_id": city}
                for city in voted
            ],
        )
    return _finish_round(actor, election, counted)


def _finish_round(actor, election: Election, counted: Mapping[str, int]) -> int:
    """Write the round's tallies and close it: a winner, the second round's pair, or a drawing
    of lots still to be recorded."""
    options = ballot_options(election)
    db.session.execute(
        insert(Tally),
        [
            {
                "election_id": election.id,
                "round": election.round,
                "choice": option,
                "votes": counted.get(option, 0),
            }
            for option in options
        ],
    )
    result = outcome(election, election.round)
    by_code = {str(c.id): c for c in election.candidates}
    values = {"phase": Phase.CLOSED, "closed_at": utcnow()}
    if result.winner is not None:
        values["winner_city_id"] = by_code[result.winner].city_id
    elif len(result.runoff) == 2:
        for code in result.runoff:
            by_code[code].is_in_second_round = True
        db.session.flush()
    _claim(election, Phase.VOTING, **values)
    total = sum(counted.values())
    audit.record(
        actor, "election.close", election, after={"round": election.round, "ballots": total}
    )
    return total


def record_lots(actor, election: Election, note: str, drawn: Iterable[int]) -> None:
    """Staff record the drawing of lots that settles an exact tie (SPEC §3.2): in the last round
    it names the winner, in the first the places of the second round."""
    election = _lock(election.id)
    result = lots_pending(election)
    if result is None:
        raise RuleViolation(_l("No drawing of lots is needed."))
    note = (note or "").strip()
    if not note:
        raise RuleViolation(_l("Describe how the lots were drawn and who witnessed it."))
    codes = {str(code) for code in drawn}
    if not codes <= set(result.lots_between) or len(codes) != result.lots_places:
        raise RuleViolation(
            _l(
                "Choose %(places)s of the tied candidates, as the lots fell.",
                places=result.lots_places,
            )
        )
    by_code = {str(c.id): c for c in election.candidates}
    values = {"lots_note": "\n\n".join(filter(None, (election.lots_note, note)))}
    if election.round >= rules.LAST_ROUND:
        (code,) = codes
        values["winner_city_id"] = by_code[code].city_id
    else:
        for code in (*result.runoff, *codes):
            by_code[code].is_in_second_round = True
        db.session.flush()
    _claim(election, Phase.CLOSED, **values)
    audit.record(
        actor,
        "election.lots",
        election,
        after={
            "round": election.round,
            "note": note,
            "drawn": [by_code[c].city.slug for c in codes],
        },
    )


def open_second_round(actor, election: Election, closes_at: datetime | None = None) -> None:
    """No absolute majority: the two leading candidates go to a second round, same roll."""
    election = _lock(election.id)
    _require_phase(election, Phase.CLOSED)
    if election.round != 1 or election.winner_city_id is not None:
        raise RuleViolation(_l("No second round is needed."))
    if not second_round_ready(election):
        raise RuleViolation(
            _l("The second round’s candidates are not settled: record the drawing of lots first.")
        )
    if closes_at is not None and closes_at <= utcnow():
        raise RuleViolation(_l("The second round must close in the future."))
    _claim(
        election,
        Phase.CLOSED,
        phase=Phase.VOTING,
        round=2,
        closed_at=None,
        voting_closes_at=closes_at,
    )
    audit.record(actor, "election.second_round", election, after=_snapshot(election))


def certify_election(actor, election: Election) -> Term:
    """The winner becomes president-elect: it holds the next term and hosts the next summit
    (SPEC §3). Eligibility is checked once more; from now on the database refuses changes."""
    election = _lock(election.id)
    _require_phase(election, Phase.CLOSED)
    if election.winner_city_id is None:
        raise RuleViolation(_l("No city has been elected yet."))
    city = db.session.get(City, election.winner_city_id)
    problem = eligibility_problem(election, city)
    if problem is not None:
        raise RuleViolation(problem)
    taken = db.session.scalar(select(Term.id).where(Term.number == election.term_number))
    if taken is not None:
        raise RuleViolation(
            _l("Term %(number)s already has its city.", number=election.term_number)
        )
    term = presidency.create_next_term(actor, election.summit, city)
    _claim(election, Phase.CLOSED, phase=Phase.CERTIFIED, certified_at=utcnow())
    audit.record(
        actor, "election.certify", election, after={"winner": city.slug, "term": term.number}
    )
    return term


PHASE_STEPS = {
    Phase.NOMINATIONS: open_nominations,
    Phase.VOTING: open_voting,
    Phase.CLOSED: close_voting,
    Phase.CERTIFIED: certify_election,
}


def move_phase(actor, election: Election, target: str):
    """Staff move an election on by hand, with the same checks as the scheduler."""
    step = PHASE_STEPS.get(target)
    if step is None:
        raise RuleViolation(_l("Unknown phase."))
    return step(actor, election)


# --- candidates and voters -----------------------------------------------------------------------


def _is_staff(actor) -> bool:
    return actor is None or actor.role in STAFF


def nominate_city(actor, election: Election, city: City) -> Candidate:
    """A mayor nominates their own city during nominations; staff (or the system, actor None)
    record a nomination made in the summit hall."""
    election = _lock(election.id)
    if not _is_staff(actor) and (actor.role != Role.MAYOR or actor.city_slug != city.slug):
        raise NotAllowed(_l("A mayor can nominate their own city only."))
    if election.phase != Phase.NOMINATIONS:
        raise RuleViolation(_l("Nominations are not open."))
    problem = eligibility_problem(election, city)
    if problem is not None:
        raise RuleViolation(problem)
    if any(c.city_id == city.id for c in election.candidates):
        raise RuleViolation(
            _l("%(city)s is already a candidate.", city=city.name_in(current_language()))
        )
    candidate = Candidate(
        election=election,
        city=city,
        nominated_by_id=actor.id if actor is not None else None,
        in_hall=_is_staff(actor),
    )
    db.session.add(candidate)
    db.session.flush()
    audit.record(
        actor,
        "election.nominate",
        election,
        after={"city": city.slug, "in_hall": candidate.in_hall},
    )
    return candidate


def withdraw_nomination(actor, election: Election, candidate: Candidate) -> None:
    """Before voting opens, a candidacy can be withdrawn by the city's mayor or by staff."""
    election = _lock(election.id)
    if candidate.election_id != election.id:
        raise RuleViolation(_l("There is no such candidate."))
    if not _is_staff(actor) and (
        actor.role != Role.MAYOR or actor.city_slug != candidate.city.slug
    ):
        raise NotAllowed(_l("A mayor can withdraw their own city's nomination only."))
    if election.phase != Phase.NOMINATIONS:
        raise RuleViolation(_l("The candidate list is frozen once voting opens."))
    slug = candidate.city.slug
    db.session.delete(candidate)
    db.session.flush()
    audit.record(actor, "election.withdraw_nomination", election, before={"city": slug})


def delegates_of(city_slug: str) -> list[User]:
    return db.session.scalars(
        select(User)
        .where(User.role == Role.DELEGATE, User.city_slug == city_slug, User.is_active.is_(True))
        .order_by(User.name, User.id)
    ).all()


def authorise_delegate(actor, election: Election, delegate: User) -> Authorisation:
    """A mayor lets one delegate of their city vote in this election (SPEC §3.2); choosing
    another delegate replaces the first. Recorded, and audited."""
    election = _lock(election.id)
    if actor.role != Role.MAYOR:
        raise NotAllowed(_l("Only the mayor can authorise a delegate."))
    if (
        delegate.role != Role.DELEGATE
        or delegate.city_slug != actor.city_slug
        or not delegate.is_active
    ):
        raise NotAllowed(_l("You can authorise a delegate of your own city only."))
    _require_phase(election, *OPEN_PHASES)
    city = city_of(actor)
    if city is None:
        raise NotAllowed(_l("Your account is not linked to a member city."))
    authorisation = authorisation_for(election, city)
    before = None
    if authorisation is None:
        authorisation = Authorisation(election_id=election.id, city_id=city.id)
        db.session.add(authorisation)
    else:
        before = {"delegate": authorisation.user_id}
    authorisation.user_id = delegate.id
    authorisation.granted_by_id = actor.id
    authorisation.granted_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "election.authorise",
        election,
        before=before,
        after={"city": city.slug, "delegate": delegate.id, "email": delegate.email},
    )
    return authorisation


def revoke_authorisation(actor, election: Election) -> None:
    election = _lock(election.id)
    if actor.role != Role.MAYOR:
        raise NotAllowed(_l("Only the mayor can authorise a delegate."))
    _require_phase(election, *OPEN_PHASES)
    city = city_of(actor)
    authorisation = authorisation_for(election, city) if city is not None else None
    if authorisation is None:
        raise RuleViolation(_l("No delegate is authorised."))
    before = {"city": city.slug, "delegate": authorisation.user_id}
    db.session.delete(authorisation)
    db.session.flush()
    audit.record(actor, "election.revoke_authorisation", election, before=before)


def new_receipt() -> str:
    """80 random bits, in groups a person can copy: the ballot's only key."""
    code = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def cast_ballot(actor, election_id: int, choice: str) -> str:
    """One ballot for the voter's city in the round being voted; returns its receipt code.

    The register (that the city voted) and the ballot box (what was chosen) are written in the
    one transaction, under the election's lock, and share nothing: no key, no order, no time.
    A second ballot of the city in the round is refused here, and by the database's unique
    constraint on the register when two race (the caller answers that refusal calmly too).
    The audit trail records the register's row, never the choice.
    """
    election = _lock(election_id, shared=True)
    if election.mode != Mode.ONLINE:
        raise RuleViolation(_l("This election is held on paper in the summit hall."))
    if election.phase in (Phase.CLOSED, Phase.CERTIFIED):
        raise RuleViolation(_l("Voting has closed."))
    if election.phase != Phase.VOTING:
        raise RuleViolation(_l("Voting has not opened yet."))
    city = voter_city(actor, election)
    if has_voted(election, city):
        raise RuleViolation(ALREADY_VOTED)
    if choice not in ballot_options(election):
        raise RuleViolation(_l("Choose one of the candidates, or a blank vote."))
    db.session.add(
        VoteRecord(
            election_id=election.id, round=election.round, city_id=city.id, voted_by_id=actor.id
        )
    )
    db.session.flush()
    receipt = new_receipt()
    _box_drop(receipt, election.id, election.round, choice)
    audit.record(
        actor, "election.vote", election, after={"city": city.slug, "round": election.round}
    )
    return receipt


# --- the ballot box --------------------------------------------------------------------------------
# The only code that reads or writes what ballots say. It speaks to the database driver directly,
# on the session's own connection and transaction, so that no statement or parameter about a
# choice passes through SQLAlchemy's statement log: an operator who turns SQL logging on still
# never sees a choice next to a city.


_DROP = "INSERT INTO ballots (receipt, election_id, round, choice) VALUES (?, ?, ?, ?)"
_COUNT = "SELECT choice, COUNT(*) FROM ballots WHERE election_id = ? AND round = ? GROUP BY choice"
_READ_ROUND = "SELECT receipt, choice FROM ballots WHERE election_id = ? AND round = ?"
_EMPTY_ROUND = "DELETE FROM ballots WHERE election_id = ? AND round = ?"


def _box_cursor():
    """The driver's cursor, and a function that puts a constant statement in its paramstyle."""
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"

    def statement(sql: str) -> str:
        return sql.replace("?", "%s") if postgresql else sql

    return connection.connection.cursor(), statement, postgresql


def _box_drop(receipt: str, election_id: int, round_number: int, choice: str) -> None:
    cursor, statement, _postgresql = _box_cursor()
    cursor.execute(statement(_DROP), (receipt, election_id, round_number, choice))
    cursor.close()


def _box_count(election_id: int, round_number: int) -> dict[str, int]:
    cursor, statement, _postgresql = _box_cursor()
    cursor.execute(statement(_COUNT), (election_id, round_number))
    counted = dict(cursor.fetchall())
    cursor.close()
    return counted


def _box_shuffle(election_id: int, round_number: int) -> None:
    """On PostgreSQL, rewrite the round's ballots in receipt order within the closing transaction:
    every row then carries the closing transaction's id (xmin) and sits in the order of its
    random receipt, not of voting, so neither links a ballot to the register row written with it.
    SQLite needs nothing: the table has no rowid (rows sit in receipt order) and rows carry no
    transaction id."""
    cursor, statement, postgresql = _box_cursor()
    if postgresql:
        cursor.execute(statement(_READ_ROUND), (election_id, round_number))
        rows = sorted(cursor.fetchall())
        cursor.execute(statement(_EMPTY_ROUND), (election_id, round_number))
        cursor.executemany(
            statement(_DROP),
            [(receipt, election_id, round_number, choice) for receipt, choice in rows],
        )
    cursor.close()
