"""Account reads: the user behind a session cookie."""

from sqlalchemy import bindparam, select

from secretariat.accounts.models import SignIn, User
from secretariat.accounts.rules import digest
from secretariat.database import utcnow
from secretariat.extensions import db

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
