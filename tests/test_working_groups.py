"""Working groups (SPEC §4): agreement on new groups, membership, quarterly planning, extra
sessions, minutes, reminders sent exactly once, calendars and the viewer's time zone."""

import gzip
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError

from secretariat import demo, scheduler
from secretariat.accounts.models import User
from secretariat.database import utcnow
from secretariat.extensions import db as _db
from secretariat.members.models import City, ContactKind
from secretariat.presidency.demo import load_history
from secretariat.security import Role
from secretariat.working_groups import (
    calendar,
    operations,
    queries,
    reminders,
    requests,
    sessions,
    tasks,
)
from secretariat.working_groups.models import (
    GroupKind,
    GroupMembership,
    GroupSession,
    GroupStatus,
    RequestStatus,
    SessionKind,
    SessionReminder,
    SessionRequest,
    SessionStatus,
    WorkingGroup,
)
from secretariat.working_groups.rules import (
    SESSION_ZONE,
    next_quarter,
    quarter_of,
    quarter_to_plan,
    regular_slot,
    reminder_due,
)
from tests.conftest import add_cities, load_once, sign_in
from tests.helpers import city, flashes, outbox, words

CLIMATE = "local-climate-action"
MIGRATION = "local-democracy-and-migration"


@pytest.fixture
def network(app, db):
    """The forty real cities with their groups and the real presidency: Zagreb presides."""
    load_once(app, "network", lambda: (demo.load_cities(), load_history(demo.DATA)))


def group(slug: str) -> WorkingGroup:
    return _db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))


def outsider(app, slug=CLIMATE) -> tuple[str, str]:
    """A member city that is not in the group: (slug, English name)."""
    with app.app_context():
        inside = members_of(slug)
        found = _db.session.scalars(select(City).order_by(City.id)).all()
        other = next(c for c in found if c.slug not in inside)
        return other.slug, other.english_name


def members_of(slug: str) -> set[str]:
    return set(
        _db.session.scalars(
            select(City.slug)
            .join(GroupMembership, GroupMembership.city_id == City.id)
            .join(WorkingGroup)
            .where(WorkingGroup.slug == slug)
        )
    )


def a_session(app, slug=CLIMATE, starts_at=None, **values) -> int:
    """A planned extra session of the group, at starts_at (default: in 30 days)."""
    with app.test_request_context():
        session = GroupSession(
            group=group(slug),
            kind=SessionKind.EXTRA,
            title_en="Climate session",
            title_tr="İklim oturumu",
            starts_at=starts_at or utcnow() + timedelta(days=30),
            meeting_url="https://meet.example/climate",
            **values,
        )
        _db.session.add(session)
        _db.session.commit()
        return session.id


# --- the rules ------------------------------------------------------------------------------


def test_quarters_follow_the_calendar():
    assert quarter_of(date(2027, 1, 1)) == 20271
    assert quarter_of(date(2027, 6, 30)) == 20272
    assert quarter_of(date(2026, 12, 31)) == 20264
    assert next_quarter(20264) == 20271
    assert next_quarter(20272) == 20273


@given(st.integers(min_value=2022, max_value=2090), st.integers(1, 4), st.integers(0, 10_000))
def test_a_regular_session_falls_in_its_quarter_on_a_tuesday_morning_in_istanbul(
    year, number, slot
):
    quarter = year * 10 + number
    starts_at = regular_slot(quarter, slot)
    local = starts_at.astimezone(SESSION_ZONE)
    assert quarter_of(local.date()) == quarter
    assert local.weekday() == 1
    assert (local.hour, local.minute) == (11, 0)


@given(
    st.datetimes(min_value=datetime(2022, 1, 1), max_value=datetime(2090, 1, 1)),
    st.integers(0, 100),
)
def test_the_quarter_to_plan_is_always_ahead_and_never_planned_twice(moment, slot):
    now = moment.replace(tzinfo=UTC)
    wanted = quarter_to_plan(now, slot, None)
    assert regular_slot(wanted, slot) > now
    assert quarter_to_plan(now, slot, wanted) is None
    assert regular_slot(wanted, slot) - now < timedelta(days=200)


def test_reminders_fall_due_a_week_and_a_day_before():
    start = datetime(2027, 2, 9, 8, 0, tzinfo=UTC)
    assert reminder_due(start, start - timedelta(days=8)) is None
    assert reminder_due(start, start - timedelta(days=7)) == "week"
    assert reminder_due(start, start - timedelta(days=2)) == "week"
    assert reminder_due(start, start - timedelta(hours=23)) == "day"
    assert reminder_due(start, start) is None


# --- new groups by agreement ----------------------------------------------------------------

