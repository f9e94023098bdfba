"""Election reads: the rounds and their results, the roll, who may vote, nominate or authorise."""

from itertools import chain, repeat

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload, selectinload

from secretariat.accounts.models import User
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
from secretariat.errors import DomainError, NotAllowed, RuleViolation
from secretariat.extensions import db
from secretariat.i18n import current_language
from secretariat.members.models import City, CityStatus
from secretariat.members.queries import city_of
from secretariat.members.rules import is_staff_or_system
from secretariat.presidency import queries as presidency
from secretariat.presidency.models import Summit
from secretariat.presidency.rules import may_hold_next
from secretariat.security import Role

ALREADY_VOTED = _l("Your city has already voted in this round.")
PAPER_ONLY_WHILE_VOTING = _l("Paper results are entered while a paper ballot is being voted.")
OPEN_PHASES = (Phase.DRAFT, Phase.NOMINATIONS, Phase.VOTING)


def _name(city: City) -> str:
    return city.name_in(current_language())


# --- elections and their rounds ------------------------------------------------------------


def election_or_404(election_id: int) -> Election:
    return db.one_or_404(
        select(Election)
        .where(Election.id == election_id)
        .options(selectinload(Election.candidates), joinedload(Election.winner))
    )


def all_elections() -> list[Election]:
    return db.session.scalars(
        select(Election).options(joinedload(Election.winner)).order_by(Election.term_number.desc())
    ).all()


def summits_without_election() -> list[Summit]:
    return db.session.scalars(
        select(Summit)
        .where(Summit.id.not_in(select(Election.summit_id)))
        .order_by(Summit.number.desc())
    ).all()


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


def option_labels(election: Election, round_number: int | None = None) -> dict[str, str]:
    """What each code of the round's ballot means to the reader: a city's name, yes, no, blank."""
    candidates = round_candidates(election, round_number)
    labels = {str(c.id): _name(c.city) for c in candidates}
    if len(candidates) == 1:
        labels = {rules.YES: _("Yes, %(city)s", city=_name(candidates[0].city)), rules.NO: _("No")}
    labels[rules.BLANK] = _("Blank vote")
    return labels


def roll_size(election: Election) -> int:
    return db.session.scalar(
        select(func.count()).select_from(RollEntry).where(RollEntry.election_id == election.id)
    )


def roll(election: Election) -> list[City]:
    return db.session.scalars(
        select(City)
        .join(RollEntry, RollEntry.city_id == City.id)
        .where(RollEntry.election_id == election.id)
        .order_by(City.sort_key_en, City.id)
    ).all()


