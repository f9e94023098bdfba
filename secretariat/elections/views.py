"""Elections: the public pages, nominations, the secret ballot, and the secretariat's controls."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, lazyload, selectinload

from secretariat.accounts.models import User
from secretariat.elections import bp, operations, rules
from secretariat.elections.forms import (
    AuthorisationForm,
    BallotForm,
    ConfirmForm,
    ElectionForm,
    LotsForm,
    NominationForm,
    ScheduleForm,
    SecondRoundForm,
    in_utc,
    paper_form,
)
from secretariat.elections.models import Authorisation, Election, Mode, Phase, RollEntry
from secretariat.errors import DomainError, NotAllowed, attempt
from secretariat.extensions import db
from secretariat.i18n import current_language
from secretariat.members.models import City, CityStatus
from secretariat.presidency.models import Summit
from secretariat.security import CITY_ROLES, PUBLIC, STAFF, Role, access, is_staff

PRIVATE_HEADERS = {"Cache-Control": "private, no-store"}
STAFF_OR_MAYOR = STAFF | {Role.MAYOR}


def _election_or_404(election_id: int) -> Election:
    return db.one_or_404(
        select(Election)
        .where(Election.id == election_id)
        .options(selectinload(Election.candidates), joinedload(Election.winner))
    )


def _back(election: Election):
    return redirect(url_for("elections.show_election", election_id=election.id))


def _run(operation, *args, race=None):
    """attempt(), and a race lost on a unique constraint answered as calmly as a refusal."""
    try:
        return attempt(operation, *args)
    except IntegrityError:
        db.session.rollback()
        flash(
            str(race)
            if race
            else _("Someone else changed this election meanwhile. Please reload."),
            "error",
        )
        return False, None


def _city_name(city: City) -> str:
    return city.name_in(current_language())


def option_labels(election: Election, round_number: int | None = None) -> dict[str, str]:
    """What each code of the round's ballot means to the reader: a city's name, yes, no, blank."""
    candidates = operations.round_candidates(election, round_number)
    labels = {str(c.id): _city_name(c.city) for c in candidates}
    if len(candidates) == 1:
        labels = {
            rules.YES: _("Yes, %(city)s", city=_city_name(candidates[0].city)),
            rules.NO: _("No"),
        }
    labels[rules.BLANK] = _("Blank vote")
    return labels


# --- the public pages ------------------------------------------------------------------------


@bp.route("/elections")
@access(PUBLIC)
def elections():
    rows = db.session.scalars(
        select(Election).options(joinedload(Election.winner)).order_by(Election.term_number.desc())
    ).all()
    return render_template(
        "elections/list.html",
        elections=rows,
        phases={phase.value: phase.label for phase in Phase},
        language=current_language(),
    )


def _results(election: Election) -> list[dict]:
    """The closed rounds' results: shown only once a round is closed (SPEC §3.2)."""
    on_roll = operations.roll_size(election)
    shown = []
    for round_number in operations.closed_rounds(election):
        outcome = operations.outcome(election, round_number)
        if outcome is None:
            continue
        labels = option_labels(election, round_number)
        names = {
            str(c.id): _city_name(c.city)
            for c in operations.round_candidates(election, round_number)
        }
        cities = operations.cities_that_voted(election, round_number)
        shown.append(
            {
                "round": round_number,
                "outcome": outcome,
                "rows": [(labels[code], votes) for code, votes in outcome.votes.items()],
                "winner": names[outcome.winner] if outcome.winner else None,
                "runoff": [names[code] for code in outcome.runoff],
                "tied": [names[code] for code in outcome.lots_between],
                "single": len(outcome.votes) == 2 and rules.YES in outcome.votes,
                "voted": len(cities),
                "on_roll": on_roll,
                "turnout": rules.turnout(len(cities), on_roll),
                "cities": cities,
                "receipts": operations.counted_receipts(election, round_number),
            }
        )
    return shown


def _nominable(election: Election) -> list[tuple[int, str]]:
    standing = {c.city_id for c in election.candidates}
    language = current_language()
    cities = db.session.scalars(
        select(City)
        .where(City.status == CityStatus.ACTIVE)
        .options(lazyload(City.country))  # a name is all a choice shows
        .order_by(City.sort_key_tr if language == "tr" else City.sort_key_en, City.id)
    ).all()
    return [(c.id, c.name_in(language)) for c in cities if c.id not in standing]


