"""Site reads: the staff's audit log and outbox."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from secretariat.audit import AuditEntry
from secretariat.extensions import db
from secretariat.listing import paginate
from secretariat.mail import MailStatus, OutboxMessage


def audit_page(
    *,
    action: str = "",
    actor: str = "",
    target_type: str = "",
    target_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict:
    """A page of the audit log, newest first, and the actions it may be filtered by."""
    stmt = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{actor}%"))
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == target_id)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    page = paginate(stmt)
    actions = db.session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    ).all()
    return {"page": page, "action_choices": [(each, each) for each in actions]}


def outbox_page(status: str = "") -> dict:
    """A page of the outbox, newest first, in one status or all, and the count per status."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in set(MailStatus):
        stmt = stmt.where(OutboxMessage.status == status)
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return {
        "page": paginate(stmt),
        "status_choices": [
            (each.value, each.label, counts.get(each.value, 0)) for each in MailStatus
        ],
        "status": status,
    }


def message_or_404(message_id: int) -> OutboxMessage:
    return db.get_or_404(OutboxMessage, message_id)
