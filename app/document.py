"""The open document: a local working copy that every edit commits to, and safe saves.

docs/architecture.md 4: the file on disk is never edited in place. Opening checks the file and
copies it to a working copy; Save writes a complete copy beside the target and replaces it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import interchange, locks, paths, recovery
from app.errors import (
    DataFolderError,
    FileLockedError,
    ProjectFileError,
    ProjectSaveError,
    ReadOnlyDocumentError,
    SaveConflictError,
    os_reason,
)
from app.projectfile import (
    check_header,
    check_image,
    check_replaceable,
    content_digest,
    copy_checked,
    make_engine,
    write_atomically,
)
from models import migrate
from models.schema import APPLICATION_ID, SCHEMA_VERSION, Base, Project

SUFFIX = ".aiplan"

#: What Save compares to tell whether the file changed on disk: (size, mtime_ns, sha256).
DiskState = tuple[int, int, str]


def disk_state(path: Path) -> DiskState | None:
    """The state of the file at ``path`` now, or None when there is no file.

    Read only when it is a regular file, so a pipe put in the file's place cannot make a
    save wait forever.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return (-1, -1, "not a regular file")
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                return (-1, -1, "not a regular file")
            digest, size = hashlib.sha256(), 0
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        return None
    except OSError:
        return (-1, -1, "unreadable")  # compared as changed: never overwrite what we cannot read
    return (size, info.st_mtime_ns, digest.hexdigest())


class _ChangedOnDisk(Exception):
    """Raised just before the rename of a save: the file is no longer what was opened."""


