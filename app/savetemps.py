"""Our temp files beside a user's file: short names that fit in any folder, and their cleanup.

A save or a lock first writes a temp file in the same folder, then renames it into place. Its
name is short whatever the file is called (``.~aiplan-PID-HOST-RANDOM.tmp``), so a file whose
own name is as long as the system allows can still be saved. The name carries the writing
process and a tag of its computer, so a temp left by a killed process of this computer is
recognised at once; any other is removed only once it is old.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import stat
import time
import uuid
from pathlib import Path

PREFIX = ".~aiplan-"
#: Temp files older than this (seconds) are leftovers of a killed process; younger ones may
#: belong to a save still running in another process (a slow network share).
STRAY_AGE = 60.0

_TEMP = re.compile(r"^\.~aiplan-(?P<pid>[0-9]{1,10})-(?P<host>[0-9a-f]{4})-[0-9a-f]{8}\.tmp$")
# The longer names of earlier versions, which named the file they belonged to.
_OLD_SAVE_TEMP = re.compile(r"^\.(?P<name>.+)\.[0-9a-f]{8}\.saving$")
_OLD_LOCK_TEMP = re.compile(r"^\.~lock\.(?P<name>.+)#\.[0-9a-f]{8}\.tmp$")


def host_tag() -> str:
    from app.locks import this_host  # the lock module names its temps with this one

    return hashlib.sha256(this_host().encode("utf-8")).hexdigest()[:4]


def new_temp(folder: Path) -> Path:
    """A fresh temp name in ``folder`` (the caller creates it with O_EXCL)."""
    return Path(folder) / f"{PREFIX}{os.getpid()}-{host_tag()}-{uuid.uuid4().hex[:8]}.tmp"


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
