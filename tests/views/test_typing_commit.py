"""Typing a number in a real window: nothing is stored until the entry is committed, and a refused
entry stores nothing at all (docs/formulas.md 2, "Typing a number")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.document import ProjectDocument
from tests.views.conftest import numbers
from views.estimate_field import REFUSED_STYLE, EstimateField
from views.main_window import MainWindow

PLAIN = "opp-sales-email"  # linked to nothing: every input is its own


@pytest.fixture
def window(show_window: Any, sample_json: dict[str, Any], qtbot: Any) -> MainWindow:
    data = dict(sample_json, project=dict(sample_json["project"], mc_samples=2000))
    win = show_window(ProjectDocument.from_data(data))
    win.resize(1400, 900)
    ws = win.workspace("Opportunities")
    ws.table.selectRow(ws.model.row_of(PLAIN))
    assert ws.current_id == PLAIN
    win.activateWindow()  # typed text stays only while the field has keyboard focus
    qtbot.waitUntil(win.isActiveWindow)
    return win


def field_of(win: MainWindow, name: str) -> EstimateField:
    return win.workspace("Opportunities").fields[name]  # type: ignore[attr-defined]


def stored(win: MainWindow, name: str) -> Any:
    assert win.controller is not None
    return win.controller.state.value("opportunity", PLAIN, name)


def npv(win: MainWindow) -> float:
    assert win.controller is not None
    return next(r for r in win.controller.results.opportunities if r.id == PLAIN).npv


def start_typing(field: EstimateField) -> None:
    field.line.setFocus()
    field.line.selectAll()


def test_a_range_typed_over_a_base_stores_nothing_until_enter_then_keeps_the_base(
        window: MainWindow) -> None:
    """Typing 10 - 40 over base 20 used to store base 10 at the first key: NPV turned negative."""
    assert window.controller is not None
    window.controller.set_value("opportunity", PLAIN, "tasks_per_user_month", 20)
    field = field_of(window, "tasks_per_user_month")
    before, before_npv, steps = numbers(window.controller.results), npv(window), \
        window.controller.undo_stack.count()
    start_typing(field)
    for key in "10 - 40":
        QTest.keyClicks(field.line, key)
        assert stored(window, "tasks_per_user_month") == 20  # nothing stored while typing
        assert npv(window) == before_npv
    assert numbers(window.controller.results) == before
    assert window.controller.undo_stack.count() == steps
    assert field.preview.isVisible() and field.preview.text() == "10 – 40 · triangular, base 20"

    QTest.keyClick(field.line, Qt.Key.Key_Return)
    assert stored(window, "tasks_per_user_month") == {"base": 20, "low": 10, "high": 40,
                                                      "dist": "triangular"}
    assert field.line.text() == "10 – 40" and not field.preview.isVisible()


@pytest.mark.parametrize(("name", "text", "says"), [
    ("adoption_target", "150%", "Must be a fraction between 0% and 100%."),
    ("eligible_users", "1e400", "Type a number such as 1,200"),
    ("eligible_users", "abc", "Type a number such as 1,200"),
    ("launch_month", "2.5", "Must be a whole number."),
])
def test_a_refused_entry_stores_nothing_and_keeps_its_text(window: MainWindow, name: str, text: str,
                                                           says: str) -> None:
    """150% stored 15% on the way; 1e400 stored 1e40 users; 2.5 months became 2."""
    assert window.controller is not None
    field = field_of(window, name)
    old, before, old_npv = stored(window, name), numbers(window.controller.results), npv(window)
    steps = window.controller.undo_stack.count()
    start_typing(field)
    QTest.keyClicks(field.line, text)
    QTest.keyClick(field.line, Qt.Key.Key_Return)

    assert stored(window, name) == old
    assert npv(window) == old_npv  # to the cent, and every other number too
    assert numbers(window.controller.results) == before
    assert window.controller.undo_stack.count() == steps
    assert field.line.text() == text  # kept for correction
    assert field.error.isVisible() and says in field.error.text()
    assert "Not stored: the results use" in field.error.text()
    assert field.line.styleSheet() == REFUSED_STYLE

    QTest.keyClick(field.line, Qt.Key.Key_Escape)
    assert not field.error.isVisible() and field.line.styleSheet() == ""
    assert stored(window, name) == old


def test_escape_restores_the_stored_text_and_stores_nothing(window: MainWindow) -> None:
    assert window.controller is not None
    field = field_of(window, "value_per_success")
    shown, old = field.line.text(), stored(window, "value_per_success")
    start_typing(field)
    QTest.keyClicks(field.line, "999")
    assert field.preview.isVisible() and "999" in field.preview.text()
    QTest.keyClick(field.line, Qt.Key.Key_Escape)
    assert field.line.text() == shown and not field.preview.isVisible()
    assert stored(window, "value_per_success") == old
    field.line.clearFocus()  # leaving after Esc stores nothing either
    assert stored(window, "value_per_success") == old
    assert window.controller.undo_stack.count() == 0


def test_tab_commits_the_entry(window: MainWindow) -> None:
    field = field_of(window, "adoption_target")
    start_typing(field)
    QTest.keyClicks(field.line, "30%")
    assert stored(window, "adoption_target") != 0.3
    QTest.keyClick(field.line, Qt.Key.Key_Tab)
    assert stored(window, "adoption_target") == pytest.approx(0.3)
    assert not field.line.hasFocus() and field.line.text() == "30%"


def test_save_by_shortcut_saves_what_is_being_typed(window: MainWindow, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+S does not move the focus: the entry is committed before the file is written."""
    from views import dialogs

    target = tmp_path / "typed.aiplan"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: target)
    field = field_of(window, "value_per_success")
    start_typing(field)
    QTest.keyClicks(field.line, "7.25")
    QTest.keyClick(field.line, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert target.exists()
    with ProjectDocument.open(target) as saved:
        opportunity = next(o for o in saved.to_json()["opportunities"] if o["id"] == PLAIN)
    assert opportunity["value_per_success"] == 7.25


def test_screenshots_of_a_refused_entry_and_a_preview(window: MainWindow) -> None:
    """Pictures for a person to look at: the sentence and the preview fit beside the form."""
    refused = field_of(window, "adoption_target")
    start_typing(refused)
    QTest.keyClicks(refused.line, "150%")
    QTest.keyClick(refused.line, Qt.Key.Key_Return)
    previewing = field_of(window, "eligible_users")
    start_typing(previewing)
    QTest.keyClicks(previewing.line, "900 - 1,500")  # keyClicks types Latin-1 only
    form = window.workspace("Opportunities")
    QApplication.processEvents()  # the layout takes the new heights
    for widget, name in ((refused, "refused"), (previewing, "preview")):
        assert widget.height() >= widget.minimumSizeHint().height()  # nothing clipped
        corner = widget.mapTo(form, widget.rect().topLeft())
        area = QRect(corner.x() - 240, corner.y() - 30, widget.width() + 520, widget.height() + 90)
        assert form.grab(area).save(f"/tmp/estimate-field-{name}.png")


def test_save_from_the_toolbar_saves_what_is_being_typed(window: MainWindow, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A toolbar button takes no focus, so the field is never left: Save stores the entry first."""
    from PySide6.QtWidgets import QToolButton

    from views import dialogs

    target = tmp_path / "clicked.aiplan"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: target)
    field = field_of(window, "value_per_success")
    start_typing(field)
    QTest.keyClicks(field.line, "6.5")
    save = next(b for b in window.toolbar.findChildren(QToolButton) if b.text() == "Save")
    QTest.mouseClick(save, Qt.MouseButton.LeftButton)
    assert target.exists()
    with ProjectDocument.open(target) as saved:
        opportunity = next(o for o in saved.to_json()["opportunities"] if o["id"] == PLAIN)
    assert opportunity["value_per_success"] == 6.5
    assert not window.controller.modified  # type: ignore[union-attr]