class ProjectDocument:
    """One open project: its file on disk (if any) and its local working copy."""

    def __init__(self, working_path: Path, path: Path | None) -> None:
        self.working_path = working_path
        self.path = path
        self.engine: Engine = make_engine(working_path)
        #: True when the working copy holds edits the file on disk does not.
        self.modified = False
        #: The project as checked at open, handed to the first ``to_json()`` (then None).
        self._opened_json: dict[str, Any] | None = None
        #: Opened read-only: Save refuses (use Save As); see ``open(read_only=True)``.
        self.read_only = False
        #: True while this process holds the lock file on ``path``.
        self.locked = False
        #: The file whose lock this process holds (``path``, or None).
        self.path_locked: Path | None = None
        #: Why ``path`` is not locked although editing was asked for (a plain reason), else None.
        self.lock_problem: str | None = None
        #: Someone else's lock found on ``path`` (a document opened read-only because of it).
        self.lock_holder: locks.LockInfo | None = None
        #: The file this unsaved document was copied from (``open_copy``).
        self.copied_from: Path | None = None
        #: ``path`` as it was when opened or last saved; Save refuses to overwrite other states.
        self.disk_state: DiskState | None = None
        self._write_info()

    # --- creating and opening ---------------------------------------------------------

    @staticmethod
    def _new_working_path() -> Path:
        return paths.working_dir() / f"{uuid.uuid4().hex}{SUFFIX}"

    @classmethod
    def new(cls, name: str = "Untitled plan") -> ProjectDocument:
        """An empty, unsaved project, created at the current schema version and stamped.

        ``DataFolderError`` when the app's data folder cannot hold it (nothing is left there).
        """
        with _data_folder():
            working = cls._new_working_path()
        doc = cls(working, None)
        try:
            with _data_folder(working.parent), doc.engine.connect() as connection:
                connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
                Base.metadata.create_all(connection)
                connection.commit()
                migrate.stamp(connection)
            with doc.edit() as session:
                session.add(Project(id=1, name=name))
        except BaseException:
            doc.close()  # no empty working copy is left behind
            raise
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
    def open(cls, path: Path, *, for_editing: bool = False, force: bool = False,
             read_only: bool = False, allow_side_files: bool = False) -> ProjectDocument:
        """Check ``path``, copy it to a working copy and migrate the copy if it is older.

        ``for_editing`` takes the lock file beside ``path`` and raises ``FileLockedError``
        (before anything is copied) when someone else holds it, unless ``force``; a lock that
        cannot be written leaves the document unlocked, with the reason in ``lock_problem``.
        ``read_only`` takes no lock and makes Save refuse. Without either (the command line)
        no lock is taken. A ``-journal`` or ``-wal`` file beside ``path`` raises
        ``SideFilesError`` unless ``allow_side_files`` (the user chose to open it as it is).
        Raises a ``ProjectFileError`` and leaves ``path`` untouched when it is not usable.
        """
        path = Path(path).absolute()
        recovery.remove_stray_temps(path)
        lock, problem = None, None
        if for_editing and not read_only:
            lock, problem = cls._lock(path, force)
        try:
            doc = cls._open_unlocked(path, allow_side_files)
        except BaseException:
            if lock is not None:
                locks.release(path)
            raise
        doc.read_only = read_only
        if read_only:
            doc.lock_holder = locks.read_lock(path)
        elif for_editing:
            doc.locked = lock is not None
            doc.path_locked = path if doc.locked else None
            doc.lock_problem = None if doc.locked else (problem or locks.READ_ONLY_REASON)
        return doc

    @classmethod
    def open_copy(cls, path: Path, *, allow_side_files: bool = False) -> ProjectDocument:
        """An unsaved document holding the content of ``path`` (Open a copy): no lock, no
        path; ``copied_from`` names the file it came from."""
        path = Path(path).absolute()
        doc = cls._open_unlocked(path, allow_side_files)
        doc.path = None
        doc.disk_state = None
        doc.copied_from = path
        doc._write_info()
        return doc

    @staticmethod
    def _lock(path: Path, force: bool) -> tuple[locks.LockInfo | None, str | None]:
        if not path.exists():
            return None, None  # the open below reports the missing file
        return locks.acquire_with_reason(path, force=force)

    @classmethod
    def _open_unlocked(cls, path: Path, allow_side_files: bool = False) -> ProjectDocument:
        try:
            before: os.stat_result | None = path.stat()
        except OSError:
            before = None  # copy_checked reports a missing or unreadable file in a sentence
        with _data_folder():
            working = cls._new_working_path()
        version = copy_checked(path, working, allow_side_files=allow_side_files)
        # The working copy is, byte for byte, what was read: its hash is the file's.
        opened = working.read_bytes()
        state = (len(opened), before.st_mtime_ns if before else 0,
                 hashlib.sha256(opened).hexdigest())
        if version < SCHEMA_VERSION:
            backup = paths.backup_dir() / (
                f"{path.stem}-v{version}-{time.strftime('%Y%m%d-%H%M%S')}{SUFFIX}"
            )
            try:
                with _data_folder(backup.parent):
                    shutil.copyfile(working, backup)
            except BaseException:
                working.unlink(missing_ok=True)
                raise
        doc = cls(working, path)
        doc.disk_state = state
        doc._write_info()
        try:
            if version < SCHEMA_VERSION:
                with _data_folder(working.parent), doc.engine.connect() as connection:
                    migrate.upgrade(connection)
            doc._check_content(path)
        except BaseException:
            doc.close()
            raise
        return doc

    def _check_content(self, path: Path) -> None:
        """Every value as the JSON import would check it (InvalidProjectDataError if not).

        The file checks prove the file is intact and shaped like ours; a crafted file can still
        carry a negative count or an unknown distribution under a forged checksum, and the
        app must refuse it at the door rather than trip over it later.
        """
        with self.session() as session:
            data = interchange.export_project(session)
        interchange.validate(data, path)
        self._opened_json = data

    # --- editing ----------------------------------------------------------------------

    def session(self) -> Session:
        """A session for reading; use ``edit()`` to change anything."""
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def edit(self) -> Iterator[Session]:
        """A transaction on the working copy, committed at once when the block ends."""
        self._opened_json = None
        with (_data_folder(self.working_path.parent, os_errors=False),
              Session(self.engine, expire_on_commit=False) as session, session.begin()):
            yield session
        self.modified = True

    def project(self) -> Project:
        with self.session() as session:
            return session.execute(select(Project)).scalar_one()

    def to_json(self) -> dict[str, Any]:
        """The project as interchange JSON (a new dict the caller may change)."""
        data, self._opened_json = self._opened_json, None
        if data is not None:  # checked at open, nothing edited since: no second export
            return data
        with self.session() as session:
            return interchange.export_project(session)

    def replace_content(self, data: dict[str, Any], source: Path | None = None) -> None:
        with self.edit() as session:
            interchange.replace_content(session, data, source)

    @property
    def display_name(self) -> str:
        if self.path:
            return self.path.name
        return f"Copy of {self.copied_from.name}" if self.copied_from else "Untitled"

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

    def save_as(self, path: Path, *, force: bool = False) -> None:
        """Write the whole project to ``path`` atomically; on error ``path`` is unchanged.

        The document then edits ``path``: the lock moves there (``FileLockedError`` if
        someone else holds it, unless ``force``), and it is no longer read-only. Saving to
        the file the document already edits is ``save()``, with its conflict check.
        """
        path = Path(path).absolute()
        if path == self.path:
            if self.path_locked != path and path.exists():
                # A read-only document (someone else's lock) must not replace their file unasked.
                lock = locks.acquire(path, force=force)
                self.locked, self.path_locked = lock is not None, path if lock else None
                self.lock_holder = None
            self.read_only = False
            self.save()
            return
        # Refused before any lock is taken: a pipe, a name too long, a file with hard links.
        existing = check_replaceable(path, writers=False)
        new_lock = locks.acquire(path, force=force) if existing is not None else None
        try:
            self._write(path)
        except BaseException:
            if new_lock is not None:
                locks.release(path)
            raise
        self._move_lock(path, new_lock)
        self.read_only = False
        self.copied_from = None

    def save(self) -> None:
        """Write the project over its file, unless the file changed on disk since it was
        opened or last saved: then the work goes to a conflict copy beside it, the document
        edits that copy from now on, and ``SaveConflictError`` says so."""
        if self.path is None:
            raise ProjectSaveError(None, "it has no file name yet; use Save As")
        if self.read_only:
            raise ReadOnlyDocumentError(self.path)
        check_replaceable(self.path, writers=False)  # a pipe in its place: refused, no waiting
        now = disk_state(self.path)
        # A vanished file is simply written again: nobody's work is overwritten by that.
        if now is not None and not _same(now, self.disk_state):
            self._save_conflict_copy()
        try:
            # Checked again under the save guard just before the rename: another save of
            # ours that renamed since the check above makes this one a conflict copy too.
            self._write(self.path, unchanged=True)
        except _ChangedOnDisk:
            self._save_conflict_copy()

    def _write(self, path: Path, *, unchanged: bool = False) -> None:
        """Write the project to ``path``; with ``unchanged``, only if the file is still as it
        was opened or last saved (or gone), else ``_ChangedOnDisk``."""
        remembered = self.disk_state
        data = self.snapshot()
        if data[18:20] != b"\x01\x01":
            raise ProjectSaveError(path, "the working copy is not in rollback-journal mode")

        def verify(temp: Path) -> None:
            written = temp.read_bytes()
            if written != data:
                raise ProjectSaveError(path, "what was read back differs from what was written")
            check_image(path, written, check_header(path, written))

        def still_unchanged(real: Path) -> None:
            now = disk_state(real)
            if now is not None and not _same(now, remembered):
                raise _ChangedOnDisk

        write_atomically(path, data, verify, before_replace=still_unchanged if unchanged else None)
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:
            mtime = 0  # only size and hash decide a conflict
        self.path = path
        self.disk_state = (len(data), mtime, hashlib.sha256(data).hexdigest())
        self.modified = False
        self._write_info()

    def _move_lock(self, path: Path, new_lock: locks.LockInfo | None) -> None:
        """Hold the lock on ``path`` (just written) instead of the old file's."""
        old = self.path_locked
        problem = None
        if new_lock is None:
            try:
                new_lock, problem = locks.acquire_with_reason(path)
            except FileLockedError:
                new_lock = None  # taken in the instant since our write: theirs stays
        if old is not None and old != path:
            locks.release(old)
        self.locked = new_lock is not None
        self.lock_problem = None if self.locked else (problem or locks.READ_ONLY_REASON)
        self.lock_holder = None
        self.path_locked = path if self.locked else None

    def _save_conflict_copy(self) -> None:
        assert self.path is not None
        original = self.path
        theirs = _read_project(original)
        conflict = conflict_path(original)
        self._write(conflict)  # sets path: further saves go to the conflict copy
        self._move_lock(conflict, None)
        raise SaveConflictError(original, conflict, _difference(theirs, self.to_json()))

    # --- closing ----------------------------------------------------------------------

    def close(self, *, keep_working_copy: bool = False) -> None:
        """Release the working copy and our lock (the file on disk is not touched).

        ``keep_working_copy`` leaves the working copy for recovery at the next start (a
        recovered document the user did not keep after all).
        """
        if self.path_locked is not None:
            locks.release(self.path_locked)
            self.path_locked = None
            self.locked = False
        self.engine.dispose()
        if keep_working_copy:
            self._write_info(owned=False)  # no process of ours: an orphan from now on
            return
        for leftover in (self.working_path, self._info_path, self._info_path.with_suffix(".json.tmp"),
                         self.working_path.with_name(self.working_path.name + "-journal")):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass

    @property
    def _info_path(self) -> Path:
        return self.working_path.with_suffix(".json")

    def _write_info(self, owned: bool = True) -> None:
        # Lets a later start find which file a working copy belongs to and what that file
        # held when last seen (crash recovery, app/recovery.py).
        state = self.disk_state
        info = {"source": str(self.path) if self.path else None, "pid": os.getpid() if owned else 0,
                "host": locks.this_host(),
                "opened": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                "name": self.display_name,
                "source_state": list(state) if state else None}
        # Through a temp file: a crash while writing must not leave half an info file, which
        # would cut the working copy off from its source.
        temp = self._info_path.with_suffix(".json.tmp")
        try:
            temp.write_text(json.dumps(info), encoding="utf-8")
            os.replace(temp, self._info_path)
        except OSError:
            pass

    def __enter__(self) -> ProjectDocument:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


