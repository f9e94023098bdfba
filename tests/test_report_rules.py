"""The measures of a term's indicators, against hand-built histories and on thousands of cases.

No database and no app: these are pure functions. The known answers are counted by hand from
the history below; the properties say what must hold whatever the history.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from secretariat.members.models import JoinRoute
from secretariat.reports.rules import (
    ApplicationFact,
    CityFact,
    Direction,
    Measure,
    SessionFact,
    Status,
    Window,
    elapsed_share,
    measure,
    median,
    progress,
    status,
)
from secretariat.working_groups.models import SessionKind

FOUNDING, SUMMIT, APPLICATION = JoinRoute.FOUNDING, JoinRoute.SUMMIT, JoinRoute.APPLICATION
REGULAR, EXTRA = SessionKind.REGULAR, SessionKind.EXTRA
COUNTS = [
    Measure.NEW_MEMBERS,
    Measure.NEW_MEMBERS_SUMMIT,
    Measure.NEW_MEMBERS_APPLICATION,
    Measure.WITHDRAWN,
    Measure.APPLICATIONS_RECEIVED,
    Measure.APPLICATIONS_DECIDED,
    Measure.SESSIONS_HELD,
    Measure.REGULAR_SESSIONS_HELD,
    Measure.EXTRA_SESSIONS_HELD,
]


def at(day: date, hour: int = 9) -> datetime:
    """A moment in UTC (Istanbul is three hours ahead)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# -- a term still running: handed over at the 2025 summit (its last day, 18:00 in Istanbul) --

HANDOVER_DAY = date(2025, 6, 20)
TERM = Window(at(HANDOVER_DAY, 15), None)
NOW = at(date(2026, 1, 15))
TOMORROW = at(date(2026, 1, 16))

CITIES = [
    CityFact(date(2021, 11, 5), FOUNDING, None),  # a founder, still a member
    CityFact(HANDOVER_DAY, SUMMIT, None),  # joined at the summit that closed the term before
    CityFact(date(2025, 6, 21), APPLICATION, None),
    CityFact(date(2025, 9, 1), APPLICATION, None),
    CityFact(date(2025, 7, 15), APPLICATION, date(2025, 12, 1)),  # joined, then withdrew
    CityFact(date(2021, 11, 5), FOUNDING, date(2025, 11, 30)),  # a founder that withdrew
    CityFact(date(2024, 3, 1), APPLICATION, date(2025, 3, 1)),  # withdrew the term before
]


def days_later(start: datetime, days: float) -> datetime:
    return start + timedelta(days=days)


SUBMITTED = at(date(2025, 7, 1))
DECIDED = [  # decided in the term: 1.5, 2, 5 and 9 days after their submission
    ApplicationFact(SUBMITTED, days_later(SUBMITTED, 1.5)),
    ApplicationFact(SUBMITTED, days_later(SUBMITTED, 2)),
    ApplicationFact(SUBMITTED, days_later(SUBMITTED, 9)),
]
LATE = ApplicationFact(at(date(2025, 10, 6)), days_later(at(date(2025, 10, 6)), 5))
APPLICATIONS = [
    *DECIDED,
    LATE,
    ApplicationFact(at(date(2025, 6, 10)), at(date(2025, 6, 30))),  # sent before, decided in: 20
    ApplicationFact(at(date(2025, 12, 20)), None),  # waiting
    ApplicationFact(at(date(2025, 3, 1)), at(date(2025, 4, 1))),  # all of it the term before
]

CANCELLED = SessionFact(1, REGULAR, at(date(2025, 9, 9)), True, frozenset(range(1, 11)), 10)
SESSIONS = [
    SessionFact(1, REGULAR, at(date(2025, 8, 12)), False, frozenset({1, 2, 3, 4, 5, 6}), 10),
    SessionFact(1, EXTRA, at(date(2025, 10, 1)), False, frozenset({1, 2, 3, 4}), 10),
    SessionFact(1, REGULAR, at(date(2025, 11, 11)), False, None, 10),  # no attendance yet
    CANCELLED,
    SessionFact(2, REGULAR, at(date(2025, 8, 19)), False, frozenset({2, 7}), 5),
    SessionFact(2, EXTRA, TOMORROW, False, None, 5),  # not held yet
    SessionFact(2, REGULAR, at(date(2025, 5, 13)), False, frozenset({7, 8}), 5),  # term before
]


