"""The sample as the window first shows it: its data without a working copy, then the real
document once anything needs it, the same from then on."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from app.deferred import DeferredSample
from app.interchange import dumps
from app.project_state import ProjectState


def test_the_window_reads_the_sample_without_a_working_copy(sample_json: dict[str, Any]) -> None:
    deferred = DeferredSample()
    state = ProjectState(deferred)  # type: ignore[arg-type]
    assert not deferred.ready
    assert state.data == sample_json
    assert (deferred.path, deferred.read_only, deferred.modified, deferred.display_name) == (
        None, False, False, "Untitled")
    assert state.calculate().portfolio.total_enpv > 0  # results need no working copy either
    assert not deferred.ready


def test_the_first_change_makes_the_working_copy_and_is_stored(sample_json: dict[str, Any]) -> None:
    deferred = DeferredSample()
    state = ProjectState(deferred)  # type: ignore[arg-type]
    opportunity = sample_json["opportunities"][0]["id"]
    state.set_value("opportunity", opportunity, "eligible_users", 480)
    assert deferred.ready and deferred.modified
    assert "sqlalchemy" in sys.modules
    assert dumps(deferred.to_json()) == state.export_json()  # the file holds what the window shows
    deferred.close()


def test_save_as_writes_the_sample_and_the_document_then_has_its_path(tmp_path: Path,
                                                                      sample_json: dict[str, Any]) -> None:
    from app.document import ProjectDocument

    deferred = DeferredSample()
    ProjectState(deferred)  # type: ignore[arg-type]
    target = tmp_path / "mine.aiplan"
    deferred.save_as(target)
    assert deferred.path == target and deferred.display_name == "mine.aiplan"
    deferred.close()
    with ProjectDocument.open(target) as saved:
        assert saved.to_json() == sample_json
