"""A term's computed measures and compiled facts, read from a real database (SQLite and
PostgreSQL) over a hand-built history whose every answer is counted by hand below.

The history sits on the real network and presidency history (tests.test_reports.history):
Sofia's term 4, closed, from the handover of 25 February 2025 15:00 UTC to that of 27 January
2026 15:00 UTC, and Zagreb's term 5, still running, read at NOW (1 September 2026, 12:00 UTC).
A calendar date counts in the term that holds its first moment in Istanbul (00:00, 21:00 UTC
the day before): a handover day belongs to the term that ends there.

The rows (UTC; c1..c10 are ten real member cities, see CITIES):

Cities
  Pleven   summit       joined 2025-02-25 (Sofia's handover day: term 3, before term 4)
  Lovech   application  joined 2025-02-26                            -> term 4
  Vidin    application  joined 2025-06-10, withdrawn 2026-04-15      -> joined 4, withdrawn 5
  Sliven   (real)       withdrawn 2025-10-01                         -> withdrawn 4
  Ruse     summit       joined 2026-01-27 (Zagreb's handover day)    -> term 4
  Bitola   application  joined 2026-03-01                            -> term 5
  Ohrid    application  joined 2026-05-02                            -> term 5
  Tetovo   application  joined 2026-10-05 (after NOW)                -> nowhere yet

Applications (submitted -> the first approve / reject; other events are not decisions)
  A0  2024-06-01 10:00 -> approve 2024-07-01 10:00          term 3 only: counted nowhere
  A1  2025-03-01 10:00 -> approve 2025-03-11 10:00  10 d    received 4, decided 4
  A2  2025-05-01 10:00 -> reject  2025-05-05 22:00  4.5 d   received 4, decided 4
  A3  2025-02-20 10:00 -> approve 2025-03-20 10:00  28 d    received 3, decided 4
  A4  2026-01-10 10:00 -> approve 2026-02-06 10:00  27 d    received 4, decided 5
  A6  2026-01-25 15:00 -> reject  2026-01-27 15:00  2 d     received 4, decided 5 (at handover)
  A7  2026-03-01 12:00 -> approve 2026-03-07 00:00  5.5 d   received 5, decided 5
  A8  2026-04-01 08:00 -> approve 2026-04-09 08:00  8 d     received 5, decided 5
  A5  2026-08-01 10:00, under review, undecided             received 5
  A9  2026-08-20 10:00 -> approve 2026-10-01 10:00 (after NOW): received 5, not decided by NOW
  A12 2026-06-01 10:00 -> withdrawn by the applicant 06-10  received 5, never decided

Working groups: "culture" (6 members: c1-c5, c10), "tourism" (4 members: c6-c9), and
"idle" (a real group, 13 members, no session at all). Sessions (present = recorded attendance):
  culture S0  regular 2025-01-14 10:00  held  {c1}                        term 3
  culture S1  regular 2025-04-15 10:00  held  {c1 c2 c3}                  term 4
  culture S2  regular 2025-07-15 10:00  held  {c1 c2 c3 c4}               term 4
  culture S3  extra   2025-09-10 10:00  held  {c1 c5}                     term 4
  culture S4  regular 2025-10-14 10:00  CANCELLED, minutes and attendance {c1-c5 c10}: nowhere
  culture S3b extra   2025-12-02 10:00  held  {c2 c4}                     term 4
  tourism S5  regular 2025-05-20 10:00  held  {c6 c7}                     term 4
  tourism S6  regular 2025-08-19 10:00  held, no minutes                  term 4
  tourism S7  extra   2026-01-27 14:00  held  {c6 c8 c9}  (an hour before the handover) term 4
  culture S8  extra   2026-01-27 15:00  held  {c1 c2}     (at the handover)             term 5
  culture S9  regular 2026-04-14 10:00  held  {c1 c2 c3 c10}              term 5
  culture S10 regular 2026-07-14 10:00  held  {c1 c3 c5}                  term 5
  culture S11 regular 2026-10-13 10:00  planned, after NOW: not held yet
  tourism S12 regular 2026-05-19 10:00  held  {c6 c7 c8 c9}               term 5
  tourism S13 extra   2026-06-10 10:00  CANCELLED, minutes and attendance {c1 c6 c7}: nowhere
  tourism S14 regular 2026-08-18 10:00  held, no minutes                  term 5

Summits (each term's opening one) and their delegations (attended True / False / None)
  summit 4 (Sofia):  c1 c2 c3 c4 Pleven True; c5 False; c6 None    7 delegations, 5 present
  summit 5 (Zagreb): c1 c2 c7 Ruse True; c3 False; Vranje (not a member, no city) False;
                     c8 None                                      7 delegations, 4 present
  summit 1 (Istanbul) keeps its 19 founding delegations: counted in neither term.

Elections (on paper: the register and the tallies, written while their round is voted)
  at summit 4, for term 5: roll c1-c10 (10); Zagreb, Sarajevo, Skopje. Round 1: c1-c9 voted
    (9): Zagreb 4, Sarajevo 3, Skopje 1, blank 1, no majority. Round 2: Zagreb and Sarajevo,
    c1-c7 voted (7): Zagreb 5, Sarajevo 2, blank 0. Zagreb elected, certified.
  at summit 5, for term 6: roll c1-c10, Plovdiv, Burgas (12); Sarajevo alone. Round 1: c1-c6
    voted (6): yes 4, no 1, blank 1. Sarajevo elected, closed.
"""

