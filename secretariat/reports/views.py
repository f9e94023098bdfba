"""Reports pages: a term's indicators, the report's draft and steps, and the published reports."""

from functools import partial
from io import BytesIO

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from secretariat import cache
from secretariat.errors import NotAllowed, attempt
from secretariat.i18n import current_language
from secretariat.presidency.models import Term
from secretariat.reports import bp, document, operations, queries
from secretariat.reports.compilation import compile_facts
from secretariat.reports.forms import FigureForm, IndicatorForm, StepForm, narrative_form
from secretariat.reports.rules import Side, Step, steps_from
from secretariat.security import PUBLIC, SIGNED_IN, STAFF, access

INDICATORS = "/presidency/terms/<int:number>/indicators"
REPORT = "/presidency/terms/<int:number>/report"
STEPS = "any(" + ", ".join(Step) + ")"


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
        sees_report=bool(queries.sides_of(current_user, page.term)),
        is_published=queries.is_published_once(page.term),
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


# --- the report's draft: staff write it, the term's presidency reviews it --------------------


def _term_of_report(number: int) -> Term:
    term = queries.term_or_404(number)
    if not queries.sides_of(current_user, term):
        raise NotAllowed(queries.REVIEW_ONLY)
    return term


def _to_draft(term: Term):
    return redirect(url_for("reports.show_draft", number=term.number))


def _draft_page(term: Term, narrative=None, step_form=None, preview=None):
    report = queries.report_of(term)
    sides = queries.sides_of(current_user, term)
    facts = compile_facts(term)
    texts = preview or document.texts_of(report)
    return render_template(
        "reports/draft.html",
        term=term,
        report=report,
        body=document.render_body(facts, texts, current_language()),
        is_preview=preview is not None,
        narrative=narrative
        or narrative_form(queries.noted_groups_of(term), formdata=None, data=texts.typed()),
        step_form=step_form or StepForm(None, formdata=None),
        steps=steps_from(report.state, sides) if report else [],
        is_staff=Side.STAFF in sides,
    )


@bp.route(REPORT)
@access(SIGNED_IN)
def show_draft(number):
    return _draft_page(_term_of_report(number))


@bp.route(f"{REPORT}/start", methods=["POST"])
@access(STAFF)
def start_report(number):
    term = queries.term_or_404(number)
    if attempt(operations.start_report, current_user, term)[0]:
        flash(_("The report has been started as a draft."), "success")
    return _to_draft(term)


@bp.route(f"{REPORT}/texts", methods=["POST"])
@access(STAFF)
def write_narrative(number):
    term = queries.term_or_404(number)
    report = queries.report_or_404(term)
    form = narrative_form(queries.noted_groups_of(term))
    if form.validate_on_submit() and "preview" in request.form:
        return _draft_page(term, narrative=form, preview=document.texts_of(report, form.values()))
    if (
        form.validate_on_submit()
        and attempt(operations.write_narrative, current_user, report, **form.values())[0]
    ):
        flash(_("The texts have been saved."), "success")
        return _to_draft(term)
    return _draft_page(term, narrative=form)


@bp.route(f"{REPORT}/<{STEPS}:step>", methods=["POST"])
@access(SIGNED_IN)
def take_step(number, step):
    term = _term_of_report(number)
    report = queries.report_or_404(term)
    form = StepForm(Step(step))
    if (
        form.validate_on_submit()
        and attempt(
            operations.take_step,
            current_user,
            report,
            Step(step),
            **form.values(),
        )[0]
    ):
        flash(_("Done: %(step)s.", step=Step(step).label), "success")
        return _to_draft(term)
    return _draft_page(term, step_form=form)


# --- published reports: public, frozen -----------------------------------------------------


@bp.route("/reports")
@access(PUBLIC)
def list_reports():
    return cache.kept(cache.REPORTS, _reports_page)


def _reports_page():
    return render_template("reports/list.html", reports=queries.published_reports())


@bp.route("/reports/<int:year>")
@access(PUBLIC)
def show_report(year):
    return cache.kept(cache.REPORTS, partial(_published_page, year, None))


@bp.route("/reports/<int:year>/revisions/<int:revision>")
@access(PUBLIC)
def show_revision(year, revision):
    return cache.kept(cache.REPORTS, partial(_published_page, year, revision))


def _published_page(year: int, revision: int | None):
    language = current_language()
    page = queries.published_or_404(year, revision, language)
    return render_template("reports/published.html", page=page, language=language)


@bp.route("/reports/<int:year>/revisions/<int:revision>/<any(en, tr):language>.pdf")
@access(PUBLIC)
def download_pdf(year, revision, language):
    return send_file(
        BytesIO(queries.pdf_or_404(year, revision, language)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"b40-activity-report-{year}-r{revision}-{language}.pdf",
    )
