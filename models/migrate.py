"""Alembic, run programmatically on a connection the caller owns: upgrade and stamp."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Column, Connection, MetaData, PrimaryKeyConstraint, String, Table, select

from models.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic's own version table, declared here so creating a new file needs no Alembic import
# (it is slow to import); a test checks it matches what Alembic's migrations create.
VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def revision_of(version: int) -> str:
    """The Alembic revision id of a schema version (``user_version``)."""
    return f"{version:04d}"


def version_of(revision: str) -> int:
    return int(revision)


def _config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, version: int = SCHEMA_VERSION) -> None:
    """Migrate to ``version``; each step commits with its version bump, or not at all."""
    from alembic import command

    command.upgrade(_config(connection), revision_of(version))


def stamp(connection: Connection, version: int = SCHEMA_VERSION) -> None:
    """Record that a freshly created schema is at ``version`` (as ``alembic stamp`` does)."""
    VERSION_TABLE.create(connection)
    connection.execute(VERSION_TABLE.insert().values(version_num=revision_of(version)))
    connection.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
    connection.commit()


def current_version(connection: Connection) -> int | None:
    revision = connection.execute(select(VERSION_TABLE.c.version_num)).scalar_one_or_none()
    return None if revision is None else version_of(revision)