from datetime import UTC, date, datetime
from itertools import count

import pytest
from sqlalchemy import event, select

from secretariat.applications.models import Application, ApplicationEvent
from secretariat.applications.rules import Action, ApplicationState
from secretariat.elections.models import (
    Candidate,
    Election,
    Mode,
    Phase,
    RollEntry,
    Tally,
    VoteRecord,
)
from secretariat.elections.rules import BLANK, NO, YES
from secretariat.extensions import db as _db
from secretariat.members.models import City, Country, JoinRoute
from secretariat.members.operations import create_city, withdraw_city
from secretariat.presidency.models import Delegation, Term
from secretariat.reports import compilation, queries, rules
from secretariat.reports.compilation import Names, RoundFacts, SessionLine
from secretariat.reports.models import Indicator, IndicatorFigure
from secretariat.reports.rules import Measure
from secretariat.working_groups.models import (
    GroupMembership,
    GroupSession,
    GroupStatus,
    SessionAttendance,
    SessionKind,
    SessionStatus,
    WorkingGroup,
)
from tests.conftest import add_cities
from tests.test_reports import SOFIA_TERM, ZAGREB_TERM

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)  # inside Zagreb's term 5, still running
CITIES = {  # c1..c10: real member cities of the history
    "c1": "Istanbul",
    "c2": "Athens",
    "c3": "Tirana",
    "c4": "Sofia",
    "c5": "Belgrade",
    "c6": "Zagreb",
    "c7": "Sarajevo",
    "c8": "Podgorica",
    "c9": "Skopje",
    "c10": "Pristina",
}
IDLE = "smart-cities-and-digital-transformation"  # a real active group that never meets here

