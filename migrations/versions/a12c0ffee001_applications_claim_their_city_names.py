"""applications: each open application claims its city's spellings, one open application per city

Revision ID: a12c0ffee001
Revises: 9c93697fca1b
Create Date: 2026-12-02 18:30:00.000000

SPEC §2.1 allows one open application per city. The claims' primary key (country, folded
spelling) makes the database refuse a second one, even from requests that race; an application
gives its claims back when it is withdrawn, approved or rejected. The applications open at the
upgrade claim their spellings, in the order they were submitted: where two open applications
already share a spelling, the earlier keeps it and the later keeps its other spellings.
"""
from alembic import op
import sqlalchemy as sa

from secretariat.members.rules import name_cores


# revision identifiers, used by Alembic.
revision = "a12c0ffee001"
down_revision = "9c93697fca1b"
branch_labels = None
depends_on = None

OPEN_STATES = ("submitted", "under_review", "info_requested")


def upgrade():
    claims = op.create_table(
        "application_name_claims",
        sa.Column("country_id", sa.Integer(), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_name_claims_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["country_id"],
            ["countries.id"],
            name=op.f("fk_application_name_claims_country_id_countries"),
        ),
        sa.PrimaryKeyConstraint("country_id", "name_key", name=op.f("pk_application_name_claims")),
    )
    with op.batch_alter_table("application_name_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_name_claims_application_id"), ["application_id"], unique=False
        )

    applications = sa.table(
        "applications",
        sa.column("id", sa.Integer),
        sa.column("country_id", sa.Integer),
        sa.column("state", sa.String),
        sa.column("search_key", sa.Text),
    )
    open_ones = op.get_bind().execute(
        sa.select(applications.c.id, applications.c.country_id, applications.c.search_key)
        .where(applications.c.state.in_(OPEN_STATES))
        .order_by(applications.c.id)
    )
    taken, rows = set(), []
    for application_id, country_id, search_key in open_ones:
        for core in sorted(name_cores(search_key or "")):
            if (country_id, core) not in taken:
                taken.add((country_id, core))
                rows.append(
                    {"country_id": country_id, "name_key": core, "application_id": application_id}
                )
    for start in range(0, len(rows), 1000):
        op.bulk_insert(claims, rows[start : start + 1000])


def downgrade():
    with op.batch_alter_table("application_name_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_name_claims_application_id"))
    op.drop_table("application_name_claims")
