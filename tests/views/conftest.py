"""Fixtures for widget tests: a controller on a fresh working copy of the sample plan."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.document import ProjectDocument
from app.project_state import ProjectState


@pytest.fixture(autouse=True)
def no_blocking_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A question or message box would block an offscreen test: answer them, keep the text."""
    from views import dialogs

    shown: list[str] = []
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda _parent, name: "discard")
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, text: shown.append(text))
    monkeypatch.setattr(dialogs, "show_info", lambda _parent, _title, text: shown.append(text))
    return shown


@pytest.fixture
def controller(qtbot: Any, sample_json: dict[str, Any]) -> Iterator[Any]:
    from views.controller import ProjectController

    data = dict(sample_json)
    data["project"] = dict(data["project"], mc_samples=2000)  # quick Monte Carlo in tests
    document = ProjectDocument.from_data(data)
    controller = ProjectController(ProjectState(document))
    yield controller
    controller.shutdown()
    document.close()


def numbers(results: Any) -> Any:
    """Every deterministic number of a result set, for exact before/after comparisons."""
    from models.engine import results_json

    out = results_json(results)
    for o in out["opportunities"]:
        o.pop("mc", None)
    return out


def type_in_table_cell(table: Any, row: int, column: int, text: str, key: Any = None) -> Any:
    """Select a cell, F2 to edit it, replace its text key by key and press ``key`` (Enter): as a
    user edits a table. Returns the editor (it may linger, hidden, until the loop deletes it)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QLineEdit

    table.setFocus()
    table.setCurrentCell(row, column)
    QTest.keyClick(table, Qt.Key.Key_F2)
    editors = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1
    editor = editors[0]
    editor.selectAll()
    QTest.keyClick(editor, Qt.Key.Key_Backspace)
    QTest.keyClicks(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return if key is None else key)
    return editor


__all__ = ["dataclasses", "numbers", "type_in_table_cell"]


@pytest.fixture(autouse=True)
def no_open_after_export(monkeypatch: pytest.MonkeyPatch) -> None:
    from views import dialogs

    monkeypatch.setattr(dialogs, "ask_open_export", lambda *_a, **_k: False)


@pytest.fixture
def show_window(qtbot: Any) -> Iterator[Callable[..., Any]]:
    """Shows a main window on a document; every window shown is shut down after the test."""
    from views.main_window import MainWindow

    shown: list[MainWindow] = []

    def show(document: ProjectDocument, **options: Any) -> MainWindow:
        window = MainWindow(document, **options)
        qtbot.addWidget(window)
        window.show()
        shown.append(window)
        return window

    yield show
    for window in shown:
        if window.controller is not None:
            window.controller.undo_stack.setClean()
            window.controller.shutdown()
            window.controller.state.document.close()


@pytest.fixture
def window(show_window: Callable[..., Any], sample_json: dict[str, Any], qtbot: Any) -> Any:
    """The sample in a shown, active main window (quick Monte Carlo): keys go to the focused
    widget, as on a desktop. Test files that need another window define their own."""
    data = dict(sample_json, project=dict(sample_json["project"], mc_samples=2000))
    win = show_window(ProjectDocument.from_data(data))
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    return win
