"""The ``aiplan`` command line as a user runs it: real files, the exit code and what it prints.

``aiplan(...)`` calls ``main(argv)`` in this process with its output captured as a terminal gets
it; what only a separate process shows (the window, a time bound on hostile input, a process's
own limits) runs the installed command, and test_cli_smoke.py starts each command once for real.
"""

from __future__ import annotations

import contextlib
import io
import json
import locale
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from app.document import ProjectDocument
from app.main import COMMANDS, _looks_like_a_command, main

# The console script installed into this environment (beside the interpreter running the tests).
AIPLAN = shutil.which("aiplan", path=str(Path(sys.executable).parent)) or ""

# The warning filters a fresh interpreter starts with: the test run's own (stricter) filters
# would turn a library's deprecation notice into output the real command never prints.
_INTERPRETER_FILTERS = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


def aiplan(*args: str | Path, cwd: Path | None = None,
           process: bool = False) -> subprocess.CompletedProcess[str]:
    """``aiplan ARGS``: its exit code, stdout and stderr, as the terminal would show them.

    Runs in this process unless ``process`` is set or the arguments open the window; give
    ``process=True`` where the test needs what only a process has: a timeout that bounds input
    built to hang or exhaust a reader (a named pipe, a huge nesting), or limits of its own.
    """
    argv = [str(arg) for arg in args]
    with contextlib.chdir(cwd) if cwd else contextlib.nullcontext():  # a file's name is read from there
        window = _opens_the_window(argv)
    if process or window:
        return _in_a_process(argv, cwd)
    return _in_this_process(argv, cwd)


def _opens_the_window(argv: list[str]) -> bool:
    if not argv:
        return True
    first = argv[0]
    return not (first in COMMANDS or first in ("-h", "--help", "--version")
                or _looks_like_a_command(first))  # a mistyped command is refused before any window


def _in_a_process(argv: list[str], cwd: Path | None) -> subprocess.CompletedProcess[str]:
    command = [AIPLAN] if AIPLAN else [sys.executable, "-m", "app"]
    return subprocess.run([*command, *argv], capture_output=True, text=True,
                          cwd=cwd, env=dict(os.environ), timeout=120)


def _in_this_process(argv: list[str], cwd: Path | None) -> subprocess.CompletedProcess[str]:
    # Bytes encoded as a piped stdout / stderr encodes them, decoded as subprocess.run(text=True)
    # decodes them: text a real process could not write fails here too.
    encoding = locale.getpreferredencoding(False)
    out = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="backslashreplace")
    with (warnings.catch_warnings(), contextlib.chdir(cwd) if cwd else contextlib.nullcontext(),
          contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)):
        warnings.resetwarnings()
        for category in _INTERPRETER_FILTERS:
            warnings.simplefilter("ignore", category)
        code = main(argv)
    return subprocess.CompletedProcess(["aiplan", *argv], code, _text(out), _text(err))


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    data = stream.buffer.getvalue()  # type: ignore[attr-defined]
    return data.decode(stream.encoding).replace("\r\n", "\n").replace("\r", "\n")


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("aiplan: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_a_file_named_like_a_command_in_the_working_folder_opens_in_a_process(tmp_path: Path) -> None:
    (tmp_path / "plan").write_bytes(b"")
    assert _opens_the_window(["plan", "--self-test"]) is False  # no such file here
    assert aiplan("plan", "--self-test", cwd=tmp_path).args[0] != "aiplan"  # started as a process


def test_main_returns_the_exit_code_and_prints_to_the_streams_of_the_moment(
        capsys: pytest.CaptureFixture[str]) -> None:
    # --version, --help and usage errors end argparse with SystemExit: main returns their code.
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("aiplan ")
    assert main(["check"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "arguments are required" in captured.err


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
