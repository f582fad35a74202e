"""The main window (a first, plain version: the project's name and what it holds)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from app.document import ProjectDocument


class MainWindow(QMainWindow):
    def __init__(self, document: ProjectDocument) -> None:
        super().__init__()
        self.document = document
        self.summary = QLabel()
        self.summary.setObjectName("summary")
        self.summary.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.summary)
        self.setCentralWidget(central)
        self.resize(960, 640)
        self.refresh()

    def refresh(self) -> None:
        data = self.document.to_json()
        name = data["project"]["name"] or "Untitled plan"
        mark = "*" if self.document.modified or self.document.path is None else ""
        self.setWindowTitle(f"{name} — {self.document.display_name}{mark} — AI Product Planner")
        self.summary.setText(
            f"{name}\n\n"
            f"{len(data['opportunities'])} opportunities · {len(data['decisions'])} decisions · "
            f"{len(data['unit_models'])} unit models · {len(data['memo'])} memo sections · "
            f"{len(data['decision_log'])} decision-log entries"
        )
