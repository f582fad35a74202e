"""The plan settings dialog as a user drives it: typed key by key, OK, Esc, undo, and the exports."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLineEdit, QPlainTextEdit

from app.document import ProjectDocument
from app.exports import memo_pdf
from app.exports.deck import build_slides, write_deck_pdf
from models.engine import calculate
from models.plan import plan_from_json
from tests.app.test_cli import aiplan
from views import dialogs
from views.main_window import MainWindow
from views.plan_settings import PlanSettingsDialog, parse_setting

CTRL = Qt.KeyboardModifier.ControlModifier
SETTINGS = ("name", "author", "description", "currency", "discount_rate", "horizon_years", "budget",
            "mc_samples", "mc_seed")
#: What the user types (QTest types ASCII only), and what the plan then holds.
TYPED = {"name": ("Helpdesk AI: FY2028", "Helpdesk AI: FY2028"),
         "author": ("Sam Ortiz", "Sam Ortiz"),
         "description": ("Support automation for the spring review.",
                         "Support automation for the spring review."),
         "currency": ("eur", "EUR"),
         "discount_rate": ("8%", 0.08),
         "horizon_years": ("5", 5),
         "budget": ("1.2M", 1_200_000.0),
         "mc_samples": ("20000", 20_000),
         # 19 digits, read exactly: as a float it would be stored as 2**62.
         "mc_seed": ("4611686018427387905", 2**62 + 1)}


@pytest.fixture
def window(show_window: Any, sample_json: dict[str, Any], qtbot: Any) -> MainWindow:
    data = dict(sample_json, project=dict(sample_json["project"], mc_samples=2000))
    win: MainWindow = show_window(ProjectDocument.from_data(data))
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)  # keys go to the focused widget, as on a desktop
    return win


def _settings(win: MainWindow) -> dict[str, Any]:
    assert win.controller is not None
    return {k: win.controller.state.data["project"].get(k) for k in SETTINGS}


def _open(win: MainWindow, qtbot: Any) -> PlanSettingsDialog:
    """Ctrl+, as the user presses it; the dialog opens without blocking."""
    qtbot.keyClick(win.sidebar, Qt.Key.Key_Comma, CTRL)
    dialog: PlanSettingsDialog = win.plan_settings_dialog
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def _type(qtbot: Any, dialog: PlanSettingsDialog, field: str, text: str) -> None:
    """Replace a field's text by typing, key by key, as a user does after selecting it."""
    editor = dialog.editors[field]
    target = editor.lineEdit() if isinstance(editor, QComboBox) else editor
    assert target is not None
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(target, Qt.Key.Key_Delete)
    qtbot.keyClicks(target, text)


def _ok(dialog: PlanSettingsDialog) -> Any:
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_every_setting_typed_then_enter_is_one_undo_step(window: MainWindow, qtbot: Any) -> None:
    assert window.controller is not None
    stack = window.controller.undo_stack
    before = _settings(window)
    title_before = window.windowTitle()
    dialog = _open(window, qtbot)
    for field, (text, _) in TYPED.items():
        _type(qtbot, dialog, field, text)
    assert _settings(window) == before and stack.count() == 0  # typing stores nothing
    assert window.windowTitle() == title_before
    qtbot.keyClick(dialog.editors["mc_seed"], Qt.Key.Key_Return)  # Enter is OK
    assert not dialog.isVisible()
    after = _settings(window)
    assert after == {field: stored for field, (_, stored) in TYPED.items()}
    assert window.windowTitle().startswith("Helpdesk AI: FY2028 — Untitled")
    assert window.controller.results is not None
    assert window.controller.results.plan.settings.horizon_years == 5
    assert stack.count() == 1 and stack.text(0) == "Change plan settings"
    # One Ctrl+Z in the window restores every setting, and the title with them.
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Z, CTRL)
    assert _settings(window) == before
    assert window.windowTitle() == title_before
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert _settings(window) == after
    assert window.windowTitle().startswith("Helpdesk AI: FY2028")
    # The working copy holds what the window shows: Save writes exactly this.
    assert window.controller.state.document.to_json()["project"] == window.controller.state.data["project"]


def test_each_ok_is_its_own_undo_step(window: MainWindow, qtbot: Any) -> None:
    """Two dialogs that rename the plan in turn are two steps: Ctrl+Z undoes only the last."""
    assert window.controller is not None
    original = _settings(window)["name"]
    for name in ("First name", "Second name"):
        dialog = _open(window, qtbot)
        _type(qtbot, dialog, "name", name)
        qtbot.keyClick(dialog.editors["name"], Qt.Key.Key_Return)
    stack = window.controller.undo_stack
    assert stack.count() == 2 and stack.text(1) == "Change plan name"
    window.undo_action.trigger()  # type: ignore[union-attr]
    assert _settings(window)["name"] == "First name" and "First name" in window.windowTitle()
    window.undo_action.trigger()  # type: ignore[union-attr]
    assert _settings(window)["name"] == original


