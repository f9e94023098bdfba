"""Elections: the public pages, nominations, the secret ballot, and the secretariat's controls."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from secretariat.accounts.models import User
from secretariat.elections import ballot_box, bp, operations, queries
from secretariat.elections.forms import (
    SCHEDULE,
    AuthorisationForm,
    BallotForm,
    ConfirmForm,
    ElectionForm,
    LotsForm,
    NominationForm,
    ScheduleForm,
    SecondRoundForm,
    paper_form,
)
from secretariat.elections.models import Election, Mode, Phase
from secretariat.elections.operations import RACE
from secretariat.errors import attempt
from secretariat.extensions import db
from secretariat.i18n import current_language
from secretariat.members.models import City
from secretariat.presidency.models import Summit
from secretariat.security import CITY_ROLES, PUBLIC, STAFF, Role, access, is_staff

PRIVATE_HEADERS = {"Cache-Control": "private, no-store"}
STAFF_OR_MAYOR = STAFF | {Role.MAYOR}


def _back(election: Election):
    return redirect(url_for("elections.show_election", election_id=election.id))


def _name(city: City) -> str:
    return city.name_in(current_language())


# --- the public pages ------------------------------------------------------------------------


@bp.route("/elections")
@access(PUBLIC)
def list_elections():
    return render_template(
        "elections/list.html",
        elections=queries.all_elections(),
        phases={phase.value: phase.label for phase in Phase},
        language=current_language(),
    )


def _staff_forms(election: Election, forms: dict) -> dict:
    """The secretariat's forms on the election's page: empty, or as posted with their errors."""
    nomination = forms.get("nomination") or NominationForm(formdata=None)
    nomination.city.choices = [(0, _("Choose a city"))]
    if election.phase == Phase.NOMINATIONS:  # the only phase that shows the form
        nomination.city.choices += queries.nominable(election)
    lots = forms.get("lots") or LotsForm(formdata=None)
    lots.drawn.choices = queries.lots_choices(election)
    return {
        "is_staff": True,
        "schedule_form": forms.get("schedule") or ScheduleForm(formdata=None, obj=election),
        "nomination_form": nomination,
        "lots_form": lots,
        "second_round_form": forms.get("second_round") or SecondRoundForm(formdata=None),
        "is_second_round_ready": queries.is_second_round_ready(election),
        "authorisations": queries.authorisations(election),
    }


def _city_forms(election: Election, forms: dict) -> dict:
    """What a mayor or delegate sees of their own city, and the mayor's authorisation form."""
    page = queries.city_page(current_user, election)
    if page.get("delegates"):
        form = forms.get("authorisation") or AuthorisationForm(formdata=None)
        choices = [(d.id, d.name) for d in page["delegates"]]
        form.delegate.choices = [(0, _("Choose a delegate")), *choices]
        page["authorisation_form"] = form
    return page


def _election_page(election: Election, **forms):
    context = {
        "election": election,
        "language": current_language(),
        "results": queries.results(election),
        "on_roll": queries.roll_size(election),
        "withdrawable": queries.withdrawable(current_user, election),
        "Phase": Phase,
        "Mode": Mode,
    }
    if is_staff(current_user):
        context.update(_staff_forms(election, forms))
    elif current_user.is_authenticated:
        context.update(_city_forms(election, forms))
    return render_template("elections/election.html", **context)


@bp.route("/elections/<int:election_id>")
@access(PUBLIC)
def show_election(election_id):
    return _election_page(queries.election_or_404(election_id))


# --- the secretariat -------------------------------------------------------------------------


def _summit_label(summit: Summit) -> str:
    return _(
        "Summit %(number)s · %(city)s · %(year)s",
        number=summit.number,
        city=_name(summit.host_city),
        year=summit.year or "—",
    )


@bp.route("/elections/new", methods=["GET", "POST"])
@access(STAFF)
def create_election():
    form = ElectionForm()
    summits = [(s.id, _summit_label(s)) for s in queries.summits_without_election()]
    form.summit.choices = [(0, _("Choose a summit")), *summits]
    if form.validate_on_submit():
        ok, election = attempt(
            operations.create_election,
            current_user,
            db.session.get(Summit, form.summit.data),
            race=_("This summit already has its election."),
            **form.values(*SCHEDULE),
        )
        if ok:
            flash(_("The election is created. Nominations open when you say so."), "success")
            return _back(election)
    return render_template("elections/new.html", form=form)


