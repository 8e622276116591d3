"""Schema 4: search rows of national lines are numbered from search_index.NATIONAL_ROWID, local services below it, so
that a search of one side is a rowid range in the full-text index; on SQLite the index's word list
(ketdir_vocab) turns long typed prefixes into whole words. Every search row is refreshed.

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.orm import Session

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _set_version(value: str) -> None:
    op.execute(sa.text("UPDATE ketdir_meta SET value = :v WHERE key = 'schema_version'").bindparams(v=value))


def upgrade() -> None:
    from ketdir.store.index import refresh_all
    from ketdir.store.search_index import search_index, sqlite

    bind = op.get_bind()
    index = search_index(bind)
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(sqlite.WORDS_TABLE)
    with Session(bind=bind) as session, index.bulk_rewrite(bind):
        # Every row is rewritten: in the index's bulk mode (SQLite: the full-text triggers lifted and the index
        # rebuilt once afterwards, far faster than row by row: bench/README.md, "Generation").
        refresh_all(session)  # fills ketdir_vocab too
        session.flush()
    index.optimize(bind)
    _set_version("4")


def downgrade() -> None:
    # Schema 3 searches by the "local"/"national" tags, which the rows still carry: the numbering can stay.
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("DROP TABLE IF EXISTS ketdir_vocab")
    _set_version("3")
