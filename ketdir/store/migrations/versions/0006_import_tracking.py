"""Schema 6: the import-tracking tables (`ketdir_import_source`, `ketdir_imported_service`) join the models under
Alembic. Until now the first import made them itself, so a schema-5 database may already have them (with rows
worth keeping): they are made only where they are missing.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _set_version(value: str) -> None:
    op.execute(sa.text("UPDATE ketdir_meta SET value = :v WHERE key = 'schema_version'").bindparams(v=value))


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    if "ketdir_import_source" not in tables:
        op.create_table(
            "ketdir_import_source",
            sa.Column("name", sa.String(200), primary_key=True),
            sa.Column("imported_at", sa.DateTime(), nullable=False),
            sa.Column("content_hash", sa.String(64), nullable=True),
            sa.Column("format", sa.String(16), nullable=True),
            sa.Column("path", sa.Text(), nullable=True),
            sa.Column("services", sa.Integer(), nullable=False),
        )
    if "ketdir_imported_service" not in tables:
        op.create_table(
            "ketdir_imported_service",
            sa.Column("source", sa.String(200), primary_key=True),
            sa.Column("service_id", sa.String(64), primary_key=True),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("content_hash", sa.String(40), nullable=False),
            sa.Column("imported_at", sa.DateTime(), nullable=False),
        )
    indexes = {i["name"] for i in inspector.get_indexes("ketdir_imported_service")} \
        if "ketdir_imported_service" in tables else set()
    if "ix_ketdir_imported_service_service_id" not in indexes:
        op.create_index("ix_ketdir_imported_service_service_id", "ketdir_imported_service", ["service_id"])
    _set_version("6")


def downgrade() -> None:
    # Kept: ketdir at schema 5 makes and uses these very tables itself, and they say which services came from
    # which source (dropping them would turn every later re-import's updates into conflicts).
    _set_version("5")
