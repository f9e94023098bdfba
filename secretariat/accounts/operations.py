"""Account operations: they flush, audit and queue mail; the caller commits."""

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from secretariat import audit, mail
from secretariat.accounts.models import AccountToken, SignIn, TokenPurpose, User
from secretariat.accounts.queries import check_city, find_user, valid_token
from secretariat.accounts.rules import city_for_role, digest, password_problems
from secretariat.database import claim, utcnow
from secretariat.errors import NotAllowed, RuleViolation
from secretariat.extensions import db
from secretariat.security import Role, public_url
from secretariat.text import clean_line, normalise_email


def password_hasher() -> PasswordHasher:
    """Argon2id at the library's recommended cost, or at ARGON2_COST's (the test suite's, cheap)."""
    kept = current_app.extensions.get("password_hasher")
    if kept is None:
        kept = PasswordHasher(**(current_app.config.get("ARGON2_COST") or {}))
        current_app.extensions["password_hasher"] = kept
        current_app.extensions["dummy_hash"] = kept.hash(
            "an unknown account still costs one verification"
        )
    return kept


def _dummy_hash() -> str:
    password_hasher()
    return current_app.extensions["dummy_hash"]


def authenticate(email: str, password: str) -> User | None:
    """The user when the password is right and the account active; None in every other case.

    An unknown account costs the same hash verification, so timing does not reveal it either.
    """
    user = find_user(email)
    hasher, dummy = password_hasher(), _dummy_hash()
    stored = user.password_hash if user is not None and user.password_hash else dummy
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active or stored is dummy:
        return None
    if hasher.check_needs_rehash(stored):
        user.password_hash = hasher.hash(password)
    user.last_sign_in_at = utcnow()
    return user


def open_session(user: User) -> str:
    """A new signed-in session of user, valid PERMANENT_SESSION_LIFETIME; its key goes into the
    cookie (user.get_id()), its hash into the table. The user's ended ones are cleared away."""
    now = utcnow()
    db.session.execute(delete(SignIn).where(SignIn.user_id == user.id, SignIn.expires_at <= now))
    raw = secrets.token_urlsafe(24)
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.add(SignIn(user_id=user.id, key_hash=digest(raw), expires_at=now + lifetime))
    db.session.flush()
    user.session_key = raw
    return raw


def end_session(user: User) -> None:
    """Sign-out: this session's cookie, even a copy kept elsewhere, opens nothing any more."""
    if user.session_key:
        db.session.execute(delete(SignIn).where(SignIn.key_hash == digest(user.session_key)))


def end_sessions(user: User) -> None:
    """Every open session of user ends at once (a new password, another role, deactivation)."""
    if user.id is not None:
        db.session.execute(delete(SignIn).where(SignIn.user_id == user.id))


def _set_password(user: User, password: str) -> None:
    problems = password_problems(password, user.email, user.name)
    if problems:
        raise RuleViolation(problems[0])
    user.password_hash = password_hasher().hash(password)
    end_sessions(user)


def _check_may_grant(actor: User | None, role: str, target: User | None = None) -> None:
    """Only an administrator makes or unmakes an administrator."""
    touches_admin = role == Role.ADMIN or (target is not None and target.role == Role.ADMIN)
    if touches_admin and actor is not None and actor.role != Role.ADMIN:
        raise NotAllowed(_l("Only an administrator can give or take the administrator role."))


def create_user(
    actor: User | None,
    email: str,
    name: str,
    role: str,
    city_slug: str | None = None,
    password: str | None = None,
    language: str = "en",
) -> User:
    if role not in set(Role):
        raise RuleViolation(_l("Unknown role."))
    _check_may_grant(actor, role)
    if find_user(email) is not None:
        raise RuleViolation(_l("An account with this email address already exists."))
    user = User(
        email=normalise_email(email),
        name=clean_line(name),
        role=role,
        city_slug=city_for_role(role, city_slug),
        language=language,
        is_active=True,
    )
    if password is not None:
        _set_password(user, password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, after=_snapshot(user))
    return user


def _snapshot(user: User) -> dict:
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "city": user.city_slug,
        "active": user.is_active,
    }


def _issue_token(user: User, purpose: TokenPurpose, valid_for: timedelta, actor=None) -> str:
    raw = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest(raw),
            expires_at=utcnow() + valid_for,
            created_by_id=actor.id if actor is not None else None,
        )
    )
    db.session.flush()
    return raw


