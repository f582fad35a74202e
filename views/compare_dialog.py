"""Compare the open project with another plan file: what changed, and how the results moved."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.commands import load_project
from app.diff import NO_DIFFERENCES, PlanDiff, diff_plans
from app.errors import ProjectFileError
from views import dialogs

#: Indent of each level of a diff line, in pixels.
INDENT = 18
ADDED = "#1b7f3b"
REMOVED = "#b3261e"


def diff_html(diff: PlanDiff) -> str:
    """The diff as simple rich text: a heading per section, changes indented under their object.
    Every piece of the user's text is escaped, so a name like ``<b>`` shows as typed."""
    if diff.is_empty:
        return f"<p>{html.escape(NO_DIFFERENCES)}</p>"
    out = []
    for heading, lines in diff.blocks():
        out.append(f"<h3 style='margin: 12px 0 4px 0'>{html.escape(heading)}</h3>")
        for i, (depth, line) in enumerate(lines):
            style = f"margin: 0 0 2px {INDENT * (depth - 1)}px"
            if line.startswith("+ "):
                style += f"; color: {ADDED}"
            elif line.startswith("− "):
                style += f"; color: {REMOVED}"
            elif i + 1 < len(lines) and lines[i + 1][0] > depth:  # the name over its changes
                style += "; font-weight: 600"
            out.append(f"<p style='{style}'>{html.escape(line)}</p>")
    return "\n".join(out)


class CompareDialog(QDialog):
    """The changes from one version of a plan to another, with Swap, Copy and Close."""

    def __init__(self, old: dict[str, Any], old_name: str, new: dict[str, Any], new_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare plans")
        self.resize(760, 640)
        self.sides = [(old, old_name), (new, new_name)]
        self.diff: PlanDiff | None = None
        self._diffs: dict[int, PlanDiff] = {}  # by the first side: Swap back is instant

        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.PlainText)  # file and project names as typed
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setTextFormat(Qt.TextFormat.PlainText)
        self.subtitle.setWordWrap(True)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)  # nothing in a diff is a link to follow
        self.view.setReadOnly(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.swap_button = QPushButton("&Swap")
        self.swap_button.setToolTip("Compare the other way round: what changed from the second plan "
                                    "to the first")
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setToolTip("Copy the list of changes to the clipboard as plain text")
        buttons.addButton(self.swap_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.swap_button.clicked.connect(self.swap)
        self.copy_button.clicked.connect(self.copy)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.subtitle)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self.refresh()

    @property
    def old_name(self) -> str:
        return self.sides[0][1]

    @property
    def new_name(self) -> str:
        return self.sides[1][1]

    def refresh(self) -> None:
        (old, old_name), (new, new_name) = self.sides
        if id(old) not in self._diffs:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                self._diffs[id(old)] = diff_plans(old, new, old_label=old_name, new_label=new_name)
            finally:
                QApplication.restoreOverrideCursor()
        self.diff = self._diffs[id(old)]
        self.heading.setText(f"Changes from “{old_name}” to “{new_name}”")
        self.subtitle.setText(_subtitle(self.diff))
        self.view.setHtml(diff_html(self.diff))

    def swap(self) -> None:
        self.sides.reverse()
        self.refresh()

    def copy(self) -> None:
        assert self.diff is not None
        QGuiApplication.clipboard().setText(self.diff.text())


def _subtitle(diff: PlanDiff) -> str:
    if diff.is_empty:
        return "The two plans hold the same data."
    count = len(diff.changes)
    words = f"{count} change{'s' if count != 1 else ''} in the data"
    if diff.results_compared:
        moved = len(diff.results)
        words += (f"; {moved} result{'s' if moved != 1 else ''} moved" if moved
                  else "; no result moved")
    elif diff.results_reason:
        words += "; results could not be compared"
    return words + ". Results use base values (no Monte Carlo)."


def compare_with_file(parent: QWidget | None, current: dict[str, Any], current_name: str,
                      other: Path) -> CompareDialog | None:
    """Open a non-modal dialog with the changes from ``other`` (say, the version last reviewed)
    to the open project. A file that cannot be used gets its plain sentence and no dialog."""
    try:
        other_data = load_project(Path(other))
    except ProjectFileError as exc:
        dialogs.show_error(parent, str(exc))
        return None
    dialog = CompareDialog(other_data, Path(other).name, current, current_name, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog
