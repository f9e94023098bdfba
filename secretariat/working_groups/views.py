"""Working groups: their pages, membership, new groups by agreement, sessions, requests, calendars."""

import gzip

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from secretariat import cache
from secretariat.database import utcnow
from secretariat.errors import attempt
from secretariat.i18n import current_language, localized
from secretariat.members.queries import city_of
from secretariat.members.rules import may_act_for
from secretariat.presidency.rules import network_today
from secretariat.security import PUBLIC, SIGNED_IN, STAFF, access
from secretariat.working_groups import bp, calendar, operations, queries, requests, sessions
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
    city_choices,
)
from secretariat.working_groups.models import GroupKind, GroupStatus, RequestStatus


def _found(row):
    """The row an address names, or a 404."""
    if row is None:
        abort(404)
    return row


def _back(group):
    return redirect(url_for("working_groups.show_group", slug=group.slug))


def _to_session(session):
    return redirect(url_for("working_groups.show_session", session_id=session.id))


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
    return cache.kept(cache.DIRECTORY, _groups_page, until=queries.next_start)


def _groups_page() -> str:
    page = queries.groups_overview(current_user)
    return render_template("working_groups/list.html", **page)


@bp.route("/working-groups/<slug>")
@access(PUBLIC)
def show_group(slug):
    return cache.kept(
        cache.DIRECTORY, lambda: _group_page(slug), until=lambda: queries.next_start(slug)
    )


def _group_page(slug: str, forms: dict | None = None) -> str:
    group = _found(queries.find_group(slug))
    if not queries.is_visible(group, current_user):
        abort(404)
    page = queries.group_page(group, current_user, current_language())
    outside = page.pop("cities_outside")
    if outside is not None:
        page["join_form"] = _join_form(outside, (forms or {}).get("join"))
    if current_user.is_authenticated:  # a form's CSRF token would end the page's keeping
        page["decline_form"] = NoteForm()
    return render_template("working_groups/group.html", **page)


def _join_form(outside: list, typed: JoinByNameForm | None):
    """A list of the cities outside the group, or a field for a name when they are too many
    for one list (or a name was typed and is shown again)."""
    if typed is not None or len(outside) > queries.CITY_CHOICES:
        return typed or JoinByNameForm()
    form = JoinForm()
    form.city.choices = city_choices(outside, current_language())
    return form


@bp.route("/working-groups/<slug>/sessions")
@access(PUBLIC)
def list_group_sessions(slug):
    group = _found(queries.find_group(slug))
    if not queries.is_visible(group, current_user):
        abort(404)
    page = queries.group_sessions(group)
    return render_template("working_groups/sessions.html", group=group, page=page)


@bp.route("/working-groups/propose", methods=["GET", "POST"])
@access(SIGNED_IN)
def propose_group():
    if not queries.may_propose(current_user):
        flash(str(queries.ONLY_SIDES_PROPOSE), "error")
        return redirect(url_for("working_groups.list_groups"))
    form = ProposalForm()
    if form.validate_on_submit():
        ok, group = attempt(operations.propose_group, current_user, **form.values())
        if ok:
            flash(
                _("The group has been proposed. The other side approves it or declines."), "success"
            )
            return _back(group)
    return render_template("working_groups/propose.html", form=form)


@bp.route("/working-groups/<slug>/approve", methods=["POST"])
@access(SIGNED_IN)
def approve_group(slug):
    group = _found(queries.find_group(slug))
    done = _("The group is agreed and active.")
    _button(operations.approve_group, current_user, group, done=done)
    return _back(group)


@bp.route("/working-groups/<slug>/decline", methods=["POST"])
@access(SIGNED_IN)
def decline_group(slug):
    group = _found(queries.find_group(slug))
    form = NoteForm()
    if form.validate_on_submit():
        ok, _result = attempt(operations.decline_group, current_user, group, **form.values())
        if ok:
            flash(_("The proposal has been declined."), "success")
    return _back(group)