def of_term(kind, window=TERM, now=NOW, group_id=None, sessions=SESSIONS):
    return measure(
        kind,
        window=window,
        now=now,
        cities=CITIES,
        applications=APPLICATIONS,
        sessions=sessions,
        summit_present=frozenset({1, 2, 3, 5, 8}),
        voted=27,
        roll=36,
        group_id=group_id,
    )


def test_members_joined_and_withdrawn_in_a_term_still_running():
    assert of_term(Measure.NEW_MEMBERS) == 3  # 21 June, 15 July (withdrawn since), 1 September
    assert of_term(Measure.NEW_MEMBERS_APPLICATION) == 3
    assert (
        of_term(Measure.NEW_MEMBERS_SUMMIT) == 0
    )  # the summit's joiner belongs to the term before
    assert of_term(Measure.WITHDRAWN) == 2  # the founder and the city that joined in July


def test_the_handover_day_belongs_to_the_term_that_ends_there():
    before = Window(at(date(2024, 6, 20), 15), TERM.starts_at)
    assert of_term(Measure.NEW_MEMBERS_SUMMIT, window=before) == 1
    assert of_term(Measure.NEW_MEMBERS, window=before) == 1
    assert of_term(Measure.WITHDRAWN, window=before) == 1


def test_applications_received_and_decided():
    assert of_term(Measure.APPLICATIONS_RECEIVED) == 5  # the one sent in June came before
    assert of_term(Measure.APPLICATIONS_DECIDED) == 5  # the one sent in June is decided in


def test_the_median_of_an_odd_number_of_decisions_is_the_middle_one():
    assert of_term(Measure.MEDIAN_DAYS_TO_DECIDE) == 5  # 1.5, 2, 5, 9, 20


def test_the_median_of_an_even_number_of_decisions_is_the_mean_of_the_two_middle_ones():
    closed = Window(TERM.starts_at, at(date(2025, 9, 1)))
    assert of_term(Measure.APPLICATIONS_DECIDED, window=closed) == 4
    assert of_term(Measure.MEDIAN_DAYS_TO_DECIDE, window=closed) == (2 + 9) / 2  # 1.5, 2, 9, 20
    assert median([1.5, 2]) == 1.75  # days keep their fractions
    assert median([]) is None


def test_no_decision_yet_has_no_median():
    def median_at(now):
        return measure(Measure.MEDIAN_DAYS_TO_DECIDE, window=TERM, now=now, applications=DECIDED)

    assert median_at(at(date(2025, 7, 2), 18)) is None
    assert median_at(at(date(2025, 7, 2), 22)) == 1.5  # decided 36 hours after it was sent
    assert median_at(at(date(2025, 7, 3), 9)) == 1.75


def test_sessions_held_extra_against_regular():
    assert of_term(Measure.SESSIONS_HELD) == 4  # not the cancelled one, nor tomorrow's
    assert of_term(Measure.REGULAR_SESSIONS_HELD) == 3
    assert of_term(Measure.EXTRA_SESSIONS_HELD) == 1


def test_attendance_over_the_held_sessions_with_attendance_recorded():
    assert of_term(Measure.AVERAGE_PRESENT) == (6 + 4 + 2) / 3
    assert of_term(Measure.AVERAGE_PRESENT_SHARE) == 100 * 12 / (10 + 10 + 5)
    assert of_term(Measure.ACTIVE_CITIES) == 7  # 1 to 7: the cancelled session had all ten


def test_a_group_filter():
    assert [of_term(Measure.SESSIONS_HELD, group_id=g) for g in (1, 2, 3)] == [3, 1, 0]
    assert [of_term(Measure.EXTRA_SESSIONS_HELD, group_id=g) for g in (1, 2)] == [1, 0]
    assert of_term(Measure.AVERAGE_PRESENT, group_id=1) == 5
    assert of_term(Measure.AVERAGE_PRESENT_SHARE, group_id=1) == 50
    assert of_term(Measure.AVERAGE_PRESENT_SHARE, group_id=2) == 40
    assert of_term(Measure.ACTIVE_CITIES, group_id=2) == 2
    assert of_term(Measure.AVERAGE_PRESENT, group_id=3) is None  # nothing held: nothing to say
    # a measure of the whole network ignores the group
    assert of_term(Measure.NEW_MEMBERS, group_id=2) == of_term(Measure.NEW_MEMBERS)


