"""Terms, summits and their preparation: the public pages, the host's dashboard, staff tools."""

from datetime import datetime

from babel.dates import format_interval
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from secretariat.errors import attempt
from secretariat.extensions import db
from secretariat.i18n import current_language, select_timezone, zone
from secretariat.members import operations as members
from secretariat.members.models import City, CityStatus
from secretariat.presidency import bp, operations
from secretariat.presidency.forms import (
    AgendaItemForm,
    AttendanceForm,
    DelegationForm,
    NonMemberDelegationForm,
    StaffDelegationForm,
    SummitForm,
    TaskForm,
)
from secretariat.presidency.models import (
    AgendaItem,
    ChecklistTask,
    Delegation,
    Summit,
    TaskKind,
)
from secretariat.presidency.rules import is_overdue, progress
from secretariat.security import PUBLIC, SIGNED_IN, STAFF, access
from secretariat.text import collation_key


def summit_dates(summit: Summit) -> str:
    """The summit's days as one span in the viewer's language; empty until they are set."""
    if summit.starts_on is None or summit.ends_on is None:
        return ""
    return format_interval(summit.starts_on, summit.ends_on, "yMMMd", locale=get_locale())


def _committed(operation, *args):
    """attempt(), and a clash with a change made at the same moment (a position, a year, a
    registration) answered like a refusal: rolled back, and said."""
    try:
        return attempt(operation, *args)
    except IntegrityError:
        db.session.rollback()
        flash(
            _("Someone else changed this at the same moment. Please check and try again."), "error"
        )
        return False, None


def _summit_or_404(number: int, *options) -> Summit:
    return db.one_or_404(select(Summit).where(Summit.number == number).options(*options))


def _back_to(summit: Summit, endpoint: str = "presidency.show_summit"):
    return redirect(url_for(endpoint, number=summit.number))


# --- public pages ---------------------------------------------------------------------------


@bp.route("/presidency")
@access(PUBLIC)
def presidency():
    overview = operations.overview()
    return render_template(
        "presidency/presidency.html",
        overview=overview,
        terms=list(reversed(overview.terms)),
        language=current_language(),
    )


@bp.route("/summits")
@access(PUBLIC)
def summits():
    found = db.session.scalars(select(Summit).order_by(Summit.number.desc())).all()
    return render_template(
        "presidency/summits.html",
        summits=found,
        dates={summit.id: summit_dates(summit) for summit in found},
        language=current_language(),
    )


@bp.route("/summits/<int:number>")
@access(PUBLIC)
def show_summit(number):
    summit = _summit_or_404(
        number,
        selectinload(Summit.agenda),
        selectinload(Summit.delegations).options(
            joinedload(Delegation.city), joinedload(Delegation.country)
        ),
    )
    user = current_user
    mine = None
    if user.is_authenticated and user.city_slug:
        mine = next(
            (d for d in summit.delegations if d.city and d.city.slug == user.city_slug), None
        )
    registration_open = summit.attendance_confirmed_at is None and summit.starts_on is not None
    return render_template(
        "presidency/summit.html",
        summit=summit,
        dates=summit_dates(summit),
        language=current_language(),
        people=sum(d.people for d in summit.delegations),
        show_names=user.is_authenticated,
        may_prepare=operations.may_prepare(user, summit),
        is_staff=user.is_authenticated and user.is_staff,
        registration_open=registration_open,
        may_register=registration_open
        and user.is_authenticated
        and (user.is_staff or (bool(user.city_slug) and mine is None)),
        my_delegation=mine,
        may_change=lambda delegation: operations.may_change_delegation(user, delegation),
    )


@bp.route("/summits/<year:year>")
@access(PUBLIC)
def show_summit_of_year(year):
    """Issue 5: /summits/2026 names the summit of 2026; its page lives at its number."""
    number = db.session.scalar(select(Summit.number).where(Summit.year == year))
    if number is None:
        abort(404)
    target = url_for("presidency.show_summit", number=number, lang=request.args.get("lang"))
    return redirect(target, 301)