def _lots_choices(election: Election) -> list[tuple[int, str]]:
    outcome = operations.lots_pending(election)
    if outcome is None:
        return []
    labels = option_labels(election)
    return [(int(code), labels[code]) for code in outcome.lots_between]


def _staff_forms(election: Election, forms: dict) -> dict:
    schedule = forms.get("schedule")
    if schedule is None:
        schedule = ScheduleForm(formdata=None)
        schedule.fill(election)
    nomination = forms.get("nomination") or NominationForm(formdata=None)
    nomination.city.choices = [(0, _("Choose a city"))]
    if election.phase == Phase.NOMINATIONS:  # the only phase that shows the form
        nomination.city.choices += _nominable(election)
    lots = forms.get("lots") or LotsForm(formdata=None)
    lots.drawn.choices = _lots_choices(election)
    authorisations = db.session.execute(
        select(Authorisation, City, User)
        .join(City, City.id == Authorisation.city_id)
        .join(User, User.id == Authorisation.user_id)
        .where(Authorisation.election_id == election.id)
        .order_by(City.sort_key_en)
    ).all()
    return {
        "schedule_form": schedule,
        "nomination_form": nomination,
        "lots_form": lots,
        "second_round_form": forms.get("second_round") or SecondRoundForm(formdata=None),
        "second_round_ready": operations.second_round_ready(election),
        "authorisations": authorisations,
    }


def _city_forms(election: Election, forms: dict) -> dict:
    city = operations.city_of(current_user)
    if city is None:
        return {}
    context = {"own_city": city, "own_candidate": None, "nomination_problem": None}
    context["own_candidate"] = next((c for c in election.candidates if c.city_id == city.id), None)
    if current_user.role == Role.MAYOR:
        context["nomination_problem"] = operations.eligibility_problem(election, city)
        delegates = operations.delegates_of(city.slug)
        form = forms.get("authorisation") or AuthorisationForm(formdata=None)
        form.delegate.choices = [(0, _("Choose a delegate")), *((d.id, d.name) for d in delegates)]
        authorisation = operations.authorisation_for(election, city)
        context.update(
            authorisation_form=form if delegates else None,
            authorisation=authorisation,
            authorised=db.session.get(User, authorisation.user_id) if authorisation else None,
        )
    if election.phase == Phase.VOTING and election.mode == Mode.ONLINE:
        try:
            operations.voter_city(current_user, election)
        except NotAllowed as refusal:
            context["vote_refusal"] = refusal.message
        else:
            context["has_voted"] = operations.has_voted(election, city)
            context["may_vote"] = not context["has_voted"]
    return context


def _election_page(election: Election, status: int = 200, **forms):
    context = {
        "election": election,
        "language": current_language(),
        "results": _results(election),
        "on_roll": operations.roll_size(election),
        "Phase": Phase,
        "Mode": Mode,
    }
    if is_staff(current_user):
        context.update(_staff_forms(election, forms))
    elif current_user.is_authenticated:
        context.update(_city_forms(election, forms))
    return render_template("elections/election.html", **context), status


@bp.route("/elections/<int:election_id>")
@access(PUBLIC)
def show_election(election_id):
    return _election_page(_election_or_404(election_id))


# --- the secretariat -------------------------------------------------------------------------


def _summit_label(summit: Summit) -> str:
    return _(
        "Summit %(number)s · %(city)s · %(year)s",
        number=summit.number,
        city=_city_name(summit.host_city),
        year=summit.year or "—",
    )


@bp.route("/elections/new", methods=["GET", "POST"])
@access(STAFF)
def create_election():
    form = ElectionForm()
    taken = select(Election.summit_id)
    summits = db.session.scalars(
        select(Summit).where(Summit.id.not_in(taken)).order_by(Summit.number.desc())
    ).all()
    form.summit.choices = [(0, _("Choose a summit")), *((s.id, _summit_label(s)) for s in summits)]
    if form.validate_on_submit():
        summit = db.session.get(Summit, form.summit.data)
        ok, election = _run(
            operations.create_election,
            current_user,
            summit,
            form.mode.data,
            in_utc(form.nominations_open_at.data),
            in_utc(form.voting_opens_at.data),
            in_utc(form.voting_closes_at.data),
            race=_("This summit already has its election."),
        )
        if ok:
            flash(_("The election is created. Nominations open when you say so."), "success")
            return _back(election)
    return render_template("elections/new.html", form=form)


