"""Lock files beside project files: who has a file open for editing, where and since when.

The lock for ``NAME.aiplan`` is ``.~lock.NAME.aiplan#`` in the same folder (LibreOffice's
naming, so people who know it recognise it). It holds one line of JSON::

    {"user": "dana", "host": "laptop-7", "pid": 4242, "time": "2026-11-27T09:14:03+01:00"}

A lock is advisory: it lets the app tell the second person who opens a file that someone is
already working on it. A lock that cannot be written (a read-only folder, a full disk) never
stops anyone from opening the file; the document is then simply not locked, and says why.

The lock lies beside the real file when the project is opened through a symlink, so the link
and the file share one lock; a name too long for the lock's own name gets a shortened one
(see ``lock_path``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import getpass
import hashlib
import json
import os
import socket
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from app import savetemps
from app.errors import FileLockedError, os_reason

#: Who a lock that cannot be read is attributed to.
SOMEONE = "someone"
#: The pause before reading back a lock that replaced another (see ``acquire``).
SETTLE_SECONDS = 0.05


@dataclass(frozen=True)
class LockInfo:
    """One lock: the user, the computer, the process and when it was taken."""

    user: str
    host: str
    pid: int | None
    time: dt.datetime | None

    def describe(self, now: dt.datetime | None = None) -> str:
        """``dana on host laptop-7 since 09:14 today`` (or ``since 24 Nov 2026 09:14``)."""
        text = self.user or SOMEONE
        if self.host:
            text += f" on host {self.host}"
        if self.time is not None:
            local = self.time.astimezone() if self.time.tzinfo else self.time
            today = (now or dt.datetime.now()).date()
            if local.date() == today:
                text += f" since {local:%H:%M} today"
            else:
                text += f" since {local.day} {local:%b %Y %H:%M}"
        return text

    @property
    def is_ours(self) -> bool:
        """Taken by this very process."""
        return self.pid == os.getpid() and self.host == this_host()

    @property
    def by_me(self) -> bool:
        """Taken by this user on this computer (perhaps in another window of the app)."""
        return self.user == this_user() and self.host == this_host()

    @property
    def is_stale(self) -> bool:
        """Left by a process of this computer that has ended, so nobody holds it any more.

        A lock from another computer is never stale: its process cannot be checked from here.
        """
        return (self.pid is not None and self.host == this_host()
                and not process_alive(self.pid, self.time))


#: The longest file name (in bytes) folders allow on the systems the app runs on.
NAME_MAX = 255
#: The most a lock file is read: a lock is one short line.
MAX_LOCK_BYTES = 4096


def lock_path(path: Path) -> Path:
    """The lock of ``path``: beside the real file when ``path`` is a symlink, so everyone who
    reaches the file, through any link, finds the same lock.

    A name too long for ``.~lock.NAME#`` to fit gets ``.~lock.START~HASH#``: the start of the
    name and 16 hex digits of its SHA-256, which every copy of the app computes alike.
    """
    real = Path(os.path.realpath(Path(path).absolute()))
    name = real.name
    if len(f".~lock.{name}#".encode("utf-8", "surrogateescape")) > NAME_MAX:
        digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
        start = os.fsencode(name)[:NAME_MAX - len(".~lock.~#") - len(digest) - 32]
        name = f"{start.decode('utf-8', 'ignore')}~{digest}"
    return real.with_name(f".~lock.{name}#")


def this_user() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # getpass raises OSError or KeyError when no name is configured
        user = ""
    return user or os.environ.get("USERNAME") or os.environ.get("USER") or SOMEONE


def this_host() -> str:
    try:
        return socket.gethostname() or "unknown"
    except OSError:
        return "unknown"


def read_lock(path: Path) -> LockInfo | None:
    """The lock on ``path``, or None when there is none.

    A lock that cannot be read or parsed still counts as held, by "someone": the safe
    reading of a half-written or foreign lock file is that somebody may be working.
    """
    lock = lock_path(path)
    try:
        raw = _read_regular(lock)
    except FileNotFoundError:
        return None
    except OSError:
        return _someone(lock)
    try:
        data = json.loads(raw.decode("utf-8"))
        user, host, pid = data["user"], data["host"], data["pid"]
        if not isinstance(user, str) or not isinstance(host, str):
            raise TypeError("user and host must be text")
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise TypeError("pid must be a number")
        stamp = data.get("time")
        taken = dt.datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return _someone(lock)
    return LockInfo(_plain(user), _plain(host), pid, taken)


def _read_regular(lock: Path) -> bytes:
    """The start of a lock file; ``OSError`` when it is not a regular file.

    Opened without waiting, so a named pipe in the lock's place cannot stop the app opening
    the project, and read only so far, so a link to an endless device cannot fill memory.
    """
    fd = os.open(lock, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "the lock is not a regular file")
        return os.read(fd, MAX_LOCK_BYTES)
    finally:
        os.close(fd)


def _plain(text: str) -> str:
    # The names go into a sentence on screen: no control characters, no novel.
    return "".join(c if c.isprintable() else " " for c in text)[:80].strip()


def _someone(lock: Path) -> LockInfo:
    try:
        taken: dt.datetime | None = dt.datetime.fromtimestamp(lock.stat().st_mtime).astimezone()
    except (OSError, ValueError, OverflowError):
        taken = None
    return LockInfo(SOMEONE, "", None, taken)


def acquire(path: Path, force: bool = False) -> LockInfo | None:
    """Take the lock on ``path`` for this process; return it, or None if it could not be written.

    Raises ``FileLockedError`` when another live process holds it and ``force`` is False. A
    lock left by an ended process of this computer is replaced silently.
    """
    return acquire_with_reason(path, force)[0]


def acquire_with_reason(path: Path, force: bool = False) -> tuple[LockInfo | None, str | None]:
    """``acquire``, and when the lock could not be written, why (a plain reason)."""
    path = Path(path).absolute()
    current = read_lock(path)
    replace = False
    if current is not None:
        if not (current.is_ours or current.is_stale or force):
            raise FileLockedError(path, current)
        replace = True
    mine = LockInfo(this_user(), this_host(), os.getpid(),
                    dt.datetime.now().astimezone().replace(microsecond=0))
    try:
        won, exclusive = _write(path, mine, replace)
    except OSError as exc:
        return None, unwritable_reason(exc)  # a read-only folder or share: the file opens, unlocked
    if won and not exclusive and not (current is not None and current.is_ours):
        # Apps replacing the same dead lock at the same moment each read it before the first
        # replaced it, so all their replaces land within moments: after a pause, the read-back
        # below shows every one of them the same, last, winner.
        time.sleep(SETTLE_SECONDS)
    holder = read_lock(path)
    if not won or (holder is not None and not holder.is_ours):
        raise FileLockedError(path, holder or LockInfo(SOMEONE, "", None, None))
    return mine, None


#: Why a lock could not be written, said inside the window's sentence about the missing lock.
READ_ONLY_REASON = "its folder does not let the app write a lock file there; it may be read-only"


def unwritable_reason(exc: OSError) -> str:
    """Why a lock file could not be written, from the system's error."""
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return READ_ONLY_REASON
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full, so no lock file fits beside it"
    return f"the lock file could not be written: {os_reason(exc)}"