def test_a_cancelled_session_counts_nowhere():
    without = [session for session in SESSIONS if session is not CANCELLED]
    for kind in Measure:
        for group_id in (None, 1):
            assert of_term(kind, group_id=group_id) == of_term(
                kind, group_id=group_id, sessions=without
            ), kind


def test_a_session_tomorrow_is_not_held_until_it_starts():
    assert of_term(Measure.EXTRA_SESSIONS_HELD, group_id=2) == 0
    assert of_term(Measure.EXTRA_SESSIONS_HELD, group_id=2, now=TOMORROW) == 1
    # held, but without attendance: the averages are unchanged
    assert of_term(Measure.AVERAGE_PRESENT, group_id=2, now=TOMORROW) == 2


def test_the_summit_and_its_election():
    assert of_term(Measure.SUMMIT_ATTENDANCE) == 5
    assert of_term(Measure.ELECTION_TURNOUT) == 75
    assert measure(Measure.ELECTION_TURNOUT, window=TERM, now=NOW) is None  # no roll yet


def test_every_measure_says_its_unit_and_whether_a_group_limits_it():
    per_group = {kind for kind in Measure if kind.per_group}
    assert per_group == {
        Measure.SESSIONS_HELD,
        Measure.REGULAR_SESSIONS_HELD,
        Measure.EXTRA_SESSIONS_HELD,
        Measure.AVERAGE_PRESENT,
        Measure.AVERAGE_PRESENT_SHARE,
        Measure.ACTIVE_CITIES,
    }
    assert {str(kind.unit) for kind in Measure} == {
        "cities",
        "applications",
        "days",
        "sessions",
        "%",
    }
    for kind in Measure:
        of_term(kind)  # the dispatcher knows every measure


def test_a_window_holds_its_start_not_its_end_nor_what_is_ahead():
    closed = Window(TERM.starts_at, at(date(2026, 6, 19), 15))
    assert closed.holds(closed.starts_at, NOW)
    assert not closed.holds(closed.starts_at - timedelta(microseconds=1), NOW)
    assert not closed.holds(closed.ends_at, closed.ends_at)
    assert TERM.holds(NOW, NOW)
    assert not TERM.holds(NOW + timedelta(microseconds=1), NOW)
    assert not closed.holds(TOMORROW, NOW)  # an end still ahead: nothing after now has happened


def test_a_day_counts_in_the_window_where_it_begins_in_istanbul():
    midnight = Window(at(date(2025, 6, 19), 21), None)  # 00:00 on 20 June in Istanbul
    assert midnight.holds_day(date(2025, 6, 20), NOW)
    assert not midnight.holds_day(date(2025, 6, 19), NOW)
    assert not Window(at(date(2025, 6, 19), 22), None).holds_day(date(2025, 6, 20), NOW)
    assert TERM.holds_day(date(2026, 1, 15), NOW)  # today
    assert not TERM.holds_day(date(2026, 1, 16), NOW)


def test_a_term_still_running_is_judged_against_its_time_so_far():
    elapsed = elapsed_share(TERM, NOW)
    assert elapsed == pytest.approx((NOW - TERM.starts_at) / timedelta(days=365))
    assert 0.5 < elapsed < 0.6
    assert elapsed_share(Window(TERM.starts_at, NOW), NOW) == 1
    assert elapsed_share(TERM, TERM.starts_at - timedelta(days=3)) == 0
    assert elapsed_share(TERM, TERM.starts_at + timedelta(days=400)) == 1

    new = of_term(Measure.NEW_MEMBERS)  # 3 so far
    assert status(new, 4, Direction.AT_LEAST, elapsed) == Status.ON_TRACK  # 4 x 0.57 < 3
    assert status(new, 6, Direction.AT_LEAST, elapsed) == Status.BEHIND
    assert status(new, 3, Direction.AT_LEAST, elapsed) == Status.MET
    days = of_term(Measure.MEDIAN_DAYS_TO_DECIDE)  # 5
    assert status(days, 7, Direction.AT_MOST, elapsed) == Status.ON_TRACK
    assert status(days, 7, Direction.AT_MOST, 1.0) == Status.MET
    assert status(days, 4, Direction.AT_MOST, elapsed) == Status.BEHIND
    assert status(None, 4, Direction.AT_MOST, elapsed) is None


