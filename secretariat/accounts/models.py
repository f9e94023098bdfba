"""Users and the one-time tokens that invite them or reset their password."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from secretariat import cache
from secretariat.database import UTCDateTime, sql_list, utcnow
from secretariat.extensions import db
from secretariat.i18n import DEFAULT_TIMEZONE, LabelledEnum
from secretariat.security import CITY_ROLES, STAFF, Role
from secretariat.text import search_keys


class UserState(LabelledEnum):
    ACTIVE = "active", _l("Active")
    INVITED = "invited", _l("Invited")
    INACTIVE = "inactive", _l("Deactivated")


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({sql_list(Role)})", name="role_known"),
        CheckConstraint(
            f"(role IN ({sql_list(CITY_ROLES)}) AND city_slug IS NOT NULL)"
            f" OR (role IN ({sql_list(STAFF)}) AND city_slug IS NULL)",
            name="city_matches_role",
        ),
        CheckConstraint("language IN ('en', 'tr')", name="language_known"),
        Index("ix_users_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), index=True)
    city_slug: Mapped[str | None] = mapped_column(String(120), index=True)
    language: Mapped[str] = mapped_column(String(5), default="en")
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    is_active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    search_key: Mapped[str] = mapped_column(String(600), default="")

    session_key = None  # the signed-in session's own key (SignIn), not a column

    def get_id(self) -> str:
        """The cookie names the sign-in too, so the server can end that one session."""
        return f"{self.id}:{self.session_key}"

    @property
    def role_label(self):
        return Role(self.role).label

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def state(self) -> UserState:
        if not self.is_active:
            return UserState.INACTIVE
        return UserState.ACTIVE if self.has_password else UserState.INVITED

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@event.listens_for(User, "before_insert")
@event.listens_for(User, "before_update")
def _index_for_search(mapper, connection, user: User) -> None:
    user.search_key = search_keys(user.name, user.email)


LISTED = ("email", "name", "role", "city_slug", "is_active", "password_hash")


@event.listens_for(Session, "after_flush")
def _restamp_the_users_listing(session, context) -> None:
    """Any flush that adds, removes or changes what the users table shows replaces its stamp
    in the same transaction (a sign-in, which changes only its time, does not); an UPDATE
    written without the ORM must call cache.bump(cache.USERS_LISTING) itself."""
    if any(isinstance(obj, User) for obj in (*session.new, *session.deleted)) or any(
        isinstance(obj, User)
        and any(inspect(obj).attrs[name].history.has_changes() for name in LISTED)
        for obj in session.dirty
    ):
        cache.bump(cache.USERS_LISTING, session.connection())


class TokenPurpose(LabelledEnum):
    INVITATION = "invitation", _l("Invitation")
    PASSWORD_RESET = "password_reset", _l("Password reset")


class AccountToken(db.Model):
    """A one-time link; only a hash of the secret is stored, so a database leak opens nothing."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(f"purpose IN ({sql_list(TokenPurpose)})", name="purpose_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __str__(self) -> str:
        return f"{self.purpose} for user {self.user_id}"


class SignIn(db.Model):
    """One open session: the cookie carries its key, the row only the key's hash. Signing out
    deletes the row, so a copied cookie opens nothing afterwards; a password change or a
    deactivation deletes every row of the user."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
