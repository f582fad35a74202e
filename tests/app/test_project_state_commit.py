"""An edit the working copy cannot take (disk full, read-only, I/O error) changes nothing."""

from __future__ import annotations

import contextlib
import copy
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app.document import ProjectDocument
from app.errors import DataFolderError
from app.interchange import dumps
from app.project_state import ProjectState

REASONS = {
    sqlite3.SQLITE_FULL: ("database or disk is full", "the disk is full"),
    sqlite3.SQLITE_READONLY: ("attempt to write a readonly database", "the disk or folder is read-only"),
    sqlite3.SQLITE_IOERR: ("disk I/O error", "the disk reported an input/output error"),
}


@contextlib.contextmanager
def failing_commits(document: ProjectDocument, code: int) -> Iterator[None]:
    """Every commit on the working copy's engine fails as SQLite reports ``code``."""

    def refuse(_connection: Any) -> None:
        error = sqlite3.OperationalError(REASONS[code][0])
        error.sqlite_errorcode = code
        raise error

    event.listen(document.engine, "commit", refuse)
    try:
        yield
    finally:
        event.remove(document.engine, "commit", refuse)


def stored(document: ProjectDocument) -> str:
    """The project as the working copy holds it, read by a fresh session."""
    with document.session() as session:
        from app.interchange import export_project

        return dumps(export_project(session))


def first_opportunity(state: ProjectState) -> str:
    return str(state.data["opportunities"][0]["id"])


@pytest.mark.parametrize("code", sorted(REASONS))
def test_a_failed_commit_leaves_the_project_in_memory_as_stored(sample: dict[str, Any], code: int) -> None:
    with ProjectDocument.from_data(sample) as document:
        state = ProjectState(document)
        opp = first_opportunity(state)
        before = state.export_json()
        with failing_commits(document, code), pytest.raises(DataFolderError) as caught:
            state.set_value("opportunity", opp, "eligible_users", 123456)
        assert REASONS[code][1] in caught.value.sentence()
        assert state.export_json() == before == stored(document)
        assert state.value("opportunity", opp, "eligible_users") != 123456


@pytest.mark.parametrize("code", sorted(REASONS))
def test_the_window_says_why_and_keeps_no_undo_step(qtbot: Any, monkeypatch: pytest.MonkeyPatch,
                                                    sample: dict[str, Any], code: int) -> None:
    from views import dialogs
    from views.controller import ProjectController

    shown: list[str] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, text: shown.append(text))
    document = ProjectDocument.from_data(sample)
    controller = ProjectController(ProjectState(document))
    try:
        opp = first_opportunity(controller.state)
        results = copy.deepcopy(controller.results.opportunities[0].npv)  # type: ignore[union-attr]
        before = controller.state.export_json()
        with failing_commits(document, code):
            assert controller.set_value("opportunity", opp, "eligible_users", 123456) is False
        assert controller.undo_stack.count() == 0
        assert controller.state.export_json() == before == stored(document)
        assert controller.results.opportunities[0].npv == results  # type: ignore[union-attr]
        assert len(shown) == 1 and REASONS[code][1] in shown[0]
        assert shown[0].count(". ") <= 2 and "Traceback" not in shown[0]
        # The disk is back: the same edit is stored and undone as one step.
        assert controller.set_value("opportunity", opp, "eligible_users", 123456) is True
        assert controller.undo_stack.count() == 1
        assert controller.state.export_json() == stored(document) != before
        controller.undo_stack.undo()
        assert controller.state.export_json() == stored(document) == before
    finally:
        controller.shutdown()
        document.close()


def test_an_undo_the_disk_refuses_stays_to_be_undone(qtbot: Any, monkeypatch: pytest.MonkeyPatch,
                                                     sample: dict[str, Any]) -> None:
    from views import dialogs
    from views.controller import ProjectController

    shown: list[str] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, text: shown.append(text))
    document = ProjectDocument.from_data(sample)
    controller = ProjectController(ProjectState(document))
    try:
        opp = first_opportunity(controller.state)
        controller.set_value("opportunity", opp, "eligible_users", 123456)
        after = controller.state.export_json()
        with failing_commits(document, sqlite3.SQLITE_FULL):
            controller.undo_stack.undo()
            qtbot.waitUntil(lambda: controller.undo_stack.index() == 1)
        assert controller.state.export_json() == after == stored(document)
        assert len(shown) == 1 and "the disk is full" in shown[0]
        controller.undo_stack.undo()  # the disk has room again
        assert controller.state.value("opportunity", opp, "eligible_users") != 123456
        assert controller.state.export_json() == stored(document)
    finally:
        controller.shutdown()
        document.close()


def test_a_really_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: dict[str, Any]) -> None:
    """A small file system filled to the last byte under the working copy (root only)."""
    data = tmp_path / "data"
    data.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(data)],
                      capture_output=True).returncode != 0:
        pytest.skip("a small file system cannot be mounted here")
    try:
        monkeypatch.setenv("AIPLAN_DATA_DIR", str(data))
        with ProjectDocument.from_data(sample) as document:
            state = ProjectState(document)
            opp = first_opportunity(state)
            before = state.export_json()
            fd = os.open(data / "filler", os.O_WRONLY | os.O_CREAT)
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * 4096)
            os.close(fd)
            with pytest.raises(DataFolderError) as caught:
                state.set_value("opportunity", opp, "description", "x" * 200_000)
            assert "the disk is full" in caught.value.sentence()
            assert state.export_json() == before
            (data / "filler").unlink()
            assert stored(document) == before
    finally:
        subprocess.run(["umount", str(data)], check=True)


def test_a_removal_the_disk_refuses_is_said_and_is_no_undo_step(qtbot: Any, monkeypatch: pytest.MonkeyPatch,
                                                                sample: dict[str, Any]) -> None:
    from app import unit_model_edits
    from views import dialogs
    from views.controller import ProjectController

    shown: list[str] = []
    monkeypatch.setattr(dialogs, "show_error", lambda _parent, text: shown.append(text))
    document = ProjectDocument.from_data(sample)
    controller = ProjectController(ProjectState(document))
    try:
        data = controller.state.data
        unit = next(o["unit_model_id"] for o in data["opportunities"] if o.get("unit_model_id"))
        before = controller.state.export_json()
        with failing_commits(document, sqlite3.SQLITE_READONLY):
            done = controller.edit_structure(unit_model_edits.remove_unit_model(data, unit), "Remove")
        assert done is False and controller.undo_stack.count() == 0
        assert controller.state.export_json() == before == stored(document)
        assert len(shown) == 1 and "the disk or folder is read-only" in shown[0]
    finally:
        controller.shutdown()
        document.close()
