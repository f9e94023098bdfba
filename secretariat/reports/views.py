"""Reports pages: a term's indicators, public; setting them and recording their figures."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from secretariat.errors import NotAllowed, attempt
from secretariat.i18n import current_language
from secretariat.presidency.models import Term
from secretariat.reports import bp, operations, queries
from secretariat.reports.forms import FigureForm, IndicatorForm
from secretariat.security import PUBLIC, SIGNED_IN, STAFF, access

INDICATORS = "/presidency/terms/<int:number>/indicators"


def _back(term: Term):
    return redirect(url_for("reports.list_indicators", number=term.number))


def _term_to_set(number: int) -> Term:
    term = queries.term_or_404(number)
    if not queries.may_set_targets(current_user, term):
        raise NotAllowed(queries.SET_TARGETS_ONLY)
    return term


def _indicator_page(term: Term, form: IndicatorForm, indicator=None):
    return render_template("reports/indicator.html", term=term, form=form, indicator=indicator)


@bp.route(INDICATORS)
@access(PUBLIC)
def list_indicators(number):
    page = queries.indicators_page(queries.term_or_404(number))
    return render_template(
        "reports/indicators.html",
        page=page,
        may_set=queries.may_set_targets(current_user, page.term),
        language=current_language(),
    )


@bp.route(f"{INDICATORS}/new", methods=["GET", "POST"])
@access(SIGNED_IN)
def add_indicator(number):
    term = _term_to_set(number)
    form = IndicatorForm(queries.all_groups())
    if (
        form.validate_on_submit()
        and attempt(operations.add_indicator, current_user, term, **form.values())[0]
    ):
        flash(_("The indicator has been added."), "success")
        return _back(term)
    return _indicator_page(term, form)


@bp.route(f"{INDICATORS}/<int:indicator_id>/edit", methods=["GET", "POST"])
@access(SIGNED_IN)
def edit_indicator(number, indicator_id):
    term = _term_to_set(number)
    indicator = queries.indicator_or_404(term, indicator_id)
    form = IndicatorForm(queries.all_groups(), obj=indicator)
    if (
        form.validate_on_submit()
        and attempt(operations.update_indicator, current_user, indicator, **form.values())[0]
    ):
        flash(_("The indicator has been saved."), "success")
        return _back(term)
    return _indicator_page(term, form, indicator)


@bp.route(f"{INDICATORS}/<int:indicator_id>/remove", methods=["POST"])
@access(SIGNED_IN)
def remove_indicator(number, indicator_id):
    term = _term_to_set(number)
    indicator = queries.indicator_or_404(term, indicator_id)
    if attempt(operations.remove_indicator, current_user, indicator)[0]:
        flash(_("The indicator has been removed."), "success")
    return _back(term)


@bp.route(f"{INDICATORS}/<int:indicator_id>/figures", methods=["GET", "POST"])
@access(STAFF)
def record_figure(number, indicator_id):
    term = queries.term_or_404(number)
    indicator = queries.indicator_or_404(term, indicator_id)
    form = FigureForm()
    if (
        form.validate_on_submit()
        and attempt(
            operations.record_figure, current_user, indicator, **form.values(), field=form.value
        )[0]
    ):
        flash(_("The figure has been recorded."), "success")
        return _back(term)
    return render_template("reports/figures.html", term=term, indicator=indicator, form=form)
