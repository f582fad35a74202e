"""Where Save writes and what it keeps: symlinks, hard links, permissions, owners, things that
are not files, another program writing the file, and what each refusal says."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app import locks, savetemps
from app.document import ProjectDocument
from app.errors import FileLockedError, ForeignDatabaseError, ProjectSaveError
from app.projectfile import check_header, write_atomically
from models.schema import Project
from tests.app.test_cli import aiplan


def _rename(doc: ProjectDocument, name: str) -> None:
    with doc.edit() as session:
        session.get(Project, 1).name = name  # type: ignore[union-attr]


def _name_in(path: Path) -> str:
    with ProjectDocument.open(path) as doc:
        return doc.project().name


# --- symlinks and hard links ---------------------------------------------------------------


def test_save_through_a_symlink_writes_the_real_file_and_keeps_the_link(
        sample_file: Path, tmp_path: Path) -> None:
    synced = tmp_path / "Sync"
    synced.mkdir()
    real = synced / "plan.aiplan"
    sample_file.rename(real)
    link = tmp_path / "plan-link.aiplan"
    link.symlink_to(real)
    with ProjectDocument.open(link, for_editing=True) as doc:
        _rename(doc, "Edited through the link")
        doc.save()
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert _name_in(real) == "Edited through the link"
    assert sorted(p.name for p in synced.iterdir()) == ["plan.aiplan"]  # no temp, no guard left


def test_save_as_onto_a_symlink_writes_the_real_file(sample_file: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.aiplan"
    link.symlink_to(sample_file)
    with ProjectDocument.sample() as doc:
        _rename(doc, "Saved as, onto the link")
        doc.save_as(link)
    assert link.is_symlink() and _name_in(sample_file) == "Saved as, onto the link"


def test_write_atomically_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomically(link, b'{"a": 1}', lambda temp: None)
    assert link.is_symlink() and real.read_bytes() == b'{"a": 1}'


def test_the_link_and_the_real_file_share_one_lock(sample_file: Path, tmp_path: Path) -> None:
    link = tmp_path / "elsewhere" / "plan.aiplan"
    link.parent.mkdir()
    link.symlink_to(sample_file)
    assert locks.lock_path(link) == locks.lock_path(sample_file)
    with ProjectDocument.open(link, for_editing=True) as first:
        assert first.locked
        # Another editor (another process) opening the real file, or the link, is told.
        script = ("import sys; from pathlib import Path; from app.document import ProjectDocument\n"
                  "from app.errors import FileLockedError\n"
                  "for name in sys.argv[1:]:\n"
                  "    try:\n"
                  "        ProjectDocument.open(Path(name), for_editing=True).close()\n"
                  "        print('opened')\n"
                  "    except FileLockedError as exc:\n"
                  "        print('locked', exc.lock.user)\n")
        result = subprocess.run([sys.executable, "-c", script, str(sample_file), str(link)],
                                capture_output=True, text=True, timeout=120)
        assert result.stdout.split("\n")[:2] == [f"locked {locks.this_user()}"] * 2, result
    assert not locks.lock_path(sample_file).exists()
    assert not first.locked


def test_a_hard_linked_file_is_not_split_from_its_other_name(sample_file: Path,
                                                             tmp_path: Path) -> None:
    other = tmp_path / "backup-of-plan.aiplan"
    os.link(sample_file, other)
    before = sample_file.read_bytes()
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        _rename(doc, "Mine")
        with pytest.raises(ProjectSaveError) as caught:
            doc.save()
        message = str(caught.value)
        assert "1 more name (hard links)" in message and "Save As" in message
        assert doc.modified
    assert sample_file.read_bytes() == before and os.path.samefile(sample_file, other)
    assert sample_file.stat().st_nlink == 2


# --- permissions and owners ----------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o600, 0o664, 0o640])
def test_save_keeps_the_files_permissions(sample_file: Path, mode: int) -> None:
    sample_file.chmod(mode)
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        _rename(doc, "Saved")
        doc.save()
    assert stat.S_IMODE(sample_file.stat().st_mode) == mode


@pytest.mark.parametrize("mode", [0o600, 0o664])
def test_save_as_over_an_existing_file_keeps_its_permissions(sample_file: Path, tmp_path: Path,
                                                             mode: int) -> None:
    target = tmp_path / "shared.aiplan"
    shutil.copyfile(sample_file, target)
    target.chmod(mode)
    with ProjectDocument.open(sample_file) as doc:
        _rename(doc, "Saved as")
        doc.save_as(target)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert _name_in(target) == "Saved as"


def test_a_new_file_gets_the_permissions_the_umask_allows(tmp_path: Path) -> None:
    old = os.umask(0o002)  # a team that shares files by group
    try:
        with ProjectDocument.sample() as doc:
            doc.save_as(tmp_path / "new.aiplan")
        write_atomically(tmp_path / "new.json", b"{}", lambda temp: None)
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.aiplan").stat().st_mode) == 0o664
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o664


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another owner")
def test_save_keeps_the_files_owner_and_group(sample_file: Path) -> None:
    os.chown(sample_file, 65534, 65534)
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        _rename(doc, "Saved by root")
        doc.save()
    info = sample_file.stat()
    assert (info.st_uid, info.st_gid) == (65534, 65534)


# --- things that are not files, and other writers ------------------------------------------


def _finishes(action, seconds: float = 20.0) -> BaseException | None:  # type: ignore[no-untyped-def]
    """Run ``action`` on a thread; the exception it raised, or fail if it is still waiting."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            action()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, "it is still waiting"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_pipe_in_the_files_place_is_refused_without_waiting(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        _rename(doc, "Mine")
        sample_file.unlink()
        os.mkfifo(sample_file)
        try:
            failure = _finishes(doc.save)
            assert isinstance(failure, ProjectSaveError), failure
            assert "not a regular file" in str(failure)
            assert stat.S_ISFIFO(sample_file.stat().st_mode) and doc.modified
        finally:
            # Whatever happened, nothing may stay blocked on the pipe.
            fd = os.open(sample_file, os.O_RDWR | os.O_NONBLOCK)
            os.close(fd)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_pipe_as_the_lock_file_does_not_stop_opening(sample_file: Path) -> None:
    os.mkfifo(locks.lock_path(sample_file))

    def open_it() -> None:
        with ProjectDocument.open(sample_file, for_editing=True):
            pass

    failure = _finishes(open_it)
    assert isinstance(failure, FileLockedError) and "someone" in str(failure)
    # Open Anyway replaces it with a lock of ours.
    with ProjectDocument.open(sample_file, for_editing=True, force=True) as doc:
        assert doc.locked and locks.read_lock(sample_file).is_ours  # type: ignore[union-attr]