# What SQLite's primary result codes mean for the folder that holds the working copy.
_SQLITE_REASONS = {
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_READONLY: "the disk or folder is read-only",
    sqlite3.SQLITE_CANTOPEN: "permission was denied",
    sqlite3.SQLITE_IOERR: "the disk reported an input/output error",
}


@contextmanager
def _data_folder(folder: Path | None = None, *, os_errors: bool = True) -> Iterator[None]:
    """A failure to write the app's data folder as one plain sentence (``DataFolderError``).

    ``os_errors``: an ``OSError`` inside means the folder too (else only SQLite's errors do).
    """
    try:
        yield
    except OSError as exc:
        if not os_errors:
            raise
        raise DataFolderError(folder or _data_folder_name(), os_reason(exc)) from None
    except (OperationalError, sqlite3.OperationalError) as exc:
        code = getattr(getattr(exc, "orig", exc), "sqlite_errorcode", None)
        reason = _SQLITE_REASONS.get(code & 0xFF) if isinstance(code, int) else None
        if reason is None:
            raise
        raise DataFolderError(folder or _data_folder_name(), reason) from None


def _data_folder_name() -> Path | None:
    override = os.environ.get("AIPLAN_DATA_DIR")
    return Path(override) if override else None


def _same(now: DiskState, remembered: DiskState | None) -> bool:
    # The hash decides; size and time only tell a change the cheap way.
    return remembered is not None and now[0] == remembered[0] and now[2] == remembered[2]


