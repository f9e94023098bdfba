"""Site reads: the staff's audit log and outbox, and the pages a sitemap offers."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from secretariat.audit import AuditEntry
from secretariat.elections.models import Election
from secretariat.extensions import db
from secretariat.listing import paginate
from secretariat.mail import MailStatus, OutboxMessage
from secretariat.members.models import City, CityStatus
from secretariat.presidency.models import Summit, Term
from secretariat.reports import queries as reports
from secretariat.working_groups.models import GroupSession, GroupStatus, WorkingGroup


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


# --- what search engines are offered ---------------------------------------------------------

SITEMAP_PAGES = (
    ("site.show_home", {}),
    ("members.list_cities", {}),
    ("working_groups.list_groups", {}),
    ("presidency.show_presidency", {}),
    ("presidency.list_summits", {}),
    ("elections.list_elections", {}),
    ("reports.list_reports", {}),
    ("applications.submit_application", {}),
)


def sitemap_pages() -> list[tuple[str, dict]]:
    """Every public page as (endpoint, values): the listings, and each city, group, session,
    summit, term's indicators, election and published report. Nothing signed-in or private."""
    pages = list(SITEMAP_PAGES)
    pages += [
        ("members.show_city", {"slug": slug})
        for slug in db.session.scalars(
            select(City.slug).where(City.status == CityStatus.ACTIVE).order_by(City.sort_key_en)
        )
    ]
    pages += [
        ("working_groups.show_group", {"slug": slug})
        for slug in db.session.scalars(
            select(WorkingGroup.slug)
            .where(WorkingGroup.status.in_((GroupStatus.ACTIVE, GroupStatus.CLOSED)))
            .order_by(WorkingGroup.id)
        )
    ]
    pages += [
        ("working_groups.show_session", {"session_id": session_id})
        for session_id in db.session.scalars(
            select(GroupSession.id)
            .join(WorkingGroup)
            .where(WorkingGroup.status.in_((GroupStatus.ACTIVE, GroupStatus.CLOSED)))
            .order_by(GroupSession.id)
        )
    ]
    pages += [
        ("presidency.show_summit", {"number": number})
        for number in db.session.scalars(select(Summit.number).order_by(Summit.number))
    ]
    pages += [
        ("reports.list_indicators", {"number": number})
        for number in db.session.scalars(select(Term.number).order_by(Term.number))
    ]
    pages += [
        ("elections.show_election", {"election_id": election_id})
        for election_id in db.session.scalars(select(Election.id).order_by(Election.id))
    ]
    pages += [
        ("reports.show_report", {"year": term.year})
        for term, _snapshot in reports.published_reports()
    ]
    return pages
