"""Election operations: they lock the election row, flush and audit; the caller commits."""

from collections.abc import Iterable, Mapping
from datetime import datetime
from itertools import pairwise

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from secretariat import audit
from secretariat.accounts.models import User
from secretariat.database import claim, utcnow
from secretariat.elections import ballot_box, queries, rules
from secretariat.elections.lock import lock_election
from secretariat.elections.models import (
    Authorisation,
    Candidate,
    Election,
    Mode,
    Phase,
    RollEntry,
    Tally,
    VoteRecord,
)
from secretariat.elections.queries import OPEN_PHASES
from secretariat.errors import NotAllowed, RuleViolation
from secretariat.extensions import db
from secretariat.i18n import current_language
from secretariat.members.models import City, CityStatus
from secretariat.members.rules import is_staff_or_system
from secretariat.presidency import operations as presidency
from secretariat.presidency.models import Summit, Term
from secretariat.security import Role

ONLY_THE_MAYOR = _l("Only the mayor can authorise a delegate.")
RACE = _l("Someone else changed this election meanwhile. Please reload.")


def _claim(election: Election, expected: str, **values) -> None:
    """Move the election on from the phase it was read in; a change that raced another (the
    conditional UPDATE matches no row) is refused."""
    if not claim(db.session, election, Election.phase == expected, **values):
        raise RuleViolation(RACE)


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
    election = lock_election(election.id)
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
    election = lock_election(election.id)
    _require_phase(election, Phase.DRAFT)
    _claim(election, Phase.DRAFT, phase=Phase.NOMINATIONS)
    audit.record(actor, "election.open_nominations", election, after={"phase": election.phase})


def open_voting(actor, election: Election) -> int:
    """Check every candidate again, then freeze the candidate list and the roll: one entry per
    active member city (SPEC §3.2). Returns the size of the roll."""
    election = lock_election(election.id)
    _require_phase(election, Phase.NOMINATIONS)
    candidates = list(election.candidates)
    if not candidates:
        raise RuleViolation(_l("Voting cannot open without a candidate."))
    for candidate in candidates:
        problem = queries.eligibility_problem(election, candidate.city)
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
    election = lock_election(election.id)
    if election.phase in (Phase.CLOSED, Phase.CERTIFIED):
        return sum(queries.tallies(election, election.round).values())
    _require_phase(election, Phase.VOTING)
    if election.mode == Mode.PAPER:
        raise RuleViolation(_l("A paper ballot closes when staff enter its results."))
    counted = ballot_box.count_round(election.id, election.round)
    return _finish_round(actor, election, counted)


def record_paper_results(
    actor, election: Election, city_ids: Iterable[int], totals: Mapping[str, int]
) -> int:
    """A round voted on paper in the summit hall: staff enter which cities voted and the counted
    totals; the round closes with the same counting rules as online (SPEC §3.2, paper mode)."""
    election = lock_election(election.id)
    if not queries.may_enter_paper_results(election):
        raise RuleViolation(queries.PAPER_ONLY_WHILE_VOTING)
    voted = sorted(set(city_ids))
    on_roll = set(
        db.session.scalars(select(RollEntry.city_id).where(RollEntry.election_id == election.id))
    )
    if not set(voted) <= on_roll:
        raise RuleViolation(_l("Only cities on the roll can vote."))
    options = queries.ballot_options(election)
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
    options = queries.ballot_options(election)
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
    result = queries.outcome(election, election.round)
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
    election = lock_election(election.id)
    result = queries.lots_pending(election)
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
    election = lock_election(election.id)
    _require_phase(election, Phase.CLOSED)
    if election.round != 1 or election.winner_city_id is not None:
        raise RuleViolation(_l("No second round is needed."))
    if not queries.is_second_round_ready(election):
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
    election = lock_election(election.id)
    _require_phase(election, Phase.CLOSED)
    if election.winner_city_id is None:
        raise RuleViolation(_l("No city has been elected yet."))
    city = db.session.get(City, election.winner_city_id)
    problem = queries.eligibility_problem(election, city)
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


def nominate_city(actor, election: Election, city: City) -> Candidate:
    """A mayor nominates their own city during nominations; staff (or the system, actor None)
    record a nomination made in the summit hall."""
    election = lock_election(election.id)
    if not queries.may_speak_for(actor, city):
        raise NotAllowed(_l("A mayor can nominate their own city only."))
    if election.phase != Phase.NOMINATIONS:
        raise RuleViolation(_l("Nominations are not open."))
    problem = queries.eligibility_problem(election, city)
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
        in_hall=is_staff_or_system(actor),
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
    election = lock_election(election.id)
    if candidate.election_id != election.id:
        raise RuleViolation(_l("There is no such candidate."))
    if not queries.may_speak_for(actor, candidate.city):
        raise NotAllowed(_l("A mayor can withdraw their own city's nomination only."))
    if election.phase != Phase.NOMINATIONS:
        raise RuleViolation(_l("The candidate list is frozen once voting opens."))
    slug = candidate.city.slug
    db.session.delete(candidate)
    db.session.flush()
    audit.record(actor, "election.withdraw_nomination", election, before={"city": slug})


def authorise_delegate(actor, election: Election, delegate: User) -> Authorisation:
    """A mayor lets one delegate of their city vote in this election (SPEC §3.2); choosing
    another delegate replaces the first. Recorded, and audited."""
    election = lock_election(election.id)
    if not queries.may_authorise(actor):
        raise NotAllowed(ONLY_THE_MAYOR)
    if (
        delegate.role != Role.DELEGATE
        or delegate.city_slug != actor.city_slug
        or not delegate.is_active
    ):
        raise NotAllowed(_l("You can authorise a delegate of your own city only."))
    _require_phase(election, *OPEN_PHASES)
    city = queries.city_of(actor)
    if city is None:
        raise NotAllowed(_l("Your account is not linked to a member city."))
    authorisation = queries.authorisation_for(election, city)
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
    election = lock_election(election.id)
    if not queries.may_authorise(actor):
        raise NotAllowed(ONLY_THE_MAYOR)
    _require_phase(election, *OPEN_PHASES)
    city = queries.city_of(actor)
    authorisation = queries.authorisation_for(election, city) if city is not None else None
    if authorisation is None:
        raise RuleViolation(_l("No delegate is authorised."))
    before = {"city": city.slug, "delegate": authorisation.user_id}
    db.session.delete(authorisation)
    db.session.flush()
    audit.record(actor, "election.revoke_authorisation", election, before=before)