# --- the answers, counted by hand from the history above ---------------------------------------
# Every Measure must be here: a new one without a known answer fails the test.
ANSWERS = {
    SOFIA_TERM: {
        # Lovech, Vidin, Ruse (Ruse's 27 January 2026 is Zagreb's handover day: term 4's);
        # not Pleven (25 February 2025, Sofia's own handover day: term 3's)
        Measure.NEW_MEMBERS: 3,
        Measure.NEW_MEMBERS_SUMMIT: 1,  # Ruse
        Measure.NEW_MEMBERS_APPLICATION: 2,  # Lovech, Vidin
        Measure.WITHDRAWN: 1,  # Sliven (Vidin withdraws in term 5)
        Measure.APPLICATIONS_RECEIVED: 4,  # A1 A2 A4 A6 (A3 came in term 3)
        Measure.APPLICATIONS_DECIDED: 3,  # A1 A2 A3 (A4 and A6 were decided in term 5)
        Measure.MEDIAN_DAYS_TO_DECIDE: 10.0,  # odd count: 4.5, [10], 28
        Measure.SESSIONS_HELD: 7,  # culture S1 S2 S3 S3b, tourism S5 S6 S7 (S4 cancelled)
        Measure.REGULAR_SESSIONS_HELD: 4,  # S1 S2 S5 S6
        Measure.EXTRA_SESSIONS_HELD: 3,  # S3 S3b S7
        # with minutes: S1 3 + S2 4 + S3 2 + S3b 2 + S5 2 + S7 3 = 16 over 6 (S6 has none)
        Measure.AVERAGE_PRESENT: 16 / 6,
        Measure.AVERAGE_PRESENT_SHARE: 50.0,  # 16 present over 4 x 6 + 2 x 4 = 32 seats
        Measure.ACTIVE_CITIES: 9,  # c1-c5 and c6-c9 (c10 came only to the cancelled S4)
        Measure.SUMMIT_ATTENDANCE: 5,  # c1 c2 c3 c4 Pleven at summit 4
        Measure.ELECTION_TURNOUT: 90.0,  # round 1 of summit 4's election: 9 of a roll of 10
    },
    ZAGREB_TERM: {
        Measure.NEW_MEMBERS: 2,  # Bitola, Ohrid (Tetovo's 5 October is after NOW)
        Measure.NEW_MEMBERS_SUMMIT: 0,  # the next summit that admits cities is in 2027
        Measure.NEW_MEMBERS_APPLICATION: 2,  # Bitola, Ohrid
        Measure.WITHDRAWN: 1,  # Vidin
        Measure.APPLICATIONS_RECEIVED: 5,  # A5 A7 A8 A9 A12
        Measure.APPLICATIONS_DECIDED: 4,  # A4 A6 A7 A8 (A9's decision is after NOW, A12 left)
        Measure.MEDIAN_DAYS_TO_DECIDE: 6.75,  # even count: 2, [5.5, 8], 27 -> (5.5 + 8) / 2
        Measure.SESSIONS_HELD: 5,  # culture S8 S9 S10, tourism S12 S14 (S11 ahead, S13 cancelled)
        Measure.REGULAR_SESSIONS_HELD: 4,  # S9 S10 S12 S14
        Measure.EXTRA_SESSIONS_HELD: 1,  # S8
        Measure.AVERAGE_PRESENT: 3.25,  # S8 2 + S9 4 + S10 3 + S12 4 = 13 over 4 (S14 none)
        Measure.AVERAGE_PRESENT_SHARE: 1300 / 22,  # 13 over 3 x 6 + 1 x 4 = 22 seats
        Measure.ACTIVE_CITIES: 9,  # c1 c2 c3 c5 c10 and c6-c9
        Measure.SUMMIT_ATTENDANCE: 4,  # c1 c2 c7 Ruse at summit 5 (Vranje did not come)
        Measure.ELECTION_TURNOUT: 50.0,  # summit 5's election: 6 of a roll of 12
    },
}
# The per_group measures, limited to one group (the others ignore the group and give ANSWERS).
PER_GROUP = {
    SOFIA_TERM: {
        "culture": {
            Measure.SESSIONS_HELD: 4,  # S1 S2 S3 S3b
            Measure.REGULAR_SESSIONS_HELD: 2,  # S1 S2
            Measure.EXTRA_SESSIONS_HELD: 2,  # S3 S3b
            Measure.AVERAGE_PRESENT: 2.75,  # (3 + 4 + 2 + 2) / 4
            Measure.AVERAGE_PRESENT_SHARE: 1100 / 24,  # 11 over 4 x 6 seats
            Measure.ACTIVE_CITIES: 5,  # c1-c5
        },
        "tourism": {
            Measure.SESSIONS_HELD: 3,  # S5 S6 S7
            Measure.REGULAR_SESSIONS_HELD: 2,  # S5 S6
            Measure.EXTRA_SESSIONS_HELD: 1,  # S7
            Measure.AVERAGE_PRESENT: 2.5,  # (2 + 3) / 2: S6 has no minutes
            Measure.AVERAGE_PRESENT_SHARE: 62.5,  # 5 over 2 x 4 seats
            Measure.ACTIVE_CITIES: 4,  # c6-c9
        },
        "idle": {
            Measure.SESSIONS_HELD: 0,
            Measure.REGULAR_SESSIONS_HELD: 0,
            Measure.EXTRA_SESSIONS_HELD: 0,
            Measure.AVERAGE_PRESENT: None,  # nothing to average yet
            Measure.AVERAGE_PRESENT_SHARE: None,
            Measure.ACTIVE_CITIES: 0,
        },
    },
    ZAGREB_TERM: {
        "culture": {
            Measure.SESSIONS_HELD: 3,  # S8 S9 S10 (S11 is after NOW)
            Measure.REGULAR_SESSIONS_HELD: 2,  # S9 S10
            Measure.EXTRA_SESSIONS_HELD: 1,  # S8
            Measure.AVERAGE_PRESENT: 3.0,  # (2 + 4 + 3) / 3
            Measure.AVERAGE_PRESENT_SHARE: 50.0,  # 9 over 3 x 6 seats
            Measure.ACTIVE_CITIES: 5,  # c1 c2 c3 c5 c10
        },
        "tourism": {
            Measure.SESSIONS_HELD: 2,  # S12 S14 (S13 cancelled)
            Measure.REGULAR_SESSIONS_HELD: 2,
            Measure.EXTRA_SESSIONS_HELD: 0,
            Measure.AVERAGE_PRESENT: 4.0,  # S12 only: S14 has no minutes, S13 is cancelled
            Measure.AVERAGE_PRESENT_SHARE: 100.0,  # 4 over 1 x 4 seats
            Measure.ACTIVE_CITIES: 4,  # c6-c9 (c1 came only to the cancelled S13)
        },
        "idle": {
            Measure.SESSIONS_HELD: 0,
            Measure.REGULAR_SESSIONS_HELD: 0,
            Measure.EXTRA_SESSIONS_HELD: 0,
            Measure.AVERAGE_PRESENT: None,
            Measure.AVERAGE_PRESENT_SHARE: None,
            Measure.ACTIVE_CITIES: 0,
        },
    },
}


