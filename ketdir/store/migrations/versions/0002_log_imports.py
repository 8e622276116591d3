"""Schema 2 (team mode): ketdir_log_import remembers which referral logs were merged into this directory.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _set_version(value: str) -> None:
    op.execute(sa.text("UPDATE ketdir_meta SET value = :v WHERE key = 'schema_version'").bindparams(v=value))


def upgrade() -> None:
    op.create_table(
        "ketdir_log_import",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("origin", sa.Text(), nullable=True),
        sa.Column("referrals", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
    )
    _set_version("2")


def downgrade() -> None:
    op.drop_table("ketdir_log_import")
    _set_version("1")