def conflict_path(path: Path, when: dt.datetime | None = None) -> Path:
    """``NAME (conflict USER YYYY-MM-DD HHMM).aiplan`` beside ``path``; -2, -3… if taken."""
    when = when or dt.datetime.now()
    user = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", locks.this_user()).strip(" .") or "someone"
    tail = f" (conflict {user} {when:%Y-%m-%d %H%M}-999){path.suffix}"
    # A name already as long as the folder allows gives up the end of its stem to fit.
    room = max(locks.NAME_MAX - len(tail.encode("utf-8")), 1)
    stem = path.stem.encode("utf-8", "surrogateescape")[:room].decode("utf-8", "ignore")
    base = f"{stem} (conflict {user} {when:%Y-%m-%d %H%M}"
    for n in range(1, 1000):
        candidate = path.with_name(f"{base}{'' if n == 1 else f'-{n}'}){path.suffix}")
        if not candidate.exists() and not locks.lock_path(candidate).exists():
            return candidate
    raise ProjectSaveError(path, "no free name was left for a conflict copy beside it")


def _read_project(path: Path) -> dict[str, Any] | None:
    """The project now in ``path`` as interchange JSON, or None if it cannot be read."""
    try:
        with ProjectDocument._open_unlocked(path) as other:
            return other.to_json()
    except (ProjectFileError, OSError):
        return None


def _difference(theirs: dict[str, Any] | None, ours: dict[str, Any]) -> str:
    """A short text of how the file on disk and our work differ."""
    if theirs is None:
        return "The file on disk could not be read to compare it."
    try:
        from app.diff import summary  # the words of File > Compare, when it is there
    except ImportError:
        pass
    else:
        try:
            return str(summary(theirs, ours, limit=8))
        except Exception:  # a failing comparison must not lose the conflict report
            pass

    def counts(data: dict[str, Any]) -> str:
        return ", ".join(f"{len(data.get(key) or [])} {label}" for key, label in (
            ("opportunities", "opportunities"), ("decisions", "decisions"),
            ("unit_models", "unit models")))

    return f"On disk: {counts(theirs)}. Yours: {counts(ours)}."
