"""A term's success indicators, the figures staff record, and the annual activity report."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from secretariat.accounts.models import User
from secretariat.database import UTCDateTime, sql_list, utcnow
from secretariat.extensions import db
from secretariat.presidency.models import Term
from secretariat.reports.rules import PER_CENT, Direction, Measure, ReportState, Source, Step
from secretariat.working_groups.models import WorkingGroup

TITLE_LIMIT = 200
UNIT_LIMIT = 60


class Indicator(db.Model):
    """A target of a term: a figure staff enter through the term, or one the portal computes."""

    __tablename__ = "indicators"
    __table_args__ = (
        UniqueConstraint("term_id", "position"),
        CheckConstraint(f"direction IN ({sql_list(Direction)})", name="direction_known"),
        CheckConstraint(f"source IN ({sql_list(Source)})", name="source_known"),
        CheckConstraint(
            f"(source = 'computed' AND measure IN ({sql_list(Measure)}))"
            " OR (source = 'entered' AND measure IS NULL)",
            name="measure_of_computed",
        ),
        CheckConstraint("target >= 0", name="target_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), index=True)
    position: Mapped[int]
    title_en: Mapped[str] = mapped_column(String(TITLE_LIMIT), default="")
    title_tr: Mapped[str] = mapped_column(String(TITLE_LIMIT), default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    description_tr: Mapped[str] = mapped_column(Text, default="")
    unit_en: Mapped[str] = mapped_column(String(UNIT_LIMIT), default="")
    unit_tr: Mapped[str] = mapped_column(String(UNIT_LIMIT), default="")
    target: Mapped[float] = mapped_column(Float)
    direction: Mapped[str] = mapped_column(String(20), default=Direction.AT_LEAST)
    source: Mapped[str] = mapped_column(String(20), default=Source.ENTERED)
    measure: Mapped[str | None] = mapped_column(String(40))
    working_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    term: Mapped[Term] = relationship()
    working_group: Mapped[WorkingGroup | None] = relationship()
    figures: Mapped[list["IndicatorFigure"]] = relationship(
        back_populates="indicator",
        order_by="(IndicatorFigure.recorded_on.desc(), IndicatorFigure.id.desc())",
        cascade="all, delete-orphan",
    )

    @property
    def direction_label(self):
        return Direction(self.direction).label

    @property
    def measure_label(self):
        return Measure(self.measure).label if self.measure else ""

    @property
    def is_percent(self) -> bool:
        """A share the portal computes (turnout, attendance): shown as the locale writes a
        percentage (45 %, %45), whatever unit was typed."""
        return bool(self.measure) and Measure(self.measure).unit is PER_CENT

    def __str__(self) -> str:
        return f"indicator {self.position} of term {self.term_id}"


class IndicatorFigure(db.Model):
    """A figure staff recorded for an entered indicator: the latest counts, the history stays."""

    __tablename__ = "indicator_figures"
    __table_args__ = (
        Index("ix_indicator_figures_indicator_id_recorded_on", "indicator_id", "recorded_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id"))
    value: Mapped[float] = mapped_column(Float)
    recorded_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    indicator: Mapped[Indicator] = relationship(back_populates="figures")
    recorded_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"figure {self.id} of indicator {self.indicator_id}"


NARRATIVE = ("foreword", "highlights", "outlook")  # the report's texts, each in en and tr


class Report(db.Model):
    """The annual activity report of a term: its narrative and where it stands (SPEC §5)."""

    __tablename__ = "reports"
    __table_args__ = (CheckConstraint(f"state IN ({sql_list(ReportState)})", name="state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("terms.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=ReportState.DRAFT)
    foreword_en: Mapped[str] = mapped_column(Text, default="")
    foreword_tr: Mapped[str] = mapped_column(Text, default="")
    highlights_en: Mapped[str] = mapped_column(Text, default="")
    highlights_tr: Mapped[str] = mapped_column(Text, default="")
    outlook_en: Mapped[str] = mapped_column(Text, default="")
    outlook_tr: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    term: Mapped[Term] = relationship(lazy="joined", innerjoin=True)
    notes: Mapped[list["ReportGroupNote"]] = relationship(
        back_populates="report", order_by="ReportGroupNote.group_id"
    )
    transitions: Mapped[list["ReportTransition"]] = relationship(
        back_populates="report", order_by="ReportTransition.id"
    )

    @property
    def state_label(self):
        return ReportState(self.state).label

    def __str__(self) -> str:
        return f"report of term {self.term_id}"


class ReportGroupNote(db.Model):
    """What the report says of one working group's year, in both languages."""

    __tablename__ = "report_group_notes"
    __table_args__ = (UniqueConstraint("report_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id"))
    note_en: Mapped[str] = mapped_column(Text, default="")
    note_tr: Mapped[str] = mapped_column(Text, default="")

    report: Mapped[Report] = relationship(back_populates="notes")
    group: Mapped[WorkingGroup] = relationship()


class ReportTransition(db.Model):
    """One move of a report: who took which step, when, and the comment they gave."""

    __tablename__ = "report_transitions"
    __table_args__ = (
        CheckConstraint(f"step IN ({sql_list(Step)})", name="step_known"),
        CheckConstraint(f"from_state IN ({sql_list(ReportState)})", name="from_state_known"),
        CheckConstraint(f"to_state IN ({sql_list(ReportState)})", name="to_state_known"),
        Index("ix_report_transitions_report_id", "report_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    step: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="transitions")
    actor: Mapped[User | None] = relationship()

    @property
    def step_label(self):
        return Step(self.step).label


class ReportSnapshot(db.Model):
    """A published revision of a report, frozen: its facts, texts, pages and PDFs as they stood.

    The database refuses any update of it, and its removal while its report exists (migration
    2026_12_06, as for ballots): nothing that happens later changes what was published.
    """

    __tablename__ = "report_snapshots"
    __table_args__ = (
        UniqueConstraint("report_id", "revision"),
        CheckConstraint("revision > 0", name="revision_positive"),
        CheckConstraint("revision = 1 OR reason != ''", name="correction_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    revision: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")  # why a correction was published
    facts: Mapped[dict] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))  # SHA-256 of the facts and the texts
    html_en: Mapped[str] = mapped_column(Text, deferred=True)
    html_tr: Mapped[str] = mapped_column(Text, deferred=True)
    pdf_en: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_tr: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_en_size: Mapped[int] = mapped_column(default=0)
    pdf_tr_size: Mapped[int] = mapped_column(default=0)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    report: Mapped[Report] = relationship()
    published_by: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return f"revision {self.revision} of report {self.report_id}"
