"""The activity report's compiled facts: what the portal holds of a term, read once, as plain values."""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, repeat

from flask_babel import force_locale
from sqlalchemy import extract, func, or_, select

from secretariat.applications.models import Application, ApplicationEvent
from secretariat.applications.rules import Action
from secretariat.database import utcnow
from secretariat.elections import queries as elections
from secretariat.elections.models import Election, Phase, Tally, VoteRecord
from secretariat.elections.rules import BLANK, NO, YES, count
from secretariat.extensions import db
from secretariat.members.models import City, Country
from secretariat.presidency.models import Delegation, Summit, Term
from secretariat.reports import queries, rules
from secretariat.working_groups.models import GroupStatus, SessionKind, WorkingGroup
from secretariat.working_groups.rules import SESSION_ZONE

FIRST_YEAR = 2021  # the Istanbul founding summit: membership growth is drawn from it


@dataclass(frozen=True)
class Names:
    """A city (or group, or country) named in both languages, and in its own where it has one."""

    name_en: str
    name_tr: str
    official: str = ""


def _names(city: City) -> Names:
    return Names(city.english_name, city.name_in("tr"), city.official_name)


@dataclass(frozen=True)
class MemberLine:
    city: Names
    country: Names
    on: date
    route: str


@dataclass(frozen=True)
class SessionLine:
    day: date  # in the secretariat's calendar, as the group's page shows it
    kind: str
    present: int | None  # None until the minutes record who came
    members: int
    has_minutes: bool


@dataclass(frozen=True)
class GroupYear:
    id: int
    slug: str
    group: Names
    regular: int
    extra: int
    minutes: int
    average_present: float | None
    sessions: list[SessionLine]


@dataclass(frozen=True)
class SummitFacts:
    number: int
    year: int | None
    host: Names
    starts_on: date | None
    ends_on: date | None
    venue: str
    theme_en: str
    theme_tr: str
    delegations: int
    present: list[Names]


@dataclass(frozen=True)
class RoundFacts:
    number: int
    votes: list[tuple[Names, int]]  # a city, or the yes / no of a single candidacy
    blank: int
    voted: int
    roll: int
    turnout: float | None


@dataclass(frozen=True)
class ElectionFacts:
    term_number: int
    is_done: bool  # counted (closed or certified): the rounds may be shown
    candidates: list[Names]
    rounds: list[RoundFacts]
    elected: Names | None


@dataclass(frozen=True)
class IndicatorLine:
    title_en: str
    title_tr: str
    unit_en: str
    unit_tr: str
    target: float
    direction: str
    value: float | None
    progress: float
    status: str | None
    is_percent: bool = False


@dataclass(frozen=True)
class ReportFacts:
    term_number: int
    year: int | None
    presidency: Names
    mayor: str
    started_on: date | None  # the handover, in the secretariat's calendar
    ended_on: date | None
    compiled_at: datetime
    joined: list[MemberLine]
    withdrawn: list[MemberLine]
    received: int
    approved: int
    rejected: int
    median_days: float | None
    groups: list[GroupYear]
    summit: SummitFacts | None
    election: ElectionFacts | None
    indicators: list[IndicatorLine]
    growth: list[tuple[int, int]] = field(default_factory=list)  # (year, members at its end)

    @property
    def compiled_on(self) -> date:
        return _day(self.compiled_at)

    def as_json(self) -> dict:
        """The facts as JSON values: what a snapshot keeps, and its checksum covers."""
        return _plain(asdict(self))


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def compile_facts(term: Term, now: datetime | None = None) -> ReportFacts:
    """Everything the report says the portal counted, in a fixed number of statements."""
    now = now or utcnow()
    window = queries.window_of(term) or rules.Window(now, now)
    joined, withdrawn = _members(window, now)
    received, approved, rejected, median_days = _applications(window, now)
    page = queries.indicators_page(term, now, queries.facts_of(term, window))
    return ReportFacts(
        term_number=term.number,
        year=term.year,
        presidency=_names(term.city),
        mayor=term.mayor_name,
        started_on=_day(term.started_at),
        ended_on=_day(term.ended_at),
        compiled_at=now,
        joined=joined,
        withdrawn=withdrawn,
        received=received,
        approved=approved,
        rejected=rejected,
        median_days=median_days,
        groups=_groups(window, now),
        summit=_summit(term),
        election=_election(term),
        indicators=[_indicator_line(standing) for standing in page.standings],
        growth=_growth(now),
    )


