"""A full disk, where the working copies live or beside the project: one plain sentence each."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.document import ProjectDocument
from app.errors import DataFolderError

AIPLAN = shutil.which("aiplan", path=str(Path(sys.executable).parent)) or ""


@contextlib.contextmanager
def _small_disk(where: Path, size: str = "512k") -> Iterator[Path]:
    """A real, small file system mounted at ``where`` (root only; skipped elsewhere)."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("a small file system cannot be mounted here")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)


def _fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)


def test_a_full_data_folder_says_so_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with _small_disk(tmp_path / "data") as data:
        (data / "working").mkdir()
        _fill(data)
        monkeypatch.setenv("AIPLAN_DATA_DIR", str(data))
        with pytest.raises(DataFolderError) as caught:
            ProjectDocument.sample()
        assert "data folder" in str(caught.value) and "the disk is full" in str(caught.value)
        command = [AIPLAN] if AIPLAN else [sys.executable, "-m", "app"]
        result = subprocess.run([*command, "new", str(tmp_path / "plan.aiplan"), "--sample"],
                                capture_output=True, text=True, env=dict(os.environ), timeout=120)
        assert result.returncode == 2
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and "the disk is full" in lines[0], result.stderr
        assert "Traceback" not in result.stderr and "sqlalchemy" not in result.stderr.lower()
        assert list((data / "working").iterdir()) == []  # no empty working copies left
        assert not (tmp_path / "plan.aiplan").exists()


def test_a_lock_that_does_not_fit_on_a_full_disk_is_not_called_read_only(
        sample_file: Path, tmp_path: Path) -> None:
    with _small_disk(tmp_path / "share") as share:
        plan = share / "plan.aiplan"
        shutil.copyfile(sample_file, plan)
        _fill(share)
        with ProjectDocument.open(plan, for_editing=True) as doc:
            assert not doc.locked
            assert doc.lock_problem is not None and "disk is full" in doc.lock_problem
            assert "read-only" not in doc.lock_problem
        (share / "filler").unlink()
        assert sorted(p.name for p in share.iterdir()) == ["plan.aiplan"]
