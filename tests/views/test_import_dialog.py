"""File > Import from Another Project: the picking dialog and the one undoable copy."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot

from app import interchange
from app.document import ProjectDocument
from views import import_dialog
from views.controller import ProjectController
from views.import_dialog import ImportDialog, import_from_file

SAMPLE_NAME = "Larkspur FY2027 AI portfolio"


@pytest.fixture
def window(qtbot: QtBot) -> QWidget:
    """The parent the dialog and messages belong to, as the main window is in the app."""
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def open_dialog(qtbot: QtBot, other: dict[str, Any]) -> ImportDialog:
    dialog = ImportDialog(other, SAMPLE_NAME)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def tick(qtbot: QtBot, dialog: ImportDialog, kind: str, object_id: str) -> None:
    """What a user does with the keyboard: move to the row and press Space."""
    dialog.tree.setCurrentItem(dialog.rows[kind, object_id])
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Space)


def answer_with(qtbot: QtBot, picks: list[tuple[str, str]], key: Qt.Key | None = None
                ) -> Callable[[ImportDialog], bool]:
    """A stand-in for the modal exec: show the dialog, tick rows, then Import (or press key)."""
    def run(dialog: ImportDialog) -> bool:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        for kind, object_id in picks:
            tick(qtbot, dialog, kind, object_id)
        if key is None:
            qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        else:
            qtbot.keyClick(dialog.tree, key)
        return dialog.result() == QDialog.DialogCode.Accepted
    return run


def test_the_other_projects_objects_are_grouped_by_kind_with_their_links(
        qtbot: QtBot, sample: dict[str, Any]) -> None:
    dialog = open_dialog(qtbot, sample)
    tree = dialog.tree
    assert [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())] == [
        "Opportunities (8)", "Decisions (2)", "Unit models (3)", "Scenarios (2)"]
    copilot = dialog.rows["opportunity", "opp-support-copilot"]
    assert copilot.text(0) == "Support copilot (agent assist)"
    assert copilot.text(1) == ("decision “How do we get the support copilot?”; "
                               "unit model “Support copilot: cost per assisted reply”")
    assert dialog.rows["opportunity", "opp-sales-email"].text(1) == "no decision or unit model"
    assert dialog.rows["unit_model", "um-ticket-triage"].text(1) == (
        "used by “Ticket triage and routing”")


def test_import_waits_for_a_pick_and_the_summary_counts_what_comes_along(
        qtbot: QtBot, sample: dict[str, Any]) -> None:
    dialog = open_dialog(qtbot, sample)
    assert not dialog.import_button.isEnabled()
    assert dialog.import_button.isDefault()
    assert dialog.summary.text() == "Nothing is picked yet."

    tick(qtbot, dialog, "opportunity", "opp-contract-review")
    assert dialog.import_button.isEnabled()
    assert dialog.summary.text() == ("1 opportunity, 1 decision will be copied, including "
                                     "1 decision that the picked opportunity uses.")
    assert dialog.rows["decision", "dec-contract"].font(0).italic()  # it comes along
    assert dialog.rows["decision", "dec-contract"].text(1) == "copied too, used by “Contract review”"
    tick(qtbot, dialog, "decision", "dec-contract")
    assert dialog.summary.text() == "1 opportunity, 1 decision will be copied."
    assert not dialog.rows["decision", "dec-contract"].font(0).italic()
    assert dialog.rows["decision", "dec-contract"].text(1) == "used by “Contract review”"

    qtbot.mouseClick(dialog.select_all, Qt.MouseButton.LeftButton)
    assert len(dialog.picks()) == 15
    assert dialog.summary.text() == ("8 opportunities, 2 decisions, 3 unit models, 2 scenarios "
                                     "will be copied.")
    assert dialog.groups["decision"].checkState(0) == Qt.CheckState.Checked
    qtbot.mouseClick(dialog.select_none, Qt.MouseButton.LeftButton)
    assert dialog.picks() == set()
    assert not dialog.import_button.isEnabled()

    # Ticking a group ticks every object in it; its tick shows whether some or all are picked.
    group = dialog.groups["unit_model"]
    dialog.tree.setCurrentItem(group)
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Space)
    assert {kind for kind, _ in dialog.picks()} == {"unit_model"} and len(dialog.picks()) == 3
    assert group.checkState(0) == Qt.CheckState.Checked
    tick(qtbot, dialog, "unit_model", "um-ticket-triage")
    assert len(dialog.picks()) == 2
    assert group.checkState(0) == Qt.CheckState.PartiallyChecked
    dialog.tree.setCurrentItem(group)
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Space)  # a part-ticked group picks all
    assert len(dialog.picks()) == 3
    qtbot.keyClick(dialog.tree, Qt.Key.Key_Space)
    assert dialog.picks() == set() and not dialog.import_button.isEnabled()


def test_two_objects_imported_from_a_saved_project_and_removed_by_one_undo(
        window: QWidget, qtbot: QtBot, controller: ProjectController, sample_file: Path,
        monkeypatch: pytest.MonkeyPatch, no_blocking_dialogs: list[str]) -> None:
    before = copy.deepcopy(controller.state.data)
    depth = controller.undo_stack.count()
    monkeypatch.setattr(import_dialog, "run_dialog", answer_with(qtbot, [
        ("opportunity", "opp-sales-email"), ("unit_model", "um-knowledge-search")]))

    assert import_from_file(window, controller, sample_file)

    data = controller.state.data
    new_opportunity = data["opportunities"][-1]
    new_model = data["unit_models"][-1]
    assert new_opportunity["name"] == f"Sales e-mail drafting (from {SAMPLE_NAME})"
    assert new_model["name"] == f"Knowledge search: cost per answered question (from {SAMPLE_NAME})"
    assert new_opportunity["id"] not in {o["id"] for o in before["opportunities"]}
    assert len(data["opportunities"]) == len(before["opportunities"]) + 1
    assert controller.results is not None
    assert new_opportunity["id"] in {r.id for r in controller.results.opportunities}
    # The working copy holds them too, not only the window's data.
    assert controller.state.document.to_json() == data
    assert no_blocking_dialogs[-1].startswith(
        f"Copied 1 opportunity, 1 unit model from “{SAMPLE_NAME}”.")
    assert controller.undo_stack.count() == depth + 1
    assert controller.undo_stack.undoText() == (
        f"Import 1 opportunity, 1 unit model from “{SAMPLE_NAME}”")

    controller.undo_stack.undo()
    assert controller.state.data == before
    assert controller.state.document.to_json() == before
    controller.undo_stack.redo()
    assert controller.state.data["unit_models"][-1]["name"] == new_model["name"]


def test_a_json_export_whose_opportunity_brings_its_decision(
        window: QWidget, qtbot: QtBot, controller: ProjectController, sample: dict[str, Any], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, no_blocking_dialogs: list[str]) -> None:
    sample["project"]["currency"] = "EUR"
    source = tmp_path / "berlin.json"
    source.write_text(interchange.dumps(sample), encoding="utf-8")
    monkeypatch.setattr(import_dialog, "run_dialog", answer_with(qtbot, [
        ("opportunity", "opp-contract-review")]))

    assert import_from_file(window, controller, source)

    data = controller.state.data
    assert data["opportunities"][-1]["decision_id"] == data["decisions"][-1]["id"]
    message = no_blocking_dialogs[-1]
    assert message.startswith(f"Copied 1 opportunity, 1 decision from “{SAMPLE_NAME}”.")
    assert "plans in EUR and this project in USD" in message
    assert "Also copied decision “Contract review engine”, which “Contract review” uses." in message


def test_escape_cancels_and_nothing_changes(
        window: QWidget, qtbot: QtBot, controller: ProjectController, sample_file: Path,
        monkeypatch: pytest.MonkeyPatch, no_blocking_dialogs: list[str]) -> None:
    before = copy.deepcopy(controller.state.data)
    monkeypatch.setattr(import_dialog, "run_dialog", answer_with(
        qtbot, [("opportunity", "opp-sales-email")], key=Qt.Key.Key_Escape))

    assert not import_from_file(window, controller, sample_file)

    assert controller.state.data == before
    assert controller.undo_stack.count() == 0
    assert no_blocking_dialogs == []


def test_a_file_that_is_not_a_project_is_one_plain_sentence(
        window: QWidget, controller: ProjectController, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        no_blocking_dialogs: list[str]) -> None:
    monkeypatch.setattr(import_dialog, "run_dialog", lambda _d: pytest.fail("no dialog expected"))
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "aiplan",', encoding="utf-8")
    assert not import_from_file(window, controller, broken)
    assert no_blocking_dialogs == [
        "“broken.json” is not a valid project: line 1, column 21: Expecting property name "
        "enclosed in double quotes (this is not valid JSON)."]

    assert not import_from_file(window, controller, tmp_path / "gone.aiplan")
    assert no_blocking_dialogs[-1] == f"There is no file “gone.aiplan” in {tmp_path}."

    empty = tmp_path / "empty.aiplan"
    with ProjectDocument.new("Nothing yet") as doc:
        doc.save_as(empty)
    assert not import_from_file(window, controller, empty)
    assert no_blocking_dialogs[-1] == (
        "“empty.aiplan” has no opportunities, decisions or unit models to copy.")
    assert controller.undo_stack.count() == 0


def test_the_dialog_reads_well(qtbot: QtBot, sample: dict[str, Any], tmp_path: Path) -> None:
    dialog = open_dialog(qtbot, sample)
    tick(qtbot, dialog, "opportunity", "opp-support-copilot")
    tick(qtbot, dialog, "opportunity", "opp-sales-email")
    shot = tmp_path / "import-dialog.png"
    assert dialog.grab().save(str(shot))
    assert shot.stat().st_size > 10_000
