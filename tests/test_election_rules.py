"""The charter's counting and succession rules (SPEC §3, §3.2), checked on thousands of cases.

The expected outcome of every random election is worked out here from the charter's words,
without the module's code: tally the ballots by hand, an absolute majority is more votes than
all the other candidates together, the two leading candidates are those with fewer than two
candidates ahead of them, and a drawing of lots only ever separates an exact tie.
No database and no app: these are pure functions.
"""

from itertools import groupby
from random import Random

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from secretariat.elections.rules import count
from secretariat.presidency.rules import follows_itself, may_hold_next

BLANK, YES, NO = "blank", "yes", "no"
MAX_BALLOTS = 200


# -- the charter's answer, from first principles -------------------------------------------


def tally(candidates, ballots):
    """Votes per candidate (or yes/no for a single candidate) and blank votes, by hand."""
    options = [YES, NO] if len(candidates) == 1 else list(candidates)
    votes = dict.fromkeys(options, 0)
    blank = 0
    for ballot in ballots:
        if ballot == BLANK:
            blank += 1
        else:
            votes[ballot] += 1
    return votes, blank


def charter(candidates, ballots, round_number):
    """What the charter decides for one round, or None where it is silent.

    It is silent only on a second round that has no exact tie for first and no absolute
    majority, which needs three or more candidates in a round the charter holds between two.
    """
    votes, blank = tally(candidates, ballots)
    valid = sum(votes.values())
    decision = {
        "votes": votes,
        "blank": blank,
        "valid": valid,
        "winner": None,
        "runoff": frozenset(),
        "lots_between": frozenset(),
        "lots_places": 0,
        "not_elected": False,
    }
    if len(candidates) == 1:
        if votes[YES] > votes[NO]:
            decision["winner"] = candidates[0]
        else:
            decision["not_elected"] = True
        return decision

    for candidate, received in votes.items():
        if received > valid - received:  # more than all the others together: more than half
            decision["winner"] = candidate
            return decision

    if round_number == 2:  # the last round
        top = max(votes.values())
        tied_first = frozenset(c for c, v in votes.items() if v == top)
        if len(tied_first) < 2:
            return None
        decision["lots_between"] = tied_first
        decision["lots_places"] = 1
        return decision

    ahead = {c: sum(other > v for other in votes.values()) for c, v in votes.items()}
    level = {c: sum(other >= v for other in votes.values()) for c, v in votes.items()}
    through = frozenset(c for c in candidates if level[c] <= 2)
    at_cut = frozenset(c for c in candidates if ahead[c] < 2 < level[c])
    decision["runoff"] = through
    if at_cut:
        decision["lots_between"] = at_cut
        decision["lots_places"] = 2 - len(through)
    return decision


def as_decision(outcome):
    return {
        "votes": outcome.votes,
        "blank": outcome.blank,
        "valid": outcome.valid,
        "winner": outcome.winner,
        "runoff": frozenset(outcome.runoff),
        "lots_between": frozenset(outcome.lots_between),
        "lots_places": outcome.lots_places,
        "not_elected": outcome.not_elected,
    }


# -- random elections ----------------------------------------------------------------------

rounds = st.sampled_from([1, 2])
seeds = st.integers(0, 2**32)


def shuffled(items, seed):
    """items in an order of the seed's choosing (one draw, where a permutation costs one a place)."""
    items = list(items)
    Random(seed).shuffle(items)  # noqa: S311 - an order of test data, not a secret
    return items


@st.composite
def candidate_lists(draw):
    """1 to 8 candidates, their ids as strings, in any order on the ballot paper."""
    return shuffled((str(i) for i in range(1, draw(st.integers(1, 8)) + 1)), draw(seeds))


def ballot_options(candidates):
    return [YES, NO, BLANK] if len(candidates) == 1 else [*candidates, BLANK]


@st.composite
def ballot_lists(draw):
    """Each ballot drawn on its own among the options on the ballot paper."""
    candidates = draw(candidate_lists())
    ballots = draw(st.lists(st.sampled_from(ballot_options(candidates)), max_size=MAX_BALLOTS))
    return candidates, ballots


def cast(options, counts, seed):
    """The ballots of a tally, in an order of the seed's choosing."""
    return shuffled((o for o, n in zip(options, counts, strict=True) for _ in range(n)), seed)


@st.composite
def any_elections(draw):
    """Any split of 0 to 200 ballots among the options (drawn as a tally: fast to generate)."""
    candidates = draw(candidate_lists())
    options = ballot_options(candidates)
    total = draw(st.integers(0, MAX_BALLOTS))
    cuts = sorted(
        draw(st.lists(st.integers(0, total), min_size=len(options) - 1, max_size=len(options) - 1))
    )
    counts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
    return candidates, cast(options, counts, draw(seeds))


