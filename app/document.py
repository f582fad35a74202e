"""The open document: a local working copy that every edit commits to, and safe saves.

DESIGN section 4: the file on disk is never edited in place. Opening checks the file and
copies it to a working copy; Save writes a complete copy beside the target and replaces it.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app import interchange, paths
from app.errors import ProjectSaveError
from app.projectfile import (
    check_database,
    check_header,
    content_digest,
    copy_checked,
    make_engine,
    write_atomically,
)
from models import migrate
from models.schema import APPLICATION_ID, SCHEMA_VERSION, Base, Project

SUFFIX = ".aiplan"


class ProjectDocument:
    """One open project: its file on disk (if any) and its local working copy."""

    def __init__(self, working_path: Path, path: Path | None) -> None:
        self.working_path = working_path
        self.path = path
        self.engine: Engine = make_engine(working_path)
        #: True when the working copy holds edits the file on disk does not.
        self.modified = False
        self._write_info()

    # --- creating and opening ---------------------------------------------------------

    @staticmethod
    def _new_working_path() -> Path:
        return paths.working_dir() / f"{uuid.uuid4().hex}{SUFFIX}"

    @classmethod
    def new(cls, name: str = "Untitled plan") -> ProjectDocument:
        """An empty, unsaved project, created at the current schema version and stamped."""
        working = cls._new_working_path()
        doc = cls(working, None)
        with doc.engine.connect() as connection:
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            Base.metadata.create_all(connection)
            connection.commit()
            migrate.stamp(connection)
        with doc.edit() as session:
            session.add(Project(id=1, name=name))
        doc.modified = False
        return doc

    @classmethod
    def from_data(cls, data: dict[str, Any], source: Path | None = None, *,
                  trusted: bool = False) -> ProjectDocument:
        """An unsaved project holding ``data`` (validated; nothing is created on error)."""
        if not trusted:
            interchange.validate(data, source)
        doc = cls.new()
        try:
            with doc.edit() as session:
                interchange.replace_content(session, data, source, trusted=trusted)
        except BaseException:
            doc.close()
            raise
        return doc

    @classmethod
    def sample(cls) -> ProjectDocument:
        """A fresh, unsaved working copy of the embedded sample plan."""
        # The embedded sample is validated by the test suite; skipping jsonschema here keeps
        # its import (and a second pass over the data) out of the app's start-up.
        return cls.from_data(interchange.sample_data(), trusted=True)

    @classmethod
    def open(cls, path: Path) -> ProjectDocument:
        """Check ``path``, copy it to a working copy and migrate the copy if it is older.

        Raises a ``ProjectFileError`` and leaves ``path`` untouched when it is not usable.
        """
        path = Path(path).absolute()
        working = cls._new_working_path()
        version = copy_checked(path, working)
        if version < SCHEMA_VERSION:
            backup = paths.backup_dir() / (
                f"{path.stem}-v{version}-{time.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
            )
            shutil.copyfile(working, backup)
        doc = cls(working, path)
        if version < SCHEMA_VERSION:
            with doc.engine.connect() as connection:
                migrate.upgrade(connection)
        return doc

    # --- editing ----------------------------------------------------------------------

    def session(self) -> Session:
        """A session for reading; use ``edit()`` to change anything."""
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def edit(self) -> Iterator[Session]:
        """A transaction on the working copy, committed at once when the block ends."""
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session
        self.modified = True

    def project(self) -> Project:
        with self.session() as session:
            return session.execute(select(Project)).scalar_one()

    def to_json(self) -> dict[str, Any]:
        with self.session() as session:
            return interchange.export_project(session)

    def replace_content(self, data: dict[str, Any], source: Path | None = None) -> None:
        with self.edit() as session:
            interchange.replace_content(session, data, source)

    @property
    def display_name(self) -> str:
        return self.path.name if self.path else "Untitled"

    # --- saving -----------------------------------------------------------------------

    def snapshot(self) -> bytes:
        """The complete file to write: the working copy with its content digest."""
        with self.engine.connect() as connection:
            raw = connection.connection.driver_connection
            assert isinstance(raw, sqlite3.Connection)
            digest = content_digest(raw)
            connection.exec_driver_sql("UPDATE project SET content_digest = ?", (digest,))
            connection.commit()
            return raw.serialize()

    def save_as(self, path: Path) -> None:
        """Write the whole project to ``path`` atomically; on error ``path`` is unchanged."""
        path = Path(path).absolute()
        data = self.snapshot()
        if data[18:20] != b"\x01\x01":
            raise ProjectSaveError(path, "the working copy is not in rollback-journal mode")

        def verify(temp: Path) -> None:
            written = temp.read_bytes()
            if written != data:
                raise ProjectSaveError(path, "what was read back differs from what was written")
            check_database(path, temp, check_header(path, written))

        write_atomically(path, data, verify)
        self.path = path
        self.modified = False
        self._write_info()

    def save(self) -> None:
        if self.path is None:
            raise ProjectSaveError(None, "it has no file name yet; use Save As")
        self.save_as(self.path)

    # --- closing ----------------------------------------------------------------------

    def close(self) -> None:
        """Release the working copy (the file on disk is not touched)."""
        self.engine.dispose()
        for leftover in (self.working_path, self._info_path,
                         self.working_path.with_name(self.working_path.name + "-journal")):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass

    @property
    def _info_path(self) -> Path:
        return self.working_path.with_suffix(".json")

    def _write_info(self) -> None:
        # Lets a later start find which file a working copy belongs to (crash recovery).
        info = {"source": str(self.path) if self.path else None, "pid": os.getpid(),
                "opened": time.strftime("%Y-%m-%dT%H:%M:%S")}
        try:
            self._info_path.write_text(json.dumps(info), encoding="utf-8")
        except OSError:
            pass

    def __enter__(self) -> ProjectDocument:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
