"""Demo working groups: years of quarterly sessions with minutes, upcoming ones, a pending
request, a proposal; and, for load tests, many synthetic groups with years of sessions."""

from datetime import date, timedelta

from sqlalchemy import insert, select

from secretariat import cache
from secretariat.accounts.models import User
from secretariat.database import utcnow
from secretariat.extensions import db
from secretariat.members.models import City, Contact, Country
from secretariat.working_groups import operations
from secretariat.working_groups.models import (
    GroupKind,
    GroupMembership,
    GroupSession,
    GroupStatus,
    SessionAttendance,
    SessionKind,
    SessionStatus,
    WorkingGroup,
)
from secretariat.working_groups.queries import membership_of
from secretariat.working_groups.requests import approve_request, request_extra_session
from secretariat.working_groups.rules import next_quarter, quarter_of, regular_slot
from secretariat.working_groups.sessions import REGULAR_AGENDA, plan_sessions, regular_titles

FIRST_QUARTER = 20221  # the groups first met in the quarter after the founding summit
MINUTES = {  # content, as the secretariat writes it, in both languages
    "en": "The coordinators opened the session and the minutes of the previous one were "
    "adopted. {present} member cities reported on their work since then. The group agreed "
    "to prepare a joint project proposal and to exchange practice before the next session.",
    "tr": "Koordinatörler oturumu açtı ve önceki oturumun tutanağı kabul edildi. {present} üye "
    "şehir o tarihten bu yana yaptıkları çalışmaları anlattı. Grup, ortak bir proje önerisi "
    "hazırlamaya ve bir sonraki oturuma kadar deneyim paylaşmaya karar verdi.",
}
DESCRIPTIONS = {  # content, in both languages, as the secretariat would write it
    "local-climate-action": (
        "Member cities share their climate plans, adaptation to heat and floods, and ways to "
        "fund the energy transition of public buildings.",
        "Üye şehirler iklim planlarını, sıcak hava ve sele uyum çalışmalarını ve kamu "
        "binalarının enerji dönüşümünü finanse etme yollarını paylaşır.",
    ),
    "local-democracy-and-migration": (
        "How cities involve their residents in decisions, and how they welcome and include "
        "people who arrive from elsewhere.",
        "Şehirlerin halkı kararlara nasıl kattığı ve başka yerlerden gelenleri nasıl "
        "karşılayıp topluma kattığı.",
    ),
    "smart-cities-and-digital-transformation": (
        "Open data, digital public services and the tools that make city administrations "
        "easier to reach.",
        "Açık veri, dijital kamu hizmetleri ve belediyelere ulaşmayı kolaylaştıran araçlar.",
    ),
    "local-economic-cooperation": (
        "Trade fairs, tourism routes and small businesses across the Balkans: what cities can "
        "do together for their local economies.",
        "Balkanlar genelinde fuarlar, turizm rotaları ve küçük işletmeler: şehirlerin yerel "
        "ekonomileri için birlikte yapabilecekleri.",
    ),
}
MEETING = "https://meet.b40.example/b40-wg-{number}"  # fictional: .example addresses lead nowhere


def _past_quarters(today_quarter: int, first: int = FIRST_QUARTER) -> list[int]:
    quarters, quarter = [], first
    while quarter <= today_quarter:
        quarters.append(quarter)
        quarter = next_quarter(quarter)
    return quarters


def load_demo_groups() -> None:
    """Through the operations where a person would act, in bulk for the years of history."""
    now = utcnow()
    groups = db.session.scalars(select(WorkingGroup).order_by(WorkingGroup.id)).all()
    for group in groups:
        group.meeting_url = MEETING.format(number=group.id)
        group.description_en, group.description_tr = DESCRIPTIONS.get(group.slug, ("", ""))
    _contacts_speak_their_language()
    members = {
        group.id: db.session.scalars(
            select(GroupMembership.city_id)
            .where(GroupMembership.group_id == group.id)
            .order_by(GroupMembership.city_id)
        ).all()
        for group in groups
    }
    for group in groups:
        _name_a_group_contact(group, members[group.id])
        for index, quarter in enumerate(_past_quarters(quarter_of(now.date()))):
            starts_at = regular_slot(quarter, group.id)
            if starts_at >= now:
                continue
            cities = members[group.id]
            present = [c for n, c in enumerate(cities) if (n + index) % 4 != 0]
            session = GroupSession(
                group=group,
                kind=SessionKind.REGULAR,
                quarter=quarter,
                **regular_titles(group.name_en, group.name_tr, quarter),
                starts_at=starts_at,
                meeting_url=group.meeting_url,
                agenda_en=REGULAR_AGENDA["en"],
                agenda_tr=REGULAR_AGENDA["tr"],
                status=SessionStatus.HELD,
                minutes_en=MINUTES["en"].format(present=len(present)),
                minutes_tr=MINUTES["tr"].format(present=len(present)),
                minutes_at=starts_at + timedelta(days=2),
                created_at=starts_at - timedelta(days=60),
                updated_at=starts_at + timedelta(days=2),
                attendance=[SessionAttendance(city_id=city_id) for city_id in present],
            )
            db.session.add(session)
    db.session.flush()
    plan_sessions(now)
    _extra_session_and_requests(groups, now)
    _proposal(now)
    cache.bump_directory()


def _contacts_speak_their_language() -> None:
    turkish = select(City.id).join(Country).where(Country.code == "TR")
    for contact in db.session.scalars(select(Contact).where(Contact.city_id.in_(turkish))):
        contact.language = "tr"


