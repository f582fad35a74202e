"""The window's Export menu never writes over a project: not the open one, not any other; it says
so in the command line's own sentence."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from app.document import ProjectDocument
from tests.app.test_cli import _one_line_error, aiplan
from views import dialogs
from views.main_window import MainWindow


@pytest.fixture
def window(show_window: Any, sample_file: Path) -> MainWindow:
    return show_window(ProjectDocument.open(sample_file, for_editing=True))


def _export_to(window: MainWindow, monkeypatch: pytest.MonkeyPatch, kind: str, target: Path) -> None:
    monkeypatch.setattr(dialogs, "ask_export_path", lambda *_a, **_k: target)
    window.export_actions[kind].trigger()


def test_exporting_onto_the_open_project_is_refused(window: MainWindow, sample_file: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    no_blocking_dialogs: list[str]) -> None:
    before = sample_file.read_bytes()
    link = tmp_path / "review.pdf"  # what the save dialog returns when the user picks a link to it
    link.symlink_to(sample_file)
    _export_to(window, monkeypatch, "memo", link)
    assert not window.exporter.busy  # refused before any work started
    sentence = "“review.pdf” is the project being exported, so the strategy memo was not written over it."
    assert no_blocking_dialogs == [f"{sentence} Choose another file name."]
    cli = _one_line_error(aiplan("export", sample_file, "--memo", link))
    assert cli == f"aiplan: {no_blocking_dialogs[0]}"
    assert sample_file.read_bytes() == before and link.is_symlink()


def test_exporting_onto_any_project_is_refused(window: MainWindow, sample_file: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               no_blocking_dialogs: list[str]) -> None:
    other = tmp_path / "colleague.xlsx"  # a project file under a workbook's name
    shutil.copyfile(sample_file, other)
    before = other.read_bytes()
    _export_to(window, monkeypatch, "xlsx", other)
    assert no_blocking_dialogs == ["“colleague.xlsx” is an AI Product Planner project, so the workbook "
                                   "was not written over it. Choose another file name."]
    cli = _one_line_error(aiplan("export", sample_file, "--xlsx", other))
    assert cli == f"aiplan: {no_blocking_dialogs[0]}"
    assert other.read_bytes() == before


def test_the_save_dialog_still_decides_about_other_files(window: MainWindow, tmp_path: Path, qtbot: Any,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         no_blocking_dialogs: list[str]) -> None:
    old = tmp_path / "review.xlsx"
    old.write_bytes(b"last quarter's workbook")
    with qtbot.waitSignal(window.exporter.finished, timeout=120_000):
        _export_to(window, monkeypatch, "xlsx", old)
    assert no_blocking_dialogs == []
    assert old.read_bytes().startswith(b"PK\x03\x04")


def test_export_as_json_never_writes_over_a_project(window: MainWindow, sample_file: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    no_blocking_dialogs: list[str]) -> None:
    before = sample_file.read_bytes()
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *_a, **_k: sample_file)
    window.export_json_action.trigger()
    assert len(no_blocking_dialogs) == 1 and "was not written over it" in no_blocking_dialogs[0]
    assert sample_file.read_bytes() == before
    ordinary = tmp_path / "plan.json"
    ordinary.write_text("old notes", encoding="utf-8")  # the save dialog already asked about it
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *_a, **_k: ordinary)
    window.export_json_action.trigger()
    assert len(no_blocking_dialogs) == 1
    assert ordinary.read_text(encoding="utf-8").startswith("{")