def release(path: Path) -> None:
    """Remove the lock on ``path`` if this process holds it; anyone else's stays."""
    current = read_lock(path)
    if current is not None and current.is_ours:
        with contextlib.suppress(OSError):
            lock_path(path).unlink()


def _write(path: Path, info: LockInfo, replace: bool) -> tuple[bool, bool]:
    """Write the lock through a temp file, so nobody ever reads half a lock.

    Without ``replace`` the temp file is hard-linked into place, which fails if a lock
    appeared meanwhile (two people opening at the same moment): only one of them wins.
    Returns whether we won, and whether that was decided exclusively (by the link).
    """
    lock = lock_path(path)
    temp = savetemps.new_temp(lock.parent)
    line = json.dumps({"user": info.user, "host": info.host, "pid": info.pid,
                       "time": info.time.isoformat() if info.time else None})
    try:
        with open(temp, "x", encoding="utf-8") as handle:
            handle.write(line + "\n")
        if replace:
            os.replace(temp, lock)
            return True, False
        try:
            os.link(temp, lock)
        except FileExistsError:
            return False, True
        except OSError:
            # Some file systems (FAT, some network shares) have no hard links.
            if lock.exists():
                return False, False
            os.replace(temp, lock)
            return True, False
        return True, True
    finally:
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


# --- is a process still running? ---------------------------------------------------------


def process_alive(pid: int, since: dt.datetime | None = None) -> bool:
    """Whether process ``pid`` of this computer is running (and, where the system tells,
    was already running at ``since``, so a recycled pid does not keep a lock alive)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _windows_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists, under another user
    except OSError:
        return True  # cannot tell: the safe answer keeps the lock
    if since is not None:
        started = _linux_start_time(pid)
        # A process started after the lock was taken cannot have taken it (2 s for rounding).
        if started is not None and started > since.timestamp() + 2:
            return False
    return True


def _linux_start_time(pid: int) -> float | None:
    """When ``pid`` started, in seconds since the epoch (Linux only; None elsewhere)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(line for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        ticks = int(stat.rsplit(")", 1)[1].split()[19])
        return int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def _windows_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows; ask for its exit code instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return bool(kernel32.GetLastError() == 5)  # access denied: it exists, under another user
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
