"""Terms of the rotating presidency, summits, their agenda, delegations and preparation."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Select, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from secretariat.database import UTCDateTime, sql_list, utcnow
from secretariat.extensions import db
from secretariat.i18n import LabelledEnum
from secretariat.members.models import City, Country


class TaskKind(LabelledEnum):
    """The steps every summit's preparation has (SPEC §3.1), in the order they fall due."""

    VENUE_CONFIRMED = "venue_confirmed", _l("Venue confirmed")
    INVITATIONS_SENT = "invitations_sent", _l("Invitations sent")
    REGISTRATION_OPEN = "registration_open", _l("Registration open")
    AGENDA_PUBLISHED = "agenda_published", _l("Agenda published")
    ELECTION_PREPARED = "election_prepared", _l("Election prepared")
    ACTIVITY_REPORT_PRESENTED = "activity_report_presented", _l("Activity report presented")


class OwnerSide(LabelledEnum):
    HOST = "host", _l("Host city")
    SECRETARIAT = "secretariat", _l("Secretariat")
    TOGETHER = "together", _l("Host city and secretariat")


class Summit(db.Model):
    """The annual summit: hosted by the president-elect, it opens that city's term (handover)."""

    __tablename__ = "summits"
    __table_args__ = (
        CheckConstraint(
            "ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates_ordered"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)  # summit T opens term T
    year: Mapped[int | None] = mapped_column(unique=True)  # None until its dates are set
    host_city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    venue: Mapped[str] = mapped_column(String(300), default="")
    theme_en: Mapped[str] = mapped_column(String(300), default="")
    theme_tr: Mapped[str] = mapped_column(String(300), default="")
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    host_city: Mapped[City] = relationship(lazy="joined", innerjoin=True)
    agenda: Mapped[list["AgendaItem"]] = relationship(
        back_populates="summit", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )
    delegations: Mapped[list["Delegation"]] = relationship(
        back_populates="summit", order_by="Delegation.id"
    )
    tasks: Mapped[list["ChecklistTask"]] = relationship(
        back_populates="summit", order_by="ChecklistTask.position"
    )

    def __str__(self) -> str:
        return f"summit {self.number} ({self.year or '—'})"


class Term(db.Model):
    """One year of presidency: it starts at the handover of its summit and ends at the next one.

    The database refuses a second term for a year; that no city holds two terms in a row is
    checked by the rules at every step that could break it (nomination, voting, certification).
    """

    __tablename__ = "terms"
    __table_args__ = (CheckConstraint("number > 0", name="number_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    year: Mapped[int | None] = mapped_column(unique=True)  # the year of its opening summit
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    mayor_name: Mapped[str] = mapped_column(String(200), default="")
    opening_summit_id: Mapped[int] = mapped_column(ForeignKey("summits.id"), unique=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the handover
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the next handover

    city: Mapped[City] = relationship(lazy="joined", innerjoin=True)
    opening_summit: Mapped[Summit] = relationship()

    def __str__(self) -> str:
        return f"term {self.number}"


class AgendaItem(db.Model):
    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("summit_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summits.id"), index=True)
    position: Mapped[int]
    title_en: Mapped[str] = mapped_column(String(300), default="")
    title_tr: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    summit: Mapped[Summit] = relationship(back_populates="agenda")

    def __str__(self) -> str:
        return f"agenda item {self.position} of summit {self.summit_id}"


class Delegation(db.Model):
    """A city registered for a summit; a Balkan city that is not a member may come too, and
    becomes one when staff confirm that it attended (SPEC §2: membership by attending)."""

    __tablename__ = "delegations"
    __table_args__ = (
        UniqueConstraint("summit_id", "city_id"),
        CheckConstraint("people > 0", name="people_positive"),
        CheckConstraint("city_id IS NOT NULL OR city_name_en != ''", name="city_named"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summits.id"), index=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), index=True)
    city_name: Mapped[str] = mapped_column(String(200), default="")  # a non-member's names
    city_name_en: Mapped[str] = mapped_column(String(200), default="")
    country_id: Mapped[int | None] = mapped_column(ForeignKey("countries.id"))
    people: Mapped[int] = mapped_column(default=1)
    names: Mapped[str] = mapped_column(Text, default="")
    attended: Mapped[bool | None]  # None until staff confirm the attendance list
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    summit: Mapped[Summit] = relationship(back_populates="delegations")
    city: Mapped[City | None] = relationship()
    country: Mapped[Country | None] = relationship()

    def __str__(self) -> str:
        return f"delegation of {self.city or self.city_name_en} to summit {self.summit_id}"


class ChecklistTask(db.Model):
    """One step of preparing a summit, shared by the host city's team and the secretariat.

    A standard step has its kind (one of each per summit, named in the interface's language);
    a task someone added has none and carries its own title in English and Turkish.
    """

    __tablename__ = "checklist_tasks"
    __table_args__ = (
        UniqueConstraint("summit_id", "position"),
        UniqueConstraint("summit_id", "kind"),
        CheckConstraint(f"kind IS NULL OR kind IN ({sql_list(TaskKind)})", name="kind_known"),
        CheckConstraint(f"owner_side IN ({sql_list(OwnerSide)})", name="owner_side_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summits.id"), index=True)
    position: Mapped[int]
    kind: Mapped[str | None] = mapped_column(String(40))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    title_tr: Mapped[str] = mapped_column(String(300), default="")
    owner_side: Mapped[str] = mapped_column(String(20), default=OwnerSide.TOGETHER)
    owner: Mapped[str] = mapped_column(String(200), default="")  # a person, when named
    due_on: Mapped[date | None]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    summit: Mapped[Summit] = relationship(back_populates="tasks")
    done_by = relationship("User")

    @property
    def kind_label(self):
        return TaskKind(self.kind).label if self.kind else None

    @property
    def owner_side_label(self):
        return OwnerSide(self.owner_side).label

    def __str__(self) -> str:
        return f"task {self.kind or self.title_en} of summit {self.summit_id}"


def current_term_query(now: datetime) -> Select:
    """The term whose summit handed over last: presidency rights follow it, never a flag."""
    return (
        select(Term)
        .where(Term.started_at.is_not(None), Term.started_at <= now)
        .order_by(Term.number.desc())
        .limit(1)
    )
