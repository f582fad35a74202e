"""Plan Settings: OK with several settings typed is one undo step, one commit, one recalculation."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.document import ProjectDocument
from tests.app.test_project_state_commit import failing_commits, stored
from views.main_window import MainWindow
from views.plan_settings import PlanSettingsDialog

CTRL = Qt.KeyboardModifier.ControlModifier
FIELDS = ("name", "discount_rate", "budget")


@pytest.fixture
def window(show_window: Any, sample_json: dict[str, Any], qtbot: Any) -> MainWindow:
    data = dict(sample_json, project=dict(sample_json["project"], mc_samples=2000))
    win: MainWindow = show_window(ProjectDocument.from_data(data))
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)  # keys go to the focused widget, as on a desktop
    for title in ("Opportunities", "Build / partner / buy", "Unit economics", "Memo", "Decision log",
                  "Portfolio"):
        win.workspace(title)  # every workspace built, as after a working session
    return win


def settings(win: MainWindow) -> dict[str, Any]:
    assert win.controller is not None
    return {field: win.controller.state.data["project"].get(field) for field in FIELDS}


def on_disk(win: MainWindow) -> dict[str, Any]:
    assert win.controller is not None
    project = win.controller.state.document.to_json()["project"]
    return {field: project.get(field) for field in FIELDS}


def type_settings(win: MainWindow, qtbot: Any) -> PlanSettingsDialog:
    """Ctrl+, then the name, discount rate and budget typed over, key by key."""
    win.sidebar.setFocus()
    qtbot.keyClick(win.sidebar, Qt.Key.Key_Comma, CTRL)
    dialog: PlanSettingsDialog = win.plan_settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    for field, text in (("name", "Helpdesk AI: FY2028"), ("discount_rate", "8%"), ("budget", "1.2M")):
        editor = dialog.editors[field]
        editor.setFocus()
        qtbot.keyClick(editor, Qt.Key.Key_A, CTRL)
        qtbot.keyClick(editor, Qt.Key.Key_Delete)
        qtbot.keyClicks(editor, text)
    return dialog


def test_ok_stores_three_settings_as_one_step_that_one_ctrl_z_takes_back(window: MainWindow,
                                                                        qtbot: Any) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    before, title_before = settings(window), window.windowTitle()
    results = []
    window.controller.results_changed.connect(lambda: results.append(window.controller.results))
    dialog = type_settings(window, qtbot)
    assert settings(window) == before and stack.count() == 0  # typing in the dialog stores nothing
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    after = {"name": "Helpdesk AI: FY2028", "discount_rate": 0.08, "budget": 1_200_000.0}
    assert settings(window) == after and on_disk(window) == after
    assert stack.count() == 1 and stack.text(0) == "Change plan settings"
    assert stack.command(0).childCount() == 0  # one command, not one per setting
    assert len(results) == 1  # the plan was recalculated once, with all three settings
    assert results[0].plan.settings.discount_rate == 0.08 and results[0].portfolio.budget == 1_200_000
    assert window.windowTitle().startswith("Helpdesk AI: FY2028 — ")

    qtbot.keyClick(window.sidebar, Qt.Key.Key_Z, CTRL)
    assert settings(window) == before and on_disk(window) == before
    assert window.windowTitle() == title_before
    assert window.controller.results is not None
    assert window.controller.results.plan.settings.discount_rate == before["discount_rate"]
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert settings(window) == after and window.windowTitle().startswith("Helpdesk AI: FY2028")


def test_ok_the_disk_refuses_changes_no_setting_and_adds_no_step(window: MainWindow, qtbot: Any,
                                                                no_blocking_dialogs: list[str]) -> None:
    assert window.controller is not None
    document = window.controller.state.document
    before, title_before, file_before = settings(window), window.windowTitle(), stored(document)
    dialog = type_settings(window, qtbot)
    with failing_commits(document, sqlite3.SQLITE_FULL):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    assert dialog.isVisible()  # the typing stays, to be tried again
    assert dialog.note.isVisible() and "not stored" in dialog.note.text()
    assert any("the disk is full" in text for text in no_blocking_dialogs)
    assert settings(window) == before and stored(document) == file_before
    assert window.controller.undo_stack.count() == 0 and window.windowTitle() == title_before
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and settings(window)["name"] == "Helpdesk AI: FY2028"
    assert window.controller.undo_stack.count() == 1
