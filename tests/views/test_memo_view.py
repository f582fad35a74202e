"""The Memo workspace: sections edited in place, undoable, beside a safe live preview."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QPlainTextEdit
from pytestqt.qtbot import QtBot

from app.document import ProjectDocument
from app.formatting import money, percent
from app.project_state import ProjectState
from models.decision import robustness_sentence
from views.controller import ProjectController
from views.memo_view import (
    MemoSectionsModel,
    MemoWorkspace,
    light_markup_to_html,
    show_text,
)

HOSTILE = ('<script>alert("x")</script> <img src=http://example.com/pixel.png> '
           '<a href="http://example.com/steal">click</a>')


def open_workspace(qtbot: QtBot, controller: ProjectController) -> MemoWorkspace:
    w = MemoWorkspace(controller)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    w.update_preview()
    return w


@pytest.fixture
def workspace(qtbot: QtBot, controller: ProjectController) -> Iterator[MemoWorkspace]:
    w = open_workspace(qtbot, controller)
    yield w
    w.typing.flush()  # nothing left waiting when the document closes


def select(w: MemoWorkspace, row: int) -> None:
    w.sections.selectionModel().setCurrentIndex(
        w.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)


def memo(controller: ProjectController) -> list[dict[str, Any]]:
    return copy.deepcopy(controller.state.data["memo"])


# --- light formatting ---------------------------------------------------------------------


def test_light_markup_paragraphs_bullets_bold_and_italic() -> None:
    text = ("First line\nsecond line\n\nWhat we know:\n- one **big** thing\n- two *small* ones\n"
            "  that wrap\n\n\nLast: 5 * 3 * 2 and a*b*c stay as typed")
    assert light_markup_to_html(text) == (
        "<p>First line<br/>second line</p>\n"
        "<p>What we know:</p>\n"
        "<ul><li>one <b>big</b> thing</li><li>two <i>small</i> ones that wrap</li></ul>\n"
        "<p>Last: 5 * 3 * 2 and a*b*c stay as typed</p>")
    assert light_markup_to_html("  \n\n ") == ""
    assert light_markup_to_html("a\r\n\r\nb") == "<p>a</p>\n<p>b</p>"


def test_typed_html_is_text_not_markup() -> None:
    out = light_markup_to_html(HOSTILE + "\n- **<b>bold</b>**")
    assert "<script" not in out and "<img" not in out and "<a " not in out and 'href="' not in out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in out
    assert "&lt;img src=http://example.com/pixel.png&gt;" in out
    assert "<li><b>&lt;b&gt;bold&lt;/b&gt;</b></li>" in out


def test_preview_shows_typed_html_literally_and_fetches_nothing(workspace: MemoWorkspace,
                                                                 controller: ProjectController) -> None:
    section_id = controller.state.data["memo"][1]["id"]
    controller.set_value("memo", section_id, "body", HOSTILE, "memo text")
    controller.set_value("memo", section_id, "title", "<img src=http://example.com/t.png>", "title")
    workspace.update_preview()
    shown = workspace.preview.toPlainText()
    assert '<script>alert("x")</script>' in shown
    assert "<img src=http://example.com/pixel.png>" in shown
    assert '<a href="http://example.com/steal">click</a>' in shown
    assert "<img src=http://example.com/t.png>" in shown
    document_html = workspace.preview.document().toHtml()
    assert "<img" not in document_html and "example.com/steal\"" not in document_html
    assert workspace.preview.refused == []  # the document never asked for any resource
    assert not workspace.preview.openLinks() and not workspace.preview.openExternalLinks()


# --- editing --------------------------------------------------------------------------------


def test_a_value_coming_back_keeps_the_cursor_even_after_wide_characters(qtbot: QtBot) -> None:
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    editor.setPlainText("Risk \U0001F600 list: cd")
    editor.moveCursor(QTextCursor.MoveOperation.End)
    end = editor.textCursor().position()
    show_text(editor, "Risk \U0001F600\U0001F600 list: cd")  # Qt counts the emoji as two units
    assert editor.toPlainText() == "Risk \U0001F600\U0001F600 list: cd"
    assert editor.textCursor().position() == end + 2  # still at the end
    show_text(editor, "Other section", keep_cursor=False)
    assert editor.textCursor().position() == 0


# Typing, leaving, Ctrl+Z and Save in the section's fields: test_commit_on_leave_memo.py (a window).


def test_renaming_in_the_list_shows_in_editor_and_preview(workspace: MemoWorkspace,
                                                          controller: ProjectController) -> None:
    select(workspace, 3)
    old = controller.state.data["memo"][3]["title"]
    assert workspace.model.setData(workspace.model.index(3, 0), "Why we will win")
    assert controller.state.data["memo"][3]["title"] == "Why we will win"
    assert workspace.title_edit.text() == "Why we will win"
    workspace.update_preview()
    assert "Why we will win" in workspace.preview.toPlainText()
    controller.undo_stack.undo()
    assert workspace.title_edit.text() == old


def test_add_move_and_remove_sections_are_undoable(qtbot: QtBot, workspace: MemoWorkspace,
                                                   controller: ProjectController) -> None:
    original = memo(controller)
    select(workspace, 1)
    qtbot.mouseClick(workspace.add_button, Qt.MouseButton.LeftButton)
    sections = controller.state.data["memo"]
    assert len(sections) == len(original) + 1
    assert sections[2]["title"] == "New section" and workspace.title_edit.text() == "New section"
    assert workspace.sections.currentIndex().row() == 2
    new_id = sections[2]["id"]

    qtbot.mouseClick(workspace.up_button, Qt.MouseButton.LeftButton)
    assert [s["id"] for s in controller.state.data["memo"]].index(new_id) == 1
    assert workspace.sections.currentIndex().row() == 1
    workspace.sections.setFocus()
    qtbot.keyClick(workspace.sections, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert [s["id"] for s in controller.state.data["memo"]].index(new_id) == 2

    qtbot.keyClick(workspace.sections, Qt.Key.Key_Delete)
    assert memo(controller) == original
    assert workspace.sections.currentIndex().row() == 2  # the next section is selected

    for _ in range(3):
        controller.undo_stack.undo()
    assert [s["id"] for s in controller.state.data["memo"]].index(new_id) == 2
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert memo(controller) == original
    assert workspace.model.rowCount() == len(original)


def test_preview_lays_out_the_export_with_the_portfolio_summary(workspace: MemoWorkspace,
                                                                controller: ProjectController) -> None:
    assert controller.wait_for_monte_carlo()
    workspace.update_preview()
    text = workspace.preview.toPlainText()
    data = controller.state.data
    order = [data["project"]["name"], data["memo"][0]["title"], "Portfolio at a glance",
             data["memo"][1]["title"], data["memo"][-1]["title"]]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)

    results, mc = controller.results, controller.mc_results
    assert results is not None and mc is not None
    top = results.portfolio.ranking[0]
    summary = next(r.mc for r in mc.opportunities if r.id == top)
    name = next(r.name for r in results.opportunities if r.id == top)
    currency = data["project"]["currency"]
    assert (f"{name}: eNPV " in text)
    assert (f"NPV P10–P90 {money(summary.p10, currency, short=True)} to "
            f"{money(summary.p90, currency, short=True)}; "
            f"{percent(summary.p_positive)} chance of a positive NPV") in text
    plan = results.plan
    for decision_result in results.decisions:
        decision = next(d for d in plan.decisions if d.id == decision_result.decision_id)
        assert robustness_sentence(decision, decision_result) in text
    assert "updating…" not in text

    # A change makes the ranges stale: they stay, marked, until the new run is in.
    opportunity = data["opportunities"][0]["id"]
    controller.set_value("opportunity", opportunity, "eligible_users", 500, "users")
    workspace.update_preview()
    assert "(updating…)" in workspace.preview.toPlainText()
    assert controller.wait_for_monte_carlo()
    workspace.update_preview()
    assert "updating…" not in workspace.preview.toPlainText()


def test_invalid_plan_shows_the_problem_and_keeps_the_memo_editable(
        qtbot: QtBot, workspace: MemoWorkspace, controller: ProjectController) -> None:
    route = controller.state.data["unit_models"][0]["routes"][0]["id"]
    controller.set_value("route", route, "share", 0.5, "share")
    assert controller.results is None
    assert workspace.banner.isVisible() and "Route shares total 70%" in workspace.banner.text()
    workspace.update_preview()
    assert "on hold until this is fixed" in workspace.preview.toPlainText()
    assert workspace.body_edit.isEnabled()
    workspace.body_edit.setFocus()
    qtbot.keyClicks(workspace.body_edit, "Still writing. ")
    workspace.typing.flush()  # as leaving the text does
    assert controller.state.data["memo"][0]["body"].startswith("Still writing. ")
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert controller.results is not None and not workspace.banner.isVisible()


def test_an_empty_project_renders_and_takes_a_first_section(qtbot: QtBot, sample: dict[str, Any]) -> None:
    for key in ("opportunities", "decisions", "unit_models", "memo", "decision_log", "scenarios",
                "correlations"):
        sample[key] = []
    document = ProjectDocument.from_data(sample)
    controller = ProjectController(ProjectState(document))
    try:
        w = open_workspace(qtbot, controller)
        assert w.model.rowCount() == 0
        assert not w.body_edit.isEnabled() and not w.remove_button.isEnabled()
        text = w.preview.toPlainText()
        assert sample["project"]["name"] in text and "No opportunities in the plan yet." in text
        assert not w.grab().isNull()
        qtbot.mouseClick(w.add_button, Qt.MouseButton.LeftButton)
        assert [s["title"] for s in controller.state.data["memo"]] == ["New section"]
        assert w.body_edit.isEnabled()
        controller.undo_stack.undo()
        assert w.model.rowCount() == 0 and not w.title_edit.isEnabled()
        controller.wait_for_monte_carlo()
    finally:
        document.close()


def test_sections_model(qtmodeltester: Any, controller: ProjectController) -> None:
    model = MemoSectionsModel(controller)
    qtmodeltester.check(model)
    assert model.index(0, 0).data() == controller.state.data["memo"][0]["title"]
    assert model.index(0, 0).data(MemoSectionsModel.ID_ROLE) == controller.state.data["memo"][0]["id"]


def test_the_preview_says_a_tied_decision_as_the_memo_does() -> None:
    """A tie reads as a tie in the preview, never as "we recommend" the first of the tied."""
    from models.engine import calculate
    from models.plan import Plan, Settings
    from tests.models.test_decision_ties import tied_decision
    from views.memo_view import portfolio_summary_html

    results = calculate(Plan(Settings(), (), (tied_decision(),)), monte_carlo=False)
    html = portfolio_summary_html(results, None, False, [], "USD")
    assert "<b>Build</b> and <b>Partner</b> tie at 75.0 of 100" in html.replace("&amp;", "&")
    assert "recommend" not in html.lower()
