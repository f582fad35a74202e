"""Crash recovery: working copies whose app ended are found, recovered or discarded."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app import locks, paths, recovery
from app.document import ProjectDocument
from app.errors import DamagedProjectFileError, SaveConflictError
from models.schema import Project

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")


def _rename(doc: ProjectDocument, name: str) -> None:
    with doc.edit() as session:
        session.get(Project, 1).name = name  # type: ignore[union-attr]


def _crash_after_editing(source: Path | None, name: str | None) -> int:
    """A real process opens ``source`` for editing (or starts a new project), renames the
    project (unless ``name`` is None), and ends without closing anything, as a crash would.
    Returns its pid."""
    pid = os.fork()
    if pid == 0:
        try:
            doc = (ProjectDocument.open(source, for_editing=True) if source
                   else ProjectDocument.new("Never saved"))
            if name is not None:
                _rename(doc, name)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_orphan_of_a_crashed_app_is_found_and_recovered(sample_file: Path, sample: dict[str, Any]) -> None:
    before = sample_file.read_bytes()
    pid = _crash_after_editing(sample_file, "Edited before the crash")
    assert locks.read_lock(sample_file).pid == pid  # type: ignore[union-attr]
    assert sample_file.read_bytes() == before  # the crash never touched the file

    [orphan] = recovery.find_orphans()
    assert orphan.source == sample_file and orphan.title == "plan.aiplan"
    assert orphan.name == "Edited before the crash"
    assert orphan.counts == {"opportunities": len(sample["opportunities"]),
                             "decisions": len(sample["decisions"]),
                             "unit_models": len(sample["unit_models"])}
    assert abs(orphan.last_edit.timestamp() - time.time()) < 60
    assert orphan.unsaved

    with recovery.recover(orphan) as doc:
        assert doc.path == sample_file and doc.modified
        assert doc.project().name == "Edited before the crash"
        assert doc.locked and locks.read_lock(sample_file).is_ours  # type: ignore[union-attr]
        assert recovery.find_orphans() == []  # adopted by this (running) app
        doc.save()
    assert not list(paths.working_dir().iterdir())
    assert not locks.lock_path(sample_file).exists()
    with ProjectDocument.open(sample_file) as reopened:
        assert reopened.project().name == "Edited before the crash"


def test_running_apps_are_not_orphans(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file, for_editing=True):
        assert recovery.find_orphans() == []  # this process's own document
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from app.document import ProjectDocument as D;"
         "d = D.new('Busy'); print('ready', flush=True); time.sleep(60)"],
        cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        assert recovery.find_orphans() == []
        child.kill()
        child.wait()
        [orphan] = recovery.find_orphans()
        assert orphan.source is None and orphan.name == "Busy"
    finally:
        child.kill()
        child.wait()


def test_never_saved_project_is_recovered_without_a_path() -> None:
    _crash_after_editing(None, "Draft")
    [orphan] = recovery.find_orphans()
    assert orphan.source is None and orphan.title == "Draft"
    with recovery.recover(orphan) as doc:
        assert doc.path is None and doc.modified and doc.project().name == "Draft"


def test_file_changed_after_the_crash_gets_a_conflict_copy(sample_file: Path, sample: dict[str, Any]) -> None:
    _crash_after_editing(sample_file, "Ours, recovered")
    # A colleague saved the file after the crash; the stale lock of the dead app is theirs to clear.
    with ProjectDocument.from_data(dict(sample, project=dict(sample["project"], name="Theirs"))) as other:
        other.save_as(sample_file)
    theirs = sample_file.read_bytes()
    [orphan] = recovery.find_orphans()
    with recovery.recover(orphan) as doc:
        with pytest.raises(SaveConflictError) as caught:
            doc.save()
        assert sample_file.read_bytes() == theirs
    with ProjectDocument.open(caught.value.conflict_path) as ours:
        assert ours.project().name == "Ours, recovered"


@pytest.mark.parametrize("changed", [False, True])
def test_info_without_the_files_state_compares_checksums(sample_file: Path, sample: dict[str, Any],
                                                         changed: bool) -> None:
    _crash_after_editing(sample_file, "Ours")
    [orphan] = recovery.find_orphans()
    info = json.loads(recovery._info_path(orphan.working_path).read_text())
    del info["source_state"], info["host"]  # as an older version wrote it
    recovery._info_path(orphan.working_path).write_text(json.dumps(info))
    if changed:
        with ProjectDocument.from_data(dict(sample, project=dict(sample["project"], name="Theirs"))) as other:
            other.save_as(sample_file, force=True)
    [orphan] = recovery.find_orphans()
    with recovery.recover(orphan) as doc:
        if changed:
            with pytest.raises(SaveConflictError):
                doc.save()
        else:
            doc.save()
            assert doc.path == sample_file


def test_working_copy_without_info_is_an_orphan_once_old(sample_file: Path) -> None:
    _crash_after_editing(sample_file, "Ours")
    working = next(paths.working_dir().glob("*.aiplan"))
    recovery._info_path(working).write_text("{not json")
    assert recovery.find_orphans() == []  # it may be a document being opened right now
    old = time.time() - 2 * recovery.NO_INFO_GRACE
    os.utime(working, (old, old))
    [orphan] = recovery.find_orphans()
    assert orphan.source is None and orphan.name == "Ours"


def test_damaged_working_copy_is_refused_with_a_sentence(sample_file: Path) -> None:
    _crash_after_editing(sample_file, "Ours")
    [orphan] = recovery.find_orphans()
    data = bytearray(orphan.working_path.read_bytes())
    page = 4096
    data[page * 2:page * 6] = os.urandom(page * 4)
    orphan.working_path.write_bytes(bytes(data))
    with pytest.raises(DamagedProjectFileError) as caught:
        recovery.recover(orphan)
    assert str(caught.value).startswith("“Unsaved work on plan.aiplan” is damaged (")
    recovery.discard(orphan)
    assert not list(paths.working_dir().iterdir())


def test_discard_removes_the_working_copy_and_its_files(sample_file: Path) -> None:
    _crash_after_editing(sample_file, "Ours")
    [orphan] = recovery.find_orphans()
    recovery.discard(orphan)
    assert recovery.find_orphans() == []
    assert not list(paths.working_dir().iterdir())


def test_stray_temps_go_only_when_ours_and_old(tmp_path: Path) -> None:
    target = tmp_path / "plan.aiplan"
    target.write_bytes(b"")
    ours = [tmp_path / ".plan.aiplan.0123abcd.saving", tmp_path / ".~lock.plan.aiplan#.0123abcd.tmp"]
    other_file = tmp_path / ".other.aiplan.89abcdef.saving"
    not_ours = [tmp_path / ".plan.aiplan.notes.saving", tmp_path / "plan.aiplan.0123abcd.saving",
                tmp_path / ".plan.aiplan.0123abcd.saving.bak"]
    young = tmp_path / ".plan.aiplan.fedcba98.saving"
    old = time.time() - 2 * recovery.STRAY_AGE
    for file in [*ours, other_file, *not_ours, young]:
        file.write_bytes(b"x")
        if file is not young:
            os.utime(file, (old, old))
    link = tmp_path / ".plan.aiplan.aaaaaaaa.saving"
    link.symlink_to(target)
    os.utime(link, (old, old), follow_symlinks=False)

    assert sorted(recovery.remove_stray_temps(target)) == sorted(ours)
    assert other_file.exists() and young.exists() and link.is_symlink()
    assert all(file.exists() for file in not_ours)
    assert recovery.remove_stray_temps(tmp_path) == [other_file]


def test_opening_removes_old_stray_temps(sample_file: Path) -> None:
    stray = sample_file.with_name(".plan.aiplan.0123abcd.saving")
    stray.write_bytes(b"half a save")
    old = time.time() - 2 * recovery.STRAY_AGE
    os.utime(stray, (old, old))
    with ProjectDocument.open(sample_file):
        assert not stray.exists()


def test_crash_without_edits_is_marked_as_nothing_unsaved(sample_file: Path) -> None:
    _crash_after_editing(sample_file, None)
    [orphan] = recovery.find_orphans()
    assert not orphan.unsaved and orphan.name == "Larkspur FY2027 AI portfolio"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="process start times from /proc")
def test_recycled_pid_does_not_keep_a_working_copy_alive(sample_file: Path) -> None:
    _crash_after_editing(sample_file, "Ours")
    [orphan] = recovery.find_orphans()
    info_path = recovery._info_path(orphan.working_path)
    info = json.loads(info_path.read_text())
    # The crashed app's pid now belongs to a process started after it opened the file.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        info["pid"], info["opened"] = child.pid, "2026-01-01T09:00:00+00:00"
        info_path.write_text(json.dumps(info))
        assert [o.working_path for o in recovery.find_orphans()] == [orphan.working_path]
        info["opened"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        info_path.write_text(json.dumps(info))
        assert recovery.find_orphans() == []  # the same process: alive
    finally:
        child.kill()
        child.wait()


def test_lone_info_files_are_tidied_once_old() -> None:
    folder = paths.working_dir()
    lone = [folder / f"{'a' * 32}.json", folder / f"{'b' * 32}.json.tmp"]
    young = folder / f"{'c' * 32}.json"
    unrelated = folder / "settings.json"
    old = time.time() - 2 * recovery.NO_INFO_GRACE
    for file in [*lone, young, unrelated]:
        file.write_text("{}")
        if file is not young:
            os.utime(file, (old, old))
    assert recovery.find_orphans() == []
    assert sorted(p.name for p in folder.iterdir()) == sorted([young.name, unrelated.name])


def test_a_recovered_document_let_go_is_offered_again(sample_file: Path) -> None:
    _crash_after_editing(sample_file, "Ours")
    [orphan] = recovery.find_orphans()
    doc = recovery.recover(orphan)
    doc.close(keep_working_copy=True)
    assert not locks.lock_path(sample_file).exists()
    assert doc.working_path.exists()
    assert [o.working_path for o in recovery.find_orphans()] == [orphan.working_path]


def test_recovered_work_on_a_file_someone_now_edits_is_read_only(sample_file: Path) -> None:
    from app.errors import ProjectSaveError

    _crash_after_editing(sample_file, "Ours")
    locks.lock_path(sample_file).write_text(json.dumps(
        {"user": "dana", "host": "laptop-7", "pid": 4242, "time": "2026-11-27T09:14:00+00:00"}))
    before = sample_file.read_bytes()
    [orphan] = recovery.find_orphans()
    with recovery.recover(orphan) as doc:
        assert doc.read_only and doc.lock_holder is not None and doc.lock_holder.user == "dana"
        with pytest.raises(ProjectSaveError, match="read-only"):
            doc.save()
        doc.save_as(sample_file.with_name("mine.aiplan"))
    assert sample_file.read_bytes() == before
    with ProjectDocument.open(sample_file.with_name("mine.aiplan")) as mine:
        assert mine.project().name == "Ours"


def test_working_copy_of_an_older_app_is_migrated_on_recovery() -> None:
    from models.schema import SCHEMA_VERSION
    from tests.models.test_migrations import make_version_1_file

    working = paths.working_dir() / f"{'d' * 32}.aiplan"
    make_version_1_file(working)  # the app was updated between the crash and this start
    dead = _crash_after_editing(None, None)
    for leftover in paths.working_dir().iterdir():  # only the old working copy stays
        if leftover != working:  # (a random working-copy name may start with "d" too)
            leftover.unlink()
    recovery._info_path(working).write_text(json.dumps({"source": None, "pid": dead}))
    [orphan] = recovery.find_orphans()
    assert orphan.name == "Legacy plan"
    with recovery.recover(orphan) as doc:
        with doc.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA user_version").scalar() == SCHEMA_VERSION
        assert doc.to_json()["opportunities"][0]["name"] == "Support copilot"
