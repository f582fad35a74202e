"""Notices across the top of the window (sample plan, read-only, sync folder): text, buttons, close."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

#: Background and text colours per kind of notice.
COLOURS = {
    "info": ("#e8f1fb", "#12355b"),
    "warning": ("#fff4e5", "#7a4500"),
}


class MessageBar(QWidget):
    """A stack of notices, each with its own key so it can be replaced or removed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._rows: dict[str, QFrame] = {}
        self.hide()

    def show_message(self, key: str, text: str,
                     buttons: Sequence[tuple[str, Callable[[], object]]] = (),
                     kind: str = "info", closable: bool = True) -> None:
        """Show ``text`` (plain) with ``buttons``; a notice with the same key is replaced."""
        self.remove(key)
        background, ink = COLOURS[kind]
        row = QFrame()
        row.setObjectName(f"message-{key}")
        row.setStyleSheet(f"QFrame#message-{key} {{ background: {background}; "
                          f"border-bottom: 1px solid #d0d7de; }} QLabel {{ color: {ink}; }}")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(12, 6, 6, 6)
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setWordWrap(True)
        layout.addWidget(label, 1)
        for caption, slot in buttons:
            push = QPushButton(caption)
            push.clicked.connect(slot)
            layout.addWidget(push)
        if closable:
            close = QToolButton()
            close.setText("✕")
            close.setAutoRaise(True)
            close.setToolTip("Dismiss")
            close.clicked.connect(lambda: self.remove(key))
            layout.addWidget(close)
        self._rows[key] = row
        self._layout.addWidget(row)
        self.show()

    def remove(self, key: str) -> None:
        row = self._rows.pop(key, None)
        if row is not None:
            self._layout.removeWidget(row)
            row.deleteLater()
        self.setVisible(bool(self._rows))

    def keys(self) -> list[str]:
        return list(self._rows)

    def text(self, key: str) -> str:
        """The notice's text ("" when it is not shown)."""
        row = self._rows.get(key)
        label = row.findChild(QLabel) if row is not None else None
        return label.text() if label is not None else ""

    def buttons(self, key: str) -> dict[str, QPushButton]:
        row = self._rows.get(key)
        return {b.text(): b for b in row.findChildren(QPushButton)} if row is not None else {}
