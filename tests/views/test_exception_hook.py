"""An unexpected error in a slot or on a worker thread: logged, shown plainly, the app runs on."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

import app.gui


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Any:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(app.gui, "show_unexpected_error", lambda text, details: shown.append((text, details)))
    uninstall = app.gui.install_exception_hook()
    yield shown
    uninstall()


def _boom() -> None:
    raise RuntimeError("the slot failed on purpose")


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_is_logged_and_shown_and_the_app_runs_on(qtbot: Any, hook: Any,
                                                                     data_dir: Path) -> None:
    ran_after: list[bool] = []
    QTimer.singleShot(0, _boom)
    QTimer.singleShot(5, lambda: ran_after.append(True))
    qtbot.waitUntil(lambda: bool(hook) and bool(ran_after))
    text, details = hook[0]
    assert "RuntimeError: the slot failed on purpose" in text and "errors.log" in text
    assert "\n" not in text and "Traceback" not in text
    assert "_boom" in details
    log = (data_dir / "errors.log").read_text(encoding="utf-8")
    assert "the slot failed on purpose" in log and "_boom" in log


@pytest.mark.qt_no_exception_capture
def test_an_error_on_a_worker_thread_is_shown_on_the_window_thread(qtbot: Any, hook: Any,
                                                                   data_dir: Path) -> None:
    worker = threading.Thread(target=_boom)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(hook))
    assert "RuntimeError" in hook[0][0]
    assert "the slot failed on purpose" in (data_dir / "errors.log").read_text(encoding="utf-8")


def test_the_dialog_copies_the_details(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    def click_copy(box: QMessageBox) -> int:
        copy = next(b for b in box.buttons() if b.text() == "Copy details")
        copy.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", click_copy)
    app.gui.show_unexpected_error("Something went wrong.", "Traceback: line 1")
    assert QApplication.clipboard().text() == "Traceback: line 1"


def test_the_hooks_are_put_back() -> None:
    before = sys.excepthook, threading.excepthook
    uninstall = app.gui.install_exception_hook()
    assert sys.excepthook is not before[0]
    uninstall()
    assert (sys.excepthook, threading.excepthook) == before
