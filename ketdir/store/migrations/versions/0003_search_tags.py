"""Schema 3: filter tags in the search rows (ketdir_search_doc.tags, see ketdir.store.tags), indexed by the
full-text index; the index is rebuilt with the new column and every search row is refreshed.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The full-text columns of schema 2 (for going back).
SCHEMA_2_COLUMNS = ("name", "alternate_name", "organization", "needs_text", "description")
SCHEMA_2_PG_SOURCES = (("name", "A"), ("alternate_name", "B"), ("needs_text", "B"), ("organization", "C"),
                       ("description", "D"))


def _run(statements) -> None:
    bind = op.get_bind()
    for stmt in statements:
        bind.exec_driver_sql(stmt)


def _set_version(value: str) -> None:
    op.execute(sa.text("UPDATE ketdir_meta SET value = :v WHERE key = 'schema_version'").bindparams(v=value))


def upgrade() -> None:
    from ketdir.store.index import refresh_all
    from ketdir.store.search_index import postgres, search_index, sqlite

    bind = op.get_bind()
    _run(search_index(bind).drop_statements())
    with op.batch_alter_table("ketdir_search_doc") as batch:
        batch.add_column(sa.Column("tags", sa.Text(), nullable=False, server_default=""))
    if bind.dialect.name == "postgresql":
        _run(postgres.create_statements(bind))
    else:
        _run(sqlite.create_statements())
        bind.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")  # follow the existing rows
    with Session(bind=bind) as session:  # the tags are computed from the services: refresh every row
        refresh_all(session)
        session.flush()
    _set_version("3")


def downgrade() -> None:
    from ketdir.store.search_index import postgres, search_index, sqlite

    bind = op.get_bind()
    _run(search_index(bind).drop_statements())
    with op.batch_alter_table("ketdir_search_doc") as batch:
        batch.drop_column("tags")
    if bind.dialect.name == "postgresql":
        _run(postgres.create_statements(bind, SCHEMA_2_PG_SOURCES))
    else:
        _run(sqlite.create_statements(SCHEMA_2_COLUMNS))
        bind.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    _set_version("2")
