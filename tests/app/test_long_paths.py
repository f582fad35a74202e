"""Names and paths as long as the system allows: they open, lock and save; longer ones are
refused with a sentence about the name, never about free space or someone else's lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import locks
from app.document import ProjectDocument
from app.errors import ProjectSaveError
from models.schema import Project


def _named(folder: Path, length: int) -> Path:
    """``folder/NAME.aiplan`` whose name is ``length`` bytes (some of them two-byte letters)."""
    stem = "Ü" * 20 + "q" * (length - 40 - len(".aiplan"))
    path = folder / f"{stem}.aiplan"
    assert len(os.fsencode(path.name)) == length
    return path


def _edit_and_save(path: Path, name: str) -> None:
    with ProjectDocument.open(path, for_editing=True) as doc:
        assert doc.locked and doc.lock_problem is None
        assert locks.read_lock(path).is_ours  # type: ignore[union-attr]
        # Another editor, in another process, is told who has it open.
        script = ("import sys; from pathlib import Path; from app.document import ProjectDocument\n"
                  "from app.errors import FileLockedError\n"
                  "try:\n"
                  "    ProjectDocument.open(Path(sys.argv[1]), for_editing=True).close()\n"
                  "    print('opened')\n"
                  "except FileLockedError as exc:\n"
                  "    print('locked by', exc.lock.user)\n")
        other = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                               text=True, timeout=120)
        assert other.stdout.strip() == f"locked by {locks.this_user()}", other
        with doc.edit() as session:
            session.get(Project, 1).name = name  # type: ignore[union-attr]
        doc.save()
    assert not locks.lock_path(path).exists()


@pytest.mark.parametrize("length", [240, 247, 248, 255])
def test_a_long_name_saves_and_locks(tmp_path: Path, length: int) -> None:
    path = _named(tmp_path, length)
    with ProjectDocument.sample() as doc:
        doc.save_as(path)
    _edit_and_save(path, f"Saved under a {length}-byte name")
    with ProjectDocument.open(path) as doc:
        assert doc.project().name == f"Saved under a {length}-byte name"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_the_long_lock_name_is_the_same_for_everyone(tmp_path: Path) -> None:
    path = _named(tmp_path, 255)
    lock = locks.lock_path(path)
    assert len(os.fsencode(lock.name)) <= 255 and lock.name.startswith(".~lock.ÜÜ")
    assert lock == locks.lock_path(Path(str(path)))
    assert lock != locks.lock_path(_named(tmp_path, 254))


def test_a_path_of_more_than_500_bytes_saves(tmp_path: Path) -> None:
    folder = tmp_path
    while len(os.fsencode(str(folder))) < 380:
        folder = folder / ("f" * 60)
    folder.mkdir(parents=True)
    path = _named(folder, 120)
    assert len(os.fsencode(str(path))) >= 500
    with ProjectDocument.sample() as doc:
        doc.save_as(path)
    _edit_and_save(path, "Saved deep down")
    with ProjectDocument.open(path) as doc:
        assert doc.project().name == "Saved deep down"


def test_a_name_longer_than_the_system_allows_is_refused_for_its_length(tmp_path: Path) -> None:
    too_long = tmp_path / ("n" * 250 + ".aiplan")
    with ProjectDocument.sample() as doc:
        with pytest.raises(ProjectSaveError) as caught:
            doc.save_as(too_long)
    message = str(caught.value)
    assert "the name is too long" in message and "Choose a shorter name" in message
    assert "free" not in message and "read-only" not in message and "editing" not in message
    assert list(tmp_path.iterdir()) == []


def test_a_path_longer_than_the_system_allows_is_refused_for_its_length(tmp_path: Path) -> None:
    too_deep = tmp_path.joinpath(*["d" * 200] * 25, "plan.aiplan")
    with ProjectDocument.sample() as doc:
        with pytest.raises(ProjectSaveError) as caught:
            doc.save_as(too_deep)
    message = str(caught.value)
    assert "Choose a shorter name" in message and "free" not in message
