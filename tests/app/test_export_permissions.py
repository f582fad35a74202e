"""Every export is written the same way: the permissions a new file gets from the umask, the
replaced file's permissions kept, no temp file left beside it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.exports.run import write_exports
from tests.app.test_cli import AIPLAN

KINDS = (("--memo", "memo.pdf"), ("--xlsx", "book.xlsx"), ("--deck", "deck.pdf"), ("--deck", "deck.pptx"))


def _aiplan_with_umask(mask: int, *args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [AIPLAN] if AIPLAN else [sys.executable, "-m", "app"]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300, preexec_fn=lambda: os.umask(mask))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_every_export_follows_the_umask(sample_file: Path, tmp_path: Path, mask: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for option, name in KINDS:
        result = _aiplan_with_umask(mask, "export", sample_file, option, out / name)
        assert result.returncode == 0, result.stderr
    result = _aiplan_with_umask(mask, "export-json", sample_file, out / "plan.json")
    assert result.returncode == 0, result.stderr
    modes = {p.name: _mode(p) for p in out.iterdir()}
    assert modes == dict.fromkeys([name for _, name in KINDS] + ["plan.json"], 0o666 & ~mask)


def test_an_export_written_over_a_file_keeps_its_permissions(sample_json: dict[str, Any],
                                                             tmp_path: Path) -> None:
    """What --force and the window's save dialog allow: the replaced file's mode stays."""
    requested = {"memo": tmp_path / "memo.pdf", "xlsx": tmp_path / "book.xlsx",
                 "deck": tmp_path / "deck.pptx"}
    for target in requested.values():
        target.write_bytes(b"last quarter's version")
        target.chmod(0o640)
    written = [path for path, _warnings in write_exports(sample_json, requested)]
    assert written == list(requested.values())
    for target in requested.values():
        assert target.read_bytes() != b"last quarter's version"
        assert _mode(target) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in requested.values())
