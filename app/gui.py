"""The GUI entry point: the only place ``app`` imports Qt widgets and ``views``."""

from __future__ import annotations

import sys
from pathlib import Path

from app import interchange
from app.document import ProjectDocument
from app.errors import ProjectFileError

APPLICATION_NAME = "AI Product Planner"


def open_document(path: Path | None) -> ProjectDocument:
    """The document to show: the file given, a JSON file imported, or the sample."""
    if path is None:
        return ProjectDocument.sample()
    if path.suffix.lower() == ".json":
        return ProjectDocument.from_data(interchange.read_json(path), path)
    return ProjectDocument.open(path)


def run_gui(path: Path | None) -> int:
    from PySide6.QtWidgets import QApplication, QMessageBox

    from views.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APPLICATION_NAME)
    app.setOrganizationName("AI Product Planner")
    try:
        document = open_document(path)
    except ProjectFileError as exc:
        print(f"aiplan: {exc}", file=sys.stderr)
        QMessageBox.critical(None, APPLICATION_NAME, str(exc))
        return 2
    window = MainWindow(document)
    window.show()
    try:
        return app.exec()
    finally:
        document.close()
