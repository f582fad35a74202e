"""Lock files: a second person is told who is editing, dead locks clear, read-only saves refuse."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app import locks
from app.document import ProjectDocument
from app.errors import FileLockedError, ProjectSaveError
from models.schema import Project


def _write_lock(file: Path, user: str, host: str, pid: int, time: str = "2026-11-24T09:14:00+00:00") -> Path:
    """A lock written by hand, as another person's app would have."""
    lock = locks.lock_path(file)
    lock.write_text(json.dumps({"user": user, "host": host, "pid": pid, "time": time}), encoding="utf-8")
    return lock


def _dead_pid() -> int:
    """The pid of a process of this computer that has just ended."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def _rename(doc: ProjectDocument, name: str) -> None:
    with doc.edit() as session:
        session.get(Project, 1).name = name  # type: ignore[union-attr]


def test_lock_path_is_libreoffice_style(tmp_path: Path) -> None:
    assert locks.lock_path(tmp_path / "plan.aiplan") == tmp_path / ".~lock.plan.aiplan#"


def test_editing_takes_the_lock_and_close_releases_it(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        assert doc.locked and doc.lock_problem is None
        lock = locks.read_lock(sample_file)
        assert lock is not None and lock.is_ours
        assert lock.user == locks.this_user() and lock.host == locks.this_host()
        assert lock.pid == os.getpid()
    assert not locks.lock_path(sample_file).exists()


def test_reading_takes_no_lock(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file):  # the command line's read-only commands
        assert not locks.lock_path(sample_file).exists()


def test_another_users_lock_is_named_in_the_sentence(sample_file: Path) -> None:
    lock = _write_lock(sample_file, "dana", "laptop-7", 4242)
    before = lock.read_bytes()
    with pytest.raises(FileLockedError) as caught:
        ProjectDocument.open(sample_file, for_editing=True)
    sentence = str(caught.value)
    assert "“plan.aiplan” is open for editing by dana on host laptop-7 since 24 Nov 2026" in sentence
    assert "read-only" in sentence and "copy" in sentence
    assert lock.read_bytes() == before


def test_force_opens_and_takes_the_lock(sample_file: Path) -> None:
    _write_lock(sample_file, "dana", "laptop-7", 4242)
    with ProjectDocument.open(sample_file, for_editing=True, force=True) as doc:
        assert doc.locked
        assert locks.read_lock(sample_file).is_ours  # type: ignore[union-attr]
    assert not locks.lock_path(sample_file).exists()


def test_dead_process_lock_on_this_host_is_cleared_silently(sample_file: Path) -> None:
    _write_lock(sample_file, "dana", locks.this_host(), _dead_pid())
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        assert doc.locked
        assert locks.read_lock(sample_file).is_ours  # type: ignore[union-attr]


def test_live_process_lock_on_this_host_holds(sample_file: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        _write_lock(sample_file, "dana", locks.this_host(), child.pid, now)
        with pytest.raises(FileLockedError, match=r"by dana on host .* since \d\d:\d\d today"):
            ProjectDocument.open(sample_file, for_editing=True)
    finally:
        child.kill()
        child.wait()


def test_another_hosts_dead_looking_pid_is_not_cleared(sample_file: Path) -> None:
    lock = _write_lock(sample_file, "dana", "laptop-7", _dead_pid())
    with pytest.raises(FileLockedError, match="dana on host laptop-7"):
        ProjectDocument.open(sample_file, for_editing=True)
    assert json.loads(lock.read_text())["host"] == "laptop-7"


@pytest.mark.parametrize("content", [b"", b"\xff\xfe garbage", b'{"user": 3}', b"[1, 2]"])
def test_garbled_lock_counts_as_someone(sample_file: Path, content: bytes) -> None:
    locks.lock_path(sample_file).write_bytes(content)
    info = locks.read_lock(sample_file)
    assert info is not None and info.user == "someone"
    with pytest.raises(FileLockedError, match="open for editing by someone since"):
        ProjectDocument.open(sample_file, for_editing=True)


def test_read_only_open_refuses_save_and_save_as_elsewhere_works(sample_file: Path, tmp_path: Path) -> None:
    _write_lock(sample_file, "dana", "laptop-7", 4242)
    before = sample_file.read_bytes()
    elsewhere = tmp_path / "mine.aiplan"
    with ProjectDocument.open(sample_file, read_only=True) as doc:
        assert doc.read_only and doc.lock_holder is not None and doc.lock_holder.user == "dana"
        _rename(doc, "My version")
        with pytest.raises(ProjectSaveError, match="is open read-only, so it was not saved.*Save As"):
            doc.save()
        assert sample_file.read_bytes() == before
        doc.save_as(elsewhere)
        assert not doc.read_only and doc.locked and doc.path == elsewhere
        assert locks.read_lock(elsewhere).is_ours  # type: ignore[union-attr]
        _rename(doc, "My version 2")
        doc.save()
    assert sample_file.read_bytes() == before
    assert locks.read_lock(sample_file).user == "dana"  # type: ignore[union-attr]
    assert not locks.lock_path(elsewhere).exists()
    with ProjectDocument.open(elsewhere) as saved:
        assert saved.project().name == "My version 2"


def test_save_as_moves_the_lock(sample_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "renamed.aiplan"
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        doc.save_as(other)
        assert not locks.lock_path(sample_file).exists()
        assert locks.read_lock(other).is_ours  # type: ignore[union-attr]
    assert not locks.lock_path(other).exists()


def test_save_as_over_a_file_someone_edits_refuses(sample_file: Path, tmp_path: Path) -> None:
    _write_lock(sample_file, "dana", "laptop-7", 4242)
    before = sample_file.read_bytes()
    with ProjectDocument.new("Mine") as doc:
        with pytest.raises(FileLockedError, match="dana"):
            doc.save_as(sample_file)
        assert sample_file.read_bytes() == before
        doc.save_as(sample_file, force=True)
    with ProjectDocument.open(sample_file) as saved:
        assert saved.project().name == "Mine"


def test_close_leaves_someone_elses_lock(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file, for_editing=True):
        # Someone forced the file open meanwhile: their lock replaced ours.
        _write_lock(sample_file, "dana", "laptop-7", 4242)
    assert locks.read_lock(sample_file).user == "dana"  # type: ignore[union-attr]


def _open_in_read_only_folder(sample_file: Path) -> tuple[bool, str | None, bool]:
    """Open a copy of the sample for editing in a folder the user may not write to.

    Root may write anywhere, so as root a forked process drops to user "nobody" first.
    Returns (locked, lock_problem, the project opened).
    """
    folder = Path(tempfile.mkdtemp())
    data = Path(tempfile.mkdtemp())
    try:
        shutil.copyfile(sample_file, folder / "plan.aiplan")
        for place in (folder, data):
            place.chmod(0o777 if place == data else 0o555)
        (folder / "plan.aiplan").chmod(0o444)
        report_r, report_w = os.pipe()

        def open_there() -> None:
            os.environ["AIPLAN_DATA_DIR"] = str(data)
            with ProjectDocument.open(folder / "plan.aiplan", for_editing=True) as doc:
                result = [doc.locked, doc.lock_problem, doc.project().name == "Larkspur FY2027 AI portfolio"]
            os.write(report_w, json.dumps(result).encode())

        if os.geteuid() == 0:
            pid = os.fork()
            if pid == 0:
                try:
                    os.setgid(65534)
                    os.setuid(65534)
                    open_there()
                finally:
                    os._exit(0)
            os.waitpid(pid, 0)
        else:
            open_there()
        os.close(report_w)
        answer = json.loads(os.read(report_r, 65536) or b"null")
        os.close(report_r)
        assert answer is not None, "the process in the read-only folder failed"
        return answer[0], answer[1], answer[2]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_read_only_folder_opens_unlocked(sample_file: Path) -> None:
    locked, problem, opened = _open_in_read_only_folder(sample_file)
    assert opened and not locked
    assert problem == "its folder does not let the app write a lock file there; it may be read-only"


def test_describe_today_and_another_day() -> None:
    now = dt.datetime(2026, 11, 27, 15, 0).astimezone()
    today = locks.LockInfo("dana", "laptop-7", 1, now.replace(hour=9, minute=14))
    assert today.describe(now) == "dana on host laptop-7 since 09:14 today"
    earlier = locks.LockInfo("dana", "laptop-7", 1, dt.datetime(2026, 11, 24, 9, 14).astimezone())
    assert earlier.describe(now) == "dana on host laptop-7 since 24 Nov 2026 09:14"


def test_read_only_save_as_onto_the_same_file_respects_the_lock(sample_file: Path) -> None:
    _write_lock(sample_file, "dana", "laptop-7", 4242)
    before = sample_file.read_bytes()
    with ProjectDocument.open(sample_file, read_only=True) as doc:
        _rename(doc, "Mine")
        with pytest.raises(FileLockedError, match="dana"):
            doc.save_as(sample_file)
        assert sample_file.read_bytes() == before and doc.read_only


def test_open_a_copy(sample_file: Path) -> None:
    _write_lock(sample_file, "dana", "laptop-7", 4242)
    with ProjectDocument.open_copy(sample_file) as doc:
        assert doc.path is None and doc.copied_from == sample_file and not doc.locked
        assert doc.display_name == "Copy of plan.aiplan"
        assert doc.project().name == "Larkspur FY2027 AI portfolio"
        with pytest.raises(ProjectSaveError, match="use Save As"):
            doc.save()
        doc.save_as(sample_file.with_name("copy.aiplan"))
        assert doc.display_name == "copy.aiplan" and doc.copied_from is None
    assert locks.read_lock(sample_file).user == "dana"  # type: ignore[union-attr]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times from /proc")
def test_recycled_pid_does_not_keep_a_lock(sample_file: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        # Taken an hour before this (live) process started: it cannot be its lock.
        an_hour_ago = (dt.datetime.now() - dt.timedelta(hours=1)).astimezone().isoformat()
        _write_lock(sample_file, "dana", locks.this_host(), child.pid, an_hour_ago)
        with ProjectDocument.open(sample_file, for_editing=True) as doc:
            assert doc.locked
    finally:
        child.kill()
        child.wait()


def test_a_lock_of_mine_elsewhere_says_so(sample_file: Path) -> None:
    now = dt.datetime.now().astimezone().isoformat()
    _write_lock(sample_file, locks.this_user(), locks.this_host(), os.getppid(), now)  # a live app
    info = locks.read_lock(sample_file)
    assert info is not None and info.by_me and not info.is_ours and not info.is_stale


def test_names_in_a_lock_are_plain_text(sample_file: Path) -> None:
    _write_lock(sample_file, "dana\n\x1b[31mroot", "x" * 500, 4242)
    info = locks.read_lock(sample_file)
    assert info is not None and info.user == "dana  [31mroot" and len(info.host) == 80


def _race_for_the_lock(file: Path, contenders: int) -> list[bool]:
    """``contenders`` processes try to take the lock on ``file`` at the same moment; each
    stays alive until all have tried. Returns who won."""
    go_r, go_w = os.pipe()
    done_r, done_w = os.pipe()
    answers_r, answers_w = os.pipe()
    pids = []
    for _ in range(contenders):
        pid = os.fork()
        if pid == 0:
            try:
                os.read(go_r, 1)
                try:
                    won = locks.acquire(file) is not None
                except FileLockedError:
                    won = False
                os.write(answers_w, b"1" if won else b"0")
                os.read(done_r, 1)
            finally:
                os._exit(0)
        pids.append(pid)
    os.write(go_w, b"g" * contenders)
    answers = b""
    while len(answers) < contenders:
        answers += os.read(answers_r, contenders)
    holder = locks.read_lock(file)
    os.write(done_w, b"d" * contenders)
    for pid in pids:
        os.waitpid(pid, 0)
    for fd in (go_r, go_w, done_r, done_w, answers_r, answers_w):
        os.close(fd)
    assert holder is not None and holder.pid in pids
    return [a == ord("1") for a in answers]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize("before", ["none", "dead"])
def test_of_apps_opening_at_the_same_moment_one_wins(sample_file: Path, before: str) -> None:
    for _ in range(6):
        locks.lock_path(sample_file).unlink(missing_ok=True)
        if before == "dead":
            _write_lock(sample_file, "dana", locks.this_host(), _dead_pid())
        assert sum(_race_for_the_lock(sample_file, 6)) == 1