def _day(moment: datetime | None) -> date | None:
    return moment.astimezone(SESSION_ZONE).date() if moment else None


def _members(window: rules.Window, now: datetime) -> tuple[list[MemberLine], list[MemberLine]]:
    rows = db.session.execute(
        select(
            City.english_name,
            City.turkish_name,
            City.official_name,
            Country.name_en,
            Country.name_tr,
            City.joined_on,
            City.join_route,
            City.withdrawn_on,
        )
        .join(Country, City.country_id == Country.id)
        .where(
            or_(
                queries.on_a_day_of(City.joined_on, window),
                queries.on_a_day_of(City.withdrawn_on, window),
            )
        )
        .order_by(City.sort_key_en, City.id)
    )
    joined, withdrawn = [], []
    for english, turkish, official, country_en, country_tr, joined_on, route, left_on in rows:
        fact = rules.CityFact(joined_on, route, left_on)
        names = Names(english, turkish or english, official)
        country = Names(country_en, country_tr)
        if rules.new_members([fact], window, now):
            joined.append(MemberLine(names, country, joined_on, route))
        if rules.withdrawn([fact], window, now):
            withdrawn.append(MemberLine(names, country, left_on, route))
    return joined, withdrawn


def _applications(window: rules.Window, now: datetime) -> tuple[int, int, int, float | None]:
    decided = (
        select(
            ApplicationEvent.application_id,
            func.min(ApplicationEvent.at).label("at"),
            func.max(ApplicationEvent.action).label("action"),
        )
        .where(ApplicationEvent.action.in_((Action.APPROVE, Action.REJECT)))
        .group_by(ApplicationEvent.application_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Application.submitted_at, decided.c.at, decided.c.action)
        .outerjoin(decided, decided.c.application_id == Application.id)
        .where(or_(Application.submitted_at >= window.starts_at, decided.c.at >= window.starts_at))
    ).all()
    facts = [rules.ApplicationFact(submitted, at) for submitted, at, _ in rows]
    decided = {id(fact) for fact in rules.decided_in(facts, window, now)}
    in_term = [
        action for fact, (*_, action) in zip(facts, rows, strict=True) if id(fact) in decided
    ]
    return (
        rules.applications_received(facts, window, now),
        in_term.count(Action.APPROVE),
        in_term.count(Action.REJECT),
        rules.median_days_to_decide(facts, window, now),
    )


def _groups(window: rules.Window, now: datetime) -> list[GroupYear]:
    groups = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)).all()
    sessions = queries.session_facts(window)
    years = []
    for group in groups:
        held = sorted(
            (s for s in rules.held_sessions(sessions, window, now) if s.group_id == group.id),
            key=lambda s: s.starts_at,
        )
        if not held and group.status != GroupStatus.ACTIVE:
            continue
        years.append(
            GroupYear(
                id=group.id,
                slug=group.slug,
                group=Names(group.name_en, group.name_tr),
                regular=sum(s.kind == SessionKind.REGULAR for s in held),
                extra=sum(s.kind == SessionKind.EXTRA for s in held),
                minutes=sum(s.present is not None for s in held),
                average_present=rules.average_present(sessions, window, now, group.id),
                sessions=[
                    SessionLine(
                        s.starts_at.astimezone(SESSION_ZONE).date(),
                        s.kind,
                        None if s.present is None else len(s.present),
                        s.members,
                        s.present is not None,
                    )
                    for s in held
                ],
            )
        )
    return years


def _summit(term: Term) -> SummitFacts | None:
    summit = db.session.get(Summit, term.opening_summit_id)
    if summit is None:
        return None
    delegations = db.session.execute(
        select(
            Delegation.attended,
            Delegation.city_name,
            Delegation.city_name_en,
            City.english_name,
            City.turkish_name,
            City.official_name,
        )
        .outerjoin(City, Delegation.city_id == City.id)
        .where(Delegation.summit_id == summit.id)
        .order_by(Delegation.id)
    ).all()
    present = sorted(
        (
            Names(english, turkish or english, official)
            if english
            else Names(name_en or name, name_en or name, name)
            for attended, name, name_en, english, turkish, official in delegations
            if attended
        ),
        key=lambda names: names.name_en,
    )
    return SummitFacts(
        number=summit.number,
        year=summit.year,
        host=_names(summit.host_city),
        starts_on=summit.starts_on,
        ends_on=summit.ends_on,
        venue=summit.venue,
        theme_en=summit.theme_en,
        theme_tr=summit.theme_tr,
        delegations=len(delegations),
        present=present,
    )


