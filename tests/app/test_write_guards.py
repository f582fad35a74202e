"""What a command that writes may overwrite: never a project, its own input or a locked file;
any other existing file only when told; each refusal one sentence, every file left as it was."""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl

from app import locks
from tests.app.test_cli import AIPLAN, _one_line_error, aiplan


def _lock_by_dana(path: Path) -> None:
    when = dt.datetime.now().astimezone().replace(microsecond=0)
    locks.lock_path(path).write_text(json.dumps(
        {"user": "dana", "host": "laptop-7", "pid": 4242, "time": when.isoformat()}), encoding="utf-8")


def _refused(*args: str | Path, protected: list[Path], words: str) -> str:
    """Run a command that must refuse: exit 2, one line with ``words``, files byte-identical."""
    before = {path: path.read_bytes() for path in protected if path.exists()}
    line = _one_line_error(aiplan(*args))
    assert words in line, line
    assert {path: path.read_bytes() for path in before} == before
    return line


# --- the project itself --------------------------------------------------------------------


def test_export_never_writes_over_its_own_project(sample_file: Path, tmp_path: Path) -> None:
    _refused("export", sample_file, "--xlsx", sample_file, protected=[sample_file],
             words="is the project being exported, so the workbook was not written over it")
    # The same file under other names: a symlink and a hard link with export endings.
    link = tmp_path / "memo.pdf"
    link.symlink_to(sample_file)
    hard = tmp_path / "deck.pdf"
    os.link(sample_file, hard)
    for other in (link, hard):
        _refused("export", sample_file, "--memo", other, protected=[sample_file],
                 words="is the project being exported")
    assert link.is_symlink()


