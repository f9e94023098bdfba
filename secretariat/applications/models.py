"""Applications to join the network, their history, the names they claim, reference counters."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from secretariat.applications.rules import OPEN_STATES, Action, ApplicationState
from secretariat.database import UTCDateTime, sql_list, utcnow
from secretariat.extensions import db
from secretariat.members.models import City, Country
from secretariat.working_groups.models import WorkingGroup

application_groups = Table(
    "application_groups",
    db.metadata,
    Column("application_id", ForeignKey("applications.id"), primary_key=True),
    Column("group_id", ForeignKey("working_groups.id"), primary_key=True),
)


class Application(db.Model):
    """What a city sent through /apply; the applicant follows it with the private status link."""

    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_list(ApplicationState)})", name="state_known"),
        CheckConstraint("language IN ('en', 'tr')", name="language_known"),
        CheckConstraint("population IS NULL OR population >= 0", name="population_positive"),
        CheckConstraint("number > 0", name="number_positive"),
        UniqueConstraint("year", "number"),
        Index("ix_applications_state_submitted_at", "state", "submitted_at"),
        Index("ix_applications_submitted_at", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    number: Mapped[int]
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    status_token: Mapped[str] = mapped_column(String(64), unique=True)
    submission_token: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=ApplicationState.SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    city_name: Mapped[str] = mapped_column(String(200))
    city_name_en: Mapped[str] = mapped_column(String(200))
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    population: Mapped[int | None]
    website: Mapped[str] = mapped_column(String(300), default="")
    mayor_name: Mapped[str] = mapped_column(String(200))
    mayor_email: Mapped[str] = mapped_column(String(320))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_position: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(320))
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    language: Mapped[str] = mapped_column(String(5))
    motivation: Mapped[str] = mapped_column(Text, default="")
    deciding_body: Mapped[str] = mapped_column(String(200), default="")
    decision_number: Mapped[str] = mapped_column(String(100), default="")
    decision_on: Mapped[date | None]
    approval_authority: Mapped[str] = mapped_column(String(200), default="")
    approval_reference: Mapped[str] = mapped_column(String(100), default="")
    approval_on: Mapped[date | None]
    document_name: Mapped[str] = mapped_column(String(200), default="")
    document_file: Mapped[str] = mapped_column(String(64), default="")
    document_size: Mapped[int] = mapped_column(default=0)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    search_key: Mapped[str] = mapped_column(Text, default="")
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), index=True)

    country: Mapped[Country] = relationship(lazy="joined", innerjoin=True)
    city: Mapped[City | None] = relationship()
    groups: Mapped[list[WorkingGroup]] = relationship(
        secondary=application_groups, order_by=WorkingGroup.id
    )
    events: Mapped[list["ApplicationEvent"]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id"
    )

    def __str__(self) -> str:
        return f"{self.reference} {self.city_name_en}"

    @property
    def state_label(self):
        return ApplicationState(self.state).label

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class ApplicationEvent(db.Model):
    """One step of an application's history: who did what, when, with the note they wrote."""

    __tablename__ = "application_events"
    __table_args__ = (
        CheckConstraint(f"action IN ({sql_list(Action)})", name="action_known"),
        CheckConstraint(f"state IN ({sql_list(ApplicationState)})", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    by_applicant: Mapped[bool] = mapped_column(default=False)
    action: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship(back_populates="events")
    actor = relationship("User", lazy="joined")

    @property
    def action_label(self):
        return Action(self.action).label

    @property
    def state_label(self):
        return ApplicationState(self.state).label


class ApplicationNameClaim(db.Model):
    """One spelling of the city an open application is for: SPEC §2.1 allows one open application
    per city, and the primary key makes the database refuse a second claim on any spelling of it,
    even from requests that race. Removed when the application closes."""

    __tablename__ = "application_name_claims"

    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), primary_key=True)
    name_key: Mapped[str] = mapped_column(Text, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)


class ReferenceCounter(db.Model):
    """The last number given in a year; one UPDATE takes the next one, even under concurrency."""

    __tablename__ = "reference_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
