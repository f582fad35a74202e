"""The main window as a user drives it: files, undo, the modified mark, closing, dropping."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDropEvent

from app.document import ProjectDocument
from views import dialogs
from views.main_window import WORKSPACES, MainWindow


@pytest.fixture
def window(show_window: Any, sample_json: dict[str, Any]) -> MainWindow:
    data = dict(sample_json, project=dict(sample_json["project"], mc_samples=2000))
    return show_window(ProjectDocument.from_data(data))


def _edit_name(win: MainWindow, name: str) -> None:
    assert win.controller is not None
    opp = win.controller.state.data["opportunities"][0]["id"]
    win.controller.set_value("opportunity", opp, "name", name)


def test_title_shows_project_file_and_unsaved_mark(window: MainWindow, sample_json: dict) -> None:
    assert window.windowTitle().startswith(sample_json["project"]["name"])
    assert "Untitled" in window.windowTitle()
    assert not window.isWindowModified()
    _edit_name(window, "Agent assist")
    assert window.isWindowModified()
    window.undo_action.trigger()  # type: ignore[union-attr]
    assert not window.isWindowModified()
    window.redo_action.trigger()  # type: ignore[union-attr]
    assert window.isWindowModified()


def test_save_as_then_save_then_reopen_through_the_ui(window: MainWindow, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "q3 plan"  # the dialog adds the extension
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: target.with_suffix(".aiplan"))
    _edit_name(window, "Agent assist")
    window.save_action.trigger()  # untitled: Save asks for a name
    saved = tmp_path / "q3 plan.aiplan"
    assert saved.exists() and not window.isWindowModified()
    assert "q3 plan.aiplan" in window.windowTitle()
    _edit_name(window, "Agent assist v2")
    window.save_action.trigger()
    assert not window.isWindowModified()
    assert window.recent_files()[0] == str(saved)

    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a, **k: saved)
    window.new_action.trigger()
    assert window.controller is not None and window.controller.state.data["opportunities"] == []
    window.open_action.trigger()
    assert window.controller.state.data["opportunities"][0]["name"] == "Agent assist v2"


def test_recent_files_menu_opens_a_file(window: MainWindow, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "recent.aiplan"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: path)
    window.save_as_action.trigger()
    window.new_action.trigger()
    actions = window.recent_menu.actions()
    assert actions and "recent.aiplan" in actions[0].text()
    actions[0].trigger()
    assert window.document.path == path.absolute()


def test_a_bad_file_is_reported_and_the_current_plan_kept(window: MainWindow, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.aiplan"
    bad.write_bytes(b"not a project")
    shown: list[str] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, text: shown.append(text))
    before = window.controller.state.data if window.controller else None
    assert not window.open_path(bad)
    assert shown and "not an AI Product Planner project" in shown[0]
    assert window.controller is not None and window.controller.state.data == before


@pytest.mark.parametrize(("answer", "closes"), [("cancel", False), ("discard", True)])
def test_closing_with_unsaved_work_asks(window: MainWindow, monkeypatch: pytest.MonkeyPatch,
                                        answer: str, closes: bool) -> None:
    asked: list[str] = []
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda _p, name: asked.append(name) or answer)
    _edit_name(window, "Unsaved")
    event = QCloseEvent()
    window.closeEvent(event)
    assert asked == ["Untitled"]
    assert event.isAccepted() is closes


def test_closing_without_changes_does_not_ask(window: MainWindow,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *_: pytest.fail("asked"))
    event = QCloseEvent()
    window.closeEvent(event)
    assert event.isAccepted()


def test_dropping_a_project_file_opens_it(window: MainWindow, qtbot: Any, tmp_path: Path,
                                          sample_json: dict) -> None:
    path = tmp_path / "dropped.aiplan"
    data = dict(sample_json, project=dict(sample_json["project"], name="Dropped plan"))
    with ProjectDocument.from_data(data) as doc:
        doc.save_as(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.windowTitle().startswith("Dropped plan"))


def test_status_bar_shows_recalculation_and_monte_carlo(window: MainWindow, qtbot: Any) -> None:
    assert window.recalc_label.text().startswith("Recalculated in")
    assert window.controller is not None
    window.controller.wait_for_monte_carlo()
    qtbot.waitUntil(lambda: "samples in" in window.mc_label.text())
    _edit_name(window, "Changed")
    assert "running" in window.mc_label.text()


def test_every_workspace_opens(window: MainWindow) -> None:
    for row, (_, _, title) in enumerate(WORKSPACES):
        window.sidebar.setCurrentRow(row)
        assert window.workspaces[row].title == title
        assert window.stack.currentWidget() is window.workspaces[row]


def test_self_test_prints_one_json_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "app", "--self-test"], capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout.strip().splitlines()[-1])
    assert line["workspaces"] == [title for _, _, title in WORKSPACES]
    assert 0 < line["startup_s"] < 60 and line["results"] is True
    from models.catalog import all_models

    assert line["catalog_models"] == len(all_models()) > 100


def test_ctrl_z_in_a_number_field_undoes_the_project_change(window: MainWindow, qtbot: Any) -> None:
    from PySide6.QtCore import Qt as QtKeys

    from views.estimate_field import EstimateField

    workspace = window.workspace("Opportunities")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    field = next(f for f in workspace.findChildren(EstimateField) if f.isEnabled() and f.isVisible())
    assert window.controller is not None
    before = window.controller.state.snapshot()
    field.line.setFocus()
    field.line.selectAll()
    qtbot.keyClicks(field.line, "7")
    qtbot.keyClick(field.line, QtKeys.Key.Key_Return)  # stored when committed
    assert window.controller.state.snapshot() != before
    qtbot.keyClick(field.line, QtKeys.Key.Key_Z, QtKeys.KeyboardModifier.ControlModifier)
    assert window.controller.state.snapshot() == before


def test_undo_history_lists_the_changes(window: MainWindow) -> None:
    _edit_name(window, "Agent assist")
    window.show_undo_history()
    assert window.undo_view is not None and window.undo_view.isVisible()
    assert window.undo_view.stack().count() == 1
    assert "name" in window.undo_view.stack().text(0)
    window.undo_view.close()


def test_command_line_opens_a_project_a_json_export_or_the_sample(tmp_path: Path,
                                                                  sample_json: dict) -> None:
    from app.gui import open_document

    source = tmp_path / "shared.json"
    source.write_text(json.dumps(sample_json), encoding="utf-8")
    project = tmp_path / "plan.aiplan"
    with ProjectDocument.from_data(sample_json) as doc:
        doc.save_as(project)
    for path, saved in ((None, False), (source, False), (project, True)):
        doc = open_document(path)
        try:
            assert doc.to_json() == sample_json
            assert (doc.path is not None) is saved  # a JSON export opens as an unsaved plan
        finally:
            doc.close()


@pytest.mark.parametrize(("kind", "suffix"), [("memo", ".pdf"), ("xlsx", ".xlsx"), ("pptx", ".pptx")])
def test_export_menu_writes_the_file_off_the_ui_thread(window: MainWindow, qtbot: Any, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch, kind: str,
                                                       suffix: str) -> None:
    target = tmp_path / f"review{suffix}"
    monkeypatch.setattr(dialogs, "ask_export_path", lambda *_a, **_k: target)
    offered: list[Path] = []
    monkeypatch.setattr(dialogs, "ask_open_export", lambda _p, path, _n="": offered.append(path) or False)
    with qtbot.waitSignal(window.exporter.finished, timeout=120_000):
        window.export_actions[kind].trigger()
        assert window.exporter.busy  # the window stays responsive while it writes
    assert target.exists() and target.stat().st_size > 1000
    assert offered == [target]  # "open the file" is offered when done
