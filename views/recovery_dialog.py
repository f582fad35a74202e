"""At start-up, unsaved work left by an app that did not end cleanly: recover, save as or discard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import recovery
from app.document import ProjectDocument
from app.errors import ProjectFileError, SaveConflictError
from app.recovery import Orphan
from views import dialogs

COUNTS = (("opportunities", "opportunity", "opportunities"), ("decisions", "decision", "decisions"),
          ("unit_models", "unit model", "unit models"))


def describe(orphan: Orphan) -> str:
    """Where the work came from, when it was last changed and what it holds (plain text)."""
    where = f"from {orphan.source}" if orphan.source else "never saved to a file"
    when = orphan.last_edit.strftime("%d %b %Y %H:%M").lstrip("0")
    held = ", ".join(f"{orphan.counts[key]} {one if orphan.counts[key] == 1 else many}"
                     for key, one, many in COUNTS if key in orphan.counts)
    text = f"{where}\nlast edited {when}"
    if held:
        text += f" — {held}"
    if not orphan.unsaved:
        text += "\nno edits since it was last saved"
    return text


class RecoveryDialog(QDialog):
    """One row per orphaned working copy; Recover opens it in the window and closes this."""

    def __init__(self, orphans: list[Orphan], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover unsaved work")
        self.recovered: ProjectDocument | None = None
        self._rows: dict[Path, QFrame] = {}
        layout = QVBoxLayout(self)
        intro = QLabel("AI Product Planner did not close normally last time. This work was not "
                       "saved to its file; choose what to do with it. Later keeps it for the next start.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        for orphan in orphans:
            row = self._row(orphan)
            self._rows[orphan.working_path] = row
            layout.addWidget(row)
        buttons = QDialogButtonBox()
        later = buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        later.clicked.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(620, self.sizeHint().height())

    def _row(self, orphan: Orphan) -> QFrame:
        row = QFrame()
        row.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(row)
        title = QLabel(orphan.title)
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setStyleSheet("font-weight: 600;")
        details = QLabel(describe(orphan))
        details.setTextFormat(Qt.TextFormat.PlainText)
        details.setWordWrap(True)
        grid.addWidget(title, 0, 0)
        grid.addWidget(details, 1, 0)
        grid.setColumnStretch(0, 1)
        for column, (text, slot, tip) in enumerate((
                ("Recover", self.recover, "Open this work in the window; Save writes it to its file"),
                ("Save As…", self.save_as, "Write this work to a file of your choice"),
                ("Discard", self.discard, "Delete this unsaved work"))):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(self._bound(slot, orphan))
            grid.addWidget(button, 0, column + 1, 2, 1)
        return row

    @staticmethod
    def _bound(slot: Callable[[Orphan], object], orphan: Orphan) -> Callable[[], object]:
        return lambda: slot(orphan)

    def buttons_for(self, orphan: Orphan) -> dict[str, QPushButton]:
        row = self._rows[orphan.working_path]
        return {b.text(): b for b in row.findChildren(QPushButton)}

    def _done_with(self, orphan: Orphan) -> None:
        row = self._rows.pop(orphan.working_path)
        row.hide()
        row.deleteLater()
        if not self._rows:
            self.accept()

    def recover(self, orphan: Orphan) -> None:
        try:
            self.recovered = recovery.recover(orphan)
        except ProjectFileError as exc:
            dialogs.show_error(self, str(exc))
            return
        self.accept()

    def save_as(self, orphan: Orphan) -> None:
        suggested = str(orphan.source or Path.home() / f"{orphan.title}.aiplan")
        path = dialogs.ask_save_path(self, suggested)
        if path is None:
            return
        try:
            document = recovery.recover(orphan)
        except ProjectFileError as exc:
            dialogs.show_error(self, str(exc))
            return
        try:
            document.save_as(path)
        except SaveConflictError as exc:  # saved, beside the file that changed meanwhile
            dialogs.show_info(self, "Saved as a conflict copy", str(exc))
        except ProjectFileError as exc:
            dialogs.show_error(self, str(exc))
            document.close(keep_working_copy=True)  # offered again, now or at the next start
            return
        document.close()
        self._done_with(orphan)

    def discard(self, orphan: Orphan) -> None:
        if not dialogs.ask_confirm(self, "Discard unsaved work",
                                   f"Delete the unsaved work on “{orphan.title}”? This cannot be undone.",
                                   "Discard"):
            return
        recovery.discard(orphan)
        self._done_with(orphan)


def run_dialog(dialog: RecoveryDialog) -> int:
    """The modal loop (tests replace this)."""
    return dialog.exec()


def offer_recovery(parent: QWidget) -> ProjectDocument | None:
    """Offer every orphaned working copy; the document the user chose to recover, if any."""
    orphans = recovery.find_orphans()
    if not orphans:
        return None
    dialog = RecoveryDialog(orphans, parent)
    run_dialog(dialog)
    return dialog.recovered