def at(moment: str) -> datetime:
    """A UTC moment written as 2026-01-27 15:00."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


# --- building the history ----------------------------------------------------------------------


def _city(name: str) -> City:
    return _db.session.scalar(select(City).where(City.english_name == name))


def _country(code: str) -> Country:
    return _db.session.scalar(select(Country).where(Country.code == code))


def _cities() -> None:
    for name, code, joined_on, route in (
        ("Pleven", "BG", date(2025, 2, 25), JoinRoute.SUMMIT),
        ("Lovech", "BG", date(2025, 2, 26), JoinRoute.APPLICATION),
        ("Vidin", "BG", date(2025, 6, 10), JoinRoute.APPLICATION),
        ("Ruse", "BG", date(2026, 1, 27), JoinRoute.SUMMIT),
        ("Bitola", "MK", date(2026, 3, 1), JoinRoute.APPLICATION),
        ("Ohrid", "MK", date(2026, 5, 2), JoinRoute.APPLICATION),
        ("Tetovo", "MK", date(2026, 10, 5), JoinRoute.APPLICATION),
    ):
        create_city(
            None,
            official_name=name,
            english_name=name,
            country_code=code,
            joined_on=joined_on,
            join_route=route,
        )
    withdraw_city(None, _city("Sliven"), date(2025, 10, 1))
    withdraw_city(None, _city("Vidin"), date(2026, 4, 15))


_NUMBERS = count(1)


def _application(submitted: str, *steps: tuple[str, str], state: str) -> None:
    """An application submitted at submitted, then steps (action, at), ending in state."""
    number = next(_NUMBERS)
    submitted_at = at(submitted)
    application = Application(
        year=submitted_at.year,
        number=number,
        reference=f"B40-{submitted_at.year}-{number:04d}",
        status_token=f"status-{number}",
        submission_token=f"submission-{number}",
        state=state,
        submitted_at=submitted_at,
        updated_at=submitted_at,
        city_name=f"Applicant {number}",
        city_name_en=f"Applicant {number}",
        country_id=_country("RS").id,
        mayor_name="A mayor",
        mayor_email=f"mayor{number}@example.org",
        contact_name="A contact",
        contact_email=f"contact{number}@example.org",
        language="en",
        consented_at=submitted_at,
    )
    _db.session.add(application)
    _db.session.flush()
    events = [(Action.SUBMIT, submitted), *steps]
    for action, moment in events:
        _db.session.add(
            ApplicationEvent(
                application_id=application.id,
                at=at(moment),
                action=action,
                state=_state(action, state),
            )
        )


def _state(action: str, final: str) -> str:
    return {
        Action.SUBMIT: ApplicationState.SUBMITTED,
        Action.START_REVIEW: ApplicationState.UNDER_REVIEW,
    }.get(action, final)


def _applications() -> None:
    review, approve, reject = Action.START_REVIEW, Action.APPROVE, Action.REJECT
    approved, rejected = ApplicationState.APPROVED, ApplicationState.REJECTED
    _application(  # A0
        "2024-06-01 10:00",
        (review, "2024-06-02 10:00"),
        (approve, "2024-07-01 10:00"),
        state=approved,
    )
    _application(  # A1
        "2025-03-01 10:00",
        (review, "2025-03-02 10:00"),
        (approve, "2025-03-11 10:00"),
        state=approved,
    )
    _application(  # A2
        "2025-05-01 10:00",
        (review, "2025-05-02 10:00"),
        (reject, "2025-05-05 22:00"),
        state=rejected,
    )
    _application(  # A3
        "2025-02-20 10:00",
        (review, "2025-02-21 10:00"),
        (approve, "2025-03-20 10:00"),
        state=approved,
    )
    _application(  # A4
        "2026-01-10 10:00",
        (review, "2026-01-12 10:00"),
        (approve, "2026-02-06 10:00"),
        state=approved,
    )
    _application(  # A6
        "2026-01-25 15:00",
        (review, "2026-01-26 09:00"),
        (reject, "2026-01-27 15:00"),
        state=rejected,
    )
    _application(  # A7
        "2026-03-01 12:00",
        (review, "2026-03-02 09:00"),
        (approve, "2026-03-07 00:00"),
        state=approved,
    )
    _application(  # A8
        "2026-04-01 08:00",
        (review, "2026-04-02 08:00"),
        (approve, "2026-04-09 08:00"),
        state=approved,
    )
    _application(  # A5
        "2026-08-01 10:00", (review, "2026-08-03 10:00"), state=ApplicationState.UNDER_REVIEW
    )
    _application(  # A9
        "2026-08-20 10:00",
        (review, "2026-08-21 10:00"),
        (approve, "2026-10-01 10:00"),
        state=approved,
    )
    _application(  # A12
        "2026-06-01 10:00", (Action.WITHDRAW, "2026-06-10 10:00"), state=ApplicationState.WITHDRAWN
    )


def _group(slug: str, name: str, members: list[str]) -> WorkingGroup:
    group = WorkingGroup(slug=slug, name_en=name, name_tr=f"{name} (tr)", status=GroupStatus.ACTIVE)
    _db.session.add(group)
    _db.session.flush()
    for key in members:
        _db.session.add(
            GroupMembership(group=group, city=_city(CITIES[key]), joined_on=date(2024, 6, 1))
        )
    return group


def _session(
    group: WorkingGroup,
    kind: str,
    starts: str,
    present: list[str] | None,
    status: str = SessionStatus.HELD,
) -> GroupSession:
    """A session; present None: no minutes (and no attendance) recorded."""
    starts_at = at(starts)
    quarter = starts_at.year * 10 + (starts_at.month - 1) // 3 + 1
    session = GroupSession(
        group=group,
        kind=kind,
        quarter=quarter if kind == SessionKind.REGULAR else None,
        title_en=f"{group.name_en} {starts}",
        starts_at=starts_at,
        status=status,
        minutes_en="Minutes." if present is not None else "",
        minutes_at=starts_at.replace(hour=18) if present is not None else None,
    )
    _db.session.add(session)
    _db.session.flush()
    for key in present or ():
        _db.session.add(SessionAttendance(session_id=session.id, city_id=_city(CITIES[key]).id))
    return session


def _groups() -> dict[str, int]:
    culture = _group("culture", "Culture and heritage", ["c1", "c2", "c3", "c4", "c5", "c10"])
    tourism = _group("tourism", "Sustainable tourism", ["c6", "c7", "c8", "c9"])
    regular, extra, held = SessionKind.REGULAR, SessionKind.EXTRA, SessionStatus.HELD
    cancelled = SessionStatus.CANCELLED
    for group, kind, starts, present, status in (
        (culture, regular, "2025-01-14 10:00", ["c1"], held),  # S0
        (culture, regular, "2025-04-15 10:00", ["c1", "c2", "c3"], held),  # S1
        (culture, regular, "2025-07-15 10:00", ["c1", "c2", "c3", "c4"], held),  # S2
        (culture, extra, "2025-09-10 10:00", ["c1", "c5"], held),  # S3
        (culture, regular, "2025-10-14 10:00", ["c1", "c2", "c3", "c4", "c5", "c10"], cancelled),
        (culture, extra, "2025-12-02 10:00", ["c2", "c4"], held),  # S3b
        (tourism, regular, "2025-05-20 10:00", ["c6", "c7"], held),  # S5
        (tourism, regular, "2025-08-19 10:00", None, held),  # S6
        (tourism, extra, "2026-01-27 14:00", ["c6", "c8", "c9"], held),  # S7
        (culture, extra, "2026-01-27 15:00", ["c1", "c2"], held),  # S8
        (culture, regular, "2026-04-14 10:00", ["c1", "c2", "c3", "c10"], held),  # S9
        (culture, regular, "2026-07-14 10:00", ["c1", "c3", "c5"], held),  # S10
        (culture, regular, "2026-10-13 10:00", None, SessionStatus.PLANNED),  # S11
        (tourism, regular, "2026-05-19 10:00", ["c6", "c7", "c8", "c9"], held),  # S12
        (tourism, extra, "2026-06-10 10:00", ["c1", "c6", "c7"], cancelled),  # S13
        (tourism, regular, "2026-08-18 10:00", None, held),  # S14
    ):
        _session(group, kind, starts, present, status)
    idle = _db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == IDLE))
    return {"culture": culture.id, "tourism": tourism.id, "idle": idle.id}


def _delegations(summit_id: int, attended: dict[str | None, bool | None]) -> None:
    for key, came in attended.items():
        if key is None:  # a Balkan city that is not a member
            _db.session.add(
                Delegation(
                    summit_id=summit_id,
                    city_name="Врање",
                    city_name_en="Vranje",
                    country_id=_country("RS").id,
                    attended=came,
                )
            )
            continue
        city = _city(CITIES.get(key, key))
        _db.session.add(Delegation(summit_id=summit_id, city_id=city.id, attended=came))


def _election(
    summit_id: int,
    term_number: int,
    roll: list[str],
    candidates: list[str],
    rounds: list[tuple[list[str], dict[str, int]]],
    winner: str,
    certified: bool,
) -> None:
    """The election at a summit, on paper: the roll and candidates in nominations, then each
    round voted (its register and tallies, keyed by candidate name or yes/no/blank) and closed."""
    election = Election(
        summit_id=summit_id, term_number=term_number, phase=Phase.NOMINATIONS, mode=Mode.PAPER
    )
    _db.session.add(election)
    _db.session.flush()
    standing = {}
    for name in candidates:
        standing[name] = Candidate(election_id=election.id, city_id=_city(name).id)
        _db.session.add(standing[name])
    for key in roll:
        _db.session.add(RollEntry(election_id=election.id, city_id=_city(CITIES.get(key, key)).id))
    _db.session.flush()
    for number, (voters, tallies) in enumerate(rounds, start=1):
        if number == 2:
            for name in tallies:
                if name in standing:
                    standing[name].is_in_second_round = True
        election.round, election.phase = number, Phase.VOTING
        _db.session.flush()
        for key in voters:
            _db.session.add(
                VoteRecord(election_id=election.id, round=number, city_id=_city(CITIES[key]).id)
            )
        for choice, votes in tallies.items():
            code = str(standing[choice].id) if choice in standing else choice
            _db.session.add(Tally(election_id=election.id, round=number, choice=code, votes=votes))
        _db.session.flush()
        election.phase = Phase.CLOSED
        _db.session.flush()
    election.winner_city_id = _city(winner).id
    election.closed_at = at("2026-01-27 12:00")
    _db.session.flush()
    if certified:
        election.phase = Phase.CERTIFIED
        _db.session.flush()


def _summits() -> None:
    sofia, zagreb = (
        _db.session.scalar(select(Term).where(Term.number == number))
        for number in (SOFIA_TERM, ZAGREB_TERM)
    )
    _delegations(
        sofia.opening_summit_id,
        {"c1": True, "c2": True, "c3": True, "c4": True, "Pleven": True, "c5": False, "c6": None},
    )
    _delegations(
        zagreb.opening_summit_id,
        {"c1": True, "c2": True, "c7": True, "Ruse": True, "c3": False, None: False, "c8": None},
    )
    ten = [f"c{n}" for n in range(1, 11)]
    _election(
        sofia.opening_summit_id,
        ZAGREB_TERM,
        roll=ten,
        candidates=["Zagreb", "Sarajevo", "Skopje"],
        rounds=[
            (ten[:9], {"Zagreb": 4, "Sarajevo": 3, "Skopje": 1, BLANK: 1}),
            (ten[:7], {"Zagreb": 5, "Sarajevo": 2, BLANK: 0}),
        ],
        winner="Zagreb",
        certified=True,
    )
    _election(
        zagreb.opening_summit_id,
        ZAGREB_TERM + 1,
        roll=[*ten, "Plovdiv", "Burgas"],
        candidates=["Sarajevo"],
        rounds=[(ten[:6], {YES: 4, NO: 1, BLANK: 1})],
        winner="Sarajevo",
        certified=False,
    )


def _indicators(groups: dict[str, int]) -> None:
    """Four indicators of Sofia's term: one entered (its latest figure counts), three computed."""
    sofia = _db.session.scalar(select(Term).where(Term.number == SOFIA_TERM))
    entered = Indicator(
        term_id=sofia.id,
        position=1,
        title_en="Online sessions held",
        unit_en="sessions",
        target=8,
        source=rules.Source.ENTERED,
    )
    entered.figures = [
        IndicatorFigure(value=2, recorded_on=date(2025, 6, 30)),
        IndicatorFigure(value=3, recorded_on=date(2025, 12, 31)),
    ]
    _db.session.add(entered)
    for position, measure, target, direction, group in (
        (2, Measure.NEW_MEMBERS, 4, rules.Direction.AT_LEAST, None),
        (3, Measure.EXTRA_SESSIONS_HELD, 2, rules.Direction.AT_LEAST, groups["culture"]),
        (4, Measure.MEDIAN_DAYS_TO_DECIDE, 14, rules.Direction.AT_MOST, None),
    ):
        _db.session.add(
            Indicator(
                term_id=sofia.id,
                position=position,
                title_en=measure.value,
                target=target,
                direction=direction,
                source=rules.Source.COMPUTED,
                measure=measure,
                working_group_id=group,
            )
        )