def invite_user(actor: User, email, name, role, city_slug=None, language="en") -> User:
    """Create an account without a password and email a one-time link (valid 7 days) to set one."""
    user = create_user(actor, email, name, role, check_city(role, city_slug), language=language)
    send_invitation(actor, user)
    return user


def send_invitation(actor: User, user: User) -> None:
    if user.has_password:
        raise RuleViolation(_l("This person has already accepted an invitation."))
    raw = _issue_token(
        user, TokenPurpose.INVITATION, current_app.config["INVITATION_VALID_FOR"], actor
    )
    mail.queue(
        user.email,
        _l("You are invited to the B40 Secretariat Portal"),
        "invitation",
        user.language,
        user=user,
        link=public_url("accounts.accept_invitation", token=raw),
        days=current_app.config["INVITATION_VALID_FOR"].days,
    )
    audit.record(actor, "user.invite", user, after={"email": user.email})


def request_password_reset(email: str) -> None:
    """Email a reset link (valid 1 hour) when the account exists; the answer is the same anyway."""
    user = find_user(email)
    if user is None or not user.is_active or not user.has_password:
        return
    raw = _issue_token(
        user, TokenPurpose.PASSWORD_RESET, current_app.config["PASSWORD_RESET_VALID_FOR"]
    )
    mail.queue(
        user.email,
        _l("Reset your B40 portal password"),
        "password_reset",
        user.language,
        user=user,
        link=public_url("accounts.reset_password", token=raw),
        minutes=int(current_app.config["PASSWORD_RESET_VALID_FOR"].total_seconds() // 60),
    )
    audit.record(None, "user.password_reset_requested", user)


def _redeem(raw: str, purpose: TokenPurpose) -> User:
    """Use a token once: the conditional update lets only one of two racing requests through."""
    token = valid_token(raw, purpose)
    if token is not None and claim(
        db.session, token, AccountToken.used_at.is_(None), used_at=utcnow()
    ):
        return token.user
    raise RuleViolation(_l("This link has expired or has already been used."))


def accept_invitation(raw: str, password: str) -> User:
    user = _redeem(raw, TokenPurpose.INVITATION)
    _set_password(user, password)
    audit.record(user, "user.invitation_accepted", user)
    return user


def reset_password(raw: str, password: str) -> User:
    user = _redeem(raw, TokenPurpose.PASSWORD_RESET)
    _set_password(user, password)
    audit.record(user, "user.password_reset", user)
    return user


def change_password(user: User, current_password: str, password: str) -> None:
    """Needs the current password; every session, this one included, then ends."""
    try:
        password_hasher().verify(user.password_hash or _dummy_hash(), current_password)
    except (VerificationError, InvalidHashError):
        raise RuleViolation(_l("The current password is not correct.")) from None
    _set_password(user, password)
    audit.record(user, "user.password_changed", user)


def update_profile(user: User, name: str, language: str, timezone: str) -> None:
    before = {"name": user.name, "language": user.language, "timezone": user.timezone}
    user.name, user.language, user.timezone = clean_line(name), language, timezone
    after = {"name": user.name, "language": user.language, "timezone": user.timezone}
    if before != after:
        audit.record(user, "user.profile", user, before, after)


def change_role(actor: User, user: User, role: str, city_slug: str | None) -> None:
    if user.id == actor.id:
        raise NotAllowed(_l("You cannot change your own role."))
    _check_may_grant(actor, role, user)
    before = _snapshot(user)
    user.role, user.city_slug = role, check_city(role, city_slug)
    end_sessions(user)
    audit.record(actor, "user.role", user, before, _snapshot(user))


def deactivate_user(actor: User, user: User) -> None:
    """The person's sessions end at once; the account and everything it did stay."""
    _set_active(actor, user, False)


def reactivate_user(actor: User, user: User) -> None:
    _set_active(actor, user, True)


def _set_active(actor: User, user: User, is_active: bool) -> None:
    if user.id == actor.id:
        raise NotAllowed(_l("You cannot deactivate your own account."))
    _check_may_grant(actor, user.role, user)
    if user.is_active == is_active:
        return
    before = _snapshot(user)
    user.is_active = is_active
    end_sessions(user)
    audit.record(
        actor, "user.activate" if is_active else "user.deactivate", user, before, _snapshot(user)
    )
