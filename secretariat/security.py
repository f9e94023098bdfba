"""Roles, the access rule every view declares, safe redirects and security headers."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from secretariat.extensions import login
from secretariat.i18n import LabelledEnum


class Role(LabelledEnum):
    ADMIN = "admin", _l("Administrator")
    SECRETARIAT = "secretariat", _l("Secretariat")
    MAYOR = "mayor", _l("Mayor")
    DELEGATE = "delegate", _l("Delegate")


STAFF = frozenset({Role.ADMIN, Role.SECRETARIAT})
CITY_ROLES = frozenset({Role.MAYOR, Role.DELEGATE})

PUBLIC = "public"
SIGNED_IN = "signed_in"


def access(rule: str | Role | frozenset[Role], *more: Role) -> Callable:
    """Declare who may call a view: PUBLIC, SIGNED_IN, or one or more roles.

    Every endpoint declares its rule; a test walks the url_map and fails on any that does not.
    """
    if rule in (PUBLIC, SIGNED_IN):
        roles = None
    else:
        roles = frozenset(rule) if isinstance(rule, frozenset) else frozenset({rule, *more})

    def decorate(view):
        @wraps(view)
        def checked(*args, **kwargs):
            if rule != PUBLIC:
                if not current_user.is_authenticated:
                    return login.unauthorized()
                if roles is not None and current_user.role not in roles:
                    abort(403)
            return view(*args, **kwargs)

        checked.access_rule = PUBLIC if rule == PUBLIC else (roles or SIGNED_IN)
        return checked

    return decorate


def is_staff(user) -> bool:
    return user.is_authenticated and user.role in STAFF


def safe_next(target: str | None) -> str | None:
    """Return target when it stays inside the portal (a path on this host), else None."""
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def refuse_nul_bytes():
    """No one types a NUL; PostgreSQL cannot store one. Refuse it before it reaches a query."""
    if "\x00" in request.path:
        abort(400)
    for values in (*request.args.listvalues(), *request.form.listvalues()):
        if any("\x00" in value for value in values):
            abort(400)


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user and current_user.is_authenticated:
        headers.setdefault("Cache-Control", "private, no-store")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose cookie is Secure whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)
