"""Working groups: their pages, membership, new groups by agreement, sessions, requests, calendars."""

import gzip
from datetime import datetime, timedelta

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload
from wtforms.fields.choices import SelectChoice

from secretariat import cache
from secretariat.database import utcnow
from secretariat.errors import attempt
from secretariat.extensions import db
from secretariat.i18n import current_language, localized, select_timezone, zone
from secretariat.listing import paginate
from secretariat.members.models import City, CityStatus, Country
from secretariat.presidency.operations import network_today
from secretariat.security import CITY_ROLES, PUBLIC, SIGNED_IN, STAFF, access
from secretariat.working_groups import bp, calendar, operations
from secretariat.working_groups.forms import (
    ApproveRequestForm,
    ContactForm,
    DeclineForm,
    GroupForm,
    JoinByNameForm,
    JoinForm,
    MinutesForm,
    NoteForm,
    ProposalForm,
    RequestForm,
    SessionForm,
)
from secretariat.working_groups.models import (
    GroupKind,
    GroupMembership,
    GroupSession,
    GroupStatus,
    RequestStatus,
    SessionAttendance,
    SessionRequest,
    SessionStatus,
    WorkingGroup,
)

PAST_ON_GROUP_PAGE = 12
CITY_CHOICES = 200  # more cities outside a group than this: staff type the one they add
FEED_MONTHS_BACK = timedelta(days=365)


def _group_or_404(slug: str) -> WorkingGroup:
    return db.one_or_404(select(WorkingGroup).where(WorkingGroup.slug == slug))


def _session_or_404(session_id: int) -> GroupSession:
    return db.one_or_404(select(GroupSession).where(GroupSession.id == session_id))


def _city_or_404(slug: str) -> City:
    return db.one_or_404(select(City).where(City.slug == slug))


def _own_city() -> City | None:
    if not current_user.is_authenticated or current_user.role not in CITY_ROLES:
        return None
    return db.session.scalar(select(City).where(City.slug == current_user.city_slug))


def _typed(moment: datetime | None) -> datetime | None:
    """A time typed in the viewer's time zone, as an aware datetime (stored in UTC)."""
    return None if moment is None else moment.replace(tzinfo=zone(select_timezone()))


def _as_typed(moment: datetime) -> datetime:
    return moment.astimezone(zone(select_timezone())).replace(tzinfo=None)


def _visible(group: WorkingGroup) -> bool:
    """Proposals and declined groups are for the two sides that agree them; the rest is public."""
    if group.status in (GroupStatus.ACTIVE, GroupStatus.CLOSED):
        return True
    return operations.side_of(current_user) is not None


def _back(group: WorkingGroup):
    return redirect(url_for("working_groups.show_group", slug=group.slug))


def _button(operation, *args, done: str) -> None:
    """A button's POST: its CSRF token checked, the operation run and committed, and said."""
    if NoteForm().validate_on_submit():
        ok, _result = attempt(operation, *args)
        if ok:
            flash(done, "success")


# --- the groups -----------------------------------------------------------------------------


@bp.route("/working-groups")
@access(PUBLIC)
def list_groups():
    return cache.kept(cache.DIRECTORY, _groups_page, until=operations.next_start)


def _groups_page() -> str:
    now = utcnow()
    side = operations.side_of(current_user, now)
    statuses = [GroupStatus.ACTIVE, GroupStatus.CLOSED]
    if side is not None:
        statuses += [GroupStatus.PROPOSED, GroupStatus.DECLINED]
    groups = db.session.scalars(
        select(WorkingGroup).where(WorkingGroup.status.in_(statuses)).order_by(WorkingGroup.id)
    ).all()
    ids = [group.id for group in groups]
    active = select(City.id).where(
        City.id == GroupMembership.city_id, City.status == CityStatus.ACTIVE
    )  # EXISTS, not a join: SQLite would walk every active city for each group
    members = dict(
        db.session.execute(
            select(GroupMembership.group_id, func.count())
            .where(GroupMembership.group_id.in_(ids), active.exists())
            .group_by(GroupMembership.group_id)
        ).all()
    )
    upcoming = (
        select(GroupSession.group_id, func.min(GroupSession.starts_at).label("starts_at"))
        .where(
            GroupSession.group_id.in_(ids),
            GroupSession.status == SessionStatus.PLANNED,
            GroupSession.starts_at > now,
        )
        .group_by(GroupSession.group_id)
    )
    next_session = {row.group_id: row.starts_at for row in db.session.execute(upcoming)}
    by_status = {status: [g for g in groups if g.status == status] for status in GroupStatus}
    return render_template(
        "working_groups/list.html",
        by_status=by_status,
        members=members,
        next_session=next_session,
        side=side,
    )


