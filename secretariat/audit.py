"""The append-only audit log: who changed what, when, from what to what."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, insert, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from secretariat.database import UTCDateTime, utcnow
from secretariat.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_target", "target_type", "target_id"),
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_action", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(80))
    target_id: Mapped[str] = mapped_column(String(80))
    target_label: Mapped[str] = mapped_column(String(300), default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor = relationship("User", lazy="raise")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def record(
    actor,
    action: str,
    target,
    before: dict | None = None,
    after: dict | None = None,
    actor_label: str | None = None,
):
    """Add an entry for one state change; the caller's transaction commits it with the change.

    actor is a User, or None for the system (scheduler, command line) or for a person without
    an account, whom actor_label then names (an applicant).
    """
    state = inspect(target)
    if state.identity is None:
        db.session.flush()
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.email if actor is not None else (actor_label or "system")[:200],
        action=action,
        target_type=state.mapper.local_table.name,
        target_id=str(state.identity[0] if state.identity else ""),
        target_label=str(target)[:300],
        before=_plain(before),
        after=_plain(after),
    )
    db.session.add(entry)
    return entry


def record_many(actor, action: str, table: str, entries: list[tuple[int, str, dict]]) -> None:
    """One entry per (id, label, after) of table, written in one statement: for a job that
    changes many rows at once (the planning of every group's next session)."""
    if not entries:
        return
    now = utcnow()
    db.session.execute(
        insert(AuditEntry),
        [
            {
                "at": now,
                "actor_id": actor.id if actor is not None else None,
                "actor_label": actor.email if actor is not None else "system",
                "action": action,
                "target_type": table,
                "target_id": str(target_id),
                "target_label": label[:300],
                "before": None,
                "after": _plain(after),
            }
            for target_id, label, after in entries
        ],
    )
