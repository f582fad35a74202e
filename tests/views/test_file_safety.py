"""Sharing and trust in the window: locks, read-only mode, copies, conflicts, side files,
sync folders, crash recovery, Compare and Import, as a user meets them."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QLineEdit

from app import locks
from app.document import ProjectDocument
from app.project_state import InvalidValueError
from views import dialogs, recovery_dialog
from views.main_window import MainWindow


@pytest.fixture
def window(show_window: Any) -> MainWindow:
    return show_window(ProjectDocument.new())


def _lock_by_dana(path: Path) -> None:
    when = dt.datetime.now().astimezone().replace(hour=9, minute=14, second=0, microsecond=0)
    locks.lock_path(path).write_text(json.dumps(
        {"user": "dana", "host": "laptop-7", "pid": 4242, "time": when.isoformat()}), encoding="utf-8")


def _answer(monkeypatch: pytest.MonkeyPatch, name: str, answer: Any) -> list[str]:
    asked: list[str] = []

    def reply(_parent: Any, text: str, *_rest: Any) -> Any:
        asked.append(text)
        return answer

    monkeypatch.setattr(dialogs, name, reply)
    return asked


def _first_opportunity_name(win: MainWindow) -> str:
    assert win.controller is not None
    return win.controller.state.data["opportunities"][0]["name"]


def test_someone_elses_lock_offers_read_only(window: MainWindow, sample_file: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    _lock_by_dana(sample_file)
    asked = _answer(monkeypatch, "ask_locked", "read_only")
    assert window.open_path(sample_file)
    assert "dana on host laptop-7 since 09:14" in asked[0]
    assert "(read-only)" in window.windowTitle()
    assert not window.save_action.isEnabled() and window.save_as_action.isEnabled()
    assert "dana on host laptop-7" in window.messages.text("read_only")
    # Editing is refused where the user types, and the fields say so by taking no typing.
    controller = window.controller
    assert controller is not None
    opportunity = controller.state.data["opportunities"][0]["id"]
    with pytest.raises(InvalidValueError, match="read-only"):
        controller.set_value("opportunity", opportunity, "name", "Mine now")
    workspace = window.workspace("Opportunities")
    fields = workspace.findChildren(QLineEdit)
    assert fields and all(f.isReadOnly() for f in fields)
    assert locks.read_lock(sample_file).user == "dana"  # type: ignore[union-attr]
    # Save As makes it the user's own, editable copy; dana's file and lock stay as they were.
    before = sample_file.read_bytes()
    mine = tmp_path / "mine.aiplan"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: mine)
    window.save_as_action.trigger()
    assert mine.exists() and sample_file.read_bytes() == before
    assert "(read-only)" not in window.windowTitle() and window.save_action.isEnabled()
    assert "read_only" not in window.messages.keys()
    fields = window.workspace("Opportunities").findChildren(QLineEdit)
    assert any(not f.isReadOnly() for f in fields)
    controller = window.controller
    assert controller is not None
    controller.set_value("opportunity", opportunity, "name", "Mine now")
    assert _first_opportunity_name(window) == "Mine now"
    assert locks.read_lock(sample_file).user == "dana"  # type: ignore[union-attr]


def test_open_a_copy_or_anyway(window: MainWindow, sample_file: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    _lock_by_dana(sample_file)
    _answer(monkeypatch, "ask_locked", "copy")
    assert window.open_path(sample_file)
    assert "Copy of plan.aiplan" in window.windowTitle()
    assert "copy" in window.messages.keys()
    assert window.document.path is None  # Save asks for a name
    _answer(monkeypatch, "ask_locked", "cancel")
    assert not window.open_path(sample_file)
    assert "Copy of plan.aiplan" in window.windowTitle()
    _answer(monkeypatch, "ask_locked", "anyway")
    assert window.open_path(sample_file)
    assert window.document.path == sample_file and not window.document.read_only
    assert locks.read_lock(sample_file).is_ours  # type: ignore[union-attr]


def test_a_file_changed_behind_the_apps_back_gets_a_conflict_copy(
        window: MainWindow, sample_file: Path, sample: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert window.open_path(sample_file)
    sample["opportunities"][1]["name"] = "Their rename"
    with ProjectDocument.from_data(sample) as theirs:
        theirs.save_as(sample_file)  # a colleague saves over the shared file
    theirs_bytes = sample_file.read_bytes()
    controller = window.controller
    assert controller is not None
    controller.set_value("opportunity", sample["opportunities"][0]["id"], "name", "Our rename")
    compare = _answer(monkeypatch, "ask_conflict", True)
    window.save_action.trigger()
    assert sample_file.read_bytes() == theirs_bytes  # never overwritten
    conflict = window.document.path
    assert conflict is not None and conflict != sample_file and "(conflict " in conflict.name
    assert conflict.exists() and not window.isWindowModified()
    assert "“plan.aiplan” changed on disk" in compare[0]
    # Compare opened at once: the changes from their file to our work.
    assert window.compare_dialog is not None and window.compare_dialog.isVisible()
    text = window.compare_dialog.view.toPlainText()
    assert "Our rename" in text and "Their rename" in text
    with ProjectDocument.open(conflict) as ours:
        assert ours.to_json()["opportunities"][0]["name"] == "Our rename"


def test_a_journal_beside_the_file_asks_first(window: MainWindow, sample_file: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    sample_file.with_name(sample_file.name + "-journal").write_bytes(b"")
    asked = _answer(monkeypatch, "ask_open_anyway", False)
    assert not window.open_path(sample_file)
    assert "plan.aiplan-journal" in asked[0]
    _answer(monkeypatch, "ask_open_anyway", True)
    assert window.open_path(sample_file)
    assert window.document.path == sample_file


def test_a_file_in_a_sync_folder_gets_one_notice(window: MainWindow, sample_file: Path,
                                                 tmp_path: Path) -> None:
    synced = tmp_path / "Dropbox" / "plans" / "plan.aiplan"
    synced.parent.mkdir(parents=True)
    synced.write_bytes(sample_file.read_bytes())
    assert window.open_path(synced)
    assert "Dropbox" in window.messages.text("sync")
    assert window.open_path(sample_file)
    assert "sync" not in window.messages.keys()


def _crash_while_editing(source: Path, name: str) -> None:
    """Another app process opens ``source``, renames its first opportunity, and is killed."""
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from app.document import ProjectDocument\n"
        "from models.schema import Opportunity\n"
        "from sqlalchemy import select\n"
        "doc = ProjectDocument.open(Path(sys.argv[1]), for_editing=True)\n"
        "with doc.edit() as s:\n"
        "    first = select(Opportunity).order_by(Opportunity.position)\n"
        "    s.execute(first).scalars().first().name = sys.argv[2]\n"
        "os.kill(os.getpid(), 9)\n")
    done = subprocess.run([sys.executable, "-c", script, str(source), name], capture_output=True,
                          cwd=Path(__file__).parents[2], timeout=120)
    assert done.returncode == -9, done.stderr.decode()


def test_recovery_offers_the_crashed_work_and_recovers_it(window: MainWindow, sample_file: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    _crash_while_editing(sample_file, "Edited before the crash")
    shown: list[recovery_dialog.RecoveryDialog] = []

    def click_recover(dialog: recovery_dialog.RecoveryDialog) -> int:
        shown.append(dialog)
        [orphan] = recovery_dialog.recovery.find_orphans()
        assert str(sample_file) in recovery_dialog.describe(orphan)
        dialog.buttons_for(orphan)["Recover"].click()
        return 1

    monkeypatch.setattr(recovery_dialog, "run_dialog", click_recover)
    assert window.offer_recovery()
    assert shown
    assert _first_opportunity_name(window) == "Edited before the crash"
    assert window.document.path == sample_file
    assert window.isWindowModified()  # recovered work is not in the file yet
    window.save_action.trigger()
    assert not window.isWindowModified()
    with ProjectDocument.open(sample_file) as saved:
        assert saved.to_json()["opportunities"][0]["name"] == "Edited before the crash"
    assert recovery_dialog.recovery.find_orphans() == []


def test_recovery_save_as_and_discard(window: MainWindow, sample_file: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    other = tmp_path / "other.aiplan"
    other.write_bytes(sample_file.read_bytes())
    _crash_while_editing(sample_file, "First crash")
    _crash_while_editing(other, "Second crash")
    rescued = tmp_path / "rescued.aiplan"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: rescued)
    _answer(monkeypatch, "ask_confirm", True)

    def save_one_discard_other(dialog: recovery_dialog.RecoveryDialog) -> int:
        orphans = {o.source.name: o for o in recovery_dialog.recovery.find_orphans()}  # type: ignore[union-attr]
        dialog.buttons_for(orphans["plan.aiplan"])["Save As…"].click()
        dialog.buttons_for(orphans["other.aiplan"])["Discard"].click()
        return 1

    monkeypatch.setattr(recovery_dialog, "run_dialog", save_one_discard_other)
    assert not window.offer_recovery()  # nothing opened: one saved elsewhere, one discarded
    with ProjectDocument.open(rescued) as saved:
        assert saved.to_json()["opportunities"][0]["name"] == "First crash"
    assert recovery_dialog.recovery.find_orphans() == []


def test_compare_and_import_from_the_file_menu(window: MainWindow, sample_file: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dialogs, "ask_compare_path", lambda *a, **k: sample_file)
    window.compare_action.trigger()
    assert window.compare_dialog is not None and window.compare_dialog.isVisible()
    from views import import_dialog

    monkeypatch.setattr(dialogs, "ask_import_path", lambda *a, **k: sample_file)

    def pick_all(dialog: Any) -> bool:
        dialog.select_all.click()
        return True

    monkeypatch.setattr(import_dialog, "run_dialog", pick_all)
    window.import_objects_action.trigger()
    controller = window.controller
    assert controller is not None
    assert len(controller.state.data["opportunities"]) == 8
    controller.undo_stack.undo()
    assert controller.state.data["opportunities"] == []


def test_opening_the_open_file_again_keeps_its_lock(window: MainWindow, sample_file: Path) -> None:
    assert window.open_path(sample_file)
    assert window.open_path(sample_file)
    lock = locks.read_lock(sample_file)
    assert lock is not None and lock.is_ours
    assert window.document.path == sample_file and window.document.locked


def test_recovered_work_declined_stays_for_the_next_start(
        window: MainWindow, sample_file: Path, sample: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert window.controller is not None
    opp = dict(sample["opportunities"][0], name="Unsaved idea", decision_id=None, unit_model_id=None)
    window.controller.change_project(
        dict(window.controller.state.data, opportunities=[opp]), "Add")
    _crash_while_editing(sample_file, "Edited before the crash")
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *_: "cancel")

    def click_recover(dialog: recovery_dialog.RecoveryDialog) -> int:
        [orphan] = recovery_dialog.recovery.find_orphans()
        dialog.buttons_for(orphan)["Recover"].click()
        return 1

    monkeypatch.setattr(recovery_dialog, "run_dialog", click_recover)
    assert not window.offer_recovery()  # the user kept the unsaved work on screen instead
    assert _first_opportunity_name(window) == "Unsaved idea"
    [orphan] = recovery_dialog.recovery.find_orphans()
    assert orphan.source == sample_file and orphan.name is not None


def test_a_save_cut_short_leaves_no_temp_beside_a_recent_file(window: MainWindow, sample_file: Path,
                                                               qtbot: Any) -> None:
    import os

    assert window.open_path(sample_file)  # now a recent file
    stray = sample_file.with_name(f".{sample_file.name}.0badc0de.saving")
    stray.write_bytes(b"half a save")
    os.utime(stray, (0, 0))  # long ago: no save is writing it now
    fresh = sample_file.with_name(f".{sample_file.name}.0badc0df.saving")
    fresh.write_bytes(b"a save under way")
    assert not window.offer_recovery()  # the next start: nothing to recover
    qtbot.waitUntil(lambda: not stray.exists(), timeout=5000)
    assert fresh.exists() and sample_file.exists()
