"""The ``aiplan`` command line, run as a user runs it: a real process, real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.document import ProjectDocument

# The console script installed into this environment (beside the interpreter running the tests).
AIPLAN = shutil.which("aiplan", path=str(Path(sys.executable).parent)) or ""


def aiplan(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [AIPLAN] if AIPLAN else [sys.executable, "-m", "app"]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=dict(os.environ), timeout=120)


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("aiplan: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_the_console_script_is_installed() -> None:
    assert AIPLAN, "the aiplan console script is not on PATH"
    result = aiplan("--version")
    assert result.returncode == 0 and result.stdout.startswith("aiplan ")


def test_new_check_export_import(tmp_path: Path, sample_json: dict) -> None:
    plan = tmp_path / "plan.aiplan"
    assert aiplan("new", plan, "--sample").returncode == 0
    checked = aiplan("check", plan)
    assert checked.returncode == 0
    assert f"{len(sample_json['opportunities'])} opportunities" in checked.stdout

    out = tmp_path / "plan.json"
    assert aiplan("export-json", plan, out).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8")) == sample_json

    copy = tmp_path / "copy.aiplan"
    assert aiplan("import-json", out, copy).returncode == 0
    again = tmp_path / "again.json"
    assert aiplan("export-json", copy, again).returncode == 0
    assert again.read_bytes() == out.read_bytes()


def test_new_empty_project_is_named_after_the_file(tmp_path: Path) -> None:
    plan = tmp_path / "Q3 bets.aiplan"
    assert aiplan("new", plan).returncode == 0
    with ProjectDocument.open(plan) as doc:
        assert doc.project().name == "Q3 bets"
        assert doc.to_json()["opportunities"] == []


def test_import_needs_replace_to_overwrite(tmp_path: Path, sample_json: dict) -> None:
    plan = tmp_path / "plan.aiplan"
    assert aiplan("new", plan).returncode == 0
    before = plan.read_bytes()
    source = tmp_path / "in.json"
    source.write_text(json.dumps(sample_json), encoding="utf-8")
    line = _one_line_error(aiplan("import-json", source, plan))
    assert "already exists" in line and "--replace" in line
    assert plan.read_bytes() == before
    assert aiplan("import-json", source, plan, "--replace").returncode == 0
    with ProjectDocument.open(plan) as doc:
        assert doc.to_json() == sample_json


def test_replace_never_overwrites_something_that_is_not_a_project(
    tmp_path: Path, sample_json: dict
) -> None:
    thesis = tmp_path / "thesis.docx"
    thesis.write_bytes(b"PK\x03\x04 a document the user cares about")
    source = tmp_path / "in.json"
    source.write_text(json.dumps(sample_json), encoding="utf-8")
    line = _one_line_error(aiplan("import-json", source, thesis, "--replace"))
    assert "will not overwrite" in line
    assert thesis.read_bytes() == b"PK\x03\x04 a document the user cares about"


def test_invalid_json_import_names_path_and_rule(tmp_path: Path, sample: dict) -> None:
    sample["opportunities"][2]["adoption_target"] = {
        "base": 0.3, "low": 0.4, "high": 0.5, "dist": "pert"}
    source = tmp_path / "in.json"
    source.write_text(json.dumps(sample), encoding="utf-8")
    line = _one_line_error(aiplan("import-json", source, tmp_path / "x.aiplan"))
    assert "opportunities[2].adoption_target.low: must not exceed base" in line
    assert not (tmp_path / "x.aiplan").exists()
    assert "must not exceed base" in _one_line_error(aiplan("check", source))


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"", "is empty"), (b"hello", "not an AI Product Planner project"),
     (b"SQLite format 3\x00" + b"\x00" * 50, "damaged")],
)
def test_check_refuses_bad_files_in_one_line(tmp_path: Path, content: bytes, words: str) -> None:
    bad = tmp_path / "bad.aiplan"
    bad.write_bytes(content)
    assert words in _one_line_error(aiplan("check", bad))
    assert bad.read_bytes() == content


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    assert "arguments are required" in _one_line_error(aiplan("check"))
    assert "There is no file" in _one_line_error(aiplan("export-json", tmp_path / "none.aiplan",
                                                        tmp_path / "out.json"))
    assert "already exists" in _one_line_error(aiplan("new", tmp_path))


def test_help_lists_the_commands() -> None:
    result = aiplan("--help")
    assert result.returncode == 0
    for command in ("new", "check", "export-json", "import-json"):
        assert command in result.stdout