def is_on_roll(election: Election, city: City) -> bool:
    return (
        db.session.scalar(
            select(RollEntry.id).where(
                RollEntry.election_id == election.id, RollEntry.city_id == city.id
            )
        )
        is not None
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


def lots_choices(election: Election) -> list[tuple[int, str]]:
    """The tied candidates a drawing of lots chooses between, as (candidate id, label)."""
    result = lots_pending(election)
    if result is None:
        return []
    labels = option_labels(election)
    return [(int(code), labels[code]) for code in result.lots_between]


def is_second_round_ready(election: Election) -> bool:
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


def cities_that_voted(election: Election, round_number: int) -> list[City]:
    return db.session.scalars(
        select(City)
        .join(VoteRecord, VoteRecord.city_id == City.id)
        .where(VoteRecord.election_id == election.id, VoteRecord.round == round_number)
        .order_by(City.sort_key_en, City.id)
    ).all()


def counted_receipts(election: Election, round_number: int) -> list[str]:
    """The receipt codes of a closed round, in their own random order: a voter finds theirs."""
    return db.session.scalars(
        select(Ballot.receipt)
        .where(Ballot.election_id == election.id, Ballot.round == round_number)
        .order_by(Ballot.receipt)
    ).all()


def results(election: Election) -> list[dict]:
    """The closed rounds' results: shown only once a round is closed (SPEC §3.2)."""
    on_roll = roll_size(election)
    shown = []
    for round_number in closed_rounds(election):
        counted = outcome(election, round_number)
        if counted is None:
            continue
        labels = option_labels(election, round_number)
        names = {str(c.id): _name(c.city) for c in round_candidates(election, round_number)}
        cities = cities_that_voted(election, round_number)
        shown.append(
            {
                "round": round_number,
                "outcome": counted,
                "rows": [(labels[code], votes) for code, votes in counted.votes.items()],
                "winner": names[counted.winner] if counted.winner else None,
                "runoff": [names[code] for code in counted.runoff],
                "tied": [names[code] for code in counted.lots_between],
                "is_single": len(counted.votes) == 2 and rules.YES in counted.votes,
                "voted": len(cities),
                "on_roll": on_roll,
                "turnout": rules.turnout(len(cities), on_roll),
                "cities": cities,
                "receipts": counted_receipts(election, round_number),
            }
        )
    return shown


# --- candidates ----------------------------------------------------------------------------------


def eligibility_problem(election: Election, city: City):
    """Why city may not stand, or None. SPEC §3.2: an active member that is not the city of the
    term just before the one being elected (the host of this summit, before or after the
    handover), since no city may hold the presidency for two terms in a row."""
    if city.status != CityStatus.ACTIVE:
        return _l("%(city)s is not an active member of the network.", city=_name(city))
    if not may_hold_next(city.id, presidency.holders_before(election.term_number)):
        return _l(
            "No city may hold the presidency for two terms in a row: %(city)s holds term "
            "%(term)s, so it cannot stand for term %(next)s.",
            city=_name(city),
            term=election.term_number - 1,
            next=election.term_number,
        )
    return None


def may_speak_for(user, city: City) -> bool:
    """Who nominates a city and withdraws its nomination: staff (or the system, user None)
    recording what was said in the summit hall, or the city's own mayor."""
    if user is not None and not user.is_authenticated:
        return False
    if is_staff_or_system(user):
        return True
    return user.role == Role.MAYOR and user.city_slug == city.slug


def nominable(election: Election) -> list[tuple[int, str]]:
    """The active member cities not yet standing, as (id, name) in the reader's order."""
    standing = {c.city_id for c in election.candidates}
    language = current_language()
    cities = db.session.scalars(
        select(City)
        .where(City.status == CityStatus.ACTIVE)
        .options(lazyload(City.country))  # a name is all a choice shows
        .order_by(City.sort_key_tr if language == "tr" else City.sort_key_en, City.id)
    ).all()
    return [(c.id, c.name_in(language)) for c in cities if c.id not in standing]


# --- voters ----------------------------------------------------------------------------------------


def authorisation_for(election: Election, city: City) -> Authorisation | None:
    return db.session.scalar(
        select(Authorisation).where(
            Authorisation.election_id == election.id, Authorisation.city_id == city.id
        )
    )


def authorisations(election: Election) -> list[tuple[Authorisation, City, User]]:
    return db.session.execute(
        select(Authorisation, City, User)
        .join(City, City.id == Authorisation.city_id)
        .join(User, User.id == Authorisation.user_id)
        .where(Authorisation.election_id == election.id)
        .order_by(City.sort_key_en)
    ).all()


def delegates_of(city_slug: str) -> list[User]:
    return db.session.scalars(
        select(User)
        .where(User.role == Role.DELEGATE, User.city_slug == city_slug, User.is_active.is_(True))
        .order_by(User.name, User.id)
    ).all()


def may_authorise(user) -> bool:
    """Only a city's mayor lets a delegate vote for it (SPEC §3.2)."""
    return user.is_authenticated and user.role == Role.MAYOR


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


def vote_refusal(user, election: Election) -> DomainError | None:
    """Why user may not cast a ballot in election now, or None: the one wording of each refusal,
    for the ballot's pages and for the cast itself.

    A voter is a city's mayor, or the delegate the mayor authorised for this election, and the
    city is on the frozen roll (SPEC §3.2, voters); then the round must be open online, and the
    city not have voted in it yet.
    """
    city = city_of(user)
    if city is None:
        return NotAllowed(
            _l("Only a mayor, or a delegate the mayor authorised, can vote for a member city.")
        )
    if user.role == Role.DELEGATE:
        authorisation = authorisation_for(election, city)
        if authorisation is None or authorisation.user_id != user.id:
            return NotAllowed(_l("Your mayor has not authorised you to vote in this election."))
    if not is_on_roll(election, city):
        return NotAllowed(_l("Your city is not on the roll of this election."))
    if election.mode != Mode.ONLINE:
        return RuleViolation(_l("This election is held on paper in the summit hall."))
    if election.phase in (Phase.CLOSED, Phase.CERTIFIED):
        return RuleViolation(_l("Voting has closed."))
    if election.phase != Phase.VOTING:
        return RuleViolation(_l("Voting has not opened yet."))
    if has_voted(election, city):
        return RuleViolation(ALREADY_VOTED)
    return None


def may_enter_paper_results(election: Election) -> bool:
    return election.mode == Mode.PAPER and election.phase == Phase.VOTING


# --- the election's page -----------------------------------------------------------------------


def city_page(user, election: Election) -> dict:
    """What the election's page shows a mayor or delegate about their own city, or {}."""
    city = city_of(user)
    if city is None:
        return {}
    page = {
        "own_city": city,
        "own_candidate": next((c for c in election.candidates if c.city_id == city.id), None),
        "may_nominate": may_speak_for(user, city),
        "may_authorise": may_authorise(user),
    }
    if page["may_nominate"]:
        page["nomination_problem"] = eligibility_problem(election, city)
    if page["may_authorise"]:
        authorisation = authorisation_for(election, city)
        page["delegates"] = delegates_of(city.slug)
        page["authorised"] = db.session.get(User, authorisation.user_id) if authorisation else None
    if election.phase == Phase.VOTING and election.mode == Mode.ONLINE:
        refusal = vote_refusal(user, election)
        page["may_vote"] = refusal is None
        page["vote_refusal"] = refusal.message if refusal is not None else None
    return page


def withdrawable(user, election: Election) -> set[int]:
    """The candidates whose nomination user may withdraw now (the page shows the button)."""
    if election.phase != Phase.NOMINATIONS or not user.is_authenticated:
        return set()
    return {c.id for c in election.candidates if may_speak_for(user, c.city)}
