"""The project file's identity: its SQLite application id and the schema version this code writes.

Kept apart from the ORM so that checking a file's header needs no SQLAlchemy.
"""

#: ``PRAGMA application_id`` of every project file: "AIP1".
APPLICATION_ID = 0x41495031
#: ``PRAGMA user_version`` of files this code writes; one per Alembic revision.
SCHEMA_VERSION = 5