def test_progress_of_the_bar():
    assert progress(3, 4, Direction.AT_LEAST) == 0.75
    assert progress(5, 4, Direction.AT_LEAST) == 1
    assert progress(0, 0, Direction.AT_LEAST) == 1  # a target of 0 is met by anything
    assert progress(5, 7, Direction.AT_MOST) == 1
    assert progress(8, 4, Direction.AT_MOST) == 0.5
    assert progress(3, 0, Direction.AT_MOST) == 0


# -- properties --------------------------------------------------------------------------------

START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = 3 * 365 * 24 * 60  # three years of minutes: whole minutes make equal moments common
routes = st.sampled_from(list(JoinRoute))
kinds = st.sampled_from(list(SessionKind))
booleans = st.booleans()
HISTORY = 12  # facts of each kind in a random history
small_floats = st.floats(min_value=0, max_value=1e6, allow_nan=False)


def minutes(low: int = 0) -> st.SearchStrategy[int]:
    return st.integers(low, SPAN)


def moment(minute: int) -> datetime:
    return START + timedelta(minutes=minute)


def minute_of(instant: datetime) -> int:
    return (instant - START) // timedelta(minutes=1)


def day(minute: int) -> date:
    return moment(minute).date()


moments = minutes().map(moment)


@st.composite
def windows(draw):
    """A term running from a handover, until a later one or until now."""
    start = draw(st.integers(0, SPAN - 1))
    end = draw(st.none() | minutes(start + 1))
    return Window(moment(start), None if end is None else moment(end))


@st.composite
def cities(draw):
    joined = draw(minutes())
    withdrawn = draw(st.none() | minutes(joined))
    return CityFact(day(joined), draw(routes), None if withdrawn is None else day(withdrawn))


@st.composite
def applications(draw):
    submitted = draw(minutes())
    decided = draw(st.none() | minutes(submitted))
    return ApplicationFact(moment(submitted), None if decided is None else moment(decided))


@st.composite
def sessions(draw, is_cancelled=booleans):
    present = draw(st.none() | st.frozensets(st.integers(1, 12), max_size=12))
    members = len(present or ()) + draw(st.integers(0, 6))
    return SessionFact(
        draw(st.integers(1, 3)), draw(kinds), draw(moments), draw(is_cancelled), present, members
    )


@st.composite
def histories(draw):
    return {
        "window": draw(windows()),
        "now": draw(moments),
        "cities": draw(st.lists(cities(), max_size=HISTORY)),
        "applications": draw(st.lists(applications(), max_size=HISTORY)),
        "sessions": draw(st.lists(sessions(), max_size=HISTORY)),
        "summit_present": draw(st.frozensets(st.integers(1, 40), max_size=40)),
        "roll": (roll := draw(st.integers(0, 40))),
        "voted": draw(st.integers(0, roll)),
    }


group_ids = st.none() | st.integers(1, 4)


@settings(max_examples=500)
@given(st.lists(small_floats, min_size=1, max_size=30), st.randoms(use_true_random=False))
@example([1.0, 2.0], None)
def test_the_median_lies_between_min_and_max_and_ignores_the_order(values, rng):
    middle = median(values)
    assert min(values) <= middle <= max(values)
    reordered = list(values)
    if rng is not None:
        rng.shuffle(reordered)
    assert median(reordered) == middle
    ordered = sorted(values)
    assert sum(v < middle for v in ordered) <= len(ordered) // 2  # half at most on either side
    assert sum(v > middle for v in ordered) <= len(ordered) // 2


@settings(max_examples=300)
@given(histories(), group_ids)
def test_sessions_held_are_regular_and_extra(history, group_id):
    def held(kind):
        return measure(kind, group_id=group_id, **history)

    assert held(Measure.SESSIONS_HELD) == held(Measure.REGULAR_SESSIONS_HELD) + held(
        Measure.EXTRA_SESSIONS_HELD
    )


