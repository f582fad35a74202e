"""Read-only mode for a workspace: fields show their values but take no typing, and the
buttons and pickers that change the plan are disabled. Reading, selecting, scrolling and
the charts keep working. (The controller refuses edits too; this is what the user sees.)

Leaving read-only mode (after Save As) builds the workspaces afresh rather than undoing this.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

#: Set to True on a button that only shows something (a chart, a help text): it stays enabled.
SAFE = "safeWhenReadOnly"


def make_read_only(root: QWidget) -> None:
    """Make every editing control under ``root`` read-only."""
    for widget in root.findChildren(QWidget):
        if isinstance(widget, (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractSpinBox)):
            widget.setReadOnly(True)
        elif isinstance(widget, QAbstractItemView):
            widget.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        elif isinstance(widget, (QAbstractButton, QComboBox)) and not widget.property(SAFE):
            widget.setEnabled(False)
