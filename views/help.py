"""Help windows: how the numbers are computed, keyboard shortcuts, and About."""

from __future__ import annotations

from html import escape

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app import paths


class TextDialog(QDialog):
    """A non-modal window with one page of rich text or Markdown and a Close button."""

    def __init__(self, parent: QWidget | None, title: str, *, html: str = "", markdown: str = "",
                 size: tuple[int, int] = (640, 560)) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(*size)
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)  # nothing on these pages leaves the app
        if markdown:
            self.browser.setMarkdown(markdown)
        else:
            self.browser.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)

    def text(self) -> str:
        return self.browser.toPlainText()


def numbers_page(parent: QWidget | None) -> TextDialog:
    """How the numbers are computed (resources/help/numbers.md, the definitions the engine uses)."""
    text = (paths.resources_dir() / "help" / "numbers.md").read_text(encoding="utf-8")
    return TextDialog(parent, "How the numbers are computed", markdown=text, size=(720, 680))


def about_page(parent: QWidget | None) -> TextDialog:
    from app.about import about_html

    return TextDialog(parent, "About AI Product Planner", html=about_html(), size=(620, 600))


def shortcuts_page(parent: QWidget | None, actions: list[QAction], extra: list[str]) -> TextDialog:
    """Every menu action that has a shortcut, read from the actions themselves, then ``extra``."""
    rows = []
    for action in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        if keys:
            name = action.text().replace("&", "").rstrip("…")
            rows.append(f"<tr><td><b>{escape(' or '.join(keys))}</b></td><td>{escape(name)}</td></tr>")
    notes = "".join(f"<p>{escape(line)}</p>" for line in extra)
    html = f"<table cellspacing='0' cellpadding='3'>{''.join(rows)}</table>{notes}"
    return TextDialog(parent, "Keyboard shortcuts", html=html, size=(520, 560))
