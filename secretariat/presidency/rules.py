"""Presidency rules that need no database: who may follow whom."""

from collections.abc import Sequence
from itertools import pairwise


def follows_itself(holders: Sequence[int]) -> bool:
    """Whether a city holds two terms in a row in holders (the terms' cities, in term order)."""
    return any(earlier == later for earlier, later in pairwise(holders))


def may_hold_next(city_id: int, holders: Sequence[int]) -> bool:
    """SPEC §3: no city may hold the presidency for two terms in a row, so the city of the
    term just before the one being elected (the host of the summit where the election takes
    place, before or after the handover) may not stand."""
    return not holders or holders[-1] != city_id