# --- staff: the summit and its agenda -------------------------------------------------------


@bp.route("/summits/<int:number>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_summit(number):
    summit = _summit_or_404(number)
    form = SummitForm(obj=summit)
    if form.validate_on_submit():
        ok, _result = _committed(
            lambda: operations.update_summit(
                current_user,
                summit,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                venue=form.venue.data or "",
                theme_en=form.theme_en.data or "",
                theme_tr=form.theme_tr.data or "",
            )
        )
        if ok:
            flash(_("The summit has been saved."), "success")
            return _back_to(summit)
    return render_template(
        "presidency/edit_summit.html", summit=summit, form=form, language=current_language()
    )


def _local(moment: datetime | None) -> datetime | None:
    """A time typed in the viewer's time zone, as an aware datetime (stored in UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=zone(select_timezone()))


def _agenda_page(summit: Summit, form: AgendaItemForm):
    return render_template(
        "presidency/agenda.html", summit=summit, form=form, language=current_language()
    )


@bp.route("/summits/<int:number>/agenda", methods=["GET", "POST"])
@access(STAFF)
def agenda(number):
    summit = _summit_or_404(number, selectinload(Summit.agenda))
    form = AgendaItemForm()
    if form.validate_on_submit():
        ok, _item = _committed(
            lambda: operations.add_agenda_item(
                current_user,
                summit,
                title_en=form.title_en.data or "",
                title_tr=form.title_tr.data or "",
                starts_at=_local(form.starts_at.data),
            )
        )
        if ok:
            flash(_("The item has been added to the agenda."), "success")
            return _back_to(summit, "presidency.agenda")
    return _agenda_page(summit, form)


def _agenda_item_or_404(summit: Summit, item_id: int) -> AgendaItem:
    return db.one_or_404(
        select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.summit_id == summit.id)
    )


@bp.route("/summits/<int:number>/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_agenda_item(number, item_id):
    summit = _summit_or_404(number)
    item = _agenda_item_or_404(summit, item_id)
    form = AgendaItemForm(obj=item)
    if not form.is_submitted() and item.starts_at is not None:
        form.starts_at.data = item.starts_at.astimezone(zone(select_timezone())).replace(
            tzinfo=None
        )
    if form.validate_on_submit():
        ok, _result = _committed(
            lambda: operations.update_agenda_item(
                current_user,
                item,
                title_en=form.title_en.data or "",
                title_tr=form.title_tr.data or "",
                starts_at=_local(form.starts_at.data),
            )
        )
        if ok:
            flash(_("The agenda item has been saved."), "success")
            return _back_to(summit, "presidency.agenda")
    return render_template("presidency/agenda_item.html", summit=summit, item=item, form=form)


@bp.route("/summits/<int:number>/agenda/<int:item_id>/remove", methods=["POST"])
@access(STAFF)
def remove_agenda_item(number, item_id):
    summit = _summit_or_404(number)
    item = _agenda_item_or_404(summit, item_id)
    if _committed(operations.remove_agenda_item, current_user, item)[0]:
        flash(_("The item has been removed from the agenda."), "success")
    return _back_to(summit, "presidency.agenda")


@bp.route("/summits/<int:number>/agenda/<int:item_id>/<any(up,down):direction>", methods=["POST"])
@access(STAFF)
def move_agenda_item(number, item_id, direction):
    summit = _summit_or_404(number)
    item = _agenda_item_or_404(summit, item_id)
    _committed(operations.move_agenda_item, current_user, item, direction)
    return _back_to(summit, "presidency.agenda")


# --- delegations ----------------------------------------------------------------------------


def _sorted_choices(pairs, language: str) -> list[tuple[str, str]]:
    return sorted(pairs, key=lambda pair: collation_key(pair[1], language))


def _country_choices(language: str) -> list[tuple[str, str]]:
    return [("", _("Choose a country")), *members.countries_by_name(language)]


def _member_choices(language: str) -> list[tuple[str, str]]:
    cities = db.session.scalars(select(City).where(City.status == CityStatus.ACTIVE)).all()
    named = [(c.slug, c.name_in(language)) for c in cities]
    return [("", _("A city that is not a member")), *_sorted_choices(named, language)]


def _own_city() -> City:
    """The city of the signed-in mayor or delegate; staff have none (they choose one)."""
    city = db.session.scalar(select(City).where(City.slug == current_user.city_slug))
    if city is None:
        abort(403)
    return city


@bp.route("/summits/<int:number>/delegations/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def register_delegation(number):
    summit = _summit_or_404(number)
    language = current_language()
    city = None
    if current_user.is_staff:
        form = StaffDelegationForm()
        form.city.choices = _member_choices(language)
        form.country.choices = _country_choices(language)
    else:
        city = _own_city()
        if not operations.may_register_for(current_user, city):
            abort(403)
        form = DelegationForm()
    if form.validate_on_submit():
        details = {"people": form.people.data, "names": form.names.data or ""}
        if city is not None:
            details["city"] = city
        elif form.city.data:
            details["city"] = db.one_or_404(select(City).where(City.slug == form.city.data))
        else:
            details.update(
                official_name=form.city_name.data or "",
                english_name=form.city_name_en.data or "",
                country_code=form.country.data,
            )
        ok, _delegation = _committed(
            lambda: operations.register_delegation(current_user, summit, **details)
        )
        if ok:
            flash(_("The delegation has been registered."), "success")
            return _back_to(summit)
    return render_template(
        "presidency/delegation.html",
        summit=summit,
        form=form,
        city=city,
        delegation=None,
        language=language,
    )


def _delegation_or_404(summit: Summit, delegation_id: int) -> Delegation:
    delegation = db.one_or_404(
        select(Delegation).where(Delegation.id == delegation_id, Delegation.summit_id == summit.id)
    )
    if not operations.may_change_delegation(current_user, delegation):
        abort(403)
    return delegation


@bp.route("/summits/<int:number>/delegations/<int:delegation_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit_delegation(number, delegation_id):
    summit = _summit_or_404(number)
    delegation = _delegation_or_404(summit, delegation_id)
    language = current_language()
    names_editable = delegation.city_id is None and current_user.is_staff
    if names_editable:
        form = NonMemberDelegationForm(obj=delegation)
        form.country.choices = _country_choices(language)
        if not form.is_submitted() and delegation.country is not None:
            form.country.data = delegation.country.code
    else:
        form = DelegationForm(obj=delegation)
    if form.validate_on_submit():
        details = {"people": form.people.data, "names": form.names.data or ""}
        if names_editable:
            details.update(
                official_name=form.city_name.data or "",
                english_name=form.city_name_en.data or "",
                country_code=form.country.data,
            )
        ok, _result = _committed(
            lambda: operations.update_delegation(current_user, delegation, **details)
        )
        if ok:
            flash(_("The delegation has been saved."), "success")
            return _back_to(summit)
    return render_template(
        "presidency/delegation.html",
        summit=summit,
        form=form,
        city=delegation.city,
        delegation=delegation,
        language=language,
    )


@bp.route("/summits/<int:number>/delegations/<int:delegation_id>/remove", methods=["POST"])
@access(SIGNED_IN)
def remove_delegation(number, delegation_id):
    summit = _summit_or_404(number)
    delegation = _delegation_or_404(summit, delegation_id)
    if _committed(operations.remove_delegation, current_user, delegation)[0]:
        flash(_("The registration has been withdrawn."), "success")
    return _back_to(summit)


def _delegation_label(delegation: Delegation, language: str) -> str:
    if delegation.city is not None:
        return delegation.city.name_in(language)
    return delegation.city_name_en


@bp.route("/summits/<int:number>/attendance", methods=["GET", "POST"])
@access(STAFF)
def attendance(number):
    summit = _summit_or_404(
        number,
        selectinload(Summit.delegations).options(
            joinedload(Delegation.city), joinedload(Delegation.country)
        ),
    )
    language = current_language()
    form = AttendanceForm()
    form.attended.choices = [
        SelectChoice(d.id, _delegation_label(d, language)) for d in summit.delegations
    ]
    if not form.is_submitted():
        form.attended.data = [d.id for d in summit.delegations]
    if form.validate_on_submit():
        ok, outcome = _committed(
            operations.confirm_attendance, current_user, summit, form.attended.data or []
        )
        if ok:
            if outcome.already_confirmed:
                flash(_("The attendance had already been confirmed: nothing changed."), "info")
            else:
                flash(_("The attendance has been confirmed."), "success")
                new = [city.name_in(language) for city in outcome.joined + outcome.rejoined]
                if new:
                    flash(
                        _("New members by attending: %(cities)s.", cities=", ".join(new)),
                        "success",
                    )
            return _back_to(summit)
    return render_template(
        "presidency/attendance.html", summit=summit, form=form, language=language
    )


# --- the summit dashboard -------------------------------------------------------------------


def _preparer_summit(number: int, *options) -> Summit:
    summit = _summit_or_404(number, *options)
    if not operations.may_prepare(current_user, summit):
        abort(403)
    return summit


def _dashboard_page(summit: Summit, form: TaskForm | None = None):
    today = operations.network_today()
    tasks = sorted(
        summit.tasks,
        key=lambda t: (t.due_on is None, t.due_on or today, t.position),
    )
    overdue = {t.id for t in tasks if is_overdue(t.due_on, t.done_at is not None, today)}
    return render_template(
        "presidency/dashboard.html",
        summit=summit,
        dates=summit_dates(summit),
        tasks=tasks,
        overdue=overdue,
        progress=progress([(t.due_on, t.done_at is not None) for t in tasks], today),
        standard_missing=len({t.kind for t in tasks if t.kind}) < len(TaskKind),
        form=form or TaskForm(),
        language=current_language(),
    )


@bp.route("/summits/<int:number>/dashboard")
@access(SIGNED_IN)
def dashboard(number):
    summit = _preparer_summit(number, selectinload(Summit.tasks).joinedload(ChecklistTask.done_by))
    return _dashboard_page(summit)


@bp.route("/summits/<int:number>/checklist", methods=["POST"])
@access(SIGNED_IN)
def add_task(number):
    summit = _preparer_summit(number)
    form = TaskForm()
    if form.validate_on_submit():
        ok, _task = _committed(
            lambda: operations.add_task(
                current_user,
                summit,
                title_en=form.title_en.data or "",
                title_tr=form.title_tr.data or "",
                owner_side=form.owner_side.data,
                owner=form.owner.data or "",
                due_on=form.due_on.data,
            )
        )
        if ok:
            flash(_("The task has been added."), "success")
            return _back_to(summit, "presidency.dashboard")
    return _dashboard_page(summit, form)


@bp.route("/summits/<int:number>/checklist/standard", methods=["POST"])
@access(SIGNED_IN)
def add_standard_tasks(number):
    summit = _preparer_summit(number)
    ok, added = _committed(operations.add_standard_tasks, current_user, summit)
    if ok and added:
        flash(_("The standard preparation steps have been added."), "success")
    return _back_to(summit, "presidency.dashboard")


@bp.route("/summits/<int:number>/checklist/<int:task_id>/<any(done,open):state>", methods=["POST"])
@access(SIGNED_IN)
def mark_task(number, task_id, state):
    summit = _preparer_summit(number)
    task = db.one_or_404(
        select(ChecklistTask).where(
            ChecklistTask.id == task_id, ChecklistTask.summit_id == summit.id
        )
    )
    _committed(operations.mark_task, current_user, task, state == "done")
    return _back_to(summit, "presidency.dashboard")
