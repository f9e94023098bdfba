"""Counting a round of the presidency election, as the charter says (SPEC §3.2).

Pure functions over the choices of one round, so that hypothesis can try thousands of them:
- a candidate with an absolute majority of the valid votes (more than half) wins;
- otherwise a second round between the two leading candidates, with the same roll;
- an exact tie in the last round (or for a place in the second round) is settled by a
  drawing of lots that staff record;
- a single candidate needs more yes than no votes;
- blank votes are counted and shown, but are not valid votes.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BLANK, YES, NO = "blank", "yes", "no"
LAST_ROUND = 2


@dataclass(frozen=True)
class Outcome:
    votes: dict[str, int]  # per candidate (or "yes"/"no" for a single candidate)
    blank: int
    valid: int
    winner: str | None = None
    runoff: tuple[str, ...] = ()  # the two candidates of the second round
    lots_between: tuple[str, ...] = ()  # those a drawing of lots must separate
    lots_places: int = 0  # how many of lots_between the drawing keeps (1 winner, or runoff places)
    not_elected: bool = False  # a single candidate without more yes than no

    @property
    def needs_lots(self) -> bool:
        return bool(self.lots_between)


def valid_choices(candidates: Sequence[str]) -> frozenset[str]:
    """What a ballot may hold: a candidate (or yes/no for a single one), or blank."""
    if len(candidates) == 1:
        return frozenset({YES, NO, BLANK})
    return frozenset({*candidates, BLANK})


def count(candidates: Sequence[str], choices: Iterable[str], round_number: int = 1) -> Outcome:
    """The outcome of one round; choices not valid for this round are a programming error."""
    allowed = valid_choices(candidates)
    tally = Counter(choices)
    unknown = set(tally) - allowed
    if unknown:
        raise ValueError(f"choices outside the ballot: {sorted(unknown)}")
    blank = tally[BLANK]
    if len(candidates) == 1:
        yes, no = tally[YES], tally[NO]
        votes = {YES: yes, NO: no}
        if yes > no:
            return Outcome(votes, blank, yes + no, winner=candidates[0])
        return Outcome(votes, blank, yes + no, not_elected=True)

    votes = {candidate: tally[candidate] for candidate in candidates}
    valid = sum(votes.values())
    best = max(votes.values())
    if 2 * best > valid:
        winner = next(c for c in candidates if votes[c] == best)
        return Outcome(votes, blank, valid, winner=winner)
    if round_number >= LAST_ROUND:
        # the last round decides: with two candidates only an exact tie is left, drawn by lots
        tied = tuple(c for c in candidates if votes[c] == best)
        if len(tied) == 1:
            return Outcome(votes, blank, valid, winner=tied[0])
        return Outcome(votes, blank, valid, lots_between=tied, lots_places=1)
    return _runoff(votes, blank, valid, candidates)


def _runoff(votes: dict[str, int], blank: int, valid: int, candidates: Sequence[str]) -> Outcome:
    """The two leading candidates go to the second round; a tie at the cut is drawn by lots."""
    ranked = sorted(candidates, key=lambda c: -votes[c])
    cut = votes[ranked[1]]
    above = tuple(c for c in ranked if votes[c] > cut)
    at_cut = tuple(c for c in candidates if votes[c] == cut)
    places = 2 - len(above)
    if len(at_cut) == places:
        return Outcome(votes, blank, valid, runoff=(*above, *at_cut))
    return Outcome(votes, blank, valid, runoff=above, lots_between=at_cut, lots_places=places)


def turnout(voted: int, on_roll: int) -> float:
    return voted / on_roll if on_roll else 0.0
