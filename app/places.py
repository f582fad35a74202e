"""Where a project file lies: SQLite side files beside it, sync folders and network shares."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from app.errors import SideFilesError

# What SQLite leaves beside a database while (or after) another program writes it. Copying
# the file alone could lose that write, or catch it half done.
SIDE_SUFFIXES = ("-journal", "-wal", "-shm")

# File systems whose files live on another machine (as named in /proc/mounts).
NETWORK_FILESYSTEMS = frozenset({
    "cifs", "smb3", "smbfs", "nfs", "nfs4", "ncpfs", "afs", "coda", "9p.net",
    "fuse.sshfs", "sshfs", "davfs", "fuse.davfs2", "fuse.rclone", "fuse.gcsfuse",
    "fuse.s3fs", "ceph", "glusterfs", "fuse.glusterfs", "lustre", "gpfs", "beegfs",
})

NETWORK_SHARE = "a network share"


def side_files(path: Path) -> list[Path]:
    """The SQLite side files that lie beside ``path`` now (``NAME-journal``, ``-wal``, ``-shm``)."""
    path = Path(path)
    found = []
    for suffix in SIDE_SUFFIXES:
        side = path.with_name(path.name + suffix)
        try:
            if side.is_file():
                found.append(side)
        except OSError:
            pass
    return found


def check_side_files(path: Path) -> None:
    """Raise ``SideFilesError`` naming the first side file beside ``path``, if there is one."""
    found = side_files(path)
    if found:
        raise SideFilesError(path, found[0].name)


def _folder_service(folder: str) -> str | None:
    """The sync service a folder name belongs to, by the names the services give them."""
    name = folder.casefold()
    if name.startswith("onedrive"):  # "OneDrive", "OneDrive - Contoso", "OneDrive-Personal"
        return "OneDrive"
    if name == "dropbox" or name.startswith(("dropbox (", "dropbox-")):
        return "Dropbox"
    if name in ("google drive", "googledrive", "my drive") or name.startswith("googledrive-"):
        return "Google Drive"
    if name in ("icloud drive", "iclouddrive", "com~apple~clouddocs"):
        return "iCloud Drive"
    # "Box" is also an everyday word, so only the exact names Box Drive gives its folders.
    if folder in ("Box", "Box Sync") or folder.startswith("Box-"):
        return "Box"
    return None


def _is_unc(text: str) -> bool:
    r"""``\\server\share\...`` (also ``\\?\UNC\server\...``), not ``\\?\C:\`` or ``\\.\``."""
    unified = text.replace("/", "\\")
    if not unified.startswith("\\\\"):
        return False
    if unified.startswith(("\\\\?\\", "\\\\.\\")):
        return unified[4:].casefold().startswith("unc\\")
    # On a POSIX system "//x" is just "/x": only backslashes make it a share there.
    return os.name == "nt" or text.startswith("\\\\")


def _unescape_mount(field: str) -> str:
    # /proc/mounts writes a space as \040, a tab as \011 and so on (octal escapes).
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def _mount_type(path: str, mounts: str) -> str | None:
    """The file-system type of the longest mount point holding ``path``."""
    best, best_type = "", None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point, fstype = _unescape_mount(fields[1]), fields[2]
        inside = point == "/" or path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, best_type = point, fstype
    return best_type


def _windows_remote_drive(text: str) -> bool:
    """Whether ``X:`` is a mapped network drive (Windows only; elsewhere always False)."""
    if os.name != "nt" or not re.match(r"^[A-Za-z]:", text):
        return False
    try:
        import ctypes

        drive_remote = 4  # GetDriveTypeW's DRIVE_REMOTE
        return bool(ctypes.windll.kernel32.GetDriveTypeW(f"{text[0]}:\\") == drive_remote)  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False


def _read_mounts() -> str:
    if not sys.platform.startswith("linux"):
        return ""
    try:
        return Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def sync_location(path: Path | str, mounts: str | None = None) -> str | None:
    """A plain name for the sync service or network share ``path`` lies in, else ``None``.

    ``mounts`` is the text of ``/proc/mounts`` (read from the system when ``None``).
    """
    text = str(path)
    if _is_unc(text):
        return NETWORK_SHARE
    folders = [part for part in re.split(r"[\\/]+", text)[:-1] if part]
    for folder in folders:
        if folder == "Mobile Documents":  # macOS keeps iCloud Drive under ~/Library
            return "iCloud Drive"
        service = _folder_service(folder)
        if service:
            return service
    if _windows_remote_drive(text):
        return NETWORK_SHARE
    if mounts is None:
        mounts = _read_mounts()
    if mounts and text.startswith("/"):
        try:
            real = os.path.realpath(text)
        except (OSError, ValueError):
            real = text
        fstype = _mount_type(real, mounts)
        if fstype in NETWORK_FILESYSTEMS or (fstype or "").startswith(("nfs", "smb")):
            return NETWORK_SHARE
    return None


def sync_notice(path: Path | str, mounts: str | None = None) -> str | None:
    """The one sentence to show when a project is opened from a sync folder or a share."""
    where = sync_location(path, mounts)
    if where is None:
        return None
    name = re.split(r"[\\/]+", str(path))[-1]
    placed = f"on {where}" if where == NETWORK_SHARE else f"in {where}"
    return (f"“{name}” is {placed}. AI Product Planner works on a local copy and saves the "
            "file in one step, so syncing is safe; if a colleague edits it at the same time, "
            "you will get a conflict copy instead of lost work.")
