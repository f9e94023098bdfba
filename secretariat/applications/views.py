"""The public form and status page, and the secretariat's queue and review of applications."""

import secrets

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from secretariat import uploads
from secretariat.applications import bp, operations, queries
from secretariat.applications.forms import (
    AnswerForm,
    ApplicationForm,
    ApprovalForm,
    ReviewForm,
    WithdrawForm,
)
from secretariat.applications.models import Application
from secretariat.applications.rules import (
    NOTE_REQUIRED,
    OPEN_STATES,
    STAFF_ACTIONS,
    Action,
    ApplicationState,
    Duplicate,
    allowed_actions,
)
from secretariat.errors import DomainError, attempt
from secretariat.extensions import db
from secretariat.i18n import current_language, localized
from secretariat.listing import requested_period
from secretariat.members import queries as members
from secretariat.security import PUBLIC, STAFF, access, take_allowance
from secretariat.working_groups import queries as working_groups

PRIVATE_HEADERS = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}


def application_form() -> ApplicationForm:
    language = current_language()
    form = ApplicationForm()
    form.country.choices = [("", _("Choose a country")), *members.countries_by_name(language)]
    form.groups.choices = [
        (g.slug, localized(g, "name", language).text) for g in working_groups.active_groups()
    ]
    if not form.is_submitted():
        form.submission_token.data = secrets.token_urlsafe(24)
        form.language.data = language
    return form


def _kept_documents() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="application-document")


def _documents_admitted() -> bool:
    return take_allowance("APPLICATION_DOCUMENTS_PER_ADDRESS", "documents", get_remote_address())


def _take_document(form: ApplicationForm) -> dict | None:
    """The PDF of this submission: a new upload, or the one kept from an earlier try of the form.

    A file input cannot be refilled by the server, so a valid PDF sent with a form that failed
    elsewhere is kept (uploads.keep, bounded per address and in total) and named in a signed
    hidden field; the applicant does not send it twice.
    """
    upload = form.document.data
    if upload is not None and getattr(upload, "filename", ""):
        try:
            data = uploads.read_pdf(upload.stream)
            stored = uploads.keep(data, admit=_documents_admitted)
        except uploads.RefusedUpload as refused:
            form.document.errors = [*form.document.errors, refused.message]
            g.upload_too_large = refused.too_large
            return None
        return {"file": stored, "name": uploads.display_name(upload.filename), "size": len(data)}
    kept = request.form.get("kept_document", "")
    if kept:
        try:
            document = _kept_documents().loads(kept)
        except BadSignature:
            return None
        if isinstance(document, dict) and uploads.is_pending(document.get("file", "")):
            return document
    return None


NOT_SUBMITTED = ("submission_token", "consent", "document", "country", "groups")


def _submission(form: ApplicationForm, document: dict | None) -> operations.Submission:
    values = form.values()
    for name in NOT_SUBMITTED:
        del values[name]
    document = document or {"file": "", "name": "", "size": 0}
    return operations.Submission(
        **values,
        country_code=form.country.data,
        group_slugs=form.groups.data,
        document_file=document["file"],
        document_name=document["name"],
        document_size=document["size"],
    )


@bp.route("/apply", methods=["GET", "POST"])
@access(PUBLIC)
def submit_application():
    form = application_form()
    is_valid = form.validate_on_submit()
    document = _take_document(form) if form.is_submitted() else None
    if is_valid and not form.document.errors and (created := _create(form, document)):
        return redirect(url_for("applications.show_status", token=created.status_token))
    kept = _kept_documents().dumps(document) if document else ""
    page = render_template("applications/apply.html", form=form, document=document, kept=kept)
    return page, 413 if g.get("upload_too_large") else 200


def _create(form: ApplicationForm, document: dict | None) -> Application | None:
    """The application this form made, now or before (a double click, a reloaded page, a lost
    race for the form's one-time token), or None with the refusal next to its field."""
    token = form.submission_token.data
    existing = queries.by_submission_token(token)
    if existing is not None:
        return _first(existing, document)
    try:
        return _submit(_submission(form, document), token)
    except Duplicate as duplicate:
        db.session.rollback()
        existing = queries.by_submission_token(token)
        if existing is not None:  # the same form, sent again, committed a moment earlier
            return _first(existing, document)
        form.city_name.errors = [*form.city_name.errors, str(duplicate.message)]
    except uploads.RefusedUpload as refused:
        form.document.errors = [*form.document.errors, refused.message]
    except DomainError as error:
        db.session.rollback()
        form.country.errors = [*form.country.errors, str(error.message)]
    except IntegrityError:
        db.session.rollback()
        existing = queries.by_submission_token(token)
        if existing is None:
            raise
        return _first(existing, document)
    return None


def _submit(submission: operations.Submission, token: str) -> Application:
    """Create the application, commit, and thank the applicant.

    The address's allowance (429 once used up) is counted before the work and only for a form
    that would make an application: a field to correct, or a city a read already finds taken,
    costs the applicant nothing.
    """
    operations.check_submission(submission)
    if not take_allowance("APPLICATIONS_PER_ADDRESS", "applications", get_remote_address()):
        uploads.discard(submission.document_file)  # the 429 page does not keep the form
        abort(429)
    with uploads.adopted(submission.document_file):
        application = operations.submit_application(submission, token)
        db.session.commit()  # in adopted(): the file stays only with a committed application
    flash(
        _(
            "Thank you. Your application %(reference)s has been received. "
            "Keep the address of this page: it shows the state of your application.",
            reference=application.reference,
        ),
        "success",
    )
    return application