PROPOSAL = {
    "name_en": "Post-earthquake reconstruction",
    "name_tr": "Deprem sonrası yeniden yapılanma",
    "description_en": "Rebuilding safely.",
    "description_tr": "Güvenli yeniden yapılanma.",
    "kind": "temporary",
    "ends_on": "2030-06-30",
}


def test_the_presidency_proposes_and_only_the_secretariat_approves(
    app, client, network, create_user
):
    zagreb = create_user(Role.DELEGATE, city="zagreb")
    sign_in(client, zagreb.email)
    response = client.post_form("/working-groups/propose", PROPOSAL)
    assert response.status_code == 302
    slug = "post-earthquake-reconstruction"
    with app.app_context():
        proposed = group(slug)
        assert proposed.status == GroupStatus.PROPOSED
        assert proposed.presidency_approved_by_id == zagreb.id
        assert proposed.secretariat_approved_at is None
    # the presidency's own side cannot approve it, nor a mayor of another city
    response = client.post_form(f"/working-groups/{slug}/approve", page=f"/working-groups/{slug}")
    assert any("other side approves" in m for m in flashes(client.get(f"/working-groups/{slug}")))
    client.post_form("/sign-out", page="/")
    tirana = create_user(Role.MAYOR, city="tirana")
    sign_in(client, tirana.email)
    assert client.get(f"/working-groups/{slug}").status_code == 404  # not a side: not shown
    client.post_form(f"/working-groups/{slug}/approve", page="/working-groups")
    with app.app_context():
        assert group(slug).status == GroupStatus.PROPOSED
    client.post_form("/sign-out", page="/")
    staff = create_user(Role.SECRETARIAT)
    sign_in(client, staff.email)
    client.post_form(f"/working-groups/{slug}/approve", page=f"/working-groups/{slug}")
    with app.app_context():
        agreed = group(slug)
        assert agreed.status == GroupStatus.ACTIVE
        assert agreed.secretariat_approved_by_id == staff.id
        assert agreed.presidency_approved_at is not None
    html = words(client.get(f"/working-groups/{slug}").get_data(as_text=True))
    assert "Agreed by the term presidency" in html and "Agreed by the secretariat" in html


def test_the_secretariat_proposes_and_the_presidency_approves(app, client, network, create_user):
    staff = create_user(Role.SECRETARIAT)
    sign_in(client, staff.email)
    client.post_form("/working-groups/propose", {**PROPOSAL, "kind": "permanent", "ends_on": ""})
    slug = "post-earthquake-reconstruction"
    client.post_form(f"/working-groups/{slug}/approve", page=f"/working-groups/{slug}")
    with app.app_context():
        assert group(slug).status == GroupStatus.PROPOSED  # staff approve nothing of their own
    client.post_form("/sign-out", page="/")
    mayor = create_user(Role.MAYOR, city="zagreb")
    sign_in(client, mayor.email)
    client.post_form(f"/working-groups/{slug}/approve", page=f"/working-groups/{slug}")
    with app.app_context():
        agreed = group(slug)
        assert agreed.status == GroupStatus.ACTIVE
        assert agreed.presidency_approved_by_id == mayor.id


def test_either_side_declines_and_a_declined_proposal_stays_declined(
    app, client, network, create_user
):
    sign_in(client, create_user(Role.SECRETARIAT).email)
    client.post_form("/working-groups/propose", PROPOSAL)
    slug = "post-earthquake-reconstruction"
    client.post_form("/sign-out", page="/")
    sign_in(client, create_user(Role.MAYOR, city="zagreb").email)
    client.post_form(
        f"/working-groups/{slug}/decline",
        {"note": "Not this year."},
        page=f"/working-groups/{slug}",
    )
    client.post_form(f"/working-groups/{slug}/approve", page=f"/working-groups/{slug}")
    with app.app_context():
        declined = group(slug)
        assert declined.status == GroupStatus.DECLINED
        assert declined.decline_note == "Not this year."


def test_only_the_two_sides_propose(client, network, sign_in_as):
    sign_in_as(Role.DELEGATE, city="tirana")
    response = client.get("/working-groups/propose")
    assert response.status_code == 302
    assert any("propose new groups" in m for m in flashes(client.get("/working-groups")))
    assert (
        client.post_form("/working-groups/propose", PROPOSAL, page="/working-groups").status_code
        == 302
    )
    assert "Post-earthquake" not in client.get("/working-groups").get_data(as_text=True)


