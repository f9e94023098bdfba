"""Domain exceptions, and the error pages every failure ends on (never a traceback)."""

import logging
import secrets

from flask import flash, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException, InternalServerError

from secretariat.extensions import db

log = logging.getLogger("secretariat")


class DomainError(Exception):
    """A request the rules refuse; the message is shown to the person who made it."""

    status_code = 409

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


class RuleViolation(DomainError):
    """The charter or a business rule forbids this change."""


class NotAllowed(DomainError):
    """This person may not do this to this object."""

    status_code = 403


RACE_TEXT = _l("Someone else changed this at the same moment. Please check and try again.")


def attempt(operation, *args, race=RACE_TEXT, field=None, **kwargs):
    """The one path by which a view runs an operation and commits.

    :param operation: called with ``*args`` and ``**kwargs``; it writes and never commits.
    :param race: what to say when a unique constraint refuses the commit (someone else made the
        same change a moment earlier): the race is answered like a refusal, never a 500.
    :param field: a form field to show the refusal next to, instead of a flashed message.
    :return: ``(True, result)``, or ``(False, None)`` after a rollback: the view then redirects
        or shows the form again with what was typed.
    """
    try:
        result = operation(*args, **kwargs)
        db.session.commit()
    except (DomainError, IntegrityError) as error:
        db.session.rollback()
        message = str(error.message if isinstance(error, DomainError) else race)
        if field is None:
            flash(message, "error")
        else:
            field.errors = [*field.errors, message]
        return False, None
    return True, result


ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Not allowed"), _l("You do not have permission to open this page or do this.")),
    404: (_l("Page not found"), _l("There is no page at this address. It may have moved.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Not possible"), _l("This change conflicts with the current state of the record.")),
    413: (_l("Too large"), _l("What you sent is larger than the portal accepts.")),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Please wait a while and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error stopped this page. The secretariat has been told."),
    ),
}
CSRF_TEXT = _l("The form had expired or came from elsewhere. Please reload the page and try again.")


def render_error(code: int, detail=None, incident: str | None = None):
    title, message = ERROR_TEXTS.get(code, ERROR_TEXTS[400 if code < 500 else 500])
    body = render_template(
        "errors/error.html",
        code=code,
        title=title,
        message=detail or message,
        incident=incident,
        is_error_page=True,
    )
    return body, code


def handle_http_error(error: HTTPException):
    if error.code is None or error.code >= 500:
        return handle_unexpected(error)
    response = render_error(error.code)
    if error.code == 405 and error.valid_methods:
        return (*response, {"Allow": ", ".join(error.valid_methods)})
    return response


def handle_csrf_error(error: CSRFError):
    return render_error(400, CSRF_TEXT)


def handle_domain_error(error: DomainError):
    db.session.rollback()
    return render_error(error.status_code, error.message)


def handle_unexpected(error: Exception):
    incident = secrets.token_hex(4)
    db.session.rollback()
    original = getattr(error, "original_exception", None) or error
    log.error("incident %s on %s %s", incident, request.method, request.path, exc_info=original)
    try:
        return render_error(500, incident=incident)
    except Exception:  # the error page itself failed: answer in plain text, still no traceback
        log.exception("incident %s: the error page failed too", incident)
        return f"Internal error. Incident {incident}.", 500, {"Content-Type": "text/plain"}


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_unexpected)
    app.register_error_handler(Exception, handle_unexpected)