@bp.route("/elections/<int:election_id>/schedule", methods=["POST"])
@access(STAFF)
def edit_schedule(election_id):
    election = _election_or_404(election_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _election_page(election, schedule=form)
    ok, _result = _run(
        operations.set_schedule,
        current_user,
        election,
        form.mode.data,
        in_utc(form.nominations_open_at.data),
        in_utc(form.voting_opens_at.data),
        in_utc(form.voting_closes_at.data),
    )
    if ok:
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
        city=_city_name(result.city),
        term=result.number,
    )


@bp.route(
    "/elections/<int:election_id>/phase/<any(nominations, voting, closed, certified):target>",
    methods=["POST"],
)
@access(STAFF)
def move_phase(election_id, target):
    election = _election_or_404(election_id)
    ok, result = _run(operations.move_phase, current_user, election, target)
    if ok:
        flash(_phase_message(election, target, result), "success")
    return _back(election)


@bp.route("/elections/<int:election_id>/nominations", methods=["POST"])
@access(STAFF_OR_MAYOR)
def nominate(election_id):
    election = _election_or_404(election_id)
    if is_staff(current_user):
        form = NominationForm()
        form.city.choices = [(0, ""), *_nominable(election)]
        if not form.validate_on_submit():
            return _election_page(election, nomination=form)
        city = db.session.get(City, form.city.data)
    else:
        city = operations.city_of(current_user)
        if city is None:
            abort(403)
    ok, _candidate = _run(
        operations.nominate_city,
        current_user,
        election,
        city,
        race=_("%(city)s is already a candidate.", city=_city_name(city)),
    )
    if ok:
        flash(_("%(city)s is a candidate.", city=_city_name(city)), "success")
    return _back(election)


@bp.route("/elections/<int:election_id>/candidates/<int:candidate_id>/withdraw", methods=["POST"])
@access(STAFF_OR_MAYOR)
def withdraw_nomination(election_id, candidate_id):
    election = _election_or_404(election_id)
    candidate = next((c for c in election.candidates if c.id == candidate_id), None)
    if candidate is None:
        abort(404)
    name = _city_name(candidate.city)
    if _run(operations.withdraw_nomination, current_user, election, candidate)[0]:
        flash(_("The nomination of %(city)s is withdrawn.", city=name), "success")
    return _back(election)


@bp.route("/elections/<int:election_id>/paper", methods=["GET", "POST"])
@access(STAFF)
def paper_results(election_id):
    election = _election_or_404(election_id)
    if election.mode != Mode.PAPER or election.phase != Phase.VOTING:
        flash(_("Paper results are entered while a paper ballot is being voted."), "error")
        return _back(election)
    labels = option_labels(election)
    form = paper_form(list(labels.items()))
    roll = db.session.scalars(
        select(City)
        .join(RollEntry, RollEntry.city_id == City.id)
        .where(RollEntry.election_id == election.id)
        .order_by(City.sort_key_en, City.id)
    ).all()
    form.voted.choices = [(c.id, _city_name(c)) for c in roll]
    if form.validate_on_submit():
        totals = {code: form[f"votes_{code}"].data for code in labels}
        ok, counted = _run(
            operations.record_paper_results, current_user, election, form.voted.data, totals
        )
        if ok:
            flash(
                ngettext(
                    "The paper results are recorded: %(num)s ballot counted in round %(round)s.",
                    "The paper results are recorded: %(num)s ballots counted in round %(round)s.",
                    counted,
                    round=election.round,
                ),
                "success",
            )
            return _back(election)
    return render_template(
        "elections/paper.html", election=election, form=form, options=list(labels)
    )


@bp.route("/elections/<int:election_id>/lots", methods=["POST"])
@access(STAFF)
def record_lots(election_id):
    election = _election_or_404(election_id)
    form = LotsForm()
    form.drawn.choices = _lots_choices(election)
    if not form.validate_on_submit():
        return _election_page(election, lots=form)
    if _run(operations.record_lots, current_user, election, form.note.data, form.drawn.data)[0]:
        flash(_("The drawing of lots is recorded."), "success")
    return _back(election)


