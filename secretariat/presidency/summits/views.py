"""A summit's pages: public, the host's dashboard, and the secretariat's tools."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from secretariat.errors import NotAllowed, attempt
from secretariat.i18n import current_language
from secretariat.presidency import bp
from secretariat.presidency.models import Summit
from secretariat.presidency.summits import operations, queries
from secretariat.presidency.summits.forms import (
    AgendaItemForm,
    AttendanceForm,
    DelegationForm,
    NonMemberDelegationForm,
    StaffDelegationForm,
    SummitForm,
    TaskForm,
)
from secretariat.presidency.summits.operations import Attendance
from secretariat.security import PUBLIC, SIGNED_IN, STAFF, access


def _back_to(summit: Summit, endpoint: str = "presidency.show_summit"):
    return redirect(url_for(endpoint, number=summit.number))


# --- public pages ---------------------------------------------------------------------------


@bp.route("/summits")
@access(PUBLIC)
def list_summits():
    listing = queries.summit_listing()
    return render_template("presidency/summits.html", **vars(listing), language=current_language())


@bp.route("/summits/<int:number>")
@access(PUBLIC)
def show_summit(number):
    page = queries.summit_page(number, current_user)
    return render_template("presidency/summit.html", **vars(page), language=current_language())


@bp.route("/summits/<year:year>")
@access(PUBLIC)
def show_summit_of_year(year):
    """Issue 5: /summits/2026 names the summit of 2026; its page lives at its number."""
    number = queries.summit_number_in(year)
    if number is None:
        abort(404)
    target = url_for("presidency.show_summit", number=number, lang=request.args.get("lang"))
    return redirect(target, 301)


# --- staff: the summit and its agenda -------------------------------------------------------


@bp.route("/summits/<int:number>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_summit(number):
    summit = queries.summit_or_404(number)
    form = SummitForm(obj=summit)
    if (
        form.validate_on_submit()
        and attempt(operations.update_summit, current_user, summit, **form.values())[0]
    ):
        flash(_("The summit has been saved."), "success")
        return _back_to(summit)
    return render_template(
        "presidency/edit_summit.html", summit=summit, form=form, language=current_language()
    )


@bp.route("/summits/<int:number>/agenda", methods=["GET", "POST"])
@access(STAFF)
def edit_agenda(number):
    summit = queries.summit_or_404(number, "agenda")
    form = AgendaItemForm()
    if (
        form.validate_on_submit()
        and attempt(operations.add_agenda_item, current_user, summit, **form.values())[0]
    ):
        flash(_("The item has been added to the agenda."), "success")
        return _back_to(summit, "presidency.edit_agenda")
    return render_template(
        "presidency/agenda.html", summit=summit, form=form, language=current_language()
    )


@bp.route("/summits/<int:number>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_agenda_item(number, item_id):
    summit = queries.summit_or_404(number)
    item = queries.agenda_item_or_404(summit, item_id)
    form = AgendaItemForm(obj=item)
    if (
        form.validate_on_submit()
        and attempt(operations.update_agenda_item, current_user, item, **form.values())[0]
    ):
        flash(_("The agenda item has been saved."), "success")
        return _back_to(summit, "presidency.edit_agenda")
    return render_template("presidency/agenda_item.html", summit=summit, item=item, form=form)


@bp.route("/summits/<int:number>/agenda/<int:item_id>/remove", methods=["POST"])
@access(STAFF)
def remove_agenda_item(number, item_id):
    summit = queries.summit_or_404(number)
    item = queries.agenda_item_or_404(summit, item_id)
    if attempt(operations.remove_agenda_item, current_user, item)[0]:
        flash(_("The item has been removed from the agenda."), "success")
    return _back_to(summit, "presidency.edit_agenda")


@bp.route("/summits/<int:number>/agenda/<int:item_id>/<any(up,down):direction>", methods=["POST"])
@access(STAFF)
def move_agenda_item(number, item_id, direction):
    summit = queries.summit_or_404(number)
    item = queries.agenda_item_or_404(summit, item_id)
    attempt(operations.move_agenda_item, current_user, item, direction)
    return _back_to(summit, "presidency.edit_agenda")


# --- delegations and attendance -------------------------------------------------------------


def _delegation_page(summit: Summit, form, city=None, delegation=None):
    return render_template(
        "presidency/delegation.html",
        summit=summit,
        form=form,
        city=city,
        delegation=delegation,
        language=current_language(),
    )


@bp.route("/summits/<int:number>/delegations/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def register_delegation(number):
    summit = queries.summit_or_404(number)
    city = queries.city_of(current_user)  # staff have none: they choose one, or name one
    if not queries.may_register(current_user, city):
        raise NotAllowed(queries.REGISTER_OWN_ONLY)
    form = DelegationForm() if city else StaffDelegationForm()
    if form.validate_on_submit():
        values = {**form.values(), "city": city or queries.member_city_or_404(form.city.data)}
        if attempt(operations.register_delegation, current_user, summit, **values)[0]:
            flash(_("The delegation has been registered."), "success")
            return _back_to(summit)
    return _delegation_page(summit, form, city)


@bp.route("/summits/<int:number>/delegations/<int:delegation_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit_delegation(number, delegation_id):
    summit = queries.summit_or_404(number)
    delegation = queries.delegation_or_403(summit, delegation_id, current_user)
    if queries.may_correct_names(current_user, delegation):
        form = NonMemberDelegationForm(delegation)
    else:
        form = DelegationForm(obj=delegation)
    if (
        form.validate_on_submit()
        and attempt(operations.update_delegation, current_user, delegation, **form.values())[0]
    ):
        flash(_("The delegation has been saved."), "success")
        return _back_to(summit)
    return _delegation_page(summit, form, delegation.city, delegation)


@bp.route("/summits/<int:number>/delegations/<int:delegation_id>/remove", methods=["POST"])
@access(SIGNED_IN)
def remove_delegation(number, delegation_id):
    summit = queries.summit_or_404(number)
    delegation = queries.delegation_or_403(summit, delegation_id, current_user)
    if attempt(operations.remove_delegation, current_user, delegation)[0]:
        flash(_("The registration has been withdrawn."), "success")
    return _back_to(summit)


def _say_what_attendance_did(outcome: Attendance) -> None:
    if outcome.is_already_confirmed:
        flash(_("The attendance had already been confirmed: nothing changed."), "info")
        return
    flash(_("The attendance has been confirmed."), "success")
    language = current_language()
    new = [city.name_in(language) for city in outcome.joined + outcome.rejoined]
    if new:
        flash(_("New members by attending: %(cities)s.", cities=", ".join(new)), "success")


@bp.route("/summits/<int:number>/attendance", methods=["GET", "POST"])
@access(STAFF)
def record_attendance(number):
    summit = queries.summit_or_404(number, "delegations")
    form = AttendanceForm(summit.delegations)
    if form.validate_on_submit():
        ok, outcome = attempt(
            operations.confirm_attendance, current_user, summit, form.attended.data
        )
        if ok:
            _say_what_attendance_did(outcome)
            return _back_to(summit)
    return render_template(
        "presidency/attendance.html", summit=summit, form=form, language=current_language()
    )


# --- the summit dashboard -------------------------------------------------------------------


def _dashboard_page(summit: Summit, form: TaskForm | None = None):
    return render_template(
        "presidency/dashboard.html",
        summit=summit,
        dates=queries.summit_dates(summit),
        **vars(queries.checklist(summit)),
        form=form or TaskForm(),
        language=current_language(),
    )


@bp.route("/summits/<int:number>/dashboard")
@access(SIGNED_IN)
def show_dashboard(number):
    summit = queries.prepared_summit_or_403(number, current_user, "tasks")
    return _dashboard_page(summit)


@bp.route("/summits/<int:number>/checklist", methods=["POST"])
@access(SIGNED_IN)
def add_task(number):
    summit = queries.prepared_summit_or_403(number, current_user)
    form = TaskForm()
    if (
        form.validate_on_submit()
        and attempt(operations.add_task, current_user, summit, **form.values())[0]
    ):
        flash(_("The task has been added."), "success")
        return _back_to(summit, "presidency.show_dashboard")
    return _dashboard_page(summit, form)


@bp.route("/summits/<int:number>/checklist/standard", methods=["POST"])
@access(SIGNED_IN)
def add_standard_tasks(number):
    summit = queries.prepared_summit_or_403(number, current_user)
    ok, added = attempt(operations.add_standard_tasks, current_user, summit)
    if ok and added:
        flash(_("The standard preparation steps have been added."), "success")
    return _back_to(summit, "presidency.show_dashboard")


@bp.route("/summits/<int:number>/checklist/<int:task_id>/<any(done,open):state>", methods=["POST"])
@access(SIGNED_IN)
def mark_task(number, task_id, state):
    summit = queries.prepared_summit_or_403(number, current_user)
    task = queries.task_or_404(summit, task_id)
    attempt(operations.mark_task, current_user, task, state == "done")
    return _back_to(summit, "presidency.show_dashboard")