@pytest.fixture
def facts_history(app, history):
    """The hand-built history of terms 4 and 5 (see the module's docstring); the groups' ids."""
    with app.test_request_context():
        _cities()
        _applications()
        groups = _groups()
        _summits()
        _indicators(groups)
        _db.session.commit()
    return groups


def _term(number: int) -> Term:
    return _db.session.scalar(select(Term).where(Term.number == number))


def _close(value, expected) -> bool:
    if expected is None or value is None:
        return value is expected
    return value == pytest.approx(expected, abs=1e-9)


# --- every measure, read back from the database -------------------------------------------------


def test_every_measure_of_both_terms_reads_its_known_answer(app, facts_history):
    assert set(ANSWERS[SOFIA_TERM]) == set(Measure) == set(ANSWERS[ZAGREB_TERM]), (
        "a measure without a known answer"
    )
    per_group = {m for m in Measure if m.per_group}
    for term_number in (SOFIA_TERM, ZAGREB_TERM):
        for key, answers in PER_GROUP[term_number].items():
            assert set(answers) == per_group, f"term {term_number}, group {key}"
    wrong = []
    with app.test_request_context():
        for term_number in (SOFIA_TERM, ZAGREB_TERM):
            term = _term(term_number)
            window = queries.window_of(term)
            assert window == rules.Window(
                term.started_at, None if term_number == ZAGREB_TERM else at("2026-01-27 15:00")
            )
            facts = queries.facts_of(term, window)
            for measure in Measure:
                cases = [(None, ANSWERS[term_number][measure])]
                if measure.per_group:
                    cases += [
                        (facts_history[key], answers[measure])
                        for key, answers in PER_GROUP[term_number].items()
                    ]
                else:  # a group given to a measure of the whole network changes nothing
                    cases += [(facts_history["culture"], ANSWERS[term_number][measure])]
                for group_id, expected in cases:
                    indicator = Indicator(
                        source=rules.Source.COMPUTED, measure=measure, working_group_id=group_id
                    )
                    value = queries.current_value(indicator, facts, window, NOW)
                    direct = rules.measure(
                        measure,
                        window=window,
                        now=NOW,
                        cities=facts.cities,
                        applications=facts.applications,
                        sessions=facts.sessions,
                        summit_present=facts.summit_present,
                        voted=facts.voted,
                        roll=facts.roll,
                        group_id=group_id,
                    )
                    if not (_close(value, expected) and _close(direct, expected)):
                        wrong.append(
                            f"term {term_number} {measure.value} group {group_id}: "
                            f"current_value {value!r}, measure {direct!r}, expected {expected!r}"
                        )
                    counts = isinstance(expected, int) and not isinstance(expected, bool)
                    if counts and value is not None:
                        assert value == int(value), f"{measure.value} counts whole things"
    assert not wrong, "\n".join(wrong)