@bp.route("/elections/<int:election_id>/second-round", methods=["POST"])
@access(STAFF)
def open_second_round(election_id):
    election = _election_or_404(election_id)
    form = SecondRoundForm()
    if not form.validate_on_submit():
        return _election_page(election, second_round=form)
    ok, _result = _run(
        operations.open_second_round, current_user, election, in_utc(form.closes_at.data)
    )
    if ok:
        flash(_("The second round is open, with the same roll."), "success")
    return _back(election)


# --- mayors and their delegates --------------------------------------------------------------


@bp.route("/elections/<int:election_id>/authorisation", methods=["POST"])
@access(Role.MAYOR)
def authorise_delegate(election_id):
    election = _election_or_404(election_id)
    form = AuthorisationForm()
    form.delegate.choices = [
        (d.id, d.name) for d in operations.delegates_of(current_user.city_slug)
    ]
    if not form.validate_on_submit():
        return _election_page(election, authorisation=form)
    delegate = db.session.get(User, form.delegate.data)
    if _run(operations.authorise_delegate, current_user, election, delegate)[0]:
        flash(
            _("%(name)s may cast your city’s vote in this election.", name=delegate.name),
            "success",
        )
    return _back(election)


@bp.route("/elections/<int:election_id>/authorisation/revoke", methods=["POST"])
@access(Role.MAYOR)
def revoke_authorisation(election_id):
    election = _election_or_404(election_id)
    if _run(operations.revoke_authorisation, current_user, election)[0]:
        flash(_("No delegate may vote for your city now, only you."), "success")
    return _back(election)


def _refused(election: Election, message, status: int):
    page = render_template("elections/refused.html", election=election, message=message)
    return page, status, PRIVATE_HEADERS


def _ballot_refusal(election: Election):
    """Why the signed-in person cannot vote now, as (message, status), or None."""
    try:
        city = operations.voter_city(current_user, election)
    except NotAllowed as refusal:
        return refusal.message, 403
    if election.mode != Mode.ONLINE:
        return _("This election is held on paper in the summit hall."), 409
    if election.phase != Phase.VOTING:
        return _("Voting is not open."), 409
    if operations.has_voted(election, city):
        return operations.ALREADY_VOTED, 409
    return None


def _ballot_page(election: Election, form: BallotForm):
    page = render_template(
        "elections/ballot.html",
        election=election,
        form=form,
        city=operations.city_of(current_user),
    )
    return page, 200, PRIVATE_HEADERS


def _ballot_form(election: Election, **kwargs) -> BallotForm:
    form = BallotForm(**kwargs)
    form.choice.choices = list(option_labels(election).items())
    return form


@bp.route("/elections/<int:election_id>/ballot", methods=["GET", "POST"])
@access(CITY_ROLES)
def ballot(election_id):
    """The ballot: a choice, then a confirmation step; nothing is cast by this page."""
    election = _election_or_404(election_id)
    refusal = _ballot_refusal(election)
    if refusal is not None:
        return _refused(election, *refusal)
    form = _ballot_form(election)
    if form.validate_on_submit():
        confirm = ConfirmForm(formdata=None)
        confirm.choice.data = form.choice.data
        page = render_template(
            "elections/confirm.html",
            election=election,
            form=confirm,
            label=dict(form.choice.choices)[form.choice.data],
            city=operations.city_of(current_user),
        )
        return page, 200, PRIVATE_HEADERS
    return _ballot_page(election, form)


@bp.route("/elections/<int:election_id>/ballot/cast", methods=["POST"])
@access(CITY_ROLES)
def cast_ballot(election_id):
    """Cast the confirmed choice; the receipt code is shown in this response only, once."""
    election = _election_or_404(election_id)
    form = ConfirmForm()
    if not form.validate_on_submit() or not (form.confirm.data or form.change.data):
        abort(400)
    if form.change.data:
        refusal = _ballot_refusal(election)
        if refusal is not None:
            return _refused(election, *refusal)
        again = _ballot_form(election, formdata=None)
        again.choice.data = form.choice.data
        return _ballot_page(election, again)
    try:
        receipt = operations.cast_ballot(current_user, election.id, form.choice.data)
        db.session.commit()
    except DomainError as refusal:
        db.session.rollback()
        return _refused(election, refusal.message, refusal.status_code)
    except IntegrityError:  # a ballot of the same city won the race on the register
        db.session.rollback()
        return _refused(election, operations.ALREADY_VOTED, 409)
    page = render_template("elections/receipt.html", election=election, receipt=receipt)
    return page, 200, PRIVATE_HEADERS
