"""Account reads: the user behind a session cookie, a one-time link, the users table."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from secretariat.accounts.models import AccountToken, SignIn, TokenPurpose, User, UserState
from secretariat.accounts.rules import city_for_role, digest
from secretariat.database import utcnow
from secretariat.errors import RuleViolation
from secretariat.extensions import db
from secretariat.listing import Page, paginate
from secretariat.security import Role
from secretariat.text import fold, normalise_email

_SIGNED_IN = (
    select(User)
    .join(SignIn, SignIn.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        User.is_active.is_(True),
        SignIn.key_hash == bindparam("key_hash"),
        SignIn.expires_at > bindparam("now"),
    )
)  # built once: it runs on every signed-in request


def session_user(session_id: str) -> User | None:
    """The active user whose open sign-in the cookie's "id:key" names; None once it has ended
    (signed out, expired, a new password, deactivated) or for anything malformed."""
    user_id, _, key = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) < 10) or not key:
        return None
    user = db.session.scalar(
        _SIGNED_IN, {"user_id": int(user_id), "key_hash": digest(key), "now": utcnow()}
    )
    if user is not None:
        user.session_key = key
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def valid_token(raw: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired token of an active user that raw is the secret of, for purpose."""
    token = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == digest(raw)))
    if token is None or token.purpose != purpose or token.used_at is not None:
        return None
    if token.expires_at <= utcnow() or not token.user.is_active:
        return None
    return token


def check_city(role: str, city_slug: str | None) -> str | None:
    """The city a mayor or delegate is put in by staff or the command line, which must be one
    of the network's (a member or a withdrawn one, whose people keep their accounts)."""
    city_slug = city_for_role(role, city_slug)
    cities = db.metadata.tables["cities"]  # the members' table, named: accounts sit below them
    if (
        city_slug
        and db.session.scalar(select(cities.c.id).where(cities.c.slug == city_slug)) is None
    ):
        raise RuleViolation(
            _l("There is no city with the short name “%(slug)s”.", slug=city_slug[:120])
        )
    return city_slug


def users_listing(query: str = "", role: str = "", state: str = "") -> Page:
    """A page of the users table: by name, found by name or email, of a role, in a state."""
    stmt = select(User).order_by(User.name, User.id)
    if query:
        stmt = stmt.where(User.search_key.contains(fold(query), autoescape=True))
    if role in set(Role):
        stmt = stmt.where(User.role == role)
    if state == UserState.ACTIVE:
        stmt = stmt.where(User.is_active.is_(True), User.password_hash.is_not(None))
    elif state == UserState.INVITED:
        stmt = stmt.where(User.is_active.is_(True), User.password_hash.is_(None))
    elif state == UserState.INACTIVE:
        stmt = stmt.where(User.is_active.is_(False))
    return paginate(stmt)
