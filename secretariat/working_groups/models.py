"""Working groups, the cities in them, their quarterly sessions, extra-session requests, reminders."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from secretariat.database import UTCDateTime, sql_list, utcnow
from secretariat.extensions import db
from secretariat.i18n import LabelledEnum
from secretariat.members.models import City
from secretariat.working_groups.rules import ReminderKind, Side


class GroupKind(LabelledEnum):
    PERMANENT = "permanent", _l("Permanent")
    TEMPORARY = "temporary", _l("Temporary")


class GroupStatus(LabelledEnum):
    PROPOSED = "proposed", _l("Proposed")
    ACTIVE = "active", _l("Active")
    CLOSED = "closed", _l("Closed")
    DECLINED = "declined", _l("Declined")


class WorkingGroup(db.Model):
    """A thematic group. One that was proposed is active only once both sides approved it."""

    __tablename__ = "working_groups"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_list(GroupKind)})", name="kind_known"),
        CheckConstraint(f"status IN ({sql_list(GroupStatus)})", name="status_known"),
        CheckConstraint("kind = 'permanent' OR ends_on IS NOT NULL", name="temporary_ends"),
        CheckConstraint(
            f"proposed_by_side IS NULL OR proposed_by_side IN ({sql_list(Side)})",
            name="side_known",
        ),
        CheckConstraint(
            "status NOT IN ('active', 'closed') OR proposed_by_side IS NULL"
            " OR (presidency_approved_at IS NOT NULL AND secretariat_approved_at IS NOT NULL)",
            name="agreed_before_active",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_tr: Mapped[str] = mapped_column(String(200), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_tr: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default=GroupKind.PERMANENT)
    status: Mapped[str] = mapped_column(String(20), default=GroupStatus.ACTIVE, index=True)
    ends_on: Mapped[date | None]
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    proposed_by_side: Mapped[str | None] = mapped_column(String(20))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    presidency_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    presidency_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    secretariat_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    secretariat_approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list["GroupMembership"]] = relationship(back_populates="group")
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])
    presidency_approved_by = relationship("User", foreign_keys=[presidency_approved_by_id])
    secretariat_approved_by = relationship("User", foreign_keys=[secretariat_approved_by_id])
    declined_by = relationship("User", foreign_keys=[declined_by_id])

    @property
    def kind_label(self):
        return GroupKind(self.kind).label

    @property
    def status_label(self):
        return GroupStatus(self.status).label

    def __str__(self) -> str:
        return self.name_en


class GroupMembership(db.Model):
    """A member city in a group; coordinators lead the group's work."""

    __tablename__ = "group_memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "city_id"),
        Index("ix_group_memberships_group_id_is_coordinator", "group_id", "is_coordinator"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    joined_on: Mapped[date]

    group: Mapped[WorkingGroup] = relationship(back_populates="memberships")
    # the dependent side declares the link: members knows nothing of working groups
    city: Mapped[City] = relationship(backref=backref("memberships", order_by="GroupMembership.id"))

    def __str__(self) -> str:
        return f"city {self.city_id} in group {self.group_id}"


class SessionKind(LabelledEnum):
    REGULAR = "regular", _l("Quarterly session")
    EXTRA = "extra", _l("Extra session")


class SessionStatus(LabelledEnum):
    PLANNED = "planned", _l("Planned")
    HELD = "held", _l("Held")
    CANCELLED = "cancelled", _l("Cancelled")


class GroupSession(db.Model):
    """An online meeting of a group. A regular one belongs to a quarter: one per group and
    quarter (the database says so); extra ones, approved on request, have none."""

    __tablename__ = "group_sessions"
    __table_args__ = (
        UniqueConstraint("group_id", "quarter"),
        CheckConstraint(f"kind IN ({sql_list(SessionKind)})", name="kind_known"),
        CheckConstraint(f"status IN ({sql_list(SessionStatus)})", name="status_known"),
        CheckConstraint("(kind = 'regular') = (quarter IS NOT NULL)", name="regular_has_quarter"),
        CheckConstraint("duration_minutes BETWEEN 15 AND 600", name="duration_sensible"),
        CheckConstraint("sequence >= 0", name="sequence_positive"),
        Index("ix_group_sessions_group_id_starts_at", "group_id", "starts_at"),
        Index("ix_group_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"))
    kind: Mapped[str] = mapped_column(String(20), default=SessionKind.REGULAR)
    quarter: Mapped[int | None]  # year * 10 + quarter: 20271 is January to March 2027
    title_en: Mapped[str] = mapped_column(String(300), default="")
    title_tr: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(default=90)
    meeting_url: Mapped[str] = mapped_column(String(500), default="")
    agenda_en: Mapped[str] = mapped_column(Text, default="")
    agenda_tr: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.PLANNED)
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE, raised on reschedule
    minutes_en: Mapped[str] = mapped_column(Text, default="")
    minutes_tr: Mapped[str] = mapped_column(Text, default="")
    minutes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    week_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # claimed when set
    day_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[WorkingGroup] = relationship(lazy="joined", innerjoin=True)
    attendance: Mapped[list["SessionAttendance"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @property
    def kind_label(self):
        return SessionKind(self.kind).label

    @property
    def status_label(self):
        return SessionStatus(self.status).label

    def __str__(self) -> str:
        return f"session {self.id} of {self.group}"


class SessionAttendance(db.Model):
    """A city present at a session, recorded afterwards by staff or a coordinator."""

    __tablename__ = "session_attendance"

    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"), primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), primary_key=True, index=True)

    session: Mapped[GroupSession] = relationship(back_populates="attendance")
    city: Mapped[City] = relationship()


class SessionReminder(db.Model):
    """The ledger of reminders sent: one per session, kind and address (the database says so),
    so a retried job or a second scheduler can never remind anyone twice. A reschedule raises
    the session's sequence, and the reminders are due again for the new time."""

    __tablename__ = "session_reminders"
    __table_args__ = (
        UniqueConstraint("session_id", "sequence", "kind", "email"),
        CheckConstraint(f"kind IN ({sql_list(ReminderKind)})", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id"))
    sequence: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    email: Mapped[str] = mapped_column(String(320))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequestStatus(LabelledEnum):
    PENDING = "pending", _l("Waiting for a decision")
    APPROVED = "approved", _l("Approved")
    DECLINED = "declined", _l("Declined")


class SessionRequest(db.Model):
    """A member city asks for an extra session; staff approve (creating it) or decline."""

    __tablename__ = "session_requests"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_list(RequestStatus)})", name="status_known"),
        CheckConstraint(
            "(status = 'approved') = (session_id IS NOT NULL)", name="approved_has_session"
        ),
        Index("ix_session_requests_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    first_choice_at: Mapped[datetime] = mapped_column(UTCDateTime)
    second_choice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    third_choice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    session_id: Mapped[int | None] = mapped_column(ForeignKey("group_sessions.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[WorkingGroup] = relationship(lazy="joined", innerjoin=True)
    city: Mapped[City] = relationship(lazy="joined", innerjoin=True)
    requested_by = relationship("User", foreign_keys=[requested_by_id], lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    session: Mapped[GroupSession | None] = relationship()

    @property
    def proposed_times(self) -> list[datetime]:
        return [
            t
            for t in (self.first_choice_at, self.second_choice_at, self.third_choice_at)
            if t is not None
        ]

    @property
    def status_label(self):
        return RequestStatus(self.status).label

    def __str__(self) -> str:
        return f"extra session request {self.id} of {self.group}"
