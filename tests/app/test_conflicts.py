"""Save never overwrites a file that changed on disk since it was opened: a conflict copy instead."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from app import locks
from app.document import ProjectDocument, conflict_path
from app.errors import SaveConflictError
from models.schema import Project


def _rename(doc: ProjectDocument, name: str) -> None:
    with doc.edit() as session:
        session.get(Project, 1).name = name  # type: ignore[union-attr]


def _other_writes(path: Path, sample: dict[str, Any], name: str) -> bytes:
    """Someone else saves a different project over ``path`` (their own app, their own file)."""
    data = dict(sample, project=dict(sample["project"], name=name))
    data["opportunities"] = sample["opportunities"][:5]
    data["scenarios"] = data["correlations"] = []  # they name opportunities beyond the first five
    with ProjectDocument.from_data(data) as theirs:
        theirs.save_as(path, force=True)
    return path.read_bytes()


def test_changed_file_gets_a_conflict_copy(sample_file: Path, sample: dict[str, Any]) -> None:
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        theirs = _other_writes(sample_file, sample, "Their plan")
        _rename(doc, "Our plan")
        with pytest.raises(SaveConflictError) as caught:
            doc.save()
        error = caught.value
        assert sample_file.read_bytes() == theirs  # the original is byte-identical to theirs
        conflict = error.conflict_path
        assert conflict.parent == sample_file.parent
        assert conflict.name.startswith(f"plan (conflict {locks.this_user()} {dt.date.today():%Y-%m-%d} ")
        assert conflict.suffix == ".aiplan"
        assert "changed on disk since you opened it" in str(error) and conflict.name in str(error)
        assert error.summary  # how the two differ, in a few words
        # The document now edits the conflict copy, locked; the original's lock is gone.
        assert doc.path == conflict and not doc.modified
        assert locks.read_lock(conflict).is_ours  # type: ignore[union-attr]
        assert not locks.lock_path(sample_file).exists()
        _rename(doc, "Our plan, later")
        doc.save()  # goes to the conflict copy, no second conflict
        assert sample_file.read_bytes() == theirs
    with ProjectDocument.open(conflict) as ours:
        assert ours.project().name == "Our plan, later"
        assert len(ours.to_json()["opportunities"]) == len(sample["opportunities"])


def test_summary_without_a_diff_module_counts_each_side(sample_file: Path, sample: dict[str, Any],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "app.diff", None)  # as if the comparison were not there
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        _other_writes(sample_file, sample, "Their plan")
        _rename(doc, "Ours")
        with pytest.raises(SaveConflictError) as caught:
            doc.save()
    n = len(sample["opportunities"])
    assert caught.value.summary.startswith("On disk: 5 opportunities, 2 decisions, 3 unit models.")
    assert f"Yours: {n} opportunities" in caught.value.summary


def test_touched_but_identical_file_is_not_a_conflict(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        os.utime(sample_file, ns=(1, 1))  # a backup tool touched it; the content is the same
        _rename(doc, "Ours")
        doc.save()
        assert doc.path == sample_file
    with ProjectDocument.open(sample_file) as reopened:
        assert reopened.project().name == "Ours"


def test_vanished_file_is_written_again(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        locks.release(sample_file)
        sample_file.unlink()
        _rename(doc, "Still here")
        doc.save()
        assert doc.path == sample_file
    with ProjectDocument.open(sample_file) as reopened:
        assert reopened.project().name == "Still here"


def test_saving_twice_is_no_conflict(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        for n in range(3):
            _rename(doc, f"Edit {n}")
            doc.save()
        assert doc.path == sample_file
    assert [p.name for p in sample_file.parent.iterdir()] == ["plan.aiplan"]


def test_second_conflict_in_the_same_minute_gets_a_number(tmp_path: Path) -> None:
    target = tmp_path / "plan.aiplan"
    when = dt.datetime(2026, 11, 27, 9, 14)
    first = conflict_path(target, when)
    first.write_bytes(b"")
    second = conflict_path(target, when)
    assert second != first and second.name.endswith("-2).aiplan")


def test_file_replaced_by_something_else_is_not_overwritten(sample_file: Path) -> None:
    with ProjectDocument.open(sample_file, for_editing=True) as doc:
        sample_file.write_bytes(b"%PDF-1.7 someone saved a PDF under this name")
        _rename(doc, "Ours")
        with pytest.raises(SaveConflictError) as caught:
            doc.save()
    assert sample_file.read_bytes().startswith(b"%PDF")
    assert caught.value.summary == "The file on disk could not be read to compare it."
    with ProjectDocument.open(caught.value.conflict_path) as ours:
        assert ours.project().name == "Ours"