@settings(max_examples=300)
@given(histories())
def test_the_groups_add_up_to_the_network(history):
    for kind in (Measure.SESSIONS_HELD, Measure.REGULAR_SESSIONS_HELD, Measure.EXTRA_SESSIONS_HELD):
        whole = measure(kind, **history)
        assert whole == sum(measure(kind, group_id=g, **history) for g in (1, 2, 3))
    active = measure(Measure.ACTIVE_CITIES, **history)
    per_group = [measure(Measure.ACTIVE_CITIES, group_id=g, **history) for g in (1, 2, 3)]
    assert max(per_group) <= active <= sum(per_group)


@settings(max_examples=300)
@given(histories(), sessions(is_cancelled=st.just(True)), group_ids)
def test_adding_a_cancelled_session_changes_no_measure(history, cancelled, group_id):
    more = {**history, "sessions": [*history["sessions"], cancelled]}
    for kind in Measure:
        assert measure(kind, group_id=group_id, **more) == measure(
            kind, group_id=group_id, **history
        ), kind


@settings(max_examples=300)
@given(histories(), group_ids)
def test_shares_are_percentages_and_averages_stay_within_the_sessions(history, group_id):
    for kind in (Measure.AVERAGE_PRESENT_SHARE, Measure.ELECTION_TURNOUT):
        value = measure(kind, group_id=group_id, **history)
        assert value is None or 0 <= value <= 100
    average = measure(Measure.AVERAGE_PRESENT, group_id=group_id, **history)
    assert average is None or 0 <= average <= measure(
        Measure.ACTIVE_CITIES, group_id=group_id, **history
    )


@settings(max_examples=300)
@given(histories(), st.data())
def test_windows_split_at_a_moment_partition_the_counts(history, data):
    window = history["window"]
    end = moment(SPAN) if window.ends_at is None else window.ends_at
    cut = data.draw(st.integers(minute_of(window.starts_at), minute_of(end)).map(moment))
    before = {**history, "window": Window(window.starts_at, cut)}
    after = {**history, "window": Window(cut, window.ends_at)}
    for kind in COUNTS:
        assert measure(kind, **history) == measure(kind, **before) + measure(kind, **after), kind
    instant, now = data.draw(moments), history["now"]
    assert window.holds(instant, now) == (
        before["window"].holds(instant, now) or after["window"].holds(instant, now)
    )
    assert not (before["window"].holds(instant, now) and after["window"].holds(instant, now))


@settings(max_examples=300)
@given(windows(), moments, moments)
def test_the_elapsed_share_grows_from_0_to_1(window, now, later):
    now, later = sorted([now, later])
    assert 0 <= elapsed_share(window, now) <= elapsed_share(window, later) <= 1
    if window.ends_at is not None and window.ends_at <= now:
        assert elapsed_share(window, now) == 1


directions = st.sampled_from(list(Direction))
shares = st.floats(min_value=0, max_value=1)


@settings(max_examples=1000)
@given(small_floats, small_floats, small_floats, directions)
@example(0.0, 0.0, 1.0, Direction.AT_LEAST)
@example(0.0, 0.0, 1.0, Direction.AT_MOST)
def test_progress_is_in_0_1_and_grows_with_value_for_at_least(value, other, target, direction):
    assert 0 <= progress(value, target, direction) <= 1
    low, high = sorted([value, other])
    if direction == Direction.AT_LEAST:
        assert progress(low, target, direction) <= progress(high, target, direction)
    else:
        assert progress(low, target, direction) >= progress(high, target, direction)


@settings(max_examples=1000)
@given(small_floats, small_floats, directions, shares)
@example(0.0, 0.0, Direction.AT_LEAST, 0.0)
@example(3.0, 3.0, Direction.AT_MOST, 1.0)
def test_status_agrees_with_the_bar(value, target, direction, elapsed):
    judged = status(value, target, direction, elapsed)
    full = progress(value, target, direction) == 1
    if direction == Direction.AT_LEAST:
        assert (judged == Status.MET) == full
        assert judged != Status.BEHIND or value < target * elapsed
    else:
        assert (judged == Status.BEHIND) == (not full)
        assert (judged == Status.MET) == (full and elapsed >= 1)
    assert status(None, target, direction, elapsed) is None
