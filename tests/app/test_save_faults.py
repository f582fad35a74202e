"""A save that fails at any step leaves the file on disk byte-identical and says why."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.document import ProjectDocument
from app.errors import ProjectSaveError
from models.schema import Project

REASONS = {errno.ENOSPC: "the disk is full", errno.EIO: "input/output error",
           errno.EACCES: "permission was denied"}


def _failing(real: Callable[..., Any], code: int, on_call: int = 1) -> Callable[..., Any]:
    calls = {"n": 0}

    def fake(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == on_call:
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    return fake


def _half_write_then_fail(code: int) -> Callable[..., Any]:
    """A write that stores half the bytes, then fails: a disk filling up mid-save."""
    real = os.write
    calls = {"n": 0}

    def fake(fd: int, data: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real(fd, bytes(data[: len(data) // 2]))
        raise OSError(code, os.strerror(code))

    return fake


STEPS: dict[str, Callable[[int], tuple[str, Callable[..., Any]]]] = {
    "create temp": lambda code: ("open", _failing(os.open, code)),
    "first write": lambda code: ("write", _failing(os.write, code)),
    "write mid-way": lambda code: ("write", _half_write_then_fail(code)),
    "fsync": lambda code: ("fsync", _failing(os.fsync, code)),
    "replace": lambda code: ("replace", _failing(os.replace, code)),
}


@pytest.mark.parametrize("code", sorted(REASONS))
@pytest.mark.parametrize("step", sorted(STEPS))
def test_failed_save_leaves_the_original_intact(
    sample_file: Path, monkeypatch: pytest.MonkeyPatch, step: str, code: int
) -> None:
    original = sample_file.read_bytes()
    with ProjectDocument.open(sample_file) as doc:
        with doc.edit() as session:
            session.get(Project, 1).name = "Edited before the failed save"  # type: ignore[union-attr]
        name, fake = STEPS[step](code)
        with monkeypatch.context() as patch:
            patch.setattr(os, name, fake)
            with pytest.raises(ProjectSaveError) as caught:
                doc.save()
        message = str(caught.value)
        assert REASONS[code] in message and "unchanged" in message and "\n" not in message
        assert sample_file.read_bytes() == original
        assert [p.name for p in sample_file.parent.iterdir()] == [sample_file.name]
        # The work is kept: still modified, and the next save goes through.
        assert doc.modified
        assert doc.project().name == "Edited before the failed save"
        doc.save()
    with ProjectDocument.open(sample_file) as doc:
        assert doc.project().name == "Edited before the failed save"


def test_a_copy_that_reads_back_wrong_is_never_put_in_place(
    sample_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = sample_file.read_bytes()
    real_write = os.write

    def corrupting_write(fd: int, data: Any) -> int:
        damaged = bytearray(data)
        damaged[len(damaged) // 2] ^= 0xFF  # a flaky share flips a byte on the way
        return real_write(fd, bytes(damaged)) and len(data)

    with ProjectDocument.open(sample_file) as doc:
        with doc.edit() as session:
            session.get(Project, 1).name = "New"  # type: ignore[union-attr]
        monkeypatch.setattr(os, "write", corrupting_write)
        with pytest.raises(ProjectSaveError, match="read back differs"):
            doc.save()
    assert sample_file.read_bytes() == original


def test_failing_folder_fsync_after_the_rename_still_saves(
    sample_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some network shares cannot fsync a folder; the rename has already happened."""
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            raise OSError(errno.EINVAL, "Invalid argument")
        real_fsync(fd)

    with ProjectDocument.open(sample_file) as doc:
        with doc.edit() as session:
            session.get(Project, 1).name = "Saved anyway"  # type: ignore[union-attr]
        monkeypatch.setattr(os, "fsync", fsync)
        doc.save()
    monkeypatch.undo()
    with ProjectDocument.open(sample_file) as doc:
        assert doc.project().name == "Saved anyway"