@bp.route("/working-groups/<slug>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_group(slug):
    group = _found(queries.find_group(slug))
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        ok, _result = attempt(operations.update_group, current_user, group, **form.values())
        if ok:
            flash(_("The group has been saved."), "success")
            return _back(group)
    is_temporary = group.kind == GroupKind.TEMPORARY
    context = {"group": group, "form": form, "is_temporary": is_temporary}
    return render_template("working_groups/edit.html", **context)


# --- member cities --------------------------------------------------------------------------


@bp.route("/working-groups/<slug>/join", methods=["POST"])
@access(SIGNED_IN)
def join_group(slug):
    group = _found(queries.find_group(slug))
    form = JoinByNameForm()  # what either form posts: a city's short name
    if not form.validate_on_submit():
        if form.csrf_token.errors or not queries.may_manage(current_user):
            abort(400)
        return _group_page(slug, {"join": form})
    city = queries.joining_city(current_user, form.city.data)
    if city is None:
        if not queries.may_manage(current_user):
            abort(403)
        form.city.errors.append(_("No member city has this short name."))
        return _group_page(slug, {"join": form})
    ok, _result = attempt(operations.join_group, current_user, group, city, network_today())
    if ok:
        name = city.name_in(current_language())
        flash(_("%(city)s takes part in the group.", city=name), "success")
    return _back(group)


@bp.route("/working-groups/<slug>/leave/<city_slug>", methods=["POST"])
@access(SIGNED_IN)
def leave_group(slug, city_slug):
    group = _found(queries.find_group(slug))
    city = _found(queries.find_city(city_slug))
    done = _("%(city)s has left the group.", city=city.name_in(current_language()))
    _button(operations.leave_group, current_user, group, city, done=done)
    return _back(group)


@bp.route("/working-groups/<slug>/coordinator/<city_slug>/<state>", methods=["POST"])
@access(STAFF)
def set_coordinator(slug, city_slug, state):
    group = _found(queries.find_group(slug))
    city = _found(queries.find_city(city_slug))
    if state not in ("on", "off"):
        abort(404)
    done = _("The coordinators have been saved.")
    _button(operations.set_coordinator, current_user, group, city, state == "on", done=done)
    return _back(group)


@bp.route("/working-groups/<slug>/contact", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit_group_contact(slug):
    group = _found(queries.find_group(slug))
    named = request.args.get("city")
    city = _found(queries.find_city(named)) if named else city_of(current_user)
    if city is None or not may_act_for(current_user, city):
        abort(403)
    if queries.membership_of(group, city) is None:
        abort(404)
    current = queries.group_contact(group, city)
    form = ContactForm(obj=current)
    if not form.is_submitted() and current is None:
        form.language.data = current_user.language
        form.timezone.data = current_user.timezone
    if form.validate_on_submit():
        ok, _result = attempt(
            operations.name_group_contact, current_user, group, city, **form.values()
        )
        if ok:
            flash(_("The contact for the group has been saved."), "success")
            return _back(group)
    context = {"group": group, "city": city, "form": form, "current": current}
    return render_template("working_groups/contact.html", **context)


# --- extra sessions -------------------------------------------------------------------------


@bp.route("/working-groups/<slug>/request-session", methods=["GET", "POST"])
@access(SIGNED_IN)
def request_session(slug):
    group = _found(queries.find_group(slug))
    city = city_of(current_user)
    if city is None:
        abort(403)
    if queries.membership_of(group, city) is None:
        flash(str(queries.ONLY_MEMBERS_ASK), "error")
        return _back(group)
    form = RequestForm()
    if form.validate_on_submit():
        asked = {"reason": form.reason.data, "times": form.times()}
        ok, _result = attempt(requests.request_extra_session, current_user, group, city, **asked)
        if ok:
            sent = _(
                "Your request has been sent to the secretariat. You will be told of its decision by email."
            )
            flash(sent, "success")
            return _back(group)
    return render_template("working_groups/request.html", group=group, city=city, form=form)


@bp.route("/staff/session-requests")
@access(STAFF)
def list_session_requests():
    page = queries.session_requests(request.args.get("state", RequestStatus.PENDING))
    return render_template("working_groups/requests.html", **page, statuses=list(RequestStatus))


def _request_page(item, approve_form=None, decline_form=None):
    if approve_form is None:
        approve_form = ApproveRequestForm(
            meeting_url=item.group.meeting_url, starts_at=item.first_choice_at
        )
    return render_template(
        "working_groups/request_decision.html",
        item=item,
        approve_form=approve_form,
        decline_form=decline_form or DeclineForm(),
    )


@bp.route("/staff/session-requests/<int:request_id>")
@access(STAFF)
def show_request(request_id):
    return _request_page(_found(queries.find_request(request_id)))


@bp.route("/staff/session-requests/<int:request_id>/approve", methods=["POST"])
@access(STAFF)
def approve_request(request_id):
    item = _found(queries.find_request(request_id))
    form = ApproveRequestForm()
    if form.validate_on_submit():
        ok, session = attempt(requests.approve_request, current_user, item, **form.values())
        if ok:
            flash(_("The extra session has been planned and the requester told."), "success")
            return _to_session(session)
    return _request_page(item, approve_form=form)


@bp.route("/staff/session-requests/<int:request_id>/decline", methods=["POST"])
@access(STAFF)
def decline_request(request_id):
    item = _found(queries.find_request(request_id))
    form = DeclineForm()
    if form.validate_on_submit():
        ok, _result = attempt(requests.decline_request, current_user, item, **form.values())
        if ok:
            flash(_("The request has been declined and the requester told."), "success")
            return redirect(url_for("working_groups.list_session_requests"))
    return _request_page(item, decline_form=form)


# --- sessions -------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>")
@access(PUBLIC)
def show_session(session_id):
    session = _found(queries.session_with_attendance(session_id))
    if not queries.is_visible(session.group, current_user):
        abort(404)
    language = current_language()
    return render_template(
        "working_groups/session.html",
        session=session,
        language=language,
        present=queries.present_cities(session, language),
        has_started=session.starts_at <= utcnow(),
        may_manage=queries.may_manage(current_user),
        may_record=queries.may_record(current_user, session.group),
        cancel_form=NoteForm(),
    )


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_session(session_id):
    session = _found(queries.find_session(session_id))
    form = SessionForm(obj=session)
    if form.validate_on_submit():
        ok, moved = attempt(sessions.update_session, current_user, session, **form.values())
        if ok:
            if moved:
                flash(_("The session has been rescheduled and the group told."), "success")
            else:
                flash(_("The session has been saved."), "success")
            return _to_session(session)
    return render_template("working_groups/edit_session.html", session=session, form=form)


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@access(STAFF)
def cancel_session(session_id):
    session = _found(queries.find_session(session_id))
    done = _("The session has been cancelled and the group told.")
    _button(sessions.cancel_session, current_user, session, done=done)
    return _to_session(session)


@bp.route("/sessions/<int:session_id>/minutes", methods=["GET", "POST"])
@access(SIGNED_IN)
def record_minutes(session_id):
    session = _found(queries.find_session(session_id))
    if not queries.may_record(current_user, session.group):
        abort(403)
    language = current_language()
    form = MinutesForm(obj=session, present=sorted(a.city_id for a in session.attendance))
    cities = queries.attendance_choices(session, language)
    form.present.choices = city_choices(cities, language, value="id")
    if form.validate_on_submit():
        ok, _result = attempt(sessions.record_minutes, current_user, session, **form.values())
        if ok:
            flash(_("The minutes and the attendance have been saved."), "success")
            return _to_session(session)
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


def _feed(items, name: str) -> tuple[bytes, bytes]:
    """A feed of sessions, as it is kept: plain and gzipped."""
    body = calendar.calendar(items, name, language=current_language())
    return body, gzip.compress(body, mtime=0)


def _today():
    return utcnow().date()


@bp.route("/sessions/<int:session_id>.ics")
@access(PUBLIC)
def export_session(session_id):
    session = _found(queries.find_session(session_id))
    if not queries.is_visible(session.group, current_user):
        abort(404)
    name = localized(session, "title").text
    body = calendar.calendar([session], name, language=current_language())
    return _ics(body, f"session-{session.id}.ics")


@bp.route("/working-groups/<slug>/calendar.ics")
@access(PUBLIC)
def export_group_calendar(slug):
    group = _found(queries.find_group(slug))
    if group.status not in (GroupStatus.ACTIVE, GroupStatus.CLOSED):
        abort(404)
    body, packed = cache.kept(
        cache.DIRECTORY,
        lambda: _feed(
            queries.feed_sessions(group.id),
            f"B40: {localized(group, 'name').text}",
        ),
        vary=_today(),
        anyone=True,
    )
    return _ics(body, f"{group.slug}.ics", packed)


@bp.route("/calendar.ics")
@access(PUBLIC)
def export_calendar():
    body, packed = cache.kept(
        cache.DIRECTORY,
        lambda: _feed(queries.feed_sessions(), _("B40 working groups")),
        vary=_today(),
        anyone=True,
    )
    return _ics(body, "b40-working-groups.ics", packed)
