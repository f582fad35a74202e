"""Each ``aiplan`` command started once as a real process, through the installed entry point.

The other command-line tests call ``main(argv)`` in the test process; here every command runs as
the user starts it, and where the command only reads, its exit code, stdout and stderr are
exactly what the in-process call gives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.document import ProjectDocument
from app.main import COMMANDS
from tests.app.test_cli import AIPLAN, aiplan


def _run(*args: str | Path, entry: list[str] | None = None,
         cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert AIPLAN, "the aiplan console script is not installed beside the interpreter"
    return subprocess.run([*(entry or [AIPLAN]), *map(str, args)], capture_output=True, text=True,
                          env=dict(os.environ), cwd=cwd, timeout=300)


def _outcome(result: subprocess.CompletedProcess[str]) -> tuple[int, str, str]:
    return result.returncode, result.stdout, result.stderr


def test_every_command_has_a_smoke_test() -> None:
    tested = {name.removeprefix("test_").removesuffix("_runs_as_a_process").replace("_", "-")
              for name in globals() if name.endswith("_runs_as_a_process")}
    assert tested == set(COMMANDS)


def test_the_module_entry_and_the_script_print_the_version() -> None:
    script, module = _run("--version"), _run("--version", entry=[sys.executable, "-m", "app"])
    assert script.returncode == 0 and script.stdout.startswith("aiplan ")
    assert _outcome(module) == _outcome(script) == _outcome(aiplan("--version"))


def test_new_runs_as_a_process(tmp_path: Path) -> None:
    plan = tmp_path / "plan.aiplan"
    result = _run("new", plan, "--sample")
    assert _outcome(result) == (0, f"Created {plan}\n", "")
    with ProjectDocument.open(plan) as doc:
        assert doc.to_json()["opportunities"]


def test_check_runs_as_a_process(sample_file: Path) -> None:
    result = _run("check", sample_file)
    assert result.returncode == 0 and result.stdout.startswith(f"{sample_file}: ok — ")
    assert _outcome(result) == _outcome(aiplan("check", sample_file))


def test_calc_runs_as_a_process(sample_file: Path) -> None:
    result = _run("calc", sample_file, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["opportunities"]
    assert _outcome(result) == _outcome(aiplan("calc", sample_file, "--json"))


def test_reprice_runs_as_a_process(sample_file: Path) -> None:
    result = _run("reprice", sample_file, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["routes"]
    assert _outcome(result) == _outcome(aiplan("reprice", sample_file, "--json"))


def test_diff_runs_as_a_process(sample_file: Path, tmp_path: Path, sample: dict[str, Any]) -> None:
    sample["opportunities"][0]["name"] = "Renamed\x1b[31m"  # escaped the same way in both
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(sample), encoding="utf-8")
    result = _run("diff", sample_file, changed)
    assert result.returncode == 0 and "Renamed\\e[31m" in result.stdout, result.stderr
    assert _outcome(result) == _outcome(aiplan("diff", sample_file, changed))


def test_export_runs_as_a_process(sample_file: Path, tmp_path: Path) -> None:
    book = tmp_path / "plan.xlsx"
    result = _run("export", sample_file, "--xlsx", book)
    assert _outcome(result) == (0, f"Wrote {book}\n", "")
    assert book.read_bytes()[:2] == b"PK"


def test_export_json_runs_as_a_process(sample_file: Path, tmp_path: Path,
                                       sample_json: dict[str, Any]) -> None:
    out = tmp_path / "plan.json"
    result = _run("export-json", sample_file, out)
    assert _outcome(result) == (0, f"Wrote {out}\n", "")
    assert json.loads(out.read_text(encoding="utf-8")) == sample_json


def test_import_json_runs_as_a_process(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    source, plan = tmp_path / "in.json", tmp_path / "plan.aiplan"
    source.write_text(json.dumps(sample_json), encoding="utf-8")
    result = _run("import-json", source, plan)
    assert _outcome(result) == (0, f"Created {plan} from {source}\n", "")
    with ProjectDocument.open(plan) as doc:
        assert doc.to_json() == sample_json


@pytest.mark.parametrize("args", [("check",), ("check", "missing.aiplan")])
def test_errors_read_the_same_from_a_process(args: tuple[str, ...], tmp_path: Path) -> None:
    # A usage error (argparse ends it) and a file error (main prints it): the same in both.
    result = _run(*args, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert _outcome(result) == _outcome(aiplan(*args, cwd=tmp_path))