@pytest.mark.parametrize("suffix", ["-journal", "-wal"])
def test_a_side_file_appearing_after_open_stops_the_save(sample_file: Path, suffix: str) -> None:
    before = sample_file.read_bytes()
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        _rename(doc, "Mine")
        side = sample_file.with_name(sample_file.name + suffix)
        side.write_bytes(b"another program's half-done write")
        with pytest.raises(ProjectSaveError) as caught:
            doc.save()
        assert f"“plan.aiplan{suffix}” lies beside it" in str(caught.value)
        assert "your work is kept" in str(caught.value)
        assert sample_file.read_bytes() == before
        side.unlink()
        doc.save()
    assert _name_in(sample_file) == "Mine"


_WRITER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("UPDATE project SET name = 'Written by the other program'")
print("writing", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


def test_another_program_writing_the_file_stops_the_save(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        _rename(doc, "Mine")
        writer = subprocess.Popen([sys.executable, "-c", _WRITER, str(sample_file)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout is not None and writer.stdout.readline() == "writing\n"
            journal = sample_file.with_name(sample_file.name + "-journal")
            # The open transaction's journal is what a user would see; hide it to be sure the
            # lock itself is noticed too (a program may keep its journal elsewhere).
            hidden = journal.rename(journal.with_name("hidden-journal"))
            with pytest.raises(ProjectSaveError, match="another program is writing to it"):
                doc.save()
            hidden.rename(journal)
        finally:
            assert writer.stdin is not None
            writer.stdin.write("\n")
            writer.stdin.close()
            writer.wait(timeout=60)
        assert writer.returncode == 0
        assert doc.modified
    connection = sqlite3.connect(sample_file)
    assert connection.execute("SELECT name FROM project").fetchone() == (
        "Written by the other program",)  # their commit went into the file, not a lost inode
    connection.close()


# --- another program's database -------------------------------------------------------------


def _foreign_database(path: Path, trailing: bytes = b"") -> bytes:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE photos (name TEXT)")
    connection.execute("INSERT INTO photos VALUES ('beach.jpg')")
    connection.commit()
    connection.close()
    with path.open("ab") as handle:
        handle.write(trailing)
    return path.read_bytes()


def test_a_slightly_damaged_foreign_database_is_named_foreign(tmp_path: Path) -> None:
    path = tmp_path / "photos.db"
    data = _foreign_database(path, b"\0" * 10)
    with pytest.raises(ForeignDatabaseError):
        check_header(path, data)


def test_replace_refuses_a_damaged_foreign_database(tmp_path: Path, sample_file: Path) -> None:
    photos = tmp_path / "photos.aiplan"
    before = _foreign_database(photos, b"0123456789")
    exported = tmp_path / "plan.json"
    assert aiplan("export-json", sample_file, exported).returncode == 0
    result = aiplan("import-json", exported, photos, "--replace")
    assert result.returncode == 2 and "not an AI Product Planner project" in result.stderr
    assert photos.read_bytes() == before


# --- what each failure says ------------------------------------------------------------------


@pytest.mark.parametrize(("code", "reason", "advice"), [
    (errno.ENOSPC, "the disk is full", "Free some space"),
    (errno.EDQUOT, "the disk quota is used up", "Free some space"),
    (errno.EACCES, "permission was denied", "Choose another folder"),
    (errno.EROFS, "the disk or folder is read-only", "Choose another folder"),
    (errno.ENAMETOOLONG, "the name is too long", "Choose a shorter name"),
    (errno.EIO, "the disk reported an input/output error", ""),
])
def test_each_cause_gets_its_own_advice(code: int, reason: str, advice: str) -> None:
    error = ProjectSaveError.from_os_error(Path("plan.aiplan"), OSError(code, os.strerror(code)))
    message = str(error)
    assert reason in message and "unchanged and your work is kept" in message
    assert (advice in message) if advice else message.endswith("your work is kept.")
    others = {"Free some space", "Choose another folder", "Choose a shorter name"} - {advice}
    assert not any(other in message for other in others)
    error.kept_work = False  # the command line: nothing is kept once it exits
    assert "your work is kept" not in str(error) and reason in str(error)


def test_stray_temps_of_killed_saves_are_cleared_before_the_next(sample_file: Path) -> None:
    folder = sample_file.parent
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    strays = [folder / f"{savetemps.PREFIX}{pid}-{savetemps.host_tag()}-{n:08x}.tmp" for n in range(5)]
    for stray in strays:
        stray.write_bytes(sample_file.read_bytes())  # full-size, and young
    live = folder / f"{savetemps.PREFIX}{os.getpid()}-{savetemps.host_tag()}-0000abcd.tmp"
    live.write_bytes(b"a save of a process still running")
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        _rename(doc, "Again")
        doc.save()
    assert not any(stray.exists() for stray in strays)
    assert live.exists()
    old = time.time() - 2 * savetemps.STRAY_AGE
    os.utime(live, (old, old))
    assert savetemps.remove_stray_temps(sample_file) == [live]
