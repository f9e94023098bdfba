"""The home page, and the staff's views of the audit log and the outbox."""

from flask import render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from secretariat import cache
from secretariat.audit import AuditEntry
from secretariat.extensions import db
from secretariat.i18n import current_language
from secretariat.listing import paginate, requested_period
from secretariat.mail import MailStatus, OutboxMessage
from secretariat.presidency import operations as presidency
from secretariat.security import PUBLIC, STAFF, access
from secretariat.site import bp
from secretariat.working_groups import queries as working_groups


@bp.route("/")
@access(PUBLIC)
def home():
    # kept like the directory: the handover, the summits and the sessions all bump its stamp;
    # and it is kept only until the next session begins, which leaves the list then
    return cache.kept(cache.DIRECTORY, _home_page, until=working_groups.next_start)


def _home_page() -> str:
    return render_template(
        "site/home.html",
        president=presidency.current_term(),
        elect=presidency.president_elect(),
        sessions=working_groups.upcoming_sessions(),
        language=current_language(),
    )


@bp.route("/staff/audit")
@access(STAFF)
def audit_log():
    args = request.args
    stmt = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    action = args.get("action", "").strip()[:80]
    actor = args.get("actor", "").strip()[:200]
    target_type = args.get("target_type", "").strip()[:80]
    target_id = args.get("target_id", "").strip()[:80]
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if actor:
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{actor}%"))
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == target_id)
    since, until = requested_period()
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    page = paginate(stmt)
    actions = db.session.scalars(
        select(AuditEntry.action).distinct().order_by(AuditEntry.action)
    ).all()
    action_choices = [(each, each) for each in actions]
    return render_template(
        "staff/audit.html", page=page, action_choices=action_choices, filters=args
    )


@bp.route("/staff/outbox")
@access(STAFF)
def outbox():
    status = request.args.get("status", "")
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in set(MailStatus):
        stmt = stmt.where(OutboxMessage.status == status)
    page = paginate(stmt)
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    status_choices = [(each.value, each.label, counts.get(each.value, 0)) for each in MailStatus]
    return render_template(
        "staff/outbox.html", page=page, status_choices=status_choices, status=status
    )


@bp.route("/staff/outbox/<int:message_id>")
@access(STAFF)
def show_message(message_id):
    return render_template("staff/message.html", message=db.get_or_404(OutboxMessage, message_id))
