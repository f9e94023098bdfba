"""Checklist tasks: the standard step each is (one of each per summit), and which side owns it

Revision ID: 4219f1b45409
Revises: d1d7bdb8b00a
Create Date: 2026-11-22 03:19:06.330489

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4219f1b45409'
down_revision = 'd1d7bdb8b00a'
branch_labels = None
depends_on = None

KINDS = (
    "'activity_report_presented', 'agenda_published', 'election_prepared', "
    "'invitations_sent', 'registration_open', 'venue_confirmed'"
)


def upgrade():
    with op.batch_alter_table('checklist_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column('owner_side', sa.String(length=20), nullable=False, server_default='together')
        )
        batch_op.create_unique_constraint(batch_op.f('uq_checklist_tasks_summit_id_kind'), ['summit_id', 'kind'])
        batch_op.create_check_constraint(
            'kind_known', sa.text(f"kind IS NULL OR kind IN ({KINDS})")
        )
        batch_op.create_check_constraint(
            'owner_side_known', sa.text("owner_side IN ('host', 'secretariat', 'together')")
        )
    with op.batch_alter_table('checklist_tasks', schema=None) as batch_op:
        batch_op.alter_column('owner_side', server_default=None)


def downgrade():
    with op.batch_alter_table('checklist_tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_checklist_tasks_owner_side_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_checklist_tasks_kind_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_checklist_tasks_summit_id_kind'), type_='unique')
        batch_op.drop_column('owner_side')
        batch_op.drop_column('kind')
