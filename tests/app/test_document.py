"""Create, edit, save, reopen: the open document and its working copy (docs/architecture.md 4)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from app.document import ProjectDocument
from app.errors import ProjectSaveError
from models.estimate import Estimate
from models.schema import APPLICATION_ID, SCHEMA_VERSION, Opportunity, Project


def test_create_edit_save_reopen(tmp_path: Path) -> None:
    path = tmp_path / "plan.aiplan"
    with ProjectDocument.new("Q3 AI bets") as doc:
        assert doc.path is None and not doc.modified
        with doc.edit() as session:
            session.add(Opportunity(
                id="opp-1", name="Support copilot",
                adoption_target=Estimate(0.3, 0.2, 0.45, "pert"),
                adoption_target_note="Pilot with 12 agents",
                eligible_users=Estimate(420),
            ))
        assert doc.modified
        doc.save_as(path)
        assert not doc.modified and doc.path == path.absolute()

    with ProjectDocument.open(path) as doc:
        with doc.session() as session:
            opp = session.execute(select(Opportunity)).scalar_one()
            assert opp.name == "Support copilot"
            assert opp.adoption_target == Estimate(0.3, 0.2, 0.45, "pert")
            assert opp.adoption_target_note == "Pilot with 12 agents"
            assert opp.eligible_users == Estimate(420.0)
        assert doc.project().name == "Q3 AI bets"
        with doc.edit() as session:
            session.get(Opportunity, "opp-1").name = "Agent assist"  # type: ignore[union-attr]
        doc.save()

    with ProjectDocument.open(path) as doc:
        assert doc.to_json()["opportunities"][0]["name"] == "Agent assist"


def test_every_edit_reaches_the_working_copy_at_once(tmp_path: Path) -> None:
    with ProjectDocument.new() as doc:
        with doc.edit() as session:
            session.get(Project, 1).name = "Committed"  # type: ignore[union-attr]
        # Another connection (as after a crash) sees the edit without any save.
        other = sqlite3.connect(doc.working_path)
        assert other.execute("SELECT name FROM project").fetchone() == ("Committed",)
        other.close()


def test_saved_file_is_a_plain_rollback_journal_file_with_no_side_files(
    tmp_path: Path,
) -> None:
    path = tmp_path / "plan.aiplan"
    with ProjectDocument.new() as doc:
        doc.save_as(path)
    data = path.read_bytes()
    assert data[18:20] == b"\x01\x01"  # rollback journal, not WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.aiplan"]
    con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert con.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    con.close()


def test_opening_never_touches_the_file(sample_file: Path) -> None:
    before = sample_file.read_bytes()
    mtime = sample_file.stat().st_mtime_ns
    with ProjectDocument.open(sample_file) as doc:
        with doc.edit() as session:
            session.get(Project, 1).name = "Changed in the working copy"  # type: ignore[union-attr]
    assert sample_file.read_bytes() == before
    assert sample_file.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in sample_file.parent.iterdir()) == [sample_file.name]


def test_close_removes_the_working_copy(data_dir: Path) -> None:
    doc = ProjectDocument.new()
    assert doc.working_path.exists()
    doc.close()
    assert not doc.working_path.exists()
    assert list((data_dir / "working").iterdir()) == []


def test_save_without_a_name_asks_for_save_as() -> None:
    with ProjectDocument.new() as doc, pytest.raises(ProjectSaveError, match="Save As"):
        doc.save()


def test_save_into_a_missing_folder_is_refused_plainly(tmp_path: Path) -> None:
    with ProjectDocument.new() as doc:
        with pytest.raises(ProjectSaveError) as caught:
            doc.save_as(tmp_path / "no such folder" / "plan.aiplan")
        assert "the folder does not exist" in str(caught.value)
        assert "unchanged" in str(caught.value)


def test_sample_opens_as_an_unsaved_copy(sample_json: dict) -> None:
    with ProjectDocument.sample() as doc:
        assert doc.path is None
        assert doc.to_json() == sample_json
