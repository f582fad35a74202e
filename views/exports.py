"""Export menu actions: the memo, workbook and deck written off the UI thread, with progress."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.errors import ProjectFileError
from app.terminal import one_line
from views import dialogs

#: kind -> (menu text, file filter, suffix, export key, noun for messages)
EXPORTS = {
    "memo": ("Strategy &memo (PDF)…", "PDF (*.pdf)", ".pdf", "memo", "strategy memo"),
    "xlsx": ("&Workbook (Excel)…", "Excel workbook (*.xlsx)", ".xlsx", "xlsx", "workbook"),
    "pptx": ("&Deck (PowerPoint)…", "PowerPoint (*.pptx)", ".pptx", "deck", "deck"),
    "deck_pdf": ("Deck (&PDF)…", "PDF (*.pdf)", ".pdf", "deck", "deck"),
}


def _write(data: dict[str, Any], key: str, path: Path) -> list[str]:
    """Runs on the worker thread: no Qt."""
    from app.exports.run import write_exports

    warnings: list[str] = []
    for _path, found in write_exports(data, {key: path}):
        warnings.extend(found)
    return warnings


class ExportRunner(QObject):
    """Writes one export at a time on a worker thread and reports back on the UI thread."""

    finished = Signal(str, list)  # path, warnings
    failed = Signal(str)  # a plain sentence
    _done = Signal(object, object, object)  # path, warnings, error (queued to the UI thread)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.window = parent
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
        self._progress: QProgressDialog | None = None
        self.busy = False
        self._done.connect(self._report, Qt.ConnectionType.QueuedConnection)

    def ask_and_run(self, kind: str, data: dict[str, Any], stem: str) -> None:
        text, file_filter, suffix, key, noun = EXPORTS[kind]
        path = dialogs.ask_export_path(self.window, f"Export the {noun}", f"{stem}{suffix}",
                                       file_filter, suffix)
        if path is not None:
            self.run(key, data, path, noun)

    def _refused(self, path: Path, noun: str) -> str | None:
        """The command line's sentence when ``path`` may not be written: the open project's own
        file, any project, a locked file. The save dialog has already asked about any other
        existing file, so that is not asked again."""
        from app.outputs import check_export_targets

        # The project this window edits, when it has a file (the window is its parent).
        document = getattr(self.window, "document", None)
        own = getattr(document, "path", None)
        try:
            check_export_targets({noun: path}, [own] if own is not None else [], force=True)
        except ProjectFileError as exc:
            return str(exc)
        return None

    def run(self, key: str, data: dict[str, Any], path: Path, noun: str = "export") -> None:
        if self.busy:
            return
        refusal = self._refused(path, noun)
        if refusal is not None:
            dialogs.show_error(self.window, refusal)
            self.failed.emit(refusal)
            return
        self.busy = True
        self._progress = QProgressDialog(f"Writing the {noun}…", "", 0, 0, self.window)
        self._progress.setCancelButton(None)
        self._progress.setWindowTitle("Export")
        self._progress.setMinimumDuration(300)
        self._progress.setWindowModality(Qt.WindowModality.WindowModal)
        future = self._worker.submit(_write, data, key, path)

        def done(f: Any) -> None:
            error = f.exception()
            self._done.emit(path, None if error else f.result(), error)

        future.add_done_callback(done)

    @Slot(object, object, object)
    def _report(self, path: Path, warnings: list[str] | None, error: BaseException | None) -> None:
        self.busy = False
        if self._progress is not None:
            self._progress.reset()
            self._progress.deleteLater()
            self._progress = None
        if error is not None:
            message = str(error) if isinstance(error, ProjectFileError) else (
                f"“{path.name}” was not written: {error}")
            dialogs.show_error(self.window, message)
            self.failed.emit(message)
            return
        self.finished.emit(str(path), warnings or [])
        note = "".join(f"\n\n{one_line(warning)}" for warning in warnings or [])
        if dialogs.ask_open_export(self.window, path, note):
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def wait(self) -> None:
        """Finish a running export (closing the window, tests)."""
        self._worker.shutdown(wait=True)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
