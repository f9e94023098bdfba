"""Extra sessions on request (SPEC §4): a member city asks, staff decide; the caller commits."""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from secretariat import audit, cache, mail
from secretariat.database import claim, utcnow
from secretariat.errors import RuleViolation
from secretariat.extensions import db
from secretariat.i18n import localized
from secretariat.members.models import City
from secretariat.members.rules import may_act_for, require_staff
from secretariat.working_groups import calendar
from secretariat.working_groups.models import (
    GroupSession,
    RequestStatus,
    SessionKind,
    SessionRequest,
    WorkingGroup,
)
from secretariat.working_groups.operations import refuse_unless_active
from secretariat.working_groups.queries import (
    ONLY_MEMBERS_ASK,
    OWN_CITY_ONLY,
    membership_of,
    refuse_unless,
)
from secretariat.working_groups.sessions import check_start, notify_group, snapshot

EXTRA_TITLE = {"en": "{name}: extra session", "tr": "{name}: ek oturum"}


def request_extra_session(
    actor,
    group: WorkingGroup,
    city: City,
    *,
    reason: str,
    times: list[datetime],
    now: datetime | None = None,
) -> SessionRequest:
    """A member city asks for an extra session, with up to three proposed times (SPEC §4)."""
    now = now or utcnow()
    refuse_unless(actor is None or may_act_for(actor, city), OWN_CITY_ONLY)
    refuse_unless_active(group)
    if membership_of(group, city) is None:
        raise RuleViolation(ONLY_MEMBERS_ASK)
    times = sorted(set(times))[:3]
    if not times:
        raise RuleViolation(_l("Propose at least one date and time."))
    for moment in times:
        check_start(moment, now)
    reason = (reason or "").strip()
    if not reason:
        raise RuleViolation(_l("Say why the group should meet."))
    request = SessionRequest(
        group=group,
        city=city,
        requested_by_id=actor.id,
        reason=reason,
        first_choice_at=times[0],
        second_choice_at=times[1] if len(times) > 1 else None,
        third_choice_at=times[2] if len(times) > 2 else None,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(actor, "session_request.submit", request, after={"times": times})
    return request


def _decide(actor, request: SessionRequest, status: str, **values) -> None:
    pending = SessionRequest.status == RequestStatus.PENDING
    decided_by_id = actor.id if actor else None
    if not claim(
        db.session, request, pending, status=status, decided_by_id=decided_by_id, **values
    ):
        raise RuleViolation(_l("Someone else decided on this request meanwhile. Please reload."))


def _tell_requester(request: SessionRequest) -> None:
    person = request.requested_by
    if person is None or not person.is_active:
        return
    approved = request.status == RequestStatus.APPROVED
    group_name = localized(request.group, "name", person.language).text
    mail.queue(
        person.email,
        _l("Extra session approved: %(group)s", group=group_name)
        if approved
        else _l("Extra session declined: %(group)s", group=group_name),
        "session_request_decided",
        person.language,
        attachment=calendar.invitation(request.session, person.timezone) if approved else None,
        request=request,
        person=person,
        when=calendar.when(request.session, person.language, person.timezone) if approved else "",
        link=calendar.session_link(request.session)
        if approved
        else calendar.group_link(request.group),
    )


def approve_request(
    actor,
    request: SessionRequest,
    *,
    starts_at: datetime,
    duration_minutes: int = 90,
    meeting_url: str = "",
    agenda_en: str = "",
    agenda_tr: str = "",
    note: str = "",
    now: datetime | None = None,
) -> GroupSession:
    """Staff approve: the extra session is created at the time they chose, the requester is
    told, and the group is invited."""
    require_staff(actor)
    now = now or utcnow()
    check_start(starts_at, now)
    group = request.group
    refuse_unless_active(group)
    session = GroupSession(
        group=group,
        kind=SessionKind.EXTRA,
        quarter=None,
        title_en=EXTRA_TITLE["en"].format(name=group.name_en),
        title_tr=EXTRA_TITLE["tr"].format(name=group.name_tr or group.name_en),
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        meeting_url=(meeting_url or "").strip() or group.meeting_url,
        agenda_en=(agenda_en or "").strip() or request.reason,
        agenda_tr=(agenda_tr or "").strip(),
        created_at=now,
        updated_at=now,
    )
    db.session.add(session)
    db.session.flush()
    _decide(
        actor,
        request,
        RequestStatus.APPROVED,
        decided_at=now,
        decision_note=(note or "").strip(),
        session_id=session.id,
    )
    audit.record(actor, "session_request.approve", request, after={"session": session.id})
    audit.record(actor, "session.create", session, after=snapshot(session))
    _tell_requester(request)
    notify_group(
        session,
        "session_changed",
        lambda title: _l("New session: %(title)s", title=title),
        change="new",
    )
    cache.bump_directory()
    return session


def decline_request(actor, request: SessionRequest, note: str, now: datetime | None = None) -> None:
    require_staff(actor)
    note = (note or "").strip()
    if not note:
        raise RuleViolation(_l("Please write a note for the requester."))
    _decide(actor, request, RequestStatus.DECLINED, decided_at=now or utcnow(), decision_note=note)
    audit.record(actor, "session_request.decline", request, after={"note": note})
    _tell_requester(request)
