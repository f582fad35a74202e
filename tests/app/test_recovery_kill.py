"""SIGKILL while editing or saving: every committed edit is recovered, and the next start
leaves no temp file, no stale lock and no torn project file."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import locks, paths, recovery
from app.document import ProjectDocument
from models.schema import MemoSection
from tests.app.test_save_kill import _bigger_plan, _save_in_child

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")

# Each edit adds a memo section big enough that a kill often lands inside a transaction.
BODY = "Evidence from the pilot. " * 400


def _edit_in_child(source: Path) -> tuple[int, int]:
    """Fork a process that opens ``source`` for editing and adds memo sections ``edit-0``,
    ``edit-1``… for ever, writing each number to a pipe once its transaction committed.
    Returns the pid and the read end of the pipe."""
    report_r, report_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a real process editing, to be killed at a random moment
        try:
            os.close(report_r)
            doc = ProjectDocument.open(source, for_editing=True)
            os.write(report_w, b"open\n")
            for n in range(100_000):
                with doc.edit() as session:
                    session.add(MemoSection(id=f"edit-{n}", position=100 + n, title=f"Edit {n}",
                                            body=BODY))
                os.write(report_w, f"{n}\n".encode())
        finally:
            os._exit(0)
    os.close(report_w)
    return pid, report_r


def _read_all(fd: int) -> list[str]:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode().split()


def _kill_edits(source: Path, runs: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    extra = []
    for _ in range(runs):
        pid, report = _edit_in_child(source)
        assert os.read(report, 5) == b"open\n"
        time.sleep(rng.uniform(0, 0.3))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        reported = [int(n) for n in _read_all(report)]
        [orphan] = recovery.find_orphans()
        assert orphan.source == source
        with recovery.recover(orphan) as doc:  # SQLite rolls back the interrupted edit
            with doc.session() as session:
                ids = set(session.execute(select(MemoSection.id).where(MemoSection.id.like("edit-%")))
                          .scalars())
            found = sorted(int(i.removeprefix("edit-")) for i in ids)
            # Every reported edit, in order, and at most one more that committed before its report.
            assert found == list(range(len(found)))
            assert reported == found[:len(reported)] and len(found) - len(reported) in (0, 1)
            extra.append(len(found) - len(reported))
            doc.modified = False
        assert not locks.lock_path(source).exists()  # the dead child's lock was cleared
        assert not list(paths.working_dir().iterdir())
    return extra


def test_killed_editing_loses_no_committed_edit(sample_file: Path) -> None:
    _kill_edits(sample_file, runs=8, seed=1)


@pytest.mark.slow
def test_killed_editing_many(sample_file: Path) -> None:
    _kill_edits(sample_file, runs=100, seed=2)


def _kill_saves_then_restart(tmp_path: Path, sample: dict[str, Any], runs: int, seed: int) -> dict[str, int]:
    """Kill saves (locked, as the app saves) at random moments, then start again each time."""
    target = tmp_path / "plan.aiplan"
    with ProjectDocument.from_data(sample) as doc:
        doc.save_as(target)
    old = target.read_bytes()
    new_data = _bigger_plan(sample, 300)
    rng = random.Random(seed)
    outcomes = {"old": 0, "new": 0}
    with ProjectDocument.from_data(new_data) as doc:
        start = time.perf_counter()
        doc.save_as(tmp_path / "timing.aiplan")
        save_seconds = time.perf_counter() - start
        doc.save_as(tmp_path / "timing-2.aiplan")  # the lock moves off the timing file
        (tmp_path / "timing.aiplan").unlink()
        for _ in range(runs):
            target.write_bytes(old)
            pid = _save_in_child(doc, target)
            time.sleep(rng.uniform(0, save_seconds * 2.5))  # a forked child saves slower
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            # The next start, a minute or more later: leftovers are now old enough to be strays.
            later = time.time() - 2 * recovery.STRAY_AGE
            for leftover in tmp_path.iterdir():
                if leftover.name.startswith("."):
                    os.utime(leftover, (later, later))
            with ProjectDocument.open(target, for_editing=True) as reopened:  # all open checks
                content = reopened.to_json()
                assert reopened.locked  # a lock the killed save left was cleared silently
            assert content in (sample, new_data)
            outcomes["old" if content == sample else "new"] += 1
            left = sorted(p.name for p in tmp_path.iterdir())
            assert left == [".~lock.timing-2.aiplan#", "plan.aiplan", "timing-2.aiplan"], left
    return outcomes


def test_killed_saves_leave_no_temp_after_restart(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    outcomes = _kill_saves_then_restart(tmp_path, sample_json, runs=15, seed=3)
    assert sum(outcomes.values()) == 15


@pytest.mark.slow
def test_killed_saves_leave_no_temp_after_restart_many(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    outcomes = _kill_saves_then_restart(tmp_path, sample_json, runs=200, seed=4)
    assert outcomes["old"] and outcomes["new"]
