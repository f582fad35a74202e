"""Alembic environment: migrates the connection the caller hands in (never a global URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from models.schema import Base

config = context.config


def _bump_user_version(ctx, step, heads, run_args) -> None:  # type: ignore[no-untyped-def]
    # user_version mirrors the Alembic revision, inside the step's own transaction.
    for head in heads:
        ctx.connection.exec_driver_sql(f"PRAGMA user_version = {int(head)}")

connection = config.attributes.get("connection")

if connection is None:
    # Only for developers generating a revision from the command line.
    connectable = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    # render_as_batch: SQLite cannot ALTER most things, so later steps recreate tables.
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=True, transaction_per_migration=True,
                      on_version_apply=_bump_user_version)
    with context.begin_transaction():
        context.run_migrations()
