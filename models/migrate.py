"""Alembic, run programmatically on a connection the caller owns: upgrade and stamp."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from models.schema import SCHEMA_VERSION

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def revision_of(version: int) -> str:
    """The Alembic revision id of a schema version (``user_version``)."""
    return f"{version:04d}"


def version_of(revision: str) -> int:
    return int(revision)


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, version: int = SCHEMA_VERSION) -> None:
    """Migrate to ``version``; each step commits with its version bump, or not at all."""
    command.upgrade(_config(connection), revision_of(version))


def stamp(connection: Connection, version: int = SCHEMA_VERSION) -> None:
    """Record that a freshly created schema is at ``version``."""
    command.stamp(_config(connection), revision_of(version))
    connection.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
    connection.commit()


def current_version(connection: Connection) -> int | None:
    revision = MigrationContext.configure(connection).get_current_revision()
    return None if revision is None else version_of(revision)
