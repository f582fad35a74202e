"""The GUI entry point: the only place ``app`` imports Qt widgets and ``views``."""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from app import paths
from app.errors import ProjectFileError
from app.terminal import one_line

if TYPE_CHECKING:  # the document brings SQLAlchemy and the schema: loaded when a file opens
    from app.deferred import DeferredSample
    from app.document import ProjectDocument

APPLICATION_NAME = "AI Product Planner"
#: The reverse-DNS id of the desktop entry (packaging/linux/APP_ID.desktop) and AppStream data:
#: Wayland and the task bar match the running window to its menu entry and icon by it.
APP_ID = "io.github.aiplanner.AIProductPlanner"


def process_age() -> float:
    """Seconds since this process started (from the OS where it says; else since import)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:
            start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as uptime:
            up = float(uptime.read().split()[0])
        return up - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _IMPORTED


_IMPORTED = time.perf_counter()

#: Libraries too heavy to load before the window is first painted (each costs a noticeable
#: part of a bare window's start): they load when a chart, an export or the ORM needs them.
HEAVY_MODULES = ("sqlalchemy", "models.schema", "matplotlib", "reportlab", "openpyxl", "pptx")


def watch_first_paint(widget: object, then: Callable[[], object] | None = None) -> dict[str, object]:
    """A record that fills in when ``widget`` is first painted: the process's age then
    (``age``) and which of HEAVY_MODULES were loaded by that moment (``loaded``); ``then`` runs
    just after that paint (the work that waits for the window to be seen)."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QWidget

    assert isinstance(widget, QWidget)
    record: dict[str, object] = {}

    class _Watcher(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and not record:
                record["age"] = process_age()
                record["at"] = time.time()  # finer than the age's clock ticks (benchmarks)
                record["loaded"] = [name for name in HEAVY_MODULES if name in sys.modules]
                watched.removeEventFilter(self)
                if then is not None:
                    QTimer.singleShot(0, then)
            return False

    watcher = _Watcher(widget)  # parented: lives as long as the widget
    widget.installEventFilter(watcher)
    return record


def open_document(path: Path | None) -> ProjectDocument | DeferredSample:
    """The document to show: the file given, a JSON file imported, or the sample (whose working
    copy is made once the window is up: see app.deferred)."""
    if path is None:
        from app.deferred import DeferredSample

        return DeferredSample()
    from app import interchange
    from app.document import ProjectDocument

    if path.suffix.lower() == ".json":
        return ProjectDocument.from_data(interchange.read_json(path), path)
    return ProjectDocument.open(path)


def use_readable_locale() -> None:
    """The bare "C" locale (a service account, a container) groups no digits: use en_US."""
    from PySide6.QtCore import QLocale

    if QLocale.system().name() in ("C", "POSIX"):
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))


def _log_exception(exc: BaseException) -> str:
    """Write ``exc`` with its traceback to errors.log in the data folder (as the command line
    does for its bugs); the log's path, or why none was written."""
    from app.main import _log_bug

    try:
        raise exc  # _log_bug logs the exception being handled
    except BaseException:
        return _log_bug()


