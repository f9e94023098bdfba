"""Working-group operations: they flush and audit; the caller commits."""

from sqlalchemy import select

from secretariat.extensions import db
from secretariat.working_groups.models import GroupKind, GroupStatus, WorkingGroup

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