@st.composite
def close_elections(draw):
    """Tallies drawn from a few levels, so that exact ties at the top and at the cut are common."""
    candidates = draw(candidate_lists())
    options = ballot_options(candidates)
    levels = draw(st.lists(st.integers(0, MAX_BALLOTS // len(options)), min_size=1, max_size=3))
    counts = [draw(st.sampled_from(levels)) for _ in options]
    return candidates, cast(options, counts, draw(seeds))


elections = st.one_of(any_elections(), close_elections())


@settings(max_examples=2000)
@given(elections, rounds)
@example((["1", "2"], ["1", "1", "1", "2", "2"]), 1)
@example((["1", "2"], ["1", "1", "2", "2"]), 1)
@example((["1", "2"], ["1", "1", "2", "2"]), 2)
@example((["1", "2", "3"], ["1", "1", "2", "2", "3", "3"]), 1)
@example((["1", "2", "3"], ["1", "1", "2", "2", "3", "3"]), 2)
@example((["1"], [YES] * 3 + [NO] * 3), 1)
@example((["1", "2", "3"], [BLANK] * 7), 1)
@example((["1", "2"], []), 2)
def test_count_gives_the_charters_answer(election, round_number):
    candidates, ballots = election
    outcome = count(candidates, ballots, round_number)

    assert sum(outcome.votes.values()) + outcome.blank == len(ballots)
    assert outcome.valid == sum(outcome.votes.values())  # blank votes are never valid
    assert outcome.winner is None or outcome.winner in candidates
    assert not (outcome.winner and outcome.needs_lots)
    assert outcome.needs_lots == (outcome.lots_places > 0)
    assert len(set(outcome.runoff)) == len(outcome.runoff)
    assert not set(outcome.runoff) & set(outcome.lots_between)

    if round_number == 1 and len(candidates) > 1 and outcome.winner is None:
        assert len(outcome.runoff) + outcome.lots_places == 2  # two places in the second round

    expected = charter(candidates, ballots, round_number)
    if expected is not None:  # where the charter is silent, see the test on lots below
        assert as_decision(outcome) == expected


@settings(max_examples=500)
@given(st.one_of(ballot_lists(), elections), rounds, st.randoms(use_true_random=False))
def test_the_order_of_the_ballots_does_not_matter(election, round_number, rng):
    candidates, ballots = election
    reordered = list(ballots)
    rng.shuffle(reordered)
    assert count(candidates, reordered, round_number) == count(candidates, ballots, round_number)


@settings(max_examples=1000)
@given(elections)
@example((["1", "2", "3"], ["3", "1", "2", "3"]))
def test_lots_only_ever_separate_an_exact_tie(election):
    candidates, ballots = election
    outcome = count(candidates, ballots, 2)
    if outcome.needs_lots:
        assert len(outcome.lots_between) > outcome.lots_places >= 1


invalid_for_several = st.sampled_from([YES, NO, "", "Blank", "BLANK", " blank", "0", "9", "01"])
invalid_for_one = st.sampled_from(["", "Blank", "Yes", "NO", "yes ", "0", "2"])


@settings(max_examples=300)
@given(ballot_lists(), rounds, st.data())
def test_a_choice_outside_the_ballot_is_refused(election, round_number, data):
    candidates, ballots = election
    stray = data.draw(invalid_for_one if len(candidates) == 1 else invalid_for_several)
    if len(candidates) == 1:
        stray = data.draw(st.sampled_from([stray, candidates[0]]))
    position = data.draw(st.integers(0, len(ballots)))
    with pytest.raises(ValueError, match="outside the ballot"):
        count(candidates, [*ballots[:position], stray, *ballots[position:]], round_number)


# -- named cases -----------------------------------------------------------------------------

A, B, C = "11", "22", "33"


def test_an_odd_number_of_voters_three_to_two():
    outcome = count([A, B], [A, B, A, B, A])
    assert outcome.winner == A
    assert outcome.votes == {A: 3, B: 2}
    assert (outcome.valid, outcome.blank) == (5, 0)
    assert not outcome.runoff and not outcome.needs_lots


def test_blank_votes_are_shown_but_do_not_count_towards_the_majority():
    # 3 of 7 ballots, but 3 of 5 valid votes: an absolute majority.
    outcome = count([A, B], [A, A, A, B, B, BLANK, BLANK])
    assert outcome.winner == A
    assert (outcome.valid, outcome.blank) == (5, 2)


def test_an_even_number_of_voters_needs_more_than_half():
    assert count([A, B, C], [A, A, A, A, B, C]).winner == A  # 4 of 6
    outcome = count([A, B, C], [A, A, A, B, B, C])  # 3 of 6 is only half
    assert outcome.winner is None
    assert set(outcome.runoff) == {A, B}


def test_a_two_two_tie_in_the_first_round_goes_to_a_runoff_of_the_same_two():
    outcome = count([A, B], [A, B, B, A], round_number=1)
    assert outcome.winner is None
    assert set(outcome.runoff) == {A, B}
    assert not outcome.needs_lots


def test_a_two_two_tie_in_the_second_round_goes_to_lots():
    outcome = count([A, B], [A, B, B, A], round_number=2)
    assert outcome.winner is None
    assert outcome.runoff == ()
    assert set(outcome.lots_between) == {A, B}
    assert outcome.lots_places == 1


def test_a_three_way_tie():
    ballots = [A, B, C, A, B, C]
    first = count([A, B, C], ballots, round_number=1)
    assert first.winner is None and first.runoff == ()
    assert set(first.lots_between) == {A, B, C}
    assert first.lots_places == 2  # lots fill both places of the second round
    last = count([A, B, C], ballots, round_number=2)
    assert last.winner is None
    assert set(last.lots_between) == {A, B, C}
    assert last.lots_places == 1


def test_a_tie_at_the_cut_behind_a_leader_draws_lots_for_the_second_place():
    outcome = count([A, B, C], [A, A, A, B, B, C, C])
    assert outcome.runoff == (A,)
    assert set(outcome.lots_between) == {B, C}
    assert outcome.lots_places == 1


def test_a_single_candidate_with_as_many_no_as_yes_is_not_elected():
    outcome = count([A], [YES, NO, YES, NO, YES, NO, BLANK])
    assert outcome.not_elected
    assert outcome.winner is None
    assert outcome.votes == {YES: 3, NO: 3}
    assert (outcome.valid, outcome.blank) == (6, 1)


def test_a_single_candidate_with_more_yes_than_no_is_elected():
    outcome = count([A], [YES, NO, YES, BLANK, BLANK, BLANK])
    assert outcome.winner == A
    assert not outcome.not_elected


def test_all_blank_ballots():
    single = count([A], [BLANK] * 5)
    assert single.not_elected
    assert (single.valid, single.blank) == (0, 5)

    two = count([A, B], [BLANK] * 4, round_number=1)
    assert two.winner is None
    assert set(two.runoff) == {A, B}
    assert (two.valid, two.blank) == (0, 4)

    last = count([A, B], [BLANK] * 4, round_number=2)
    assert last.winner is None
    assert set(last.lots_between) == {A, B}


def test_the_candidates_own_id_is_not_a_choice_when_one_stands():
    with pytest.raises(ValueError, match="outside the ballot"):
        count([A], [YES, A])


# -- succession (SPEC §3: no city may hold the presidency for two terms in a row) ----------

ISTANBUL, ATHENS, TIRANA, SOFIA, ZAGREB = 1, 2, 3, 4, 5
REAL_HISTORY = [ISTANBUL, ATHENS, TIRANA, SOFIA, ZAGREB]


def twice_in_a_row(holders):
    """Whether some term's city is the city of the term before: runs of one city are merged."""
    return len(list(groupby(holders))) < len(holders)


@settings(max_examples=300)
@given(st.integers(2, 12), st.integers(0, 40), st.data())
def test_electing_only_eligible_cities_never_gives_two_terms_in_a_row(cities, terms, data):
    holders = []
    for _ in range(terms):
        eligible = [c for c in range(1, cities + 1) if may_hold_next(c, holders)]
        assert len(eligible) == cities - (1 if holders else 0)
        holders.append(data.draw(st.sampled_from(eligible)))
        assert not follows_itself(holders)


histories = st.integers(1, 10).flatmap(
    lambda cities: st.tuples(st.just(cities), st.lists(st.integers(1, cities), max_size=30))
)


@settings(max_examples=400)
@given(histories)
def test_only_the_last_holder_may_not_hold_the_next_term(history):
    cities, holders = history
    barred = {c for c in range(1, cities + 2) if not may_hold_next(c, holders)}
    assert barred == ({holders[-1]} if holders else set())


@settings(max_examples=400)
@given(histories)
def test_follows_itself_is_two_terms_in_a_row(history):
    _, holders = history
    assert follows_itself(holders) == twice_in_a_row(holders)
    # the same as some term having gone to a city that could not hold it
    assert follows_itself(holders) == any(
        not may_hold_next(city, holders[:term]) for term, city in enumerate(holders)
    )


def test_the_real_history():
    assert not follows_itself(REAL_HISTORY)
    assert not may_hold_next(ZAGREB, REAL_HISTORY)  # Zagreb hosts the summit electing term 6
    assert all(may_hold_next(c, REAL_HISTORY) for c in (ISTANBUL, ATHENS, TIRANA, SOFIA))
    assert follows_itself([*REAL_HISTORY, ZAGREB])
    assert not follows_itself([*REAL_HISTORY, ISTANBUL])  # a second, later term is allowed
    assert may_hold_next(ISTANBUL, [])  # the founding term
