"""After a crash: working copies whose app has gone, and temp files a killed save left behind.

Every edit commits to a working copy at once (docs/architecture.md 4), so the work done before a crash is
in ``paths.working_dir()``. Each working copy has an info file beside it (written by the
document) naming its source file, process and computer; a working copy whose process has
ended is an orphan, offered at the next start to recover or to discard.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import locks, paths, savetemps
from app.errors import DamagedProjectFileError, FileLockedError, NewerVersionError
from app.projectfile import (
    check_header,
    connect_raw,
    content_digest,
    expected_schema,
    schema_objects,
)
from models import migrate
from models.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from app.document import ProjectDocument

#: A working copy without a readable info file is an orphan only once it is this old (seconds):
#: a document being opened writes its working copy a moment before the info file.
NO_INFO_GRACE = 60.0
#: A working copy recorded on another computer (a roaming profile) is offered only after this
#: long (seconds) without an edit: its process cannot be checked from here.
OTHER_HOST_GRACE = 24 * 3600.0
#: Temp files of saves and locks older than this (seconds) are leftovers of a killed process.
STRAY_AGE = savetemps.STRAY_AGE

_WORKING_NAME = re.compile(r"^[0-9a-f]{32}\.aiplan$")
_INFO_NAME = re.compile(r"^[0-9a-f]{32}\.json(\.tmp)?$")

_COUNTED = ("opportunities", "decisions", "unit_models")  # keys and table names alike


@dataclass(frozen=True)
class Orphan:
    """A working copy left by an app that is no longer running."""

    working_path: Path
    #: The file it was opened from or last saved to; None for a project never saved.
    source: Path | None
    #: When the work was last changed (the working copy or its journal).
    last_edit: dt.datetime
    #: The project's name, and how many opportunities, decisions and unit models it holds,
    #: when the working copy can be read (else None and an empty dict).
    name: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    #: False when the working copy holds exactly what it held when last opened or saved
    #: (nothing to lose if the source file still exists); True when unknown.
    unsaved: bool = True
    #: The info file's content (may be empty when it was missing or unreadable).
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """How to name this work to the user."""
        if self.source is not None:
            return self.source.name
        return self.name or str(self.info.get("name") or "Untitled")


def _info_path(working: Path) -> Path:
    return working.with_suffix(".json")


def _journal(working: Path) -> Path:
    return working.with_name(working.name + "-journal")


def _read_info(working: Path) -> dict[str, Any] | None:
    try:
        info = json.loads(_info_path(working).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _last_edit(working: Path) -> float:
    times = []
    for file in (working, _journal(working)):
        with contextlib.suppress(OSError):
            times.append(file.stat().st_mtime)
    return max(times) if times else 0.0


def _opened(info: dict[str, Any]) -> dt.datetime | None:
    stamp = info.get("opened")
    try:
        opened = dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        return None
    # Info files of older versions hold local time without a zone.
    return opened.astimezone() if opened is not None else None


def _is_orphan(info: dict[str, Any] | None, age: float) -> bool:
    if info is None:
        return age > NO_INFO_GRACE
    pid = info.get("pid")
    host = info.get("host", locks.this_host())
    if host != locks.this_host():
        return age > OTHER_HOST_GRACE
    if not isinstance(pid, int) or isinstance(pid, bool):
        return age > NO_INFO_GRACE
    return pid != os.getpid() and not locks.process_alive(pid, _opened(info))


def find_orphans() -> list[Orphan]:
    """Working copies whose app has ended (crashed or killed), the most recent first.

    Working copies of running apps, of this one included, are never listed. A working copy
    with nothing in it (the app ended while creating it) is removed on the way.
    """
    found = []
    now = time.time()
    for working in paths.working_dir().iterdir():
        if _INFO_NAME.match(working.name):
            _remove_lone_info(working, now)
            continue
        if not _WORKING_NAME.match(working.name) or not working.is_file():
            continue
        info = _read_info(working)
        last = _last_edit(working)
        if not _is_orphan(info, now - last):
            continue
        try:
            empty = working.stat().st_size == 0 and not _journal(working).exists()
        except OSError:
            continue
        if empty:
            _remove_working(working)
            continue
        source = info.get("source") if info else None
        name, counts, unsaved = _peek(working)
        found.append(Orphan(
            working_path=working,
            source=Path(source) if isinstance(source, str) and source else None,
            last_edit=dt.datetime.fromtimestamp(last).astimezone(),
            name=name, counts=counts, unsaved=unsaved, info=info or {},
        ))
    found.sort(key=lambda orphan: orphan.last_edit, reverse=True)
    return found


def _remove_lone_info(info: Path, now: float) -> None:
    """An info file whose working copy is gone: a close or discard was cut short."""
    working = info.with_name(info.name.split(".")[0] + ".aiplan")
    with contextlib.suppress(OSError):
        if not working.exists() and now - info.stat().st_mtime > NO_INFO_GRACE:
            info.unlink()


def _peek(working: Path) -> tuple[str | None, dict[str, int], bool]:
    """The project's name and counts, read from the working copy (None if unreadable), and
    whether it holds edits: the checksum stored at the last open or save no longer matches.

    A read-write connection, because SQLite rolls back a hot journal left by the crash
    before reading, which is exactly what recovering would do anyway.
    """
    try:
        connection = connect_raw(working)
    except sqlite3.Error:
        return None, {}, True
    try:
        row = connection.execute("SELECT name, content_digest FROM project").fetchone()
        counts = {table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                  for table in _COUNTED}
        unsaved = not (row and row[1] and row[1] == content_digest(connection))
        return (str(row[0]) if row else None), counts, unsaved
    except (sqlite3.Error, TypeError, ValueError):
        return None, {}, True
    finally:
        connection.close()


def recover(orphan: Orphan) -> ProjectDocument:
    """Adopt an orphan's working copy as an open document, modified, whose Save writes its
    source file.

    Save then refuses to overwrite a source that changed since the crashed app last saw it
    (it writes a conflict copy instead), so recovering never silently drops anyone's later
    work. Raises ``DamagedProjectFileError`` when the working copy cannot be trusted.
    """
    from app.document import ProjectDocument, disk_state  # the document imports this module

    working = orphan.working_path
    label = Path(f"Unsaved work on {orphan.title}")
    version = _check_working_copy(working, label)
    doc = ProjectDocument(working, orphan.source)  # rewrites the info: this process owns it now
    if version < SCHEMA_VERSION:  # the app was updated since the crash
        with doc.engine.connect() as connection:
            migrate.upgrade(connection)
    doc.modified = True
    source = orphan.source
    if source is not None:
        doc.disk_state = _source_state_at_crash(orphan, working, disk_state(source))
        doc._write_info()
        if source.exists():
            try:
                lock = locks.acquire(source)
            except FileLockedError as exc:
                # Someone is editing the file now: keep the work, but Save must not replace theirs.
                doc.read_only = True
                doc.lock_holder = exc.lock if isinstance(exc.lock, locks.LockInfo) else None
            else:
                doc.locked = lock is not None
                doc.path_locked = source if doc.locked else None
    return doc


def _source_state_at_crash(orphan: Orphan, working: Path,
                           now: tuple[int, int, str] | None) -> tuple[int, int, str] | None:
    """What the crashed app last knew the source file to be.

    Recorded in the info file at every open and save. Failing that (an info file of an older
    version), the source counts as unchanged only if the content checksum stored in it is the
    one the working copy was opened or saved with; otherwise as changed, so Save writes a
    conflict copy rather than risk replacing someone else's work.
    """
    recorded = orphan.info.get("source_state")
    if (isinstance(recorded, list) and len(recorded) == 3
            and isinstance(recorded[0], int) and isinstance(recorded[2], str)):
        return (recorded[0], int(recorded[1]), recorded[2])
    if now is None:
        return None
    if orphan.source is not None and _stored_digest(orphan.source) == _stored_digest(working):
        return now
    return (-1, -1, "unknown")


def _stored_digest(file: Path) -> str | None:
    try:
        connection = sqlite3.connect(f"{file.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = connection.execute("SELECT content_digest FROM project").fetchone()
        return str(row[0]) if row and row[0] else None
    except sqlite3.Error:
        return None
    finally:
        connection.close()


def _check_working_copy(working: Path, label: Path) -> int:
    """Roll back what the crash left half-done, then check the working copy; its version."""
    try:
        connection = connect_raw(working)
    except sqlite3.Error as exc:
        raise DamagedProjectFileError(label, f"SQLite cannot open it: {exc}") from None
    try:
        # The first read rolls back a hot journal: the edit the crash interrupted is undone.
        result = [r[0] for r in connection.execute("PRAGMA integrity_check(20)").fetchall()]
        if result != ["ok"]:
            raise DamagedProjectFileError(label, f"SQLite's integrity check found: {result[0]}")
        version = int(connection.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise NewerVersionError(label, version, SCHEMA_VERSION)
        found = schema_objects(connection)
    except sqlite3.DatabaseError as exc:
        raise DamagedProjectFileError(label, f"SQLite reports: {exc}") from None
    finally:
        connection.close()
    try:
        check_header(label, working.read_bytes())  # the application id and page arithmetic
    except OSError as exc:
        raise DamagedProjectFileError(label, f"it cannot be read ({exc.strerror})") from None
    if found != expected_schema(version):
        raise DamagedProjectFileError(label, "its tables are not those of a project")
    return version


def discard(orphan: Orphan) -> None:
    """Delete an orphan's working copy, its journal and its info file."""
    _remove_working(orphan.working_path)


def _remove_working(working: Path) -> None:
    for file in (working, _journal(working), _info_path(working),
                 _info_path(working).with_suffix(".json.tmp")):
        with contextlib.suppress(OSError):
            file.unlink(missing_ok=True)


# --- temp files of killed saves ---------------------------------------------------------


def remove_stray_temps(folder_or_target: Path, older_than: float = STRAY_AGE) -> list[Path]:
    """Delete the temp files a killed save (or lock) left in a folder; return what went.

    See ``app.savetemps.remove_stray_temps``: both today's short names and the longer ones
    of earlier versions are recognised.
    """
    return savetemps.remove_stray_temps(folder_or_target, older_than)