def _first(application: Application, document: dict | None) -> Application:
    """The application the form made first; a file sent again with the form is not kept twice."""
    if document and document["file"] != application.document_file:
        uploads.discard(document["file"])
    return application


def _application_by_token(token: str) -> Application:
    application = queries.by_status_token(token)
    if application is None:
        abort(404)
    return application


def _status_page(application: Application, answer=None, withdraw=None):
    state = application.state
    body = render_template(
        "applications/status.html",
        application=application,
        events=application.events,
        link=queries.status_link(application),
        answer_form=answer or (AnswerForm() if state == ApplicationState.INFO_REQUESTED else None),
        withdraw_form=withdraw or (WithdrawForm() if state in OPEN_STATES else None),
    )
    return body, 200, PRIVATE_HEADERS


@bp.route("/apply/status/<token>")
@access(PUBLIC)
def show_status(token):
    return _status_page(_application_by_token(token))


@bp.route("/apply/status/<token>/answer", methods=["POST"])
@access(PUBLIC)
def answer_application(token):
    application = _application_by_token(token)
    form = AnswerForm()
    if form.validate_on_submit():
        if attempt(operations.answer_question, application, **form.values())[0]:
            flash(_("Thank you. The secretariat has your answer."), "success")
        return redirect(url_for("applications.show_status", token=token))
    return _status_page(application, answer=form)


@bp.route("/apply/status/<token>/withdraw", methods=["POST"])
@access(PUBLIC)
def withdraw_application(token):
    application = _application_by_token(token)
    form = WithdrawForm()
    if form.validate_on_submit():
        if attempt(operations.withdraw_application, application, **form.values("note"))[0]:
            flash(_("Your application has been withdrawn."), "success")
        return redirect(url_for("applications.show_status", token=token))
    return _status_page(application, withdraw=form)


# --- the secretariat ------------------------------------------------------------------------


@bp.route("/staff/applications")
@access(STAFF)
def list_applications():
    args = request.args
    since, until = requested_period()
    page = queries.queue_page(
        current_language(),
        state=args.get("state", "open"),
        country_code=args.get("country", "")[:2],
        query=args.get("q", "").strip()[:100],
        since=since,
        until=until,
    )
    return render_template(
        "applications/queue.html",
        **page,
        since=args.get("from", "")[:10],
        until=args.get("to", "")[:10],
    )


def _application_page(application: Application, forms: dict | None = None):
    """The review page; a form that failed comes back with what was typed."""
    forms = forms or {}
    review_forms = {
        action: forms.get(action)
        or (ApprovalForm() if action == Action.APPROVE else ReviewForm(prefix=action))
        for action in allowed_actions(application.state)
    }
    return render_template(
        "applications/application.html",
        application=application,
        review_forms=review_forms,
        matching_city=members.matching_city(application.search_key, application.country_id),
        language=current_language(),
    )


@bp.route("/staff/applications/<reference>")
@access(STAFF)
def show_application(reference):
    return _application_page(queries.application_or_404(reference))


@bp.route(
    "/staff/applications/<reference>/<any({}):action>".format(
        ",".join(a.value for a in STAFF_ACTIONS if a != Action.APPROVE)
    ),
    methods=["POST"],
)
@access(STAFF)
def review_application(reference, action):
    application = queries.application_or_404(reference)
    form = ReviewForm(prefix=action)
    form.is_note_required = action in NOTE_REQUIRED
    if (
        form.validate_on_submit()
        and attempt(operations.review, current_user, application, action, **form.values())[0]
    ):
        flash(
            _(
                "Done: the application is now “%(state)s”. The applicant has been emailed.",
                state=application.state_label,
            ),
            "success",
        )
        return redirect(url_for("applications.show_application", reference=reference))
    return _application_page(application, {action: form})


def _announce(admission: operations.Admission) -> None:
    """Tell the reviewer the city is a member, and who was invited or already had an account."""
    city = admission.city.english_name
    flash(_("%(city)s is now a member of the network.", city=city), "success")
    if admission.invited:
        emails = ", ".join(admission.invited)
        flash(_("Invitations sent to: %(emails)s.", emails=emails), "success")
    if admission.had_accounts:
        emails = ", ".join(admission.had_accounts)
        flash(
            _("Not invited, because they already have accounts: %(emails)s.", emails=emails), "info"
        )


@bp.route("/staff/applications/<reference>/approve", methods=["POST"])
@access(STAFF)
def approve_application(reference):
    application = queries.application_or_404(reference)
    form = ApprovalForm()
    if form.validate_on_submit():
        ok, admission = attempt(
            operations.approve_application, current_user, application, **form.approval_values()
        )
        if ok:
            _announce(admission)
            return redirect(url_for("applications.show_application", reference=reference))
    return _application_page(application, {Action.APPROVE: form})


@bp.route("/staff/applications/<reference>/document")
@access(STAFF)
def download_document(reference):
    application = queries.application_or_404(reference)
    if not application.document_file:
        abort(404)
    try:
        return uploads.send_document(application.document_file, application.document_name)
    except FileNotFoundError:
        abort(404)
