"""accounts: each signed-in session is a row the server can end (sign-out ends that one)

Revision ID: b12c0ffee002
Revises: a12c0ffee001
Create Date: 2026-12-02 19:10:00.000000

The session cookie names its sign-in; deleting the row ends that session even for a copy of the
cookie. The per-user session version it replaces is dropped: sessions open at the upgrade end,
and everyone signs in once more.
"""
from alembic import op
import sqlalchemy as sa

from secretariat.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = "b12c0ffee002"
down_revision = "a12c0ffee001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sign_ins_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_ins")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_sign_ins_key_hash")),
    )
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_ins_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("session_version")


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("sign_ins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_ins_user_id"))
    op.drop_table("sign_ins")
