"""The Compare dialog: the changes from another plan file to the open project, both ways round."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from app.interchange import dumps
from tests.app.test_diff import reviewed_changes
from views.compare_dialog import CompareDialog, compare_with_file

Json = dict[str, Any]


@pytest.fixture
def reviewed(tmp_path: Path, sample: Json) -> Path:
    """The version of the plan the execs last reviewed, as a JSON export."""
    path = tmp_path / "reviewed.json"
    path.write_text(dumps(sample), encoding="utf-8")
    return path


def open_compare(qtbot: Any, current: Json, reviewed: Path) -> CompareDialog:
    dialog = compare_with_file(None, current, "today.aiplan", reviewed)
    assert dialog is not None
    qtbot.addWidget(dialog)
    qtbot.waitExposed(dialog)
    return dialog


def test_shows_the_changes_and_swaps(qtbot: Any, sample: Json, reviewed: Path,
                                     tmp_path: Path) -> None:
    dialog = open_compare(qtbot, reviewed_changes(sample), reviewed)
    assert dialog.isVisible() and not dialog.isModal()
    assert dialog.heading.text() == "Changes from “reviewed.json” to “today.aiplan”"
    shown = dialog.view.toPlainText()
    assert "“Sales e-mail assistant” (renamed from “Sales e-mail drafting”)" in shown
    assert "+ “Voice agent” added" in shown
    assert "Results (base values)" in shown
    assert dialog.subtitle.text().startswith(f"{len(dialog.diff.changes)} changes in the data; ")

    image = tmp_path / "compare.png"
    assert dialog.grab().save(str(image)) and image.stat().st_size > 10_000

    qtbot.mouseClick(dialog.swap_button, Qt.MouseButton.LeftButton)
    assert dialog.heading.text() == "Changes from “today.aiplan” to “reviewed.json”"
    shown = dialog.view.toPlainText()
    assert "“Sales e-mail drafting” (renamed from “Sales e-mail assistant”)" in shown
    assert "− “Voice agent” removed" in shown
    assert "Weight: 40 → 20" in shown

    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith("Changes from today.aiplan to reviewed.json\n")
    assert "Weight: 40 → 20" in copied

    qtbot.mouseClick(dialog.swap_button, Qt.MouseButton.LeftButton)  # and back again
    assert dialog.heading.text() == "Changes from “reviewed.json” to “today.aiplan”"
    assert "+ “Voice agent” added" in dialog.view.toPlainText()

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_user_text_shows_as_typed(qtbot: Any, sample: Json, reviewed: Path) -> None:
    current = copy.deepcopy(sample)
    current["opportunities"][0]["name"] = "<b>Copilot</b> & <i>friends</i>"
    dialog = open_compare(qtbot, current, reviewed)
    assert "“<b>Copilot</b> & <i>friends</i>” (renamed from" in dialog.view.toPlainText()


def test_identical_plans(qtbot: Any, sample: Json, reviewed: Path) -> None:
    dialog = open_compare(qtbot, copy.deepcopy(sample), reviewed)
    assert dialog.view.toPlainText().strip() == "No differences."
    assert dialog.subtitle.text() == "The two plans hold the same data."


def test_a_file_that_cannot_be_used_gets_its_sentence(tmp_path: Path, sample: Json,
                                                      no_blocking_dialogs: list[str]) -> None:
    broken = tmp_path / "broken.aiplan"
    broken.write_bytes(b"not a project")
    assert compare_with_file(None, sample, "today.aiplan", broken) is None
    assert len(no_blocking_dialogs) == 1
    assert "“broken.aiplan”" in no_blocking_dialogs[0] and "Traceback" not in no_blocking_dialogs[0]
