"""Our temp files beside a user's file: short names that fit in any folder, and their cleanup.

A save or a lock first writes a temp file in the same folder, then renames it into place. Its
name is short whatever the file is called (``.~aiplan-PID-HOST-RANDOM.tmp``), so a file whose
own name is as long as the system allows can still be saved. The name carries the writing
process and a tag of its computer, so a temp left by a killed process of this computer is
recognised at once; any other is removed only once it is old.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import stat
import time
import uuid
from pathlib import Path

PREFIX = ".~aiplan-"
GUARD_PREFIX = ".~aiplan-save-"
#: Temp files older than this (seconds) are leftovers of a killed process; younger ones may
#: belong to a save still running in another process (a slow network share).
STRAY_AGE = 60.0

_TEMP = re.compile(r"^\.~aiplan-(?P<pid>[0-9]{1,10})-(?P<host>[0-9a-f]{4})-[0-9a-f]{8}\.tmp$")
_GUARD = re.compile(r"^\.~aiplan-save-[0-9a-f]{16}\.guard$")
# The longer names of earlier versions, which named the file they belonged to.
_OLD_SAVE_TEMP = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}\.saving$")
_OLD_LOCK_TEMP = re.compile(r"^\.~lock\.(?P<name>.+)#\.[0-9a-f]{8}\.tmp$")


def host_tag() -> str:
    from app.locks import this_host  # the lock module names its temps with this one

    return hashlib.sha256(this_host().encode("utf-8")).hexdigest()[:4]


def new_temp(folder: Path) -> Path:
    """A fresh temp name in ``folder`` (the caller creates it with O_EXCL)."""
    return Path(folder) / f"{PREFIX}{os.getpid()}-{host_tag()}-{uuid.uuid4().hex[:8]}.tmp"


def guard_path(real: Path) -> Path:
    """The save guard of the file ``real``: a short name, the same for every copy of the app."""
    tag = hashlib.sha256(os.fsencode(real.name)).hexdigest()[:16]
    return real.with_name(f"{GUARD_PREFIX}{tag}.guard")


def guard_content() -> bytes:
    from app.locks import this_host

    return json.dumps({"pid": os.getpid(), "host": this_host()}).encode("utf-8")


def clear_stale_guard(guard: Path, older_than: float) -> bool:
    """Remove ``guard`` if the process that took it is gone (or it is older than
    ``older_than`` seconds); True when it was removed or is already gone."""
    from app.locks import process_alive, this_host

    try:
        info = os.stat(guard)
        with open(guard, "rb") as handle:
            raw = handle.read(1000)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    age = time.time() - info.st_mtime
    try:
        owner = json.loads(raw.decode("utf-8"))
        dead = (owner["host"] == this_host() and isinstance(owner["pid"], int)
                and owner["pid"] != os.getpid() and not process_alive(owner["pid"]))
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        dead = age > 2.0  # not written yet, or cut short by a crash
    if not (dead or age >= older_than):
        return False
    # Moved aside first and checked to be the guard judged stale, so a guard another save
    # took in the meantime is put back rather than removed.
    aside = new_temp(guard.parent)
    try:
        os.rename(guard, aside)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        if os.stat(aside).st_ino != info.st_ino:
            with contextlib.suppress(OSError):
                os.link(aside, guard)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(aside)
    return True


def _is_stray(name: str, only: str | None, info: os.stat_result, now: float,
              older_than: float) -> bool:
    match = _TEMP.match(name)
    if match is None:
        old = _OLD_SAVE_TEMP.match(name) or _OLD_LOCK_TEMP.match(name)
        return old is not None and (only is None or old["name"] == only) and \
            now - info.st_mtime >= older_than
    if now - info.st_mtime >= older_than:
        return True
    from app.locks import process_alive

    # A process of this computer that has ended (or a pid reused by a process started after
    # the temp was last written) is not saving any more: its temp can go at once.
    pid = int(match["pid"])
    since = dt.datetime.fromtimestamp(info.st_mtime).astimezone()
    return match["host"] == host_tag() and pid != os.getpid() and not process_alive(pid, since)


def remove_stray_temps(folder_or_target: Path, older_than: float = STRAY_AGE) -> list[Path]:
    """Delete the temp files a killed save (or lock) left in a folder; return what went.

    Given a file, the temps of its folder whose name does not say which file they belong to,
    and the older-style temps of that file only; given a folder, every one of ours. Only
    regular files, only those a live save cannot be using.
    """
    where = Path(folder_or_target)
    try:
        is_folder = where.is_dir()
    except OSError:
        return []
    folder, only = (where, None) if is_folder else (where.parent, where.name)
    removed: list[Path] = []
    now = time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not entry.name.startswith("."):
            continue
        if _GUARD.match(entry.name):
            # A save guard left by a save killed in its last step.
            if clear_stale_guard(Path(entry.path), older_than):
                removed.append(Path(entry.path))
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode) or not _is_stray(entry.name, only, info, now,
                                                                older_than):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed
