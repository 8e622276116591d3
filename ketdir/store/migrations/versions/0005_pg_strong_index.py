"""Schema 5 (PostgreSQL only; on SQLite it only sets the version): the strong columns (name, alternate name,
need words, organisation) and the filter tags get a tsvector of their own (`tsv_strong`) with a GIN index, and
the national lines partial GIN indexes of their own (see ketdir.store.search_index.postgres: "typed words in a strong column"
without weight-restricted queries, which make PostgreSQL recheck every row that has the words anywhere).

Adding the generated column rewrites ketdir_search_doc; run `VACUUM (ANALYZE) ketdir_search_doc` after the
upgrade of a large directory (docs/team-mode.md).

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _set_version(value: str) -> None:
    op.execute(sa.text("UPDATE ketdir_meta SET value = :v WHERE key = 'schema_version'").bindparams(v=value))


def upgrade() -> None:
    from ketdir.store.search_index import postgres

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for stmt in postgres.strong_statements():
            bind.exec_driver_sql(stmt)
        bind.exec_driver_sql("ANALYZE ketdir_search_doc")
    _set_version("5")


def downgrade() -> None:
    from ketdir.store.search_index import postgres

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for stmt in postgres.strong_drop_statements():
            bind.exec_driver_sql(stmt)
    _set_version("4")
