"""Schema 1: the tables of ketdir 0.1 (HSDS subset, search rows, referral log), made before Alembic.

Databases from then have no alembic_version table; ketdir.store.engine stamps them "0001" and upgrades.

Revision ID: 0001
Revises:
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing to do: schema 1 databases were made by ketdir 0.1 itself (Base.metadata.create_all + the full-text index).
    pass


def downgrade() -> None:
    raise RuntimeError("ketdir cannot go back before schema 1: restore the backup made before the upgrade.")
