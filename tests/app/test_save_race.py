"""Two editors who both chose Open Anyway save moments apart: neither edit is lost."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app import locks, projectfile, savetemps
from app.document import ProjectDocument
from app.errors import ProjectSaveError
from models.schema import Project

# One editor, in a process of its own. Its verify step is made to take a second, as a large
# plan's does (0.6-0.8 s at 5,000 opportunities), so the other save lands inside it.
_EDITOR = """
import sys, time
from pathlib import Path
import app.document as document
from app.errors import SaveConflictError
from models.schema import Project

real_write = document.write_atomically

def slow_write(target, data, verify, **options):
    def slow_verify(temp):
        time.sleep(1.0)
        verify(temp)
    return real_write(target, data, slow_verify, **options)

document.write_atomically = slow_write
doc = document.ProjectDocument.open(Path(sys.argv[1]), for_editing=True, force=True)
with doc.edit() as session:
    session.get(Project, 1).name = sys.argv[2]
print("ready", flush=True)
sys.stdin.readline()
try:
    doc.save()
    print("saved", flush=True)
except SaveConflictError as exc:
    print("conflict", exc.conflict_path, flush=True)
doc.close()
"""


def _editor(path: Path, name: str) -> subprocess.Popen[str]:
    editor = subprocess.Popen([sys.executable, "-c", _EDITOR, str(path), name],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert editor.stdout is not None
    assert editor.stdout.readline() == "ready\n"
    return editor


def _name_in(path: Path) -> str:
    with ProjectDocument.open(path) as doc:
        return doc.project().name


def test_two_saves_half_a_second_apart_keep_both_edits(sample_file: Path) -> None:
    first = _editor(sample_file, "First editor's plan")
    second = _editor(sample_file, "Second editor's plan")
    outcomes = []
    try:
        for editor in (first, second):
            assert editor.stdin is not None
            editor.stdin.write("go\n")
            editor.stdin.flush()
            time.sleep(0.5)
        for editor in (first, second):
            out, _ = editor.communicate(timeout=120)
            assert editor.returncode == 0
            outcomes.append(out.strip())
    finally:
        for editor in (first, second):
            editor.kill()
    saved = [o for o in outcomes if o == "saved"]
    conflicts = [Path(o.split(" ", 1)[1]) for o in outcomes if o.startswith("conflict ")]
    assert len(saved) == 1 and len(conflicts) == 1, outcomes
    names = {_name_in(sample_file), _name_in(conflicts[0])}
    assert names == {"First editor's plan", "Second editor's plan"}


def _guard_of(path: Path, pid: int) -> Path:
    guard = savetemps.guard_path(path)
    guard.write_text(json.dumps({"pid": pid, "host": locks.this_host()}))
    return guard


def test_a_guard_left_by_a_killed_save_does_not_stop_the_next(sample_file: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    guard = _guard_of(sample_file, int(ended.stdout))
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        with doc.edit() as session:
            session.get(Project, 1).name = "Saved past the old guard"  # type: ignore[union-attr]
        doc.save()
    assert not guard.exists() and _name_in(sample_file) == "Saved past the old guard"


def test_a_save_that_never_finishes_its_last_step_is_waited_for_then_reported(
        sample_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        guard = _guard_of(sample_file, sleeper.pid)  # a live save of another process
        monkeypatch.setattr(projectfile, "SAVE_GUARD_WAIT", 0.3)
        before = sample_file.read_bytes()
        with ProjectDocument.open(sample_file, for_editing=True) as doc:
            with doc.edit() as session:
                session.get(Project, 1).name = "Waiting"  # type: ignore[union-attr]
            with pytest.raises(ProjectSaveError, match="another save of this file has not finished"):
                doc.save()
            assert doc.modified
        assert sample_file.read_bytes() == before and guard.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