def test_the_indicators_page_judges_the_term_from_the_same_facts(app, facts_history):
    with app.test_request_context():
        page = queries.indicators_page(_term(SOFIA_TERM), NOW)
    assert page.elapsed == 1.0  # the term is over
    got = [
        (s.indicator.position, s.value, s.progress, s.status and s.status.value)
        for s in page.standings
    ]
    assert got == [
        (1, 3, 3 / 8, "behind"),  # the latest figure, 3 of 8
        (2, 3, 3 / 4, "behind"),  # Lovech, Vidin, Ruse of 4
        (3, 2, 1.0, "met"),  # culture's S3 and S3b
        (4, 10.0, 1.0, "met"),  # at most 14 days: 10
    ]


# --- the compiled facts of the report ----------------------------------------------------------


def _names(name: str) -> Names:
    city = _city(name)
    return Names(city.english_name, city.name_in("tr"), city.official_name)


def test_the_compiled_facts_of_sofias_term(app, facts_history):
    with app.test_request_context():
        facts = compilation.compile_facts(_term(SOFIA_TERM), NOW)
        names = {key: _names(key) for key in ("Zagreb", "Sarajevo", "Skopje", "Sofia")}
        present = sorted(
            (_names(CITIES[k]) for k in ("c1", "c2", "c3", "c4")), key=lambda n: n.name_en
        )
        present = sorted([*present, _names("Pleven")], key=lambda n: n.name_en)
    assert (facts.term_number, facts.year, facts.presidency) == (4, 2025, names["Sofia"])
    assert (facts.started_on, facts.ended_on) == (date(2025, 2, 25), date(2026, 1, 27))
    assert [(m.city.name_en, m.country.name_en, m.on, m.route) for m in facts.joined] == [
        ("Lovech", "Bulgaria", date(2025, 2, 26), JoinRoute.APPLICATION),
        ("Ruse", "Bulgaria", date(2026, 1, 27), JoinRoute.SUMMIT),
        ("Vidin", "Bulgaria", date(2025, 6, 10), JoinRoute.APPLICATION),
    ]
    assert [(m.city.name_en, m.on, m.route) for m in facts.withdrawn] == [
        ("Sliven", date(2025, 10, 1), JoinRoute.APPLICATION)
    ]
    assert (facts.received, facts.approved, facts.rejected) == (4, 2, 1)
    assert facts.median_days == pytest.approx(10.0)

    groups = {group.slug: group for group in facts.groups}
    assert set(groups) == {
        "culture",
        "tourism",
        "local-climate-action",
        "local-democracy-and-migration",
        IDLE,
        "local-economic-cooperation",
    }, "the active groups, even those that did not meet"
    culture, tourism, idle = groups["culture"], groups["tourism"], groups[IDLE]
    assert culture.group == Names("Culture and heritage", "Culture and heritage (tr)")
    assert (culture.regular, culture.extra, culture.minutes) == (2, 2, 4)
    assert culture.average_present == pytest.approx(2.75)
    assert culture.sessions == [
        SessionLine(date(2025, 4, 15), SessionKind.REGULAR, 3, 6, True),
        SessionLine(date(2025, 7, 15), SessionKind.REGULAR, 4, 6, True),
        SessionLine(date(2025, 9, 10), SessionKind.EXTRA, 2, 6, True),
        SessionLine(date(2025, 12, 2), SessionKind.EXTRA, 2, 6, True),
    ], "the cancelled S4 of 14 October is in no list"
    assert (tourism.regular, tourism.extra, tourism.minutes) == (2, 1, 2)
    assert tourism.average_present == pytest.approx(2.5)
    assert tourism.sessions == [
        SessionLine(date(2025, 5, 20), SessionKind.REGULAR, 2, 4, True),
        SessionLine(date(2025, 8, 19), SessionKind.REGULAR, None, 4, False),
        SessionLine(date(2026, 1, 27), SessionKind.EXTRA, 3, 4, True),
    ]
    assert (idle.regular, idle.extra, idle.minutes, idle.average_present, idle.sessions) == (
        0,
        0,
        0,
        None,
        [],
    )

    summit = facts.summit
    assert (summit.number, summit.year, summit.host) == (4, 2025, names["Sofia"])
    assert (summit.starts_on, summit.ends_on) == (date(2025, 2, 24), date(2025, 2, 25))
    assert summit.delegations == 7
    assert summit.present == present

    election = facts.election
    assert (election.term_number, election.is_done) == (ZAGREB_TERM, True)
    assert election.candidates == sorted(
        [names["Zagreb"], names["Sarajevo"], names["Skopje"]], key=lambda n: n.name_en
    )
    assert election.rounds == [
        RoundFacts(
            1,
            [(names["Zagreb"], 4), (names["Sarajevo"], 3), (names["Skopje"], 1)],
            blank=1,
            voted=9,
            roll=10,
            turnout=90.0,
        ),
        RoundFacts(
            2,
            [(names["Zagreb"], 5), (names["Sarajevo"], 2)],
            blank=0,
            voted=7,
            roll=10,
            turnout=70.0,
        ),
    ]
    assert election.elected == names["Zagreb"]

    assert [(line.value, line.status) for line in facts.indicators] == [
        (3, "behind"),
        (3, "behind"),
        (2, "met"),
        (10.0, "met"),
    ]
    growth = dict(facts.growth)
    # 2025: Pleven, Lovech, Vidin joined, Sliven withdrew
    assert growth[2025] - growth[2024] == 3 - 1
    facts.as_json()  # plain JSON values, as a snapshot keeps them