@bp.route("/working-groups/<slug>")
@access(PUBLIC)
def show_group(slug):
    return cache.kept(
        cache.DIRECTORY, lambda: _group_page(slug), until=lambda: operations.next_start(slug)
    )


def _group_page(slug: str, forms: dict | None = None) -> str:
    group = _group_or_404(slug)
    if not _visible(group):
        abort(404)
    now = utcnow()
    language = current_language()
    sort_key = City.sort_key_tr if language == "tr" else City.sort_key_en
    members = paginate(
        select(GroupMembership)
        .join(City, City.id == GroupMembership.city_id)
        .join(Country, Country.id == City.country_id)
        .where(GroupMembership.group_id == group.id, City.status == CityStatus.ACTIVE)
        # the joins above, not joinedload's own nested one: SQLite would copy every city for it
        .options(contains_eager(GroupMembership.city).contains_eager(City.country))
        .order_by(sort_key, City.id)
    )
    coordinators = db.session.scalars(
        select(City)
        .join(GroupMembership, GroupMembership.city_id == City.id)
        .where(GroupMembership.group_id == group.id, GroupMembership.is_coordinator.is_(True))
        .order_by(sort_key)
    ).all()
    upcoming = db.session.scalars(
        select(GroupSession)
        .where(
            GroupSession.group_id == group.id,
            GroupSession.status == SessionStatus.PLANNED,
            GroupSession.starts_at > now,
        )
        .order_by(GroupSession.starts_at)
        .limit(PAST_ON_GROUP_PAGE)
    ).all()
    past = db.session.scalars(
        select(GroupSession)
        .where(
            GroupSession.group_id == group.id,
            GroupSession.starts_at <= now,
            GroupSession.status != SessionStatus.CANCELLED,
        )
        .order_by(GroupSession.starts_at.desc())
        .limit(PAST_ON_GROUP_PAGE)
    ).all()
    present = dict(
        db.session.execute(
            select(SessionAttendance.session_id, func.count())
            .where(SessionAttendance.session_id.in_([s.id for s in past]))
            .group_by(SessionAttendance.session_id)
        ).all()
    )
    context = {"group": group, "members": members, "coordinators": coordinators}
    context |= {"upcoming": upcoming, "past": past, "present": present, "language": language}
    context |= _actions(group, forms or {})
    return render_template("working_groups/group.html", **context)


def _actions(group: WorkingGroup, forms: dict) -> dict:
    """What the signed-in reader may do on the group's page, with the forms for it."""
    user = current_user
    if not user.is_authenticated:
        return {"side": None, "own": None, "is_staff": False}
    side = operations.side_of(user)
    own = _own_city()
    mine = operations.membership_of(group, own) if own is not None else None
    actions = {
        "side": side,
        "own": own,
        "own_membership": mine,
        "is_staff": user.is_staff,
        "may_decide": group.status == GroupStatus.PROPOSED and side is not None,
        "may_approve": group.status == GroupStatus.PROPOSED
        and side is not None
        and side != group.proposed_by_side,
        "decline_form": forms.get("decline") or NoteForm(),
        "own_contact": operations.group_contact(group, own) if mine is not None else None,
    }
    if user.is_staff and group.status == GroupStatus.ACTIVE:
        choices = _cities_outside(group)
        if "join" in forms or len(choices) > CITY_CHOICES:
            actions["join_form"] = forms.get("join") or JoinByNameForm()
        else:
            actions["join_form"] = form = JoinForm()
            form.city.choices = choices
    return actions


