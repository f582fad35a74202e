"""Side files beside a project, and the sync folders and network shares a project may lie in."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import errors
from app.places import check_side_files, side_files, sync_location, sync_notice

# A Linux /proc/mounts as a laptop with a team share, a NAS and an sshfs folder shows it.
MOUNTS = """\
/dev/nvme0n1p2 / ext4 rw,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
tmpfs /tmp tmpfs rw,nosuid,nodev 0 0
files.example.com:/export/plans /mnt/team nfs4 rw,relatime,vers=4.2 0 0
/dev/sdb1 /mnt/team/cache ext4 rw,relatime 0 0
//nas/finance /media/nas\\040drive cifs rw,relatime,vers=3.1.1 0 0
ada@build:/srv /home/ada/remote fuse.sshfs rw,nosuid,nodev 0 0
"""


def test_no_side_files(tmp_path: Path) -> None:
    path = tmp_path / "plan.aiplan"
    path.write_bytes(b"x")
    assert side_files(path) == []
    check_side_files(path)  # nothing to refuse


@pytest.mark.parametrize("suffix", ["-journal", "-wal", "-shm"])
def test_each_side_file_is_found_and_named(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / "plan.aiplan"
    path.write_bytes(b"x")
    (tmp_path / f"plan.aiplan{suffix}").write_bytes(b"")
    assert side_files(path) == [tmp_path / f"plan.aiplan{suffix}"]
    with pytest.raises(errors.SideFilesError) as caught:
        check_side_files(path)
    message = str(caught.value)
    assert f"“plan.aiplan{suffix}”" in message and "“plan.aiplan”" in message
    assert message.endswith(".") and "\n" not in message


def test_the_first_side_file_is_named_and_others_are_not_mistaken(tmp_path: Path) -> None:
    path = tmp_path / "plan.aiplan"
    for name in ("plan.aiplan", "plan.aiplan-wal", "plan.aiplan-shm", "other.aiplan-journal",
                 "plan.aiplan.bak"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "plan.aiplan-journal").mkdir()  # a folder is not a journal
    assert [p.name for p in side_files(path)] == ["plan.aiplan-wal", "plan.aiplan-shm"]
    with pytest.raises(errors.SideFilesError, match="plan.aiplan-wal"):
        check_side_files(path)


@pytest.mark.parametrize(
    ("path", "where"),
    [
        (r"C:\Users\ada\OneDrive - Contoso\Plans\plan.aiplan", "OneDrive"),
        (r"C:\Users\ada\OneDrive\plan.aiplan", "OneDrive"),
        ("/Users/ada/Library/CloudStorage/OneDrive-Personal/plan.aiplan", "OneDrive"),
        ("/home/ada/Dropbox/Plans/plan.aiplan", "Dropbox"),
        (r"D:\Dropbox (Contoso)\plan.aiplan", "Dropbox"),
        ("/Users/ada/Library/CloudStorage/Dropbox-Contoso/plan.aiplan", "Dropbox"),
        (r"G:\My Drive\Plans\plan.aiplan", "Google Drive"),
        ("/Users/ada/Library/CloudStorage/GoogleDrive-ada@example.com/My Drive/plan.aiplan",
         "Google Drive"),
        ("/Users/ada/Google Drive/plan.aiplan", "Google Drive"),
        ("/Users/ada/Library/Mobile Documents/com~apple~CloudDocs/Plans/plan.aiplan",
         "iCloud Drive"),
        (r"C:\Users\ada\iCloudDrive\plan.aiplan", "iCloud Drive"),
        ("/Users/ada/Box/Plans/plan.aiplan", "Box"),
        ("/Users/ada/Library/CloudStorage/Box-Box/plan.aiplan", "Box"),
        (r"\\fileserver\plans\Q3\plan.aiplan", "a network share"),
        (r"\\?\UNC\fileserver\plans\plan.aiplan", "a network share"),
        # Local places, including names that only look like a service's.
        (r"C:\Users\ada\Documents\plan.aiplan", None),
        (r"\\?\C:\Users\ada\plan.aiplan", None),
        ("/home/ada/projects/box/plan.aiplan", None),
        ("/home/ada/OneDrive.aiplan", None),
        ("/home/ada/my dropbox notes/plan.aiplan", None),
        ("plan.aiplan", None),
    ],
)
def test_sync_location_of_made_up_paths(path: str, where: str | None) -> None:
    assert sync_location(path, mounts="") == where


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/mnt/team/plan.aiplan", "a network share"),
        ("/mnt/team/Q3/deep/plan.aiplan", "a network share"),
        ("/mnt/team/cache/plan.aiplan", None),  # a local disk mounted inside the share
        ("/mnt/teamwork/plan.aiplan", None),  # a sibling whose name merely starts the same
        ("/media/nas drive/plan.aiplan", "a network share"),  # \040 is a space
        ("/home/ada/remote/plan.aiplan", "a network share"),
        ("/home/ada/plan.aiplan", None),
        ("/tmp/plan.aiplan", None),
    ],
)
def test_sync_location_from_mounts(path: str, where: str | None) -> None:
    assert sync_location(path, mounts=MOUNTS) == where


def test_a_sync_folder_on_a_share_is_named_for_the_service() -> None:
    assert sync_location("/mnt/team/Dropbox/plan.aiplan", mounts=MOUNTS) == "Dropbox"


def test_the_system_mounts_are_read_without_error(tmp_path: Path) -> None:
    # Whatever this machine mounts, a real path gives a name or None, never an error.
    assert sync_location(tmp_path / "plan.aiplan") in (None, "a network share")


def test_sync_notice_is_one_plain_sentence() -> None:
    assert sync_notice(r"C:\Users\ada\OneDrive\Plans\plan.aiplan", mounts="") == (
        "“plan.aiplan” is in OneDrive. AI Product Planner works on a local copy and saves the "
        "file in one step, so syncing is safe; if a colleague edits it at the same time, you "
        "will get a conflict copy instead of lost work."
    )
    share = sync_notice("/mnt/team/q3.aiplan", mounts=MOUNTS)
    assert share is not None and share.startswith("“q3.aiplan” is on a network share. ")
    assert sync_notice("/home/ada/plan.aiplan", mounts=MOUNTS) is None
