"""Roles, the access rule every view declares, safe redirects and security headers."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from limits import parse_many
from werkzeug.sansio.utils import host_is_trusted

from secretariat.extensions import limiter, login
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


def take_allowance(setting: str, *keys: str) -> bool:
    """Count one more of keys against the limits in config[setting] ("10 per hour;30 per day")
    before the work, or False when one is used up. limits' hit() tests and takes in one atomic
    step (a lock in memory, one script in Redis), so a burst is held at the limit; Flask-Limiter's
    deduct_when counts after the work, when every request of a burst has already passed."""
    if not limiter.enabled:
        return True
    strategy, items = limiter.limiter, parse_many(current_app.config[setting])
    return all(strategy.test(item, *keys) for item in items) and all(
        strategy.hit(item, *keys) for item in items
    )


def clear_allowance(setting: str, *keys: str) -> None:
    if limiter.enabled:
        for item in parse_many(current_app.config[setting]):
            limiter.limiter.clear(item, *keys)


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


LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def served_hosts(app) -> tuple[str, ...]:
    """The host names the portal answers: PUBLIC_URL's, the ALLOWED_HOSTS, and when the public
    origin is this machine (development, the benchmark) every loopback name."""
    public = urlsplit(app.config["PUBLIC_URL"]).hostname or ""
    hosts = {public, *app.config["ALLOWED_HOSTS"]}
    if public in LOOPBACK_NAMES:
        hosts.update(LOOPBACK_NAMES)
    return tuple(sorted(host for host in hosts if host))


def refuse_foreign_host():
    """A request for any host but ours is refused before anything runs: no link, mail or kept
    page is ever built from a Host (or X-Forwarded-Host) an attacker chose."""
    hosts = served_hosts(current_app)
    if not hosts or not host_is_trusted(request.host, hosts):
        abort(400)


def public_adapter():
    """The URL map bound to the one trusted public origin (PUBLIC_URL)."""
    origin = urlsplit(current_app.config["PUBLIC_URL"])
    return current_app.url_map.bind(
        origin.netloc, script_name=origin.path or "/", url_scheme=origin.scheme
    )


def public_url(endpoint: str, adapter=None, **values) -> str:
    """The absolute address of endpoint at the one trusted public origin (PUBLIC_URL), in a
    request or outside one: for mail, feeds and anything read away from the page. A caller
    building many passes one public_adapter()."""
    current_app.inject_url_defaults(endpoint, values)
    return (adapter or public_adapter()).build(endpoint, values, force_external=True)


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