def _cities_outside(group: WorkingGroup) -> list[SelectChoice]:
    """The active cities outside the group, one more than a list shows: then a name is asked."""
    language = current_language()
    sort_key = City.sort_key_tr if language == "tr" else City.sort_key_en
    inside = select(GroupMembership.city_id).where(GroupMembership.group_id == group.id)
    cities = db.session.scalars(
        select(City)
        .where(City.status == CityStatus.ACTIVE, City.id.not_in(inside))
        .order_by(sort_key)
        .limit(CITY_CHOICES + 1)
    ).all()
    return [SelectChoice(city.slug, city.name_in(language)) for city in cities]


@bp.route("/working-groups/<slug>/sessions")
@access(PUBLIC)
def group_sessions(slug):
    group = _group_or_404(slug)
    if not _visible(group):
        abort(404)
    page = paginate(
        select(GroupSession)
        .where(GroupSession.group_id == group.id)
        .order_by(GroupSession.starts_at.desc(), GroupSession.id.desc())
    )
    return render_template("working_groups/sessions.html", group=group, page=page)


@bp.route("/working-groups/propose", methods=["GET", "POST"])
@access(SIGNED_IN)
def propose_group():
    if operations.side_of(current_user) is None:
        flash(_("Only the term presidency and the secretariat propose new groups."), "error")
        return redirect(url_for("working_groups.list_groups"))
    form = ProposalForm()
    if form.validate_on_submit():
        ok, group = attempt(
            lambda: operations.propose_group(
                current_user,
                name_en=form.name_en.data,
                name_tr=form.name_tr.data or "",
                description_en=form.description_en.data or "",
                description_tr=form.description_tr.data or "",
                kind=form.kind.data,
                ends_on=form.ends_on.data,
            )
        )
        if ok:
            flash(
                _("The group has been proposed. The other side approves it or declines."), "success"
            )
            return _back(group)
    return render_template("working_groups/propose.html", form=form)


@bp.route("/working-groups/<slug>/approve", methods=["POST"])
@access(SIGNED_IN)
def approve_group(slug):
    group = _group_or_404(slug)
    _button(
        operations.approve_group, current_user, group, done=_("The group is agreed and active.")
    )
    return _back(group)


@bp.route("/working-groups/<slug>/decline", methods=["POST"])
@access(SIGNED_IN)
def decline_group(slug):
    group = _group_or_404(slug)
    form = NoteForm()
    if form.validate_on_submit():
        ok, _result = attempt(operations.decline_group, current_user, group, form.note.data or "")
        if ok:
            flash(_("The proposal has been declined."), "success")
    return _back(group)


