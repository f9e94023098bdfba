"""Working-group operations: they flush and audit; the caller commits."""

from datetime import date

from sqlalchemy import select

from secretariat import audit
from secretariat.extensions import db
from secretariat.members.operations import bump_directory
from secretariat.working_groups.models import (
    GroupKind,
    GroupMembership,
    GroupStatus,
    WorkingGroup,
)

# SPEC §4: the network starts with four permanent groups.
PERMANENT_GROUPS = [
    ("local-climate-action", "Local climate action", "Yerel iklim eylemi"),
    ("local-democracy-and-migration", "Local democracy and migration", "Yerel demokrasi ve göç"),
    (
        "smart-cities-and-digital-transformation",
        "Smart cities and digital transformation",
        "Akıllı şehirler ve dijital dönüşüm",
    ),
    ("local-economic-cooperation", "Local economic cooperation", "Yerel ekonomik işbirliği"),
]


def ensure_permanent_groups() -> None:
    """The four groups of the charter exist (the migration seeds them; a bare database may not)."""
    known = set(db.session.scalars(select(WorkingGroup.slug)))
    for slug, name_en, name_tr in PERMANENT_GROUPS:
        if slug not in known:
            db.session.add(
                WorkingGroup(
                    slug=slug,
                    name_en=name_en,
                    name_tr=name_tr,
                    kind=GroupKind.PERMANENT,
                    status=GroupStatus.ACTIVE,
                )
            )
    db.session.flush()


def join_group(actor, group: WorkingGroup, city, on: date) -> GroupMembership | None:
    """The city takes part in the group from on; nothing changes when it already does."""
    existing = db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.city_id == city.id
        )
    )
    if existing is not None:
        return None
    membership = GroupMembership(group=group, city=city, joined_on=on)
    db.session.add(membership)
    db.session.flush()
    audit.record(actor, "group.join", group, after={"city": city.slug, "since": on})
    bump_directory()
    return membership