def _election(term: Term) -> ElectionFacts | None:
    """The election held at the term's summit (for the next term): its rounds once counted."""
    election = db.session.scalar(
        select(Election).where(Election.summit_id == term.opening_summit_id)
    )
    if election is None:
        return None
    candidates = {str(c.id): _names(c.city) for c in election.candidates}
    roll = elections.roll_size(election)
    voted = dict(
        db.session.execute(
            select(VoteRecord.round, func.count())
            .where(VoteRecord.election_id == election.id)
            .group_by(VoteRecord.round)
        ).all()
    )
    counted: dict[int, dict[str, int]] = {}
    for number, choice, votes in db.session.execute(
        select(Tally.round, Tally.choice, Tally.votes).where(Tally.election_id == election.id)
    ):
        counted.setdefault(number, {})[choice] = votes
    rounds = []
    for number in elections.closed_rounds(election):
        if number not in counted:
            continue
        on_ballot = [str(c.id) for c in elections.round_candidates(election, number)]
        choices = chain.from_iterable(repeat(code, n) for code, n in counted[number].items())
        outcome = count(on_ballot, choices, number)
        rounds.append(
            RoundFacts(
                number=number,
                votes=[(_option(candidates, code), votes) for code, votes in outcome.votes.items()],
                blank=outcome.blank,
                voted=voted.get(number, 0),
                roll=roll,
                turnout=rules.election_turnout(voted.get(number, 0), roll),
            )
        )
    return ElectionFacts(
        term_number=election.term_number,
        is_done=election.phase in (Phase.CLOSED, Phase.CERTIFIED),
        candidates=sorted(candidates.values(), key=lambda names: names.name_en),
        rounds=rounds,
        elected=_names(election.winner) if election.winner else None,
    )


_OPTIONS = {YES: Names("Yes", "Evet"), NO: Names("No", "Hayır"), BLANK: Names("Blank", "Boş")}


def _option(candidates: dict[str, Names], code: str) -> Names:
    return candidates.get(code) or _OPTIONS[code]


def _indicator_line(standing: queries.Standing) -> IndicatorLine:
    indicator = standing.indicator
    unit = rules.Measure(indicator.measure).unit if indicator.measure else None
    return IndicatorLine(
        title_en=indicator.title_en,
        title_tr=indicator.title_tr,
        unit_en=indicator.unit_en or (_in(unit, "en") if unit else ""),
        unit_tr=indicator.unit_tr or (_in(unit, "tr") if unit else ""),
        target=indicator.target,
        direction=indicator.direction,
        value=standing.value,
        progress=standing.progress,
        status=standing.status.value if standing.status else None,
        is_percent=indicator.is_percent,
    )


def _in(text, language: str) -> str:
    with force_locale(language):
        return str(text)


def _growth(now: datetime) -> list[tuple[int, int]]:
    """Member cities at the end of each year since the founding (this year: so far)."""
    today = now.date()
    joined = dict(
        db.session.execute(
            select(extract("year", City.joined_on), func.count())
            .where(City.joined_on <= today)
            .group_by(extract("year", City.joined_on))
        ).all()
    )
    left = dict(
        db.session.execute(
            select(extract("year", City.withdrawn_on), func.count())
            .where(City.withdrawn_on <= today)
            .group_by(extract("year", City.withdrawn_on))
        ).all()
    )
    joined = {int(year): count for year, count in joined.items()}
    left = {int(year): count for year, count in left.items()}
    members, growth = sum(c for y, c in joined.items() if y < FIRST_YEAR), []
    members -= sum(c for y, c in left.items() if y < FIRST_YEAR)
    for year in range(FIRST_YEAR, now.year + 1):
        members += joined.get(year, 0) - left.get(year, 0)
        growth.append((year, members))
    return growth