def test_escape_and_cancel_store_nothing(window: MainWindow, qtbot: Any) -> None:
    assert window.controller is not None
    before = window.controller.state.snapshot()
    dialog = _open(window, qtbot)
    _type(qtbot, dialog, "name", "Not kept")
    qtbot.keyClick(dialog.editors["name"], Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.editors["author"], " and more")  # Tab moved to the owner
    qtbot.keyClick(dialog.editors["author"], Qt.Key.Key_Escape)
    assert not dialog.isVisible()
    assert window.controller.state.snapshot() == before
    assert window.controller.undo_stack.count() == 0 and not window.isWindowModified()
    dialog = _open(window, qtbot)
    assert dialog.editors["name"].text() == before["project"]["name"]  # type: ignore[union-attr]
    description = dialog.editors["description"]
    description.setFocus()
    qtbot.keyClick(description, Qt.Key.Key_Tab)  # Tab leaves the description, typing no tab
    assert "\t" not in description.toPlainText()  # type: ignore[union-attr]
    assert dialog.focusWidget() is dialog.editors["currency"]
    _type(qtbot, dialog, "horizon_years", "7")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert window.controller.state.snapshot() == before


BAD = [("currency", "US", "The currency must be a three-letter code such as USD or EUR."),
       ("currency", "U$D", "The currency must be a three-letter code such as USD or EUR."),
       ("discount_rate", "150%", "The discount rate must be a fraction between 0% and 100%."),
       ("discount_rate", "ten", "Type the yearly discount rate as a percent, such as 10%."),
       ("horizon_years", "0", "The horizon must be between 1 and 10."),
       ("horizon_years", "11", "The horizon must be at most 10."),
       ("horizon_years", "2.5", "The horizon must be a whole number."),
       ("mc_samples", "999", "The number of samples must be between 1,000 and 1,000,000."),
       ("mc_samples", "1000001", "The number of samples must be at most 1,000,000."),
       ("mc_seed", "-1", "The seed must not be negative."),
       ("mc_seed", "9223372036854775808", "The seed must be at most 9,223,372,036,854,775,807."),
       ("budget", "-5", "The budget must not be negative."),
       ("budget", "1e400", "Type an amount such as 500,000 or 500k; leave it empty for no budget."),
       ("budget", "2e12", "The budget must be at most 1,000,000,000,000.")]


@pytest.mark.parametrize(("field", "text", "sentence"), BAD)
def test_a_bad_value_is_said_beside_its_field_and_stores_nothing(
        window: MainWindow, qtbot: Any, field: str, text: str, sentence: str) -> None:
    assert window.controller is not None
    before = window.controller.state.snapshot()
    dialog = _open(window, qtbot)
    _type(qtbot, dialog, "name", "Renamed meanwhile")  # a good change waits for the bad one
    _type(qtbot, dialog, field, text)
    error = dialog.errors[field]
    assert error.isVisible() and error.text() == sentence
    assert not _ok(dialog).isEnabled()
    editor = dialog.editors[field]
    qtbot.keyClick(editor.lineEdit() if isinstance(editor, QComboBox) else editor, Qt.Key.Key_Return)
    assert dialog.isVisible()  # Enter is refused while a field says why
    dialog.accept()  # and so is OK reached any other way
    assert dialog.isVisible()
    assert window.controller.state.snapshot() == before
    assert window.controller.undo_stack.count() == 0
    # Fixed, the sentence goes and OK stores both changes.
    _type(qtbot, dialog, field, {"currency": "GBP", "mc_samples": "5000"}.get(field, "3"))
    assert not error.isVisible() and _ok(dialog).isEnabled()
    qtbot.mouseClick(_ok(dialog), Qt.MouseButton.LeftButton)
    assert _settings(window)["name"] == "Renamed meanwhile"


def test_budget_emptied_means_no_budget_and_undo_brings_it_back(window: MainWindow, qtbot: Any) -> None:
    assert window.controller is not None and window.controller.results is not None
    assert _settings(window)["budget"] == 900_000
    funded = window.controller.results.portfolio.selected
    dialog = _open(window, qtbot)
    _type(qtbot, dialog, "budget", "")
    assert not dialog.errors["budget"].isVisible()
    qtbot.keyClick(dialog.editors["budget"], Qt.Key.Key_Return)
    assert _settings(window)["budget"] is None
    assert window.controller.state.document.to_json()["project"]["budget"] is None
    window.undo_action.trigger()  # type: ignore[union-attr]
    assert _settings(window)["budget"] == 900_000
    assert window.controller.results.portfolio.selected == funded