def show_unexpected_error(text: str, details: str) -> None:
    """The plain dialog of an unexpected error, with a button that copies its details."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    box = QMessageBox(QMessageBox.Icon.Critical, APPLICATION_NAME, text)
    copy = box.addButton("Copy details", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    if box.clickedButton() is copy:
        QApplication.clipboard().setText(details)


def install_exception_hook() -> Callable[[], None]:
    """Unexpected errors (in a slot, on a worker thread) go to errors.log and a dialog; the app
    keeps running. Returns a function that puts the previous hooks back."""
    import threading
    import traceback

    from PySide6.QtCore import QObject, Qt, Signal

    class _Reporter(QObject):
        # Emitted from any thread; delivered on the GUI thread, where dialogs may open.
        bug = Signal(str, str)

    reporter = _Reporter()
    reporter.bug.connect(lambda text, details: show_unexpected_error(text, details),
                         Qt.ConnectionType.QueuedConnection)
    previous, previous_thread = sys.excepthook, threading.excepthook

    def report(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        exc = exc.with_traceback(tb)
        log = _log_exception(exc)
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        reporter.bug.emit(
            f"Something went wrong inside the app ({exc_type.__name__}: {one_line(exc, 200)}); it "
            f"keeps running. Check your last change, and send the details in {one_line(log)} "
            "with a note of what you did.",
            details)

    def report_thread(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            report(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = report
    threading.excepthook = report_thread

    def uninstall() -> None:
        sys.excepthook, threading.excepthook = previous, previous_thread
        reporter.deleteLater()

    return uninstall


def run_gui(path: Path | None, self_test: bool = False) -> int:
    if self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    # The engine (numpy and models) loads before Qt: once PySide6 is imported, its import hook
    # reads the source of every module imported after it (to look for its __feature__ switch),
    # which made numpy's hundred-odd modules cost about 25 ms more before the first paint.
    importlib.import_module("app.project_state")  # before Qt, so not sorted with the imports
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None:
        from app.qt_platform import platform_problem

        problem = platform_problem()
        if problem is not None:  # Qt would abort with a message about plugins instead
            print(f"aiplan: {problem}", file=sys.stderr)
            return 1
    app = QApplication.instance() or QApplication(sys.argv[:1])
    use_readable_locale()
    app.setApplicationName(APPLICATION_NAME)
    app.setOrganizationName(APPLICATION_NAME)
    app.setDesktopFileName(APP_ID)
    from PySide6.QtGui import QIcon

    app.setWindowIcon(QIcon(str(paths.icon_path())))
    if not self_test:
        install_exception_hook()
    try:
        if path is None or self_test:
            document = open_document(path)
        else:  # for editing: a lock or a side file beside it asks its question first
            from views.opening import open_document as open_for_editing

            opened = open_for_editing(None, path)  # type: ignore[arg-type]
            if opened is None:
                return 0  # the user chose not to open it after all
            document = opened
    except ProjectFileError as exc:
        print(f"aiplan: {one_line(exc)}", file=sys.stderr)
        if not self_test:
            QMessageBox.critical(None, APPLICATION_NAME, str(exc))
        return 2
    from views.main_window import MainWindow

    window = MainWindow(document, sample=path is None)  # type: ignore[arg-type]
    # The sample's working copy (and the ORM) once the window has been seen, not before.
    first_paint = watch_first_paint(window, getattr(document, "materialize", None))
    window.show()
    if self_test:
        return _self_test(app, window, first_paint)
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, window.offer_recovery)  # once the window is up, never before it
    try:
        return app.exec()
    finally:
        if window.controller is not None:
            window.controller.shutdown()
            window.controller.state.document.close()


def _self_test(app: object, window: object, first_paint: dict[str, object]) -> int:
    """Start, show results, visit every workspace, wait for Monte Carlo; one JSON line with
    the process's age when the window was first painted."""
    from PySide6.QtCore import QDeadlineTimer, QEventLoop
    from PySide6.QtWidgets import QApplication

    from views.main_window import WORKSPACES, MainWindow

    assert isinstance(window, MainWindow) and window.controller is not None
    deadline = QDeadlineTimer(30_000)  # a window system that never paints fails the test
    while not first_paint and not deadline.hasExpired():
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    startup = first_paint.get("age", process_age())
    ok = bool(first_paint) and window.controller.results is not None
    for row in range(len(WORKSPACES)):
        window.sidebar.setCurrentRow(row)
        QApplication.processEvents()
    ok = window.controller.wait_for_monte_carlo() and ok
    QApplication.processEvents()
    from models.catalog import all_models  # the bundled prices must load (frozen builds too)

    catalog_models = len(all_models())
    ok = ok and catalog_models > 0
    print(json.dumps({"startup_s": round(float(startup), 3),  # type: ignore[arg-type]
                      "first_paint_at": first_paint.get("at"),
                      "platform": QApplication.platformName(),
                      "loaded_at_first_paint": first_paint.get("loaded"),
                      "catalog_models": catalog_models,
                      "workspaces": [title for _, _, title in WORKSPACES],
                      "results": ok}))
    window.controller.undo_stack.setClean()
    window.close()
    window.controller.state.document.close()
    return 0 if ok else 1
