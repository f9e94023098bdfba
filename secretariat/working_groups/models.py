"""Working groups and the member cities in them (their meetings come with the groups' own issue)."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from secretariat.database import UTCDateTime, sql_list, utcnow
from secretariat.extensions import db
from secretariat.i18n import LabelledEnum


class GroupKind(LabelledEnum):
    PERMANENT = "permanent", _l("Permanent")
    TEMPORARY = "temporary", _l("Temporary")


class GroupStatus(LabelledEnum):
    PROPOSED = "proposed", _l("Proposed")
    ACTIVE = "active", _l("Active")
    CLOSED = "closed", _l("Closed")
    DECLINED = "declined", _l("Declined")


class WorkingGroup(db.Model):
    __tablename__ = "working_groups"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_list(GroupKind)})", name="kind_known"),
        CheckConstraint(f"status IN ({sql_list(GroupStatus)})", name="status_known"),
        CheckConstraint("kind = 'permanent' OR ends_on IS NOT NULL", name="temporary_ends"),
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["GroupMembership"]] = relationship(back_populates="group")

    def __str__(self) -> str:
        return self.name_en


class GroupMembership(db.Model):
    """A member city in a group; coordinators lead the group's work."""

    __tablename__ = "group_memberships"
    __table_args__ = (UniqueConstraint("group_id", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    is_coordinator: Mapped[bool] = mapped_column(default=False)
    joined_on: Mapped[date]

    group: Mapped[WorkingGroup] = relationship(back_populates="memberships")
    city: Mapped["City"] = relationship(back_populates="memberships")  # noqa: F821

    def __str__(self) -> str:
        return f"city {self.city_id} in group {self.group_id}"
