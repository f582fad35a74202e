"""Memo sections typed key by key in a real window: stored once, when the field is left."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtTest import QTest

from app.document import ProjectDocument
from views.main_window import MainWindow
from views.memo_view import MemoWorkspace

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier



def memo(win: MainWindow, row: int) -> tuple[MemoWorkspace, str]:
    ws = win.workspace("Memo")
    assert isinstance(ws, MemoWorkspace)
    ws.sections.selectionModel().setCurrentIndex(
        ws.model.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    return ws, ws.model.ids[row]


def stored(win: MainWindow, section_id: str, field: str) -> Any:
    assert win.controller is not None
    return win.controller.state.value("memo", section_id, field)


def on_disk(win: MainWindow, section_id: str, field: str) -> Any:
    """The section as the working copy holds it (what Save writes)."""
    assert win.controller is not None
    return next(m for m in win.controller.state.document.to_json()["memo"] if m["id"] == section_id)[field]


def test_a_title_typed_then_tab_is_one_step_that_ctrl_z_and_ctrl_shift_z_move_through(
        window: MainWindow, qtbot: Any) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    ws, section = memo(window, 2)
    old = stored(window, section, "title")
    ws.title_edit.setFocus()
    QTest.keyClick(ws.title_edit, Qt.Key.Key_A, CTRL)
    QTest.keyClicks(ws.title_edit, "Budget review")
    qtbot.wait(400)  # a pause while typing stores nothing either
    assert stored(window, section, "title") == old and stack.count() == 0
    assert on_disk(window, section, "title") == old
    QTest.keyClick(ws.title_edit, Qt.Key.Key_Tab)
    assert stack.count() == 1 and stack.text(0) == "Change section title"
    assert stored(window, section, "title") == "Budget review"
    assert on_disk(window, section, "title") == "Budget review"
    assert ws.model.index(2, 0).data() == "Budget review"  # the list shows it too
    focused = window.focusWidget()
    assert focused is ws.body_edit  # Tab went on to the text

    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL)
    assert ws.title_edit.text() == old and stored(window, section, "title") == old
    assert on_disk(window, section, "title") == old
    QTest.keyClick(focused, Qt.Key.Key_Z, CTRL_SHIFT)
    assert ws.title_edit.text() == "Budget review" and stored(window, section, "title") == "Budget review"
    assert stack.count() == 1


def test_enter_stores_a_title_and_typing_on_in_the_field_joins_that_step(window: MainWindow) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    ws, section = memo(window, 1)
    old = stored(window, section, "title")
    ws.title_edit.setFocus()
    ws.title_edit.end(False)
    QTest.keyClicks(ws.title_edit, " (draft)")
    QTest.keyClick(ws.title_edit, Qt.Key.Key_Return)
    assert stored(window, section, "title") == f"{old} (draft)" and stack.count() == 1
    assert ws.title_edit.hasFocus()
    QTest.keyClicks(ws.title_edit, " v2")  # the field was not left: the same step goes on
    assert stored(window, section, "title") == f"{old} (draft)"
    QTest.keyClick(ws.title_edit, Qt.Key.Key_Z, CTRL)
    assert ws.title_edit.text() == old and stored(window, section, "title") == old
    assert stack.count() == 1 and stack.index() == 0
    QTest.keyClick(ws.title_edit, Qt.Key.Key_Y, CTRL)
    assert ws.title_edit.text() == f"{old} (draft) v2"


def test_the_text_is_stored_when_left_and_the_preview_follows_the_typing(window: MainWindow,
                                                                        qtbot: Any) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    ws, section = memo(window, 1)
    old = stored(window, section, "body")
    ws.body_edit.setFocus()
    ws.body_edit.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClicks(ws.body_edit, " Zoe adds **this**.")
    assert stored(window, section, "body") == old and stack.count() == 0
    # The preview shows the typing as it will print, before anything is stored.
    qtbot.waitUntil(lambda: "Zoe adds this." in ws.preview.toPlainText())
    assert stored(window, section, "body") == old and on_disk(window, section, "body") == old
    QTest.keyClick(ws.body_edit, Qt.Key.Key_Tab)  # Tab leaves the text box, typing no tab
    assert stored(window, section, "body") == f"{old} Zoe adds **this**."
    assert on_disk(window, section, "body") == f"{old} Zoe adds **this**."
    assert stack.count() == 1 and stack.text(0) == "Change memo text"
    QTest.keyClick(window.focusWidget(), Qt.Key.Key_Z, CTRL)
    assert ws.body_edit.toPlainText() == old
    ws.update_preview()
    assert "Zoe adds" not in ws.preview.toPlainText()


def test_typing_in_one_section_then_picking_another_stores_it_where_it_was_typed(
        window: MainWindow, qtbot: Any) -> None:
    assert window.controller is not None
    ws, first = memo(window, 1)
    second = ws.model.ids[3]
    old_first, old_second = stored(window, first, "body"), stored(window, second, "body")
    ws.body_edit.setFocus()
    ws.body_edit.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClicks(ws.body_edit, " More.")
    rect = ws.sections.visualRect(ws.model.index(3, 0))
    QTest.mouseClick(ws.sections.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert ws.sections.currentIndex().row() == 3
    assert stored(window, first, "body") == f"{old_first} More."
    assert stored(window, second, "body") == old_second
    assert ws.body_edit.toPlainText() == old_second
    assert window.controller.undo_stack.count() == 1


def test_a_store_elsewhere_leaves_the_text_being_typed_alone(window: MainWindow) -> None:
    assert window.controller is not None
    ws, section = memo(window, 0)
    ws.body_edit.setFocus()
    ws.body_edit.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClicks(ws.body_edit, " still typing")
    position = ws.body_edit.textCursor().position()
    opportunity = window.controller.state.data["opportunities"][0]["id"]
    window.controller.set_value("opportunity", opportunity, "name", "Renamed copilot", "name")
    assert ws.body_edit.toPlainText().endswith(" still typing")
    assert ws.body_edit.textCursor().position() == position
    QTest.keyClick(ws.body_edit, Qt.Key.Key_Tab)
    assert stored(window, section, "body").endswith(" still typing")


def test_save_stores_what_is_being_typed(window: MainWindow, tmp_path: Any, monkeypatch: Any) -> None:
    from views import dialogs

    ws, section = memo(window, 0)
    target = tmp_path / "memo.aiplan"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: target)
    ws.body_edit.setFocus()
    ws.body_edit.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClicks(ws.body_edit, " last words")
    QTest.keyClick(ws.body_edit, Qt.Key.Key_S, CTRL)
    assert target.exists()
    with ProjectDocument.open(target) as saved:
        body = next(m for m in saved.to_json()["memo"] if m["id"] == section)["body"]
    assert body.endswith(" last words")


def test_the_preview_fills_live_figures_and_shows_a_dangling_one(window: MainWindow,
                                                                 qtbot: Any) -> None:
    """What the PM types as {portfolio.funded_count} reads as the number the export prints."""
    from app.briefing import brief

    assert window.controller is not None
    window.controller.wait_for_monte_carlo()
    ws, _section = memo(window, 1)
    ws.body_edit.setFocus()
    ws.body_edit.moveCursor(QTextCursor.MoveOperation.End)
    QTest.keyClicks(ws.body_edit, " We fund {portfolio.funded_count} for {portfolio.funded_build_cost}; "
                                  "{opportunity:gone.npv}.")
    figures = brief(window.controller.state.data, window.controller.mc_results)
    count, ask = figures.bridge.count_funded, figures.bridge.build_funded
    from app.formatting import money

    expected = f"We fund {count} for {money(ask, 'USD', short=True)}; [missing: opportunity:gone.npv]."
    qtbot.waitUntil(lambda: expected in ws.preview.toPlainText())
    assert "{portfolio" not in ws.preview.toPlainText()


def test_help_lists_every_field_a_memo_may_quote() -> None:
    from app import paths
    from app.briefing import DECISION_FIELDS, OPPORTUNITY_FIELDS, PORTFOLIO_FIELDS

    text = (paths.resources_dir() / "help" / "numbers.md").read_text(encoding="utf-8")
    section = text.split("## Live figures in the memo", 1)[1]
    for fields in (PORTFOLIO_FIELDS, OPPORTUNITY_FIELDS, DECISION_FIELDS):
        for name, meaning in fields.items():
            assert f"`{name}` {meaning}" in section
