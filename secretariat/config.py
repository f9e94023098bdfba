"""Safe defaults only; secrets come from the environment or instance/config.py."""

import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - the marker the factory refuses in production


class Defaults:
    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = None  # set by the factory: a file under instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False
    ARGON2_COST = None  # argon2-cffi's recommended parameters; a dict of them overrides

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # also Secure whenever the request came over HTTPS
    SESSION_COOKIE_NAME = "b40_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/Istanbul"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    LANGUAGES = ("en", "tr")

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_STRATEGY = "moving-window"
    # sign-in attempts on one account from one address, counted before the password is checked
    # (a right one clears them): a guesser locks out only itself, never the owner elsewhere
    LOGIN_ATTEMPTS_PER_ACCOUNT_AND_ADDRESS = "10 per 15 minutes"
    LOGIN_FAILURES_PER_ADDRESS = "30 per hour"
    RESET_REQUESTS_PER_ADDRESS = "10 per hour"
    APPLICATIONS_PER_ADDRESS = "10 per hour;30 per day"  # counted before the work
    APPLICATION_DOCUMENTS_PER_ADDRESS = "5 per hour"  # documents kept for a form not yet sent
    PENDING_DOCUMENTS_MAX_BYTES = 200 * 1024 * 1024  # all such documents together
    PENDING_DOCUMENTS_MAX_FILES = 500

    UPLOAD_FOLDER = None  # instance/uploads/ unless set (storage all instances share)

    INVITATION_VALID_FOR = timedelta(days=7)
    PASSWORD_RESET_VALID_FOR = timedelta(hours=1)

    MAIL_SERVER = None  # when set, the scheduler sends the outbox through SMTP
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "B40 Secretariat <secretariat@b40.example>"
    MAIL_BATCH_SIZE = 50

    # The one trusted public origin: every absolute link (mail, feeds) starts with it, in a
    # request or outside one, and a request for another host is refused (400)
    PUBLIC_URL = "http://127.0.0.1:5000"
    ALLOWED_HOSTS: tuple[str, ...] = ()  # more names it answers (".example.org" for subdomains)
    PROXY_FIX_COUNT = 0  # how many trusted proxies stand in front of the portal
    PAGE_SIZE = 50


def from_environment() -> dict:
    """DATABASE_URL and every SECRETARIAT_<NAME> variable, typed like its default."""
    found: dict = {}
    if url := os.environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    for key, value in os.environ.items():
        if not key.startswith("SECRETARIAT_"):
            continue
        name = key.removeprefix("SECRETARIAT_")
        default = getattr(Defaults, name, None)
        if isinstance(default, bool):
            found[name] = value.strip() in ("1", "true", "True", "yes", "on")
        elif isinstance(default, int):
            found[name] = int(value)
        elif isinstance(default, tuple):
            found[name] = tuple(part.strip() for part in value.split(",") if part.strip())
        else:
            found[name] = value
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        found["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    return found


def normalise_database_url(url: str) -> str:
    """Hosting panels hand out postgres:// URLs; SQLAlchemy wants the psycopg 3 driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url