@bp.route("/elections/<int:election_id>/schedule", methods=["POST"])
@access(STAFF)
def edit_schedule(election_id):
    election = queries.election_or_404(election_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _election_page(election, schedule=form)
    if attempt(operations.set_schedule, current_user, election, race=RACE, **form.values())[0]:
        flash(_("The dates are saved."), "success")
    return _back(election)


def _phase_message(election: Election, target: str, result) -> str:
    if target == Phase.NOMINATIONS:
        return _("Nominations are open.")
    if target == Phase.VOTING:
        return ngettext(
            "Voting is open: %(num)s city is on the roll.",
            "Voting is open: %(num)s cities are on the roll.",
            result,
        )
    if target == Phase.CLOSED:
        return ngettext(
            "Voting is closed: %(num)s ballot counted in round %(round)s.",
            "Voting is closed: %(num)s ballots counted in round %(round)s.",
            result,
            round=election.round,
        )
    return _(
        "The result is certified: %(city)s holds term %(term)s and hosts the next summit.",
        city=_name(result.city),
        term=result.number,
    )


@bp.route(
    "/elections/<int:election_id>/phase/<any(nominations, voting, closed, certified):target>",
    methods=["POST"],
)
@access(STAFF)
def move_phase(election_id, target):
    election = queries.election_or_404(election_id)
    ok, result = attempt(operations.move_phase, current_user, election, target, race=RACE)
    if ok:
        flash(_phase_message(election, target, result), "success")
    return _back(election)


@bp.route("/elections/<int:election_id>/nominations", methods=["POST"])
@access(STAFF_OR_MAYOR)
def nominate_city(election_id):
    """Staff record a nomination made in the summit hall; a mayor nominates their own city."""
    election = queries.election_or_404(election_id)
    if is_staff(current_user):
        form = NominationForm()
        form.city.choices = [(0, ""), *queries.nominable(election)]
        if not form.validate_on_submit():
            return _election_page(election, nomination=form)
        city = db.session.get(City, form.city.data)
    else:
        city = queries.city_of(current_user) or abort(403)
    already = _("%(city)s is already a candidate.", city=_name(city))
    if attempt(operations.nominate_city, current_user, election, city, race=already)[0]:
        flash(_("%(city)s is a candidate.", city=_name(city)), "success")
    return _back(election)


@bp.route("/elections/<int:election_id>/candidates/<int:candidate_id>/withdraw", methods=["POST"])
@access(STAFF_OR_MAYOR)
def withdraw_nomination(election_id, candidate_id):
    election = queries.election_or_404(election_id)
    candidate = next((c for c in election.candidates if c.id == candidate_id), None) or abort(404)
    name = _name(candidate.city)
    if attempt(operations.withdraw_nomination, current_user, election, candidate, race=RACE)[0]:
        flash(_("The nomination of %(city)s is withdrawn.", city=name), "success")
    return _back(election)


def _paper_message(election: Election, counted: int) -> str:
    return ngettext(
        "The paper results are recorded: %(num)s ballot counted in round %(round)s.",
        "The paper results are recorded: %(num)s ballots counted in round %(round)s.",
        counted,
        round=election.round,
    )


@bp.route("/elections/<int:election_id>/paper", methods=["GET", "POST"])
@access(STAFF)
def paper_results(election_id):
    election = queries.election_or_404(election_id)
    if not queries.may_enter_paper_results(election):
        flash(str(queries.PAPER_ONLY_WHILE_VOTING), "error")
        return _back(election)
    labels = queries.option_labels(election)
    form = paper_form(list(labels.items()))
    form.voted.choices = [(c.id, _name(c)) for c in queries.roll(election)]
    if form.validate_on_submit():
        ok, counted = attempt(
            operations.record_paper_results,
            current_user,
            election,
            form.voted.data,
            form.totals(),
            race=RACE,
        )
        if ok:
            flash(_paper_message(election, counted), "success")
            return _back(election)
    return render_template(
        "elections/paper.html", election=election, form=form, options=list(labels)
    )


@bp.route("/elections/<int:election_id>/lots", methods=["POST"])
@access(STAFF)
def record_lots(election_id):
    election = queries.election_or_404(election_id)
    form = LotsForm()
    form.drawn.choices = queries.lots_choices(election)
    if not form.validate_on_submit():
        return _election_page(election, lots=form)
    if attempt(operations.record_lots, current_user, election, race=RACE, **form.values())[0]:
        flash(_("The drawing of lots is recorded."), "success")
    return _back(election)


@bp.route("/elections/<int:election_id>/second-round", methods=["POST"])
@access(STAFF)
def open_second_round(election_id):
    election = queries.election_or_404(election_id)
    form = SecondRoundForm()
    if not form.validate_on_submit():
        return _election_page(election, second_round=form)
    if attempt(operations.open_second_round, current_user, election, race=RACE, **form.values())[0]:
        flash(_("The second round is open, with the same roll."), "success")
    return _back(election)


# --- mayors and their delegates --------------------------------------------------------------


@bp.route("/elections/<int:election_id>/authorisation", methods=["POST"])
@access(Role.MAYOR)
def authorise_delegate(election_id):
    election = queries.election_or_404(election_id)
    form = AuthorisationForm()
    form.delegate.choices = [(d.id, d.name) for d in queries.delegates_of(current_user.city_slug)]
    if not form.validate_on_submit():
        return _election_page(election, authorisation=form)
    delegate = db.session.get(User, form.delegate.data)
    if attempt(operations.authorise_delegate, current_user, election, delegate, race=RACE)[0]:
        flash(
            _("%(name)s may cast your city’s vote in this election.", name=delegate.name),
            "success",
        )
    return _back(election)


@bp.route("/elections/<int:election_id>/authorisation/revoke", methods=["POST"])
@access(Role.MAYOR)
def revoke_authorisation(election_id):
    election = queries.election_or_404(election_id)
    if attempt(operations.revoke_authorisation, current_user, election, race=RACE)[0]:
        flash(_("No delegate may vote for your city now, only you."), "success")
    return _back(election)


# --- the ballot ------------------------------------------------------------------------------


def _private(page: str):
    """A page for its voter only: no cache anywhere keeps a ballot, a choice or a receipt."""
    return page, 200, PRIVATE_HEADERS


def _refused(election: Election, message, status: int):
    page = render_template("elections/refused.html", election=election, message=message)
    return page, status, PRIVATE_HEADERS


def _ballot_form(election: Election, **kwargs) -> BallotForm:
    form = BallotForm(**kwargs)
    form.choice.choices = list(queries.option_labels(election).items())
    return form


def _ballot_page(election: Election, form: BallotForm):
    city = queries.city_of(current_user)
    return _private(
        render_template("elections/ballot.html", election=election, form=form, city=city)
    )


def _confirm_page(election: Election, form: BallotForm):
    return _private(
        render_template(
            "elections/confirm.html",
            election=election,
            form=ConfirmForm(formdata=None, data={"choice": form.choice.data}),
            label=dict(form.choice.choices)[form.choice.data],
            city=queries.city_of(current_user),
        )
    )


@bp.route("/elections/<int:election_id>/ballot", methods=["GET", "POST"])
@access(CITY_ROLES)
def show_ballot(election_id):
    """The ballot: a choice, then a confirmation step; nothing is cast by this page."""
    election = queries.election_or_404(election_id)
    refusal = queries.vote_refusal(current_user, election)
    if refusal is not None:
        return _refused(election, refusal.message, refusal.status_code)
    form = _ballot_form(election)
    if form.validate_on_submit():
        return _confirm_page(election, form)
    return _ballot_page(election, form)


@bp.route("/elections/<int:election_id>/ballot/cast", methods=["POST"])
@access(CITY_ROLES)
def cast_ballot(election_id):
    """Cast the confirmed choice; the receipt code is shown in this response only, once."""
    election = queries.election_or_404(election_id)
    form = ConfirmForm()
    if not form.validate_on_submit() or not (form.confirm.data or form.change.data):
        abort(400)
    refusal = queries.vote_refusal(current_user, election)
    if refusal is not None:
        return _refused(election, refusal.message, refusal.status_code)
    if form.change.data:
        again = _ballot_form(election, formdata=None, data={"choice": form.choice.data})
        return _ballot_page(election, again)
    ok, receipt = attempt(
        ballot_box.cast_ballot,
        current_user,
        election.id,
        form.choice.data,
        race=queries.ALREADY_VOTED,  # a ballot of the same city won the race on the register
        field=form.choice,
    )
    if not ok:  # refused under the election's lock: the close, or another ballot, came first
        return _refused(election, form.choice.errors[-1], 409)
    return _private(render_template("elections/receipt.html", election=election, receipt=receipt))