def test_the_compiled_facts_of_zagrebs_running_term(app, facts_history):
    with app.test_request_context():
        facts = compilation.compile_facts(_term(ZAGREB_TERM), NOW)
        sarajevo, ruse = _names("Sarajevo"), _names("Ruse")
    assert (facts.started_on, facts.ended_on) == (date(2026, 1, 27), None)
    assert [(m.city.name_en, m.route) for m in facts.joined] == [
        ("Bitola", JoinRoute.APPLICATION),
        ("Ohrid", JoinRoute.APPLICATION),
    ], "Tetovo joins after NOW"
    assert [m.city.name_en for m in facts.withdrawn] == ["Vidin"]
    assert (facts.received, facts.approved, facts.rejected) == (5, 3, 1)
    assert facts.median_days == pytest.approx(6.75)
    groups = {group.slug: group for group in facts.groups}
    culture, tourism = groups["culture"], groups["tourism"]
    assert (culture.regular, culture.extra, culture.minutes) == (2, 1, 3)
    assert [line.day for line in culture.sessions] == [
        date(2026, 1, 27),
        date(2026, 4, 14),
        date(2026, 7, 14),
    ], "S11 of 13 October is not held yet"
    assert (tourism.regular, tourism.extra, tourism.minutes) == (2, 0, 1)
    assert tourism.average_present == pytest.approx(4.0)
    assert facts.summit.number == 5  # its delegations: see the test below
    assert ruse in facts.summit.present and len(facts.summit.present) == 4
    election = facts.election
    assert (election.term_number, election.is_done, election.elected) == (6, True, sarajevo)
    assert election.candidates == [sarajevo]
    assert election.rounds == [
        RoundFacts(
            1,
            [(Names("Yes", "Evet"), 4), (Names("No", "Hayır"), 1)],
            blank=1,
            voted=6,
            roll=12,
            turnout=50.0,
        )
    ]
    assert facts.indicators == []  # none set for term 5