def test_export_never_writes_over_another_project(sample_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "X.aiplan"
    shutil.copyfile(sample_file, other)
    line = _refused("export", sample_file, "--memo", other, protected=[other],
                    words="is an AI Product Planner project, so the strategy memo was not written over it")
    assert "“X.aiplan”" in line
    # A project under an export's name is still a project.
    renamed = tmp_path / "old-review.pdf"
    shutil.copyfile(sample_file, renamed)
    _refused("export", sample_file, "--deck", renamed, protected=[renamed],
             words="is an AI Product Planner project")


def test_export_refuses_a_project_file_name(sample_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "memo.aiplan"
    _refused("export", sample_file, "--memo", target, protected=[],
             words="ends in .aiplan, the ending of project files")
    assert not target.exists()


def test_export_json_refuses_projects_its_input_and_locked_files(sample_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.aiplan"
    shutil.copyfile(sample_file, other)
    _refused("export-json", sample_file, other, protected=[other, sample_file],
             words="is an AI Product Planner project, so the JSON export was not written over it")
    _refused("export-json", sample_file, sample_file, protected=[sample_file],
             words="is the project being exported, so the JSON export was not written over it")
    _lock_by_dana(sample_file)
    _refused("export-json", sample_file, sample_file, protected=[sample_file],
             words="is the project being exported, so the JSON export was not written over it")
    shared = tmp_path / "shared.json"
    shared.write_text('{"format": "aiplan"}', encoding="utf-8")
    _lock_by_dana(shared)
    _refused("export-json", sample_file, shared, protected=[shared],
             words="is open for editing by dana on host laptop-7")


def test_existing_file_needs_to_be_named_for_replacing(sample_file: Path, tmp_path: Path) -> None:
    deck = tmp_path / "deck.pptx"
    deck.write_bytes(b"PK\x03\x04 last quarter's deck")
    line = _refused("export", sample_file, "--deck", deck, protected=[deck], words="already exists")
    assert "a ZIP archive or an Office document" in line and "--force" in line
    out = tmp_path / "plan.json"
    out.write_text("notes", encoding="utf-8")
    _refused("export-json", sample_file, out, protected=[out], words="pass --force to overwrite it")


def test_a_pipe_or_folder_under_the_name_is_never_replaced(sample_file: Path, tmp_path: Path) -> None:
    pipe = tmp_path / "memo.pdf"
    os.mkfifo(pipe)
    # In a process of its own: were the pipe opened for writing, the timeout would end the wait.
    line = _one_line_error(aiplan("export", sample_file, "--memo", pipe, process=True))
    assert "“memo.pdf” already exists and is not a regular file, so nothing was written there" in line
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    folder = tmp_path / "book.xlsx"
    folder.mkdir()
    line = _one_line_error(aiplan("export", sample_file, "--xlsx", folder))
    assert "already exists and is a folder" in line
    assert folder.is_dir() and not list(folder.iterdir())


def test_two_exports_of_one_command_to_one_file_are_refused(sample_file: Path, tmp_path: Path) -> None:
    result = aiplan("export", sample_file, "--memo", "review.pdf", "--deck", "./review.pdf", cwd=tmp_path)
    line = _one_line_error(result)
    assert "“review.pdf” is named for two exports (the strategy memo and the deck)" in line
    assert list(tmp_path.iterdir()) == [sample_file]


def test_a_missing_folder_has_its_own_sentence(sample_file: Path, tmp_path: Path) -> None:
    target = tmp_path / "Reviews" / "memo.pdf"
    line = _one_line_error(aiplan("export", sample_file, "--memo", target))
    assert line == (f"aiplan: The folder “{target.parent}” does not exist, so “memo.pdf” was not "
                    "written. Create the folder, or choose another one.")
    line = _one_line_error(aiplan("export-json", sample_file, target.with_suffix(".json")))
    assert "does not exist" in line
    assert not target.parent.exists()


# --- new and import-json -------------------------------------------------------------------


def test_project_files_must_be_named_aiplan(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    line = _one_line_error(aiplan("new", tmp_path / "x.json"))
    assert "project files end in .aiplan. Type aiplan new x.aiplan." in line
    source = tmp_path / "in.json"
    source.write_text(json.dumps(sample_json), encoding="utf-8")
    for name in ("plan.pdf", "plan.xlsx", "plan.pptx", "plan.json"):
        line = _one_line_error(aiplan("import-json", source, tmp_path / name))
        assert "project files end in .aiplan" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.json"]


def test_replace_says_what_a_foreign_file_is(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps(sample_json), encoding="utf-8")
    photos = tmp_path / "photos.aiplan"
    with sqlite3.connect(photos) as db:
        db.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY, path TEXT)")
    line = _refused("import-json", source, photos, "--replace", protected=[photos],
                    words="so --replace will not overwrite it")
    assert "it looks like an SQLite database from another program" in line


def test_replace_never_takes_a_locked_project_or_its_own_input(
        sample_file: Path, tmp_path: Path, sample_json: dict[str, Any]) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps(sample_json), encoding="utf-8")
    _lock_by_dana(sample_file)
    _refused("import-json", source, sample_file, "--replace", protected=[sample_file],
             words="is open for editing by dana")
    named_like_a_project = tmp_path / "in.aiplan"
    shutil.copyfile(source, named_like_a_project)
    _refused("import-json", named_like_a_project, named_like_a_project, "--replace",
             protected=[named_like_a_project], words="is the file being imported")
    # Unlocked, a project may be replaced: that is what --replace is for.
    locks.lock_path(sample_file).unlink()
    result = aiplan("import-json", source, sample_file, "--replace")
    assert result.returncode == 0 and f"Replaced {sample_file}" in result.stdout


# --- failures say their cause --------------------------------------------------------------


def test_a_name_the_system_cannot_take_is_said_so(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    long = tmp_path / ("q" * 300 + ".aiplan")
    source = tmp_path / "in.json"
    source.write_text(json.dumps(sample_json), encoding="utf-8")
    for args in (("new", long), ("import-json", source, long)):
        line = _one_line_error(aiplan(*args))
        assert "was not written: the name is too long. No file was created." in line
        assert "your work is kept" not in line and "free space" not in line.lower()


def test_a_failed_export_states_its_cause_and_keeps_nothing_it_cannot(sample_file: Path,
                                                                     tmp_path: Path) -> None:
    """The memo is larger than the files the process may write: "file too large", not "free
    space", and no claim that work is kept."""
    memo = tmp_path / "memo.pdf"

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    command = [AIPLAN] if AIPLAN else [sys.executable, "-m", "app"]
    result = subprocess.run([*command, "export", str(sample_file), "--memo", str(memo)],
                            capture_output=True, text=True, env=dict(os.environ), timeout=120,
                            preexec_fn=small_files)
    line = _one_line_error(result)
    assert line == ("aiplan: “memo.pdf” was not written: file too large. No file was created. "
                    "Choose another folder or name, then try again.")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.aiplan"]


# --- what export prints --------------------------------------------------------------------


def test_workbook_with_characters_xml_forbids_is_written_with_one_warning(
        tmp_path: Path, sample_json: dict[str, Any]) -> None:
    data = json.loads(json.dumps(sample_json))
    data["project"]["name"] = "Plan\uffff \x1b]0;owned\x07"
    data["opportunities"][0]["name"] = "Sup\ufffeport\x01 copilot"
    source = tmp_path / "in.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    plan = tmp_path / "plan.aiplan"
    assert aiplan("import-json", source, plan).returncode == 0
    out = tmp_path / "w.xlsx"
    result = aiplan("export", plan, "--xlsx", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Wrote {out}\n"
    warnings = result.stderr.splitlines()
    assert warnings == ["aiplan: warning: The workbook leaves out characters that a spreadsheet cannot "
                        "store (U+0001, U+0007, U+001B, U+FFFE, U+FFFF); they were removed from the text "
                        "they appeared in."]
    book = openpyxl.load_workbook(out)
    names = [row[1].value for row in book["Portfolio"].iter_rows(min_row=2)]
    assert "Support copilot" in names
    assert book.properties.title == "Plan ]0;owned"


def test_export_warnings_reach_the_terminal_escaped(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    data = json.loads(json.dumps(sample_json))
    data["opportunities"][0]["name"] = "Copilot \x1b[31m\u2028forged line \U000F0001"
    source = tmp_path / "in.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    plan = tmp_path / "plan.aiplan"
    assert aiplan("import-json", source, plan).returncode == 0
    result = aiplan("export", plan, "--memo", tmp_path / "m.pdf", "--deck", tmp_path / "d.pptx")
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stderr and "\u2028" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("aiplan: warning: ") for line in lines)
    assert any("U+F0001" in line for line in lines)  # the one character no font has
