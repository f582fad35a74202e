"""The main window shows the open project (offscreen, real widgets)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.document import ProjectDocument
from app.gui import open_document
from views.main_window import MainWindow


def test_window_shows_name_file_and_counts(qtbot: QtBot, sample_file: Path,
                                           sample_json: dict) -> None:
    with ProjectDocument.open(sample_file) as doc:
        window = MainWindow(doc)
        qtbot.addWidget(window)
        window.show()
        title = window.windowTitle()
        assert sample_json["project"]["name"] in title and "plan.aiplan" in title
        text = window.summary.text()
        assert f"{len(sample_json['opportunities'])} opportunities" in text
        assert f"{len(sample_json['decisions'])} decisions" in text


def test_no_file_opens_an_unsaved_copy_of_the_sample(qtbot: QtBot, sample_json: dict) -> None:
    doc = open_document(None)
    try:
        window = MainWindow(doc)
        qtbot.addWidget(window)
        assert doc.path is None
        assert window.windowTitle().startswith(sample_json["project"]["name"])
        assert "Untitled*" in window.windowTitle()
    finally:
        doc.close()


def test_a_json_file_opens_as_an_unsaved_project(qtbot: QtBot, tmp_path: Path,
                                                 sample_json: dict) -> None:
    import json

    source = tmp_path / "shared.json"
    source.write_text(json.dumps(sample_json), encoding="utf-8")
    doc = open_document(source)
    try:
        assert doc.path is None and doc.to_json() == sample_json
    finally:
        doc.close()