@bp.route("/working-groups/<slug>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_group(slug):
    group = _group_or_404(slug)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        ok, _result = attempt(
            lambda: operations.update_group(
                current_user,
                group,
                name_en=form.name_en.data,
                name_tr=form.name_tr.data or "",
                description_en=form.description_en.data or "",
                description_tr=form.description_tr.data or "",
                ends_on=form.ends_on.data,
                meeting_url=form.meeting_url.data or "",
            )
        )
        if ok:
            flash(_("The group has been saved."), "success")
            return _back(group)
    return render_template(
        "working_groups/edit.html",
        group=group,
        form=form,
        temporary=group.kind == GroupKind.TEMPORARY,
    )


# --- member cities --------------------------------------------------------------------------


@bp.route("/working-groups/<slug>/join", methods=["POST"])
@access(SIGNED_IN)
def join_group(slug):
    group = _group_or_404(slug)
    form = JoinByNameForm()  # what either form posts: a city's short name
    if not form.validate_on_submit():
        if form.csrf_token.errors or not current_user.is_staff:
            abort(400)
        return _group_page(slug, {"join": form})
    if current_user.is_staff:
        typed = (form.city.data or "").strip()
        city = db.session.scalar(select(City).where(City.slug == typed)) if typed else None
        if city is None:
            form.city.errors.append(_("No member city has this short name."))
            return _group_page(slug, {"join": form})
    else:
        city = _own_city()
        if city is None:
            abort(403)
    ok, _result = attempt(operations.join_group, current_user, group, city, network_today())
    if ok:
        flash(
            _("%(city)s takes part in the group.", city=city.name_in(current_language())), "success"
        )
    return _back(group)


@bp.route("/working-groups/<slug>/leave/<city_slug>", methods=["POST"])
@access(SIGNED_IN)
def leave_group(slug, city_slug):
    group = _group_or_404(slug)
    city = _city_or_404(city_slug)
    done = _("%(city)s has left the group.", city=city.name_in(current_language()))
    _button(operations.leave_group, current_user, group, city, done=done)
    return _back(group)


@bp.route("/working-groups/<slug>/coordinator/<city_slug>/<state>", methods=["POST"])
@access(STAFF)
def set_coordinator(slug, city_slug, state):
    group = _group_or_404(slug)
    city = _city_or_404(city_slug)
    if state not in ("on", "off"):
        abort(404)
    done = _("The coordinators have been saved.")
    _button(operations.set_coordinator, current_user, group, city, state == "on", done=done)
    return _back(group)


@bp.route("/working-groups/<slug>/contact", methods=["GET", "POST"])
@access(SIGNED_IN)
def group_contact(slug):
    group = _group_or_404(slug)
    city = _city_or_404(request.args["city"]) if request.args.get("city") else _own_city()
    if city is None or not operations.may_act_for(current_user, city):
        abort(403)
    if operations.membership_of(group, city) is None:
        abort(404)
    current = operations.group_contact(group, city)
    form = ContactForm(obj=current)
    if not form.is_submitted() and current is None:
        form.language.data = current_user.language
        form.timezone.data = current_user.timezone
    if form.validate_on_submit():
        ok, _result = attempt(
            lambda: operations.name_group_contact(
                current_user,
                group,
                city,
                name=form.name.data,
                email=form.email.data,
                position=form.position.data or "",
                phone=form.phone.data or "",
                language=form.language.data,
                timezone=form.timezone.data,
            )
        )
        if ok:
            flash(_("The contact for the group has been saved."), "success")
            return _back(group)
    return render_template(
        "working_groups/contact.html", group=group, city=city, form=form, current=current
    )


# --- extra sessions -------------------------------------------------------------------------


@bp.route("/working-groups/<slug>/request-session", methods=["GET", "POST"])
@access(SIGNED_IN)
def request_session(slug):
    group = _group_or_404(slug)
    city = _own_city()
    if city is None:
        abort(403)
    if operations.membership_of(group, city) is None:
        flash(
            _("Only a city in the group can ask for an extra session. Join the group first."),
            "error",
        )
        return _back(group)
    form = RequestForm()
    if form.validate_on_submit():
        times = [
            _typed(f.data)
            for f in (form.first_choice, form.second_choice, form.third_choice)
            if f.data is not None
        ]
        ok, _result = attempt(
            lambda: operations.request_extra_session(
                current_user, group, city, reason=form.reason.data, times=times
            )
        )
        if ok:
            flash(
                _(
                    "Your request has been sent to the secretariat. You will be told of its decision by email."
                ),
                "success",
            )
            return _back(group)
    return render_template("working_groups/request.html", group=group, city=city, form=form)


@bp.route("/staff/session-requests")
@access(STAFF)
def session_requests():
    state = request.args.get("state", RequestStatus.PENDING)
    stmt = select(SessionRequest).order_by(SessionRequest.id.desc())
    if state in set(RequestStatus):
        stmt = stmt.where(SessionRequest.status == state)
    counts = dict(
        db.session.execute(
            select(SessionRequest.status, func.count()).group_by(SessionRequest.status)
        ).all()
    )
    return render_template(
        "working_groups/requests.html",
        page=paginate(stmt),
        state=state,
        counts=counts,
        statuses=list(RequestStatus),
    )


def _request_or_404(request_id: int) -> SessionRequest:
    return db.one_or_404(select(SessionRequest).where(SessionRequest.id == request_id))


def _request_page(item: SessionRequest, approve_form=None, decline_form=None):
    if approve_form is None:
        approve_form = ApproveRequestForm(meeting_url=item.group.meeting_url)
        approve_form.starts_at.data = _as_typed(item.first_choice_at)
    return render_template(
        "working_groups/request_decision.html",
        item=item,
        approve_form=approve_form,
        decline_form=decline_form or DeclineForm(),
    )


@bp.route("/staff/session-requests/<int:request_id>")
@access(STAFF)
def show_request(request_id):
    return _request_page(_request_or_404(request_id))


@bp.route("/staff/session-requests/<int:request_id>/approve", methods=["POST"])
@access(STAFF)
def approve_request(request_id):
    item = _request_or_404(request_id)
    form = ApproveRequestForm()
    if form.validate_on_submit():
        ok, session = attempt(
            lambda: operations.approve_request(
                current_user,
                item,
                starts_at=_typed(form.starts_at.data),
                duration_minutes=form.duration_minutes.data,
                meeting_url=form.meeting_url.data or "",
                note=form.note.data or "",
            )
        )
        if ok:
            flash(_("The extra session has been planned and the requester told."), "success")
            return redirect(url_for("working_groups.show_session", session_id=session.id))
    return _request_page(item, approve_form=form)


@bp.route("/staff/session-requests/<int:request_id>/decline", methods=["POST"])
@access(STAFF)
def decline_request(request_id):
    item = _request_or_404(request_id)
    form = DeclineForm()
    if form.validate_on_submit():
        ok, _result = attempt(operations.decline_request, current_user, item, form.note.data)
        if ok:
            flash(_("The request has been declined and the requester told."), "success")
            return redirect(url_for("working_groups.session_requests"))
    return _request_page(item, decline_form=form)


# --- sessions -------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>")
@access(PUBLIC)
def show_session(session_id):
    session = db.one_or_404(
        select(GroupSession)
        .where(GroupSession.id == session_id)
        .options(selectinload(GroupSession.attendance).joinedload(SessionAttendance.city))
    )
    if not _visible(session.group):
        abort(404)
    language = current_language()
    return render_template(
        "working_groups/session.html",
        session=session,
        language=language,
        present=sorted(
            (a.city for a in session.attendance),
            key=lambda city: getattr(city, f"sort_key_{language}"),
        ),
        has_started=session.starts_at <= utcnow(),
        is_staff=current_user.is_authenticated and current_user.is_staff,
        may_record=operations.may_record(current_user, session.group),
        cancel_form=NoteForm(),
    )


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_session(session_id):
    session = _session_or_404(session_id)
    form = SessionForm(obj=session)
    if not form.is_submitted():
        form.starts_at.data = _as_typed(session.starts_at)
    if form.validate_on_submit():
        ok, moved = attempt(
            lambda: operations.update_session(
                current_user,
                session,
                title_en=form.title_en.data,
                title_tr=form.title_tr.data or "",
                starts_at=_typed(form.starts_at.data),
                duration_minutes=form.duration_minutes.data,
                meeting_url=form.meeting_url.data or "",
                agenda_en=form.agenda_en.data or "",
                agenda_tr=form.agenda_tr.data or "",
            )
        )
        if ok:
            flash(
                _("The session has been rescheduled and the group told.")
                if moved
                else _("The session has been saved."),
                "success",
            )
            return redirect(url_for("working_groups.show_session", session_id=session.id))
    return render_template("working_groups/edit_session.html", session=session, form=form)


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@access(STAFF)
def cancel_session(session_id):
    session = _session_or_404(session_id)
    done = _("The session has been cancelled and the group told.")
    _button(operations.cancel_session, current_user, session, done=done)
    return redirect(url_for("working_groups.show_session", session_id=session.id))


@bp.route("/sessions/<int:session_id>/minutes", methods=["GET", "POST"])
@access(SIGNED_IN)
def record_minutes(session_id):
    session = _session_or_404(session_id)
    if not operations.may_record(current_user, session.group):
        abort(403)
    language = current_language()
    sort_key = City.sort_key_tr if language == "tr" else City.sort_key_en
    was_present = {a.city_id for a in session.attendance}
    cities = db.session.scalars(
        select(City)
        .where(
            or_(
                City.id.in_(
                    select(GroupMembership.city_id).where(
                        GroupMembership.group_id == session.group_id
                    )
                ),
                City.id.in_(was_present),
            ),
            or_(City.status == CityStatus.ACTIVE, City.id.in_(was_present)),
        )
        .order_by(sort_key)
    ).all()
    form = MinutesForm(obj=session)
    form.present.choices = [SelectChoice(city.id, city.name_in(language)) for city in cities]
    if not form.is_submitted():
        form.present.data = sorted(was_present)
    if form.validate_on_submit():
        ok, _result = attempt(
            lambda: operations.record_minutes(
                current_user,
                session,
                minutes_en=form.minutes_en.data or "",
                minutes_tr=form.minutes_tr.data or "",
                city_ids=form.present.data or [],
            )
        )
        if ok:
            flash(_("The minutes and the attendance have been saved."), "success")
            return redirect(url_for("working_groups.show_session", session_id=session.id))
    return render_template("working_groups/minutes.html", session=session, form=form)


# --- calendars ------------------------------------------------------------------------------


def _ics(body: bytes, filename: str, packed: bytes | None = None) -> Response:
    """A calendar; gzipped (packed) for a client that takes it, as calendar apps that poll do."""
    if packed is not None and "gzip" in request.accept_encodings:
        response = Response(packed, mimetype="text/calendar")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.vary.add("Accept-Encoding")
    return response


def _feed(sessions, name: str) -> tuple[bytes, bytes]:
    """A feed of sessions, as it is kept: plain and gzipped."""
    body = calendar.calendar(sessions, name, language=current_language())
    return body, gzip.compress(body, mtime=0)


def _feed_sessions(*where):
    since = utcnow() - FEED_MONTHS_BACK
    return db.session.scalars(
        select(GroupSession)
        .join(WorkingGroup, WorkingGroup.id == GroupSession.group_id)
        .where(
            WorkingGroup.status.in_([GroupStatus.ACTIVE, GroupStatus.CLOSED]),
            GroupSession.starts_at >= since,
            *where,
        )
        .order_by(GroupSession.starts_at, GroupSession.id)
    ).all()


def _today():
    return utcnow().date()


@bp.route("/sessions/<int:session_id>.ics")
@access(PUBLIC)
def session_ics(session_id):
    session = _session_or_404(session_id)
    if not _visible(session.group):
        abort(404)
    body = calendar.calendar(
        [session], localized(session, "title").text, language=current_language()
    )
    return _ics(body, f"session-{session.id}.ics")


@bp.route("/working-groups/<slug>/calendar.ics")
@access(PUBLIC)
def group_ics(slug):
    group = _group_or_404(slug)
    if group.status not in (GroupStatus.ACTIVE, GroupStatus.CLOSED):
        abort(404)
    body, packed = cache.kept(
        cache.DIRECTORY,
        lambda: _feed(
            _feed_sessions(GroupSession.group_id == group.id),
            f"B40: {localized(group, 'name').text}",
        ),
        vary=_today(),
        anyone=True,
    )
    return _ics(body, f"{group.slug}.ics", packed)


@bp.route("/calendar.ics")
@access(PUBLIC)
def all_ics():
    body, packed = cache.kept(
        cache.DIRECTORY,
        lambda: _feed(_feed_sessions(), _("B40 working groups")),
        vary=_today(),
        anyone=True,
    )
    return _ics(body, "b40-working-groups.ics", packed)