def _name_a_group_contact(group: WorkingGroup, city_ids: list[int]) -> None:
    if not city_ids:
        return
    city = db.session.get(City, city_ids[0])
    operations.name_group_contact(
        None,
        group,
        city,
        name=f"Lejla Kurt {group.id}",
        email=f"group{group.id}@{city.slug}.example",
        position="Project officer",
        language="tr" if city.country.code == "TR" else "en",
        timezone="Europe/Istanbul" if city.country.code == "TR" else "Europe/Belgrade",
    )


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _extra_session_and_requests(groups: list[WorkingGroup], now) -> None:
    """Sarajevo's delegate asked twice: one request approved (an upcoming extra session), one
    waiting for the secretariat."""
    sarajevo = db.session.scalar(select(City).where(City.slug == "sarajevo"))
    delegate, expert = _user("delegate.sarajevo@b40.example"), _user("expert@b40.example")
    joined = [g for g in groups if membership_of(g, sarajevo) is not None]
    for group in groups[:2]:
        if group not in joined:
            operations.join_group(delegate, group, sarajevo, date(2024, 3, 1))
            joined.append(group)
    soon = (now + timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)
    approved = request_extra_session(
        delegate,
        joined[0],
        sarajevo,
        reason="The EU's new call for city partnerships closes next month; "
        "we would like to agree on a joint application.",
        times=[soon, soon + timedelta(days=1)],
        now=now,
    )
    approve_request(expert, approved, starts_at=soon, note="Agreed. See you online.", now=now)
    request_extra_session(
        delegate,
        joined[1],
        sarajevo,
        reason="Several member cities are receiving new arrivals this winter; "
        "a short session to share what works would help.",
        times=[soon + timedelta(days=14), soon + timedelta(days=16)],
        now=now,
    )


def _proposal(now) -> None:
    """Zagreb's mayor, for the term presidency, proposed a temporary group; the secretariat
    has not answered yet."""
    operations.propose_group(
        _user("mayor.zagreb@b40.example"),
        name_en="Post-earthquake reconstruction",
        name_tr="Deprem sonrası yeniden yapılanma",
        description_en="Cities that rebuilt after earthquakes share what they learnt about "
        "safe buildings, funding and involving residents.",
        description_tr="Depremlerin ardından yeniden inşa edilen şehirler güvenli yapılar, "
        "finansman ve halkın katılımı konusunda öğrendiklerini paylaşır.",
        kind=GroupKind.TEMPORARY,
        ends_on=(now + timedelta(days=365)).date(),
        now=now,
    )


def load_synthetic_groups(scale: int) -> None:
    """scale // 100 synthetic groups, each with the synthetic cities that join it and three
    years of held quarterly sessions; the synthetic cities also join the permanent groups.
    Bulk rows, since they only serve the load tests."""
    now = utcnow()
    cities = db.session.scalars(
        select(City.id).where(City.slug.like("synthetic-city-%")).order_by(City.id)
    ).all()
    permanent = db.session.scalars(
        select(WorkingGroup.id)
        .where(WorkingGroup.kind == GroupKind.PERMANENT, WorkingGroup.status == GroupStatus.ACTIVE)
        .order_by(WorkingGroup.id)
    ).all()
    count = max(1, scale // 100)
    db.session.execute(
        insert(WorkingGroup),
        [
            {
                "slug": f"synthetic-group-{n:04d}",
                "name_en": f"Synthetic group {n:04d}",
                "name_tr": f"Sentetik grup {n:04d}",
                "kind": GroupKind.PERMANENT,
                "status": GroupStatus.ACTIVE,
                "meeting_url": MEETING.format(number=f"s{n:04d}"),
                "created_at": now,
            }
            for n in range(count)
        ],
    )
    synthetic = db.session.scalars(
        select(WorkingGroup.id).where(WorkingGroup.slug.like("synthetic-group-%"))
    ).all()
    joined = date(2024, 1, 1)
    rows = [
        {"group_id": group_id, "city_id": city_id, "joined_on": joined, "is_coordinator": n < 2}
        for n, city_id in enumerate(cities)
        for group_id in (synthetic[n % len(synthetic)], permanent[n % len(permanent)])
    ]
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(GroupMembership), rows[start : start + 5000])
    today_quarter = quarter_of(now.date())
    quarters = _past_quarters(today_quarter, first=today_quarter - 30)  # three years back
    sessions = [
        {
            "group_id": group_id,
            "kind": SessionKind.REGULAR,
            "quarter": quarter,
            "title_en": f"Synthetic session {quarter}",
            "title_tr": f"Sentetik oturum {quarter}",
            "starts_at": regular_slot(quarter, group_id),
            "duration_minutes": 90,
            "meeting_url": "",
            "agenda_en": REGULAR_AGENDA["en"],
            "agenda_tr": REGULAR_AGENDA["tr"],
            "status": SessionStatus.HELD,
            "sequence": 0,
            "minutes_en": "Synthetic minutes.",
            "minutes_tr": "Sentetik tutanak.",
            "created_at": now,
            "updated_at": now,
        }
        for group_id in synthetic
        for quarter in quarters
        if regular_slot(quarter, group_id) < now
    ]
    for start in range(0, len(sessions), 5000):
        db.session.execute(insert(GroupSession), sessions[start : start + 5000])
    db.session.flush()
    plan_sessions(now)
