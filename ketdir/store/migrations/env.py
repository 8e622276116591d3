"""Alembic environment: always given a connection by ketdir.store.engine (config.attributes["connection"])."""
from __future__ import annotations

from alembic import context

from ketdir.store.models import Base

from ketdir.store.migrations.env_filter import include_object

target_metadata = Base.metadata

def run_migrations_online() -> None:
    connection = context.config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things: copy tables
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two team members opening an old server database at once: one upgrades, the other waits.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(74657464)")
        context.run_migrations()


run_migrations_online()