def test_unchanged_fields_store_nothing(window: MainWindow, qtbot: Any) -> None:
    """OK with nothing typed, or text retyped to what it was, is no undo step."""
    assert window.controller is not None
    dialog = _open(window, qtbot)
    _type(qtbot, dialog, "discount_rate", "10")  # 10% as it was, typed without the sign
    qtbot.keyClick(dialog.editors["discount_rate"], Qt.Key.Key_Return)
    assert not dialog.isVisible() and window.controller.undo_stack.count() == 0


def test_the_name_reaches_calc_memo_and_deck(window: MainWindow, qtbot: Any, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    name = "Larkspur support copilots & search"
    dialog = _open(window, qtbot)
    _type(qtbot, dialog, "name", name)
    _type(qtbot, dialog, "author", "Dana Kim")
    qtbot.keyClick(dialog.editors["author"], Qt.Key.Key_Return)
    target = tmp_path / "named.aiplan"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: target)
    window.save_action.trigger()
    assert target.exists() and not window.isWindowModified()
    assert window.windowTitle().startswith(f"{name} — named.aiplan")

    result = aiplan("calc", target, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["project"]["name"] == name

    with ProjectDocument.open(target) as saved:
        data = saved.to_json()
    results = calculate(plan_from_json(data))
    memo = tmp_path / "memo.pdf"
    assert memo_pdf.write_memo(data, results, memo) == []
    reader = pypdf.PdfReader(memo)
    assert reader.metadata is not None
    assert reader.metadata.title == name and reader.metadata.author == "Dana Kim"
    assert name in re.sub(r"\s+", " ", reader.pages[0].extract_text())
    slides = build_slides(data, results)
    assert slides[0].kind == "title" and slides[0].title == name
    deck = write_deck_pdf(slides, tmp_path / "deck.pdf", data)
    cover = re.sub(r"\s+", " ", pypdf.PdfReader(deck).pages[0].extract_text())
    assert name in cover and "Dana Kim" in cover


def test_a_read_only_plan_shows_its_settings_and_stores_nothing(
        show_window: Any, sample: dict[str, Any], tmp_path: Path, qtbot: Any) -> None:
    path = tmp_path / "theirs.aiplan"
    with ProjectDocument.from_data(copy.deepcopy(sample)) as theirs:
        theirs.save_as(path)
    before = path.read_bytes()
    window: MainWindow = show_window(ProjectDocument.open(path, read_only=True))
    dialog = window.show_plan_settings()
    assert isinstance(dialog, PlanSettingsDialog)
    assert "read-only" in dialog.note.text() and dialog.note.isVisible()
    assert dialog.editors["name"].text() == sample["project"]["name"]  # type: ignore[union-attr]
    for editor in dialog.editors.values():
        assert (editor.isReadOnly() if isinstance(editor, (QLineEdit, QPlainTextEdit))
                else not editor.isEnabled())
    qtbot.keyClicks(dialog.editors["name"], "x")
    assert _ok(dialog) is None
    dialog.buttons.button(QDialogButtonBox.StandardButton.Close).click()
    assert not dialog.isVisible()
    assert window.controller is not None and window.controller.undo_stack.count() == 0
    assert window.controller.state.data["project"]["name"] == sample["project"]["name"]
    assert path.read_bytes() == before


def test_a_name_with_a_line_break_is_one_line_in_the_title(window: MainWindow, qtbot: Any) -> None:
    assert window.controller is not None
    window.controller.set_value("project", "", "name", "Two\nlines\x1b[31m", "plan name")
    title = window.windowTitle()
    assert "\n" not in title and "\x1b" not in title and title.startswith("Two\\nlines\\e[31m")


def test_the_action_is_in_the_file_menu_with_its_shortcut(window: MainWindow) -> None:
    assert window.settings_action.shortcut().toString() == "Ctrl+,"
    file_menu = window.menuBar().actions()[0].menu()
    assert window.settings_action in file_menu.actions()  # type: ignore[union-attr]


@pytest.mark.parametrize(("field", "text", "value"), [
    ("mc_samples", "10k", 10_000), ("mc_seed", " 42 ", 42), ("discount_rate", "12.5", 0.125),
    ("budget", "", None), ("budget", "$250,000", 250_000.0), ("currency", " chf ", "CHF"),
    ("name", "  Spaced  ", "Spaced")])
def test_parse_setting(field: str, text: str, value: Any) -> None:
    assert parse_setting(field, text) == value