def test_a_proposal_keeps_what_was_typed_when_the_end_date_is_missing(client, network, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form("/working-groups/propose", {**PROPOSAL, "ends_on": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A temporary group needs an end date." in html
    assert "Deprem sonrası yeniden yapılanma" in html


def test_the_database_refuses_an_active_proposal_without_both_approvals(app, network):
    with app.app_context():
        _db.session.add(
            WorkingGroup(
                slug="half-agreed",
                name_en="Half agreed",
                status=GroupStatus.ACTIVE,
                proposed_by_side="secretariat",
                secretariat_approved_at=utcnow(),
            )
        )
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()


def test_a_temporary_group_closes_after_its_end_date(app, network):
    with app.test_request_context():
        temporary = WorkingGroup(
            slug="winter-relief",
            name_en="Winter relief",
            kind=GroupKind.TEMPORARY,
            ends_on=date(2027, 3, 31),
        )
        _db.session.add(temporary)
        _db.session.commit()
        temporary_id = temporary.id
    a_session(app, "winter-relief", starts_at=datetime(2027, 5, 4, 8, tzinfo=UTC))
    with app.test_request_context():
        last_day = datetime(2027, 3, 31, 20, tzinfo=UTC)  # 23:00 in Istanbul, still its day
        assert operations.close_ended_groups(last_day) == []
        _db.session.commit()
        after = datetime(2027, 3, 31, 21, 30, tzinfo=UTC)  # 00:30 on 1 April in Istanbul
        assert [g.slug for g in operations.close_ended_groups(after)] == ["winter-relief"]
        _db.session.commit()
        assert operations.close_ended_groups(after) == []
        assert group("winter-relief").status == GroupStatus.CLOSED
        later = _db.session.scalar(
            select(GroupSession).where(GroupSession.group_id == temporary_id)
        )
        assert later.status == SessionStatus.CANCELLED
        assert sessions.plan_sessions(after) == 4  # the four permanent groups, not the closed one


# --- membership -----------------------------------------------------------------------------


def test_a_delegate_joins_and_leaves_for_their_own_city(app, client, network, sign_in_as):
    slug, name = outsider(app)
    sign_in_as(Role.DELEGATE, city=slug)
    client.post_form(f"/working-groups/{CLIMATE}/join", page=f"/working-groups/{CLIMATE}")
    with app.app_context():
        assert slug in members_of(CLIMATE)
    page = words(client.get(f"/working-groups/{CLIMATE}").get_data(as_text=True))
    assert f"{name} takes part in this group." in page
    client.post_form(f"/working-groups/{CLIMATE}/leave/{slug}", page=f"/working-groups/{CLIMATE}")
    with app.app_context():
        assert slug not in members_of(CLIMATE)


def test_a_delegate_cannot_remove_another_city(app, client, network, sign_in_as):
    with app.app_context():
        someone = sorted(members_of(CLIMATE))[0]
    sign_in_as(Role.DELEGATE, city=outsider(app)[0])
    response = client.post_form(
        f"/working-groups/{CLIMATE}/leave/{someone}", page=f"/working-groups/{CLIMATE}"
    )
    assert any("your own city" in m for m in flashes(client.get(f"/working-groups/{CLIMATE}")))
    assert response.status_code == 302
    with app.app_context():
        assert someone in members_of(CLIMATE)
    assert (
        client.post_form(
            f"/working-groups/{CLIMATE}/coordinator/{someone}/on", page=f"/working-groups/{CLIMATE}"
        ).status_code
        == 403
    )


def test_staff_add_any_city_and_set_coordinators(app, client, network, sign_in_as):
    slug, name = outsider(app)
    sign_in_as(Role.SECRETARIAT)
    client.post_form(
        f"/working-groups/{CLIMATE}/join", {"city": slug}, page=f"/working-groups/{CLIMATE}"
    )
    client.post_form(
        f"/working-groups/{CLIMATE}/coordinator/{slug}/on", page=f"/working-groups/{CLIMATE}"
    )
    with app.app_context():
        assert slug in queries.coordinator_slugs(group(CLIMATE))
    html = words(client.get(f"/working-groups/{CLIMATE}").get_data(as_text=True))
    assert f"{name} (coordinator)" in html


def test_with_many_cities_outside_staff_type_the_one_they_add(app, client, network, sign_in_as):
    with app.test_request_context():
        add_cities(queries.CITY_CHOICES + 1, "Added City")
        _db.session.commit()
    sign_in_as(Role.SECRETARIAT)
    page = f"/working-groups/{CLIMATE}?lang=tr"
    html = client.get(page).get_data(as_text=True)
    assert '<select id="city"' not in html and 'name="city" type="text"' in html

    response = client.post_form(
        f"/working-groups/{CLIMATE}/join?lang=tr", {"city": "added-cty-007"}, page=page
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bu kısa adı taşıyan bir üye şehir yok." in words(html)
    assert 'value="added-cty-007"' in html  # what was typed is kept
    with app.app_context():
        assert "added-city-007" not in members_of(CLIMATE)

    client.post_form(f"/working-groups/{CLIMATE}/join", {"city": " added-city-007 "}, page=page)
    with app.app_context():
        assert "added-city-007" in members_of(CLIMATE)


def test_a_city_names_its_contact_for_a_group(app, client, network, sign_in_as):
    with app.app_context():
        member = sorted(members_of(CLIMATE))[0]
    sign_in_as(Role.DELEGATE, city=member)
    response = client.post_form(
        f"/working-groups/{CLIMATE}/contact",
        {
            "name": "Ana Kovač",
            "email": "ana@city.example",
            "language": "tr",
            "timezone": "Europe/Belgrade",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        contact = queries.group_contact(group(CLIMATE), city(member))
        assert (contact.name, contact.language, contact.timezone) == (
            "Ana Kovač",
            "tr",
            "Europe/Belgrade",
        )
    response = client.post_form(
        f"/working-groups/{CLIMATE}/contact", {"name": "Ana", "email": "not an address"}
    )
    assert "Invalid email address." in response.get_data(as_text=True)


# --- planning ---------------------------------------------------------------------------------


def regular_sessions(app) -> list[tuple[int, int]]:
    with app.app_context():
        return _db.session.execute(
            select(GroupSession.group_id, GroupSession.quarter).where(
                GroupSession.kind == SessionKind.REGULAR
            )
        ).all()


def test_planning_twice_plans_one_session_per_group_and_quarter(app, network):
    with app.test_request_context():
        assert sessions.plan_sessions() == 4
        _db.session.commit()
        assert sessions.plan_sessions() == 0
        _db.session.commit()
    planned = regular_sessions(app)
    assert len(planned) == len(set(planned)) == 4
    with app.app_context():
        session = _db.session.scalars(select(GroupSession)).first()
        assert session.starts_at > utcnow()
        assert session.agenda_en and session.agenda_tr and session.title_tr


def test_two_planners_at_once_plan_each_session_once(app, network):
    start = threading.Barrier(2)
    planned: list[int] = []
    errors: list[Exception] = []

    def planner():
        with app.test_request_context():
            try:
                start.wait()
                planned.append(tasks.plan_sessions())
                _db.session.commit()
            except Exception as error:  # a failure would show as a missing count below
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(planned) in ([0, 4], [1, 3], [2, 2], [3, 1], [4, 0]) or sum(planned) == 4
    regular = regular_sessions(app)
    assert len(regular) == len(set(regular)) == 4


def test_the_database_refuses_a_second_regular_session_for_a_quarter(app, network):
    with app.app_context():
        climate = group(CLIMATE)
        for _ in range(2):
            _db.session.add(
                GroupSession(
                    group=climate,
                    kind=SessionKind.REGULAR,
                    quarter=20271,
                    starts_at=regular_slot(20271, climate.id),
                )
            )
        with pytest.raises(IntegrityError):
            _db.session.flush()
        _db.session.rollback()


def test_the_next_quarter_is_planned_once_this_one_has_passed(app, network):
    with app.test_request_context():
        january = datetime(2027, 1, 10, tzinfo=UTC)
        assert sessions.plan_sessions(january) == 4
        after_slots = datetime(2027, 3, 1, tzinfo=UTC)
        assert sessions.plan_sessions(after_slots) == 4
        _db.session.commit()
        quarters = sorted(
            {
                q
                for _g, q in _db.session.execute(
                    select(GroupSession.group_id, GroupSession.quarter)
                )
            }
        )
        assert quarters == [20271, 20272]


# --- extra sessions, minutes and attendance ---------------------------------------------------


def test_a_member_asks_for_an_extra_session_and_staff_approve_it(app, client, network, create_user):
    with app.app_context():
        member = sorted(members_of(CLIMATE))[0]
    delegate = create_user(Role.DELEGATE, city=member, language="tr")
    sign_in(client, delegate.email)
    when = (utcnow() + timedelta(days=20)).astimezone(SESSION_ZONE)
    form = {
        "reason": "A funding call closes soon.",
        "first_choice": when.strftime("%Y-%m-%dT10:00"),
    }
    response = client.post_form(f"/working-groups/{CLIMATE}/request-session", form)
    assert response.status_code == 302
    client.post_form("/sign-out", page="/")
    sign_in_as_staff = create_user(Role.SECRETARIAT)
    sign_in(client, sign_in_as_staff.email)
    with app.app_context():
        request_id = _db.session.scalar(select(SessionRequest.id))
    queue = words(client.get("/staff/session-requests").get_data(as_text=True))
    assert "Local climate action" in queue
    response = client.post_form(
        f"/staff/session-requests/{request_id}/approve",
        {
            "starts_at": when.strftime("%Y-%m-%dT10:00"),
            "duration_minutes": "60",
            "meeting_url": "https://meet.example/extra",
        },
        page=f"/staff/session-requests/{request_id}",
    )
    assert response.status_code == 302
    with app.app_context():
        request = _db.session.get(SessionRequest, request_id)
        assert request.status == RequestStatus.APPROVED
        session = request.session
        assert session.kind == SessionKind.EXTRA
        local = session.starts_at.astimezone(SESSION_ZONE)
        assert (local.hour, local.minute) == (10, 0)  # staff typed Istanbul time
        told = outbox(delegate.email)
        assert len(told) == 1 and told[0].language == "tr"
        assert "Ek oturum onaylandı" in told[0].subject or told[0].subject
        assert told[0].attachment_name == f"session-{session.id}.ics"
        session_id = session.id
    page = client.get(f"/working-groups/{CLIMATE}").get_data(as_text=True)
    assert f"/sessions/{session_id}" in page
    feed = Calendar.from_ical(client.get(f"/working-groups/{CLIMATE}/calendar.ics").data)
    assert f"session-{session_id}@" in " ".join(str(e["UID"]) for e in feed.walk("VEVENT"))


def test_declining_a_request_needs_a_note_and_tells_the_requester(
    app, client, network, create_user
):
    with app.app_context():
        member = sorted(members_of(CLIMATE))[0]
    delegate = create_user(Role.DELEGATE, city=member)
    with app.test_request_context():
        request = requests.request_extra_session(
            delegate,
            group(CLIMATE),
            city(member),
            reason="Why not",
            times=[utcnow() + timedelta(days=9)],
        )
        _db.session.commit()
        request_id = request.id
    sign_in(client, create_user(Role.SECRETARIAT).email)
    url = f"/staff/session-requests/{request_id}/decline"
    response = client.post_form(url, {"note": ""}, page=f"/staff/session-requests/{request_id}")
    assert response.status_code == 200 and "This field is required." in response.get_data(
        as_text=True
    )
    client.post_form(
        url,
        {"note": "The next regular session is close."},
        page=f"/staff/session-requests/{request_id}",
    )
    with app.app_context():
        assert _db.session.get(SessionRequest, request_id).status == RequestStatus.DECLINED
        assert [m.template for m in outbox(delegate.email)] == ["session_request_decided"]


def test_a_city_outside_the_group_cannot_ask_and_a_past_time_is_refused(
    app, client, network, sign_in_as
):
    sign_in_as(Role.DELEGATE, city=outsider(app)[0])
    response = client.get(f"/working-groups/{CLIMATE}/request-session")
    assert response.status_code == 302
    client.post_form(f"/working-groups/{CLIMATE}/join", page=f"/working-groups/{CLIMATE}")
    response = client.post_form(
        f"/working-groups/{CLIMATE}/request-session",
        {"reason": "Urgent matter", "first_choice": "2022-01-01T10:00"},
    )
    html = response.get_data(as_text=True)
    assert "Choose a time in the future." in html and "Urgent matter" in html
    with app.app_context():
        assert _db.session.scalar(select(func.count(SessionRequest.id))) == 0


def test_staff_record_minutes_and_attendance_after_a_session(app, client, network, sign_in_as):
    session_id = a_session(app, starts_at=utcnow() - timedelta(hours=2))
    with app.app_context():
        present = [city(s).id for s in sorted(members_of(CLIMATE))[:2]]
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(
        f"/sessions/{session_id}/minutes",
        {
            "minutes_en": "We agreed on a joint project.",
            "minutes_tr": "Ortak proje kararı.",
            "present": [str(p) for p in present],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        session = _db.session.get(GroupSession, session_id)
        assert session.status == SessionStatus.HELD
        assert sorted(a.city_id for a in session.attendance) == sorted(present)
    client.get("/?lang=tr")
    page = words(client.get(f"/sessions/{session_id}").get_data(as_text=True))
    assert "Ortak proje kararı." in page


def test_only_coordinators_and_staff_record_minutes(app, client, network, sign_in_as):
    session_id = a_session(app, starts_at=utcnow() - timedelta(hours=2))
    with app.app_context():
        coordinator = sorted(queries.coordinator_slugs(group(CLIMATE)))[0]
        plain = sorted(members_of(CLIMATE) - queries.coordinator_slugs(group(CLIMATE)))[0]
    sign_in_as(Role.DELEGATE, city=plain)
    assert client.get(f"/sessions/{session_id}/minutes").status_code == 403
    client.post_form("/sign-out", page="/")
    sign_in_as(Role.DELEGATE, city=coordinator)
    assert client.get(f"/sessions/{session_id}/minutes").status_code == 200


def test_minutes_wait_for_the_session_to_begin(app, client, network, sign_in_as):
    session_id = a_session(app)
    sign_in_as(Role.SECRETARIAT)
    response = client.post_form(f"/sessions/{session_id}/minutes", {"minutes_en": "Too early."})
    assert any("once the session has begun" in m for m in flashes(response))


# --- reminders --------------------------------------------------------------------------------


def contacts_of(app, slug=CLIMATE) -> list[queries.Recipient]:
    with app.app_context():
        return queries.recipients(group(slug).id)


def test_reminders_go_once_to_each_contact_in_their_language(app, network):
    session_id = a_session(app, starts_at=utcnow() + timedelta(days=6, hours=12))
    with app.app_context():
        first = city(sorted(members_of(CLIMATE))[0])
        for contact in first.contacts:
            contact.language = "tr"
        _db.session.commit()
    people = contacts_of(app)
    assert people
    with app.test_request_context():
        assert tasks.send_reminders() == len(people)
        assert tasks.send_reminders() == 0  # a retried job sends nothing
    with app.app_context():
        mails = outbox()
        assert sorted(m.recipient for m in mails) == sorted(p.email for p in people)
        by_address = {p.email: p.language for p in people}
        assert all(m.language == by_address[m.recipient] for m in mails)
        turkish = [m for m in mails if m.language == "tr"]
        assert turkish and all(m.subject.startswith("Hatırlatma") for m in turkish)
        assert all(m.attachment_name == f"session-{session_id}.ics" for m in mails)


def test_the_day_reminder_follows_the_week_reminder_and_then_nothing(app, network):
    starts = utcnow() + timedelta(days=6)
    session_id = a_session(app, starts_at=starts)
    people = contacts_of(app)
    with app.test_request_context():
        tasks.send_reminders()
        day_before = starts - timedelta(hours=20)
        for session, kind in queries.due_reminders(day_before):
            reminders.send_reminder(session, kind, day_before)
        _db.session.commit()
        assert queries.due_reminders(day_before) == []
        kinds = _db.session.execute(
            select(SessionReminder.kind, func.count())
            .where(SessionReminder.session_id == session_id)
            .group_by(SessionReminder.kind)
        ).all()
    assert dict(kinds) == {"week": len(people), "day": len(people)}


def test_two_schedulers_send_each_reminder_once(app, network):
    for days in (3, 5):
        a_session(app, starts_at=utcnow() + timedelta(days=days))
    people = contacts_of(app)
    start = threading.Barrier(2)
    sent: list[int] = []
    errors: list[Exception] = []

    def one_scheduler():
        try:
            start.wait()
            scheduler.run_job(app, lambda: sent.append(tasks.send_reminders()))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=one_scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == 2 * len(people)
    with app.app_context():
        assert len(outbox()) == 2 * len(people)
        assert _db.session.scalar(select(func.count(SessionReminder.id))) == 2 * len(people)


def test_a_city_without_a_group_contact_is_reached_through_its_focal_point(app, network):
    with app.test_request_context():
        member = city(sorted(members_of(CLIMATE))[0])
        focal = next(c for c in member.contacts if c.kind == ContactKind.FOCAL_POINT)
        assert focal.email in {p.email for p in queries.recipients(group(CLIMATE).id)}
        operations.name_group_contact(
            None, group(CLIMATE), member, name="Group Person", email="group@person.example"
        )
        _db.session.commit()
        emails = {p.email for p in queries.recipients(group(CLIMATE).id)}
        assert "group@person.example" in emails and focal.email not in emails


# --- rescheduling and calendars -----------------------------------------------------------------


def test_a_reschedule_keeps_the_uid_raises_the_sequence_and_tells_the_group(
    app, client, network, sign_in_as
):
    session_id = a_session(app)
    people = contacts_of(app)
    before = Calendar.from_ical(client.get(f"/sessions/{session_id}.ics").data)
    (event_before,) = before.walk("VEVENT")
    sign_in_as(Role.SECRETARIAT)
    later = (utcnow() + timedelta(days=40)).astimezone(SESSION_ZONE)
    response = client.post_form(
        f"/sessions/{session_id}/edit",
        {
            "title_en": "Climate session",
            "title_tr": "İklim oturumu",
            "starts_at": later.strftime("%Y-%m-%dT14:30"),
            "duration_minutes": "90",
            "meeting_url": "https://meet.example/climate",
            "agenda_en": "Plans",
            "agenda_tr": "",
        },
    )
    assert response.status_code == 302
    client.post_form("/sign-out", page="/")
    after = Calendar.from_ical(client.get(f"/sessions/{session_id}.ics").data)
    (event_after,) = after.walk("VEVENT")
    assert event_after["UID"] == event_before["UID"]
    assert int(event_after["SEQUENCE"]) == int(event_before["SEQUENCE"]) + 1
    start = event_after.decoded("DTSTART")
    assert start.tzinfo is not None
    assert start.astimezone(SESSION_ZONE).strftime("%H:%M") == "14:30"
    feed = Calendar.from_ical(client.get("/calendar.ics").data)
    assert any(
        e["UID"] == event_before["UID"] and int(e["SEQUENCE"]) == 1 for e in feed.walk("VEVENT")
    )
    with app.app_context():
        notices = [m for m in outbox() if m.template == "session_changed"]
        assert sorted(m.recipient for m in notices) == sorted(p.email for p in people)


def test_a_cancelled_session_shows_cancelled_in_the_calendar(app, client, network, sign_in_as):
    session_id = a_session(app)
    sign_in_as(Role.SECRETARIAT)
    client.post_form(f"/sessions/{session_id}/cancel", page=f"/sessions/{session_id}")
    feed = Calendar.from_ical(client.get(f"/sessions/{session_id}.ics").data)
    (event,) = feed.walk("VEVENT")
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1


def test_the_feeds_hold_upcoming_sessions_and_the_last_twelve_months(app, client, network):
    recent = a_session(app, starts_at=utcnow() - timedelta(days=300))
    old = a_session(app, starts_at=utcnow() - timedelta(days=400))
    ahead = a_session(app, starts_at=utcnow() + timedelta(days=10))
    for url in ("/calendar.ics", f"/working-groups/{CLIMATE}/calendar.ics"):
        response = client.get(url)
        assert response.mimetype == "text/calendar"
        uids = {str(e["UID"]) for e in Calendar.from_ical(response.data).walk("VEVENT")}
        assert {
            f"session-{recent}@b40-secretariat-portal",
            f"session-{ahead}@b40-secretariat-portal",
        } <= uids
        assert f"session-{old}@b40-secretariat-portal" not in uids
    assert f"/working-groups/{CLIMATE}/calendar.ics" in client.get(
        f"/working-groups/{CLIMATE}"
    ).get_data(as_text=True)


def test_times_are_shown_in_the_viewers_time_zone(app, client, network, create_user):
    session_id = a_session(app, starts_at=datetime(2027, 2, 9, 8, 0, tzinfo=UTC))
    assert "11:00" in client.get(f"/sessions/{session_id}").get_data(as_text=True)  # Istanbul
    user = create_user(Role.DELEGATE, city="zagreb")
    with app.app_context():
        _db.session.execute(
            update(User).where(User.id == user.id).values(timezone="Europe/Belgrade")
        )
        _db.session.commit()
    sign_in(client, user.email)
    html = client.get(f"/sessions/{session_id}").get_data(as_text=True)
    assert "9:00" in html and "11:00" not in html  # Belgrade is an hour behind Istanbul


def test_an_email_gives_the_time_in_the_contacts_zone_and_language(app, network):
    with app.test_request_context():
        session = GroupSession(
            group=group(CLIMATE),
            kind=SessionKind.EXTRA,
            title_en="S",
            starts_at=datetime(2027, 2, 9, 8, 0, tzinfo=UTC),
            duration_minutes=90,
        )
        text = calendar.when(session, "tr", "Europe/Belgrade")
    assert text == "9 Şubat 2027 Salı, 09:00–10:30 (Belgrad)"


# --- pages --------------------------------------------------------------------------------------


def test_the_group_pages_in_both_languages(app, client, network):
    html = words(client.get("/working-groups").get_data(as_text=True))
    assert "Local climate action" in html and "Local economic cooperation" in html
    html = words(client.get("/working-groups?lang=tr").get_data(as_text=True))
    assert "Yerel iklim eylemi" in html and "Akıllı şehirler ve dijital dönüşüm" in html
    assert client.get("/working-groups/no-such-group").status_code == 404


def test_a_proposal_is_hidden_from_the_public(app, client, network):
    with app.app_context():
        _db.session.add(
            WorkingGroup(
                slug="quiet",
                name_en="Quiet proposal",
                status=GroupStatus.PROPOSED,
                proposed_by_side="secretariat",
                secretariat_approved_at=utcnow(),
            )
        )
        _db.session.commit()
    assert client.get("/working-groups/quiet").status_code == 404
    assert "Quiet proposal" not in client.get("/working-groups").get_data(as_text=True)


def test_the_demo_has_groups_with_history_a_request_and_a_proposal(app, demo_data):
    with app.app_context():
        held = _db.session.scalar(
            select(func.count(GroupSession.id)).where(GroupSession.status == SessionStatus.HELD)
        )
        assert held >= 4 * 15
        upcoming = _db.session.scalar(
            select(func.count(GroupSession.id)).where(GroupSession.starts_at > utcnow())
        )
        assert upcoming >= 5
        assert (
            _db.session.scalar(
                select(func.count(SessionRequest.id)).where(
                    SessionRequest.status == RequestStatus.PENDING
                )
            )
            == 1
        )
        proposed = _db.session.scalars(
            select(WorkingGroup).where(WorkingGroup.status == GroupStatus.PROPOSED)
        ).all()
        assert [(g.kind, g.proposed_by_side) for g in proposed] == [("temporary", "presidency")]


def statements(app, client, url) -> int:
    seen = []
    with app.app_context():
        engine = _db.engine
    listener = lambda *args: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_a_group_page_costs_the_same_statements_whatever_its_size(app, client, network, sign_in_as):
    sign_in_as(Role.SECRETARIAT)
    few = statements(app, client, f"/working-groups/{MIGRATION}")
    with app.test_request_context():
        migration = group(MIGRATION)
        inside = members_of(MIGRATION)
        for other in _db.session.scalars(select(City)).all():
            if other.slug not in inside:
                _db.session.add(
                    GroupMembership(group=migration, city=other, joined_on=date(2025, 1, 1))
                )
        for days in range(1, 12):
            _db.session.add(
                GroupSession(
                    group=migration,
                    kind=SessionKind.EXTRA,
                    title_en="S",
                    starts_at=utcnow() - timedelta(days=days * 20),
                )
            )
        _db.session.commit()
    assert statements(app, client, f"/working-groups/{MIGRATION}") == few


def _sections(html: str) -> tuple[str, str]:
    """The group page's upcoming and past sessions, as text."""
    text = words(html)
    upcoming = text.split("Upcoming sessions", 1)[1].split("Past sessions", 1)
    return upcoming[0], upcoming[1].split("Member cities", 1)[0]


def test_a_kept_group_page_holds_until_its_next_session_begins(app, client, network):
    starts = utcnow() + timedelta(seconds=3)
    a_session(app, slug=MIGRATION, starts_at=starts)
    url = f"/working-groups/{MIGRATION}?lang=en"
    upcoming, past = _sections(client.get(url).get_data(as_text=True))
    assert "Climate session" in upcoming and "Climate session" not in past
    assert statements(app, client, url) == 1  # kept: only the stamp is read

    time.sleep(max(0.0, (starts - utcnow()).total_seconds()) + 0.1)
    upcoming, past = _sections(client.get(url).get_data(as_text=True))
    assert "Climate session" in past and "Climate session" not in upcoming


def test_the_feed_is_kept_for_signed_in_readers_too(app, client, network, sign_in_as):
    a_session(app)
    sign_in_as(Role.SECRETARIAT)
    first = client.get("/calendar.ics")
    seen = []
    with app.app_context():
        engine = _db.engine
    listener = lambda conn, cursor, sql, *args: seen.append(sql)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        again = client.get("/calendar.ics")
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert again.get_data() == first.get_data() and b"Climate session" in again.get_data()
    assert not [sql for sql in seen if "group_sessions" in sql]  # the feed was not built again


def test_a_feed_goes_gzipped_to_a_client_that_takes_it(app, client, network):
    a_session(app)
    for url in ("/calendar.ics", f"/working-groups/{CLIMATE}/calendar.ics"):
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == "gzip"
        assert (
            "Accept-Encoding" in plain.headers["Vary"]
            and "Accept-Encoding" in packed.headers["Vary"]
        )
        assert len(packed.get_data()) < len(plain.get_data())
        assert gzip.decompress(packed.get_data()) == plain.get_data()
        assert b"Climate session" in plain.get_data()


def test_a_feed_asked_for_under_a_foreign_host_is_refused_and_never_kept(app, client, network):
    a_session(app)
    for url in ("/calendar.ics", f"/working-groups/{CLIMATE}/calendar.ics"):
        poisoned = client.get(url, base_url="http://evil.example")
        assert poisoned.status_code == 400 and b"evil.example" not in poisoned.get_data()
        forwarded = client.get(url, headers={"X-Forwarded-Host": "evil.example"})
        assert b"evil.example" not in forwarded.get_data()
        feed = client.get(url).get_data(as_text=True)
        assert "Climate session" in feed and "evil.example" not in feed
        assert "http://localhost/sessions/" in feed.replace("\r\n ", "")  # PUBLIC_URL's links