def test_a_non_members_delegation_counts_among_the_summits_delegations(app, facts_history):
    with app.test_request_context():
        facts = compilation.compile_facts(_term(ZAGREB_TERM), NOW)
    assert facts.summit.delegations == 7  # c1 c2 c7 Ruse c3 c8, and Vranje


# --- a fixed number of statements, whatever the term holds --------------------------------------


def _statements(app, number: int) -> tuple[int, compilation.ReportFacts]:
    """The statements compile_facts issues for a term, in a fresh session (nothing cached)."""
    seen = []
    with app.test_request_context():
        term = _term(number)
        engine = _db.engine
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            facts = compilation.compile_facts(term, NOW)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    return len(seen), facts


def _more_of_everything(app, groups: dict[str, int]) -> None:
    """50 more cities joined in term 4, one withdrawn, 40 more sessions with attendance in a new
    group of 50 members and the old ones, 30 more applications decided, 40 more delegations, one
    more indicator of each kind."""
    with app.test_request_context():
        add_cities(50, "Extra", joined_on=date(2025, 6, 1))
        extra = _db.session.scalars(
            select(City).where(City.english_name.like("Extra %")).order_by(City.id)
        ).all()
        withdraw_city(None, extra[0], date(2025, 7, 1))
        big = WorkingGroup(slug="big", name_en="Big", status=GroupStatus.ACTIVE)
        _db.session.add(big)
        for city in extra:
            _db.session.add(GroupMembership(group=big, city=city, joined_on=date(2025, 6, 1)))
        _db.session.flush()
        targets = [big, *(_db.session.get(WorkingGroup, groups[k]) for k in ("culture", "tourism"))]
        for number in range(40):
            session = GroupSession(
                group=targets[number % 3],
                kind=SessionKind.EXTRA,
                title_en=f"More {number}",
                starts_at=at("2025-03-03 09:00").replace(day=1 + number % 28, month=3 + number % 9),
                status=SessionStatus.HELD,
                minutes_at=at("2025-12-31 09:00"),
            )
            _db.session.add(session)
            _db.session.flush()
            for city in extra[number % 10 : number % 10 + 20]:
                _db.session.add(SessionAttendance(session_id=session.id, city_id=city.id))
        for number in range(30):
            _application(
                f"2025-04-{1 + number % 28:02d} 10:00",
                (Action.APPROVE if number % 2 else Action.REJECT, "2025-09-01 10:00"),
                state=ApplicationState.APPROVED if number % 2 else ApplicationState.REJECTED,
            )
        summit_id = _term(SOFIA_TERM).opening_summit_id
        for number, city in enumerate(extra[10:]):
            _db.session.add(
                Delegation(summit_id=summit_id, city_id=city.id, attended=bool(number % 2))
            )
        sofia = _term(SOFIA_TERM)
        _db.session.add(
            Indicator(term_id=sofia.id, position=5, title_en="More", target=1, source="entered")
        )
        _db.session.add(
            Indicator(
                term_id=sofia.id,
                position=6,
                title_en="More",
                target=1,
                source="computed",
                measure=Measure.ACTIVE_CITIES,
                working_group_id=big.id,
            )
        )
        _db.session.commit()


def test_compiling_a_term_costs_the_same_statements_whatever_it_holds(app, facts_history, figure):
    small, before = _statements(app, SOFIA_TERM)
    _more_of_everything(app, facts_history)
    large, after = _statements(app, SOFIA_TERM)
    # the rows did land in the term
    assert len(after.joined) == len(before.joined) + 50
    assert len(after.withdrawn) == len(before.withdrawn) + 1
    assert after.received == before.received + 30
    assert (after.approved, after.rejected) == (before.approved + 15, before.rejected + 15)
    assert sum(g.extra for g in after.groups) == sum(g.extra for g in before.groups) + 40
    assert after.summit.delegations == before.summit.delegations + 40
    assert len(after.indicators) == len(before.indicators) + 2
    assert large == small, f"{small} statements for the small history, {large} for the large"
    figure(f"compile_facts of a term: {small} statements, small and large history alike")
