"""Crafted files cannot make opening take unbounded time or memory, and side files stop it."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from app import errors, interchange, paths, projectfile
from app.document import ProjectDocument
from models.schema import SCHEMA_VERSION


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(path: Path, expected: type[errors.ProjectFileError]) -> str:
    """Open ``path``: refused with ``expected`` as one sentence; the file and folders clean."""
    before = _digest(path) if path.is_file() else None
    neighbours = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(errors.ProjectFileError) as caught:
        ProjectDocument.open(path)
    assert type(caught.value) is expected, str(caught.value)
    message = str(caught.value)
    assert message.endswith(".") and "\n" not in message and path.name in message
    if before is not None:
        assert _digest(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == neighbours
    assert list(paths.working_dir().iterdir()) == []
    return message


def _edit(path: Path, *statements: str, writable_schema: bool = False,
          restamp: bool = False) -> None:
    """Change a file as another program could; ``restamp`` forges the content checksum."""
    con = sqlite3.connect(path, isolation_level=None)
    if writable_schema:
        con.execute("PRAGMA writable_schema = ON")
    for statement in statements:
        con.execute(statement)
    if restamp:
        con.execute("UPDATE project SET content_digest = ?", (projectfile.content_digest(con),))
    con.close()


# --- size ------------------------------------------------------------------------------


def test_a_file_larger_than_the_cap_is_refused_before_it_is_read(sample_file: Path) -> None:
    # Sparse: 600 MB on paper, the sample's bytes on disk.
    with sample_file.open("r+b") as f:
        f.truncate(600 * 1024 * 1024)
    started = time.perf_counter()
    with pytest.raises(errors.OversizedProjectFileError) as caught:
        ProjectDocument.open(sample_file)
    assert time.perf_counter() - started < 1
    assert str(caught.value) == (
        "“plan.aiplan” was not opened because it is 600 MB; a project never needs that much. "
        "It may be damaged or crafted; ask the sender for a JSON export.")
    assert sample_file.stat().st_size == 600 * 1024 * 1024
    assert list(paths.working_dir().iterdir()) == []


def test_a_100_mb_value_is_refused(sample_file: Path) -> None:
    _edit(sample_file, "UPDATE memo_sections SET body = CAST(zeroblob(100000000) AS TEXT) "
                       "WHERE id = (SELECT min(id) FROM memo_sections)")
    assert sample_file.stat().st_size > 100_000_000
    message = _refused(sample_file, errors.OversizedProjectFileError)
    assert "a value larger than 16 MB" in message


def test_a_large_note_within_the_bound_opens(sample: dict, tmp_path: Path) -> None:
    sample["memo"][0]["body"] = "Long minutes. " * 200_000  # 2.8 MB of text
    path = tmp_path / "long.aiplan"
    with ProjectDocument.from_data(sample) as doc:
        doc.save_as(path)
    with ProjectDocument.open(path) as doc:
        assert doc.to_json()["memo"][0]["body"] == sample["memo"][0]["body"]


def test_a_pipe_named_like_a_project_is_refused_without_waiting(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    path = tmp_path / "plan.aiplan"
    os.mkfifo(path)  # opening it for reading would wait for a writer forever
    with pytest.raises(errors.UnreadableProjectFileError, match="not a regular file"):
        ProjectDocument.open(path)


# --- time ------------------------------------------------------------------------------


def test_a_check_that_runs_past_the_budget_is_stopped(
        sample_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A crafted index on an expression that builds a 16 MB string for each of 24 rows:
    # integrity_check computes it row by row, for about five seconds unbounded.
    con = sqlite3.connect(sample_file, isolation_level=None)
    columns = [row[1] for row in con.execute("PRAGMA table_info(opportunities)")]
    for copy in (1, 2):
        picked = ", ".join(f"id || '-{copy}'" if c == "id" else f'"{c}"' for c in columns)
        con.execute(f"INSERT INTO opportunities SELECT {picked} FROM opportunities "
                    "WHERE id NOT LIKE '%-_'")
    con.close()
    _edit(sample_file,
          "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_opportunities_decision_id ON "
          "opportunities (length(replace(printf(''%.*c'', 8000000, id), substr(id, 1, 1), "
          "''yz'')))' WHERE name = 'ix_opportunities_decision_id'",
          writable_schema=True)
    monkeypatch.setattr(projectfile, "CHECK_SECONDS", 0.3)
    started = time.perf_counter()
    message = _refused(sample_file, errors.OversizedProjectFileError)
    assert time.perf_counter() - started < 2.5
    assert "checking it took longer than 0.3 seconds" in message


def test_the_budget_covers_every_check(
        sample_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With no time at all, even a sound file is refused: the clock is read during the checks.
    monkeypatch.setattr(projectfile, "CHECK_SECONDS", 0.0)
    monkeypatch.setattr(projectfile, "_PROGRESS_STEPS", 100)
    message = _refused(sample_file, errors.OversizedProjectFileError)
    assert "took longer than 0 seconds" in message


# --- schema ----------------------------------------------------------------------------


def test_a_deeply_nested_view_is_refused_quickly(sample_file: Path) -> None:
    nested = "SELECT " + "(" * 100_000 + "1" + ")" * 100_000
    _edit(sample_file,
          "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES "
          f"('view', 'deep', 'deep', 0, 'CREATE VIEW deep AS {nested}')",
          writable_schema=True)
    started = time.perf_counter()
    message = _refused(sample_file, errors.DamagedProjectFileError)
    assert time.perf_counter() - started < 5
    assert "deep" in message


def test_a_tower_of_views_is_refused_as_unexpected(sample_file: Path) -> None:
    views = ["CREATE VIEW v0 AS SELECT * FROM opportunities"]
    views += [f"CREATE VIEW v{n} AS SELECT * FROM v{n - 1} JOIN v{n - 1} USING (id)"
              for n in range(1, 40)]
    _edit(sample_file, *views)
    message = _refused(sample_file, errors.UnexpectedSchemaError)
    assert "view “v0”" in message and "37 more" in message


def test_a_generated_column_is_refused_as_unexpected(sample_file: Path) -> None:
    # PRAGMA table_info does not list generated columns; the check must see them anyway.
    _edit(sample_file, "ALTER TABLE opportunities ADD COLUMN shadow TEXT AS (upper(name))")
    message = _refused(sample_file, errors.UnexpectedSchemaError)
    assert "“opportunities.shadow”" in message


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        # A CHECK that rewrites megabytes on every write (and on every migrated row).
        ("PRIMARY KEY (id)", "CHECK (length(replace(printf('%.*c', 3000000, id), 'x', 'yz')) > 0), "
         "PRIMARY KEY (id)", "CHECK constraint on “decision_log”"),
        # A required value allowed to be missing.
        ("owner TEXT NOT NULL", "owner TEXT", "column definition “decision_log.owner”"),
        ("owner TEXT NOT NULL", "owner TEXT DEFAULT (hex(randomblob(1000000))) NOT NULL",
         "column definition “decision_log.owner”"),
    ],
)
def test_a_changed_table_definition_is_refused(
        sample_file: Path, old: str, new: str, named: str) -> None:
    _edit(sample_file,
          f"UPDATE sqlite_master SET sql = replace(sql, '{old}', '{new.replace(chr(39), chr(39) * 2)}') "
          "WHERE name = 'decision_log'", writable_schema=True)
    message = _refused(sample_file, errors.UnexpectedSchemaError)
    assert named in message


def test_an_index_changed_to_an_expression_is_refused(sample_file: Path) -> None:
    _edit(sample_file,
          "DROP INDEX ix_opportunities_decision_id",
          "CREATE INDEX ix_opportunities_decision_id ON opportunities (lower(decision_id))")
    message = _refused(sample_file, errors.UnexpectedSchemaError)
    assert "index definition “ix_opportunities_decision_id”" in message


# --- values (a crafted file can forge the checksum) -------------------------------------


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("UPDATE opportunities SET eligible_users_base = 'lots'",
         "opportunities.eligible_users_base holds something other than a number"),
        ("UPDATE routes SET share_base = 9e999", "routes.share_base holds something other than"),
        ("UPDATE opportunities SET name = X'00'", "opportunities.name holds something other than text"),
        ("UPDATE criteria SET higher_is_better = 7", "criteria.higher_is_better holds"),
    ],
)
def test_a_value_of_the_wrong_kind_is_refused(sample_file: Path, statement: str, named: str) -> None:
    _edit(sample_file, statement, restamp=True)
    message = _refused(sample_file, errors.DamagedProjectFileError)
    assert named in message


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("UPDATE opportunities SET decision_id = 'nowhere'", "opportunities.decision_id"),
        ("UPDATE routes SET unit_model_id = 'nowhere'", "routes.unit_model_id"),
        ("UPDATE decisions SET chosen_option_id = (SELECT id FROM options WHERE decision_id <> "
         "decisions.id LIMIT 1)", "decisions.chosen_option_id"),
    ],
)
def test_a_broken_link_is_refused(sample_file: Path, statement: str, named: str) -> None:
    _edit(sample_file, statement, restamp=True)
    message = _refused(sample_file, errors.DamagedProjectFileError)
    assert f"{named} links to something it does not hold" in message


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        ("UPDATE opportunities SET eligible_users_base = -5", "eligible_users: must be at least 0"),
        ("UPDATE opportunities SET adoption_target_dist = 'bogus'", "adoption_target.dist: must be one of"),
        ("UPDATE opportunities SET status = 'weird'", "status: must be one of"),
    ],
)
def test_a_forged_file_with_invalid_values_is_refused_at_open(sample_file: Path, statement: str,
                                                              named: str) -> None:
    """Well-typed values no import would accept, under a forged checksum: refused at the door,
    not left for a workspace to trip over."""
    _edit(sample_file, statement, restamp=True)
    message = _refused(sample_file, errors.InvalidProjectDataError)
    assert named in message


# --- side files ------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["-journal", "-wal"])
def test_a_side_file_stops_the_open(sample_file: Path, suffix: str) -> None:
    side = sample_file.with_name(sample_file.name + suffix)
    side.write_bytes(b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + b"\0" * 504)  # a journal's magic
    side_before = _digest(side)
    message = _refused(sample_file, errors.SideFilesError)
    assert f"“plan.aiplan{suffix}” beside it" in message and "Open Anyway" in message
    assert _digest(side) == side_before


def test_open_anyway_uses_the_file_as_it_is(sample_file: Path, tmp_path: Path) -> None:
    side = sample_file.with_name(sample_file.name + "-journal")
    side.write_bytes(b"\0" * 512)
    before = _digest(sample_file), _digest(side)
    with pytest.raises(errors.SideFilesError):
        projectfile.check_file(sample_file, tmp_path)
    assert projectfile.check_file(sample_file, tmp_path, allow_side_files=True) == SCHEMA_VERSION
    working = paths.working_dir() / "anyway.aiplan"
    assert projectfile.copy_checked(sample_file, working, allow_side_files=True) == SCHEMA_VERSION
    with ProjectDocument(working, sample_file) as doc:
        interchange.validate(doc.to_json())
    assert (_digest(sample_file), _digest(side)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.aiplan", "plan.aiplan-journal"]


# --- JSON imports ----------------------------------------------------------------------


def test_json_nested_100000_deep_is_refused_plainly(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text('{"format": "aiplan", "project": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(errors.InvalidProjectDataError) as caught:
        interchange.read_json(path)
    message = str(caught.value)
    assert message == ("“deep.json” is not a valid project: (file): its values are nested more "
                       "than 64 levels deep, and a project nests only a few.")


def test_json_brackets_inside_text_are_not_nesting(sample: dict, tmp_path: Path) -> None:
    sample["memo"][0]["body"] = "[[{" * 1000 + ' "quoted \\" text ' + "}]]" * 1000
    path = tmp_path / "plan.json"
    path.write_text(interchange.dumps(sample), encoding="utf-8")
    assert interchange.read_json(path) == sample


def test_json_larger_than_the_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(interchange.MAX_JSON_BYTES + 1)
    with pytest.raises(errors.InvalidProjectDataError, match="no project export is larger"):
        interchange.read_json(path)


def test_a_saved_copy_of_a_checked_file_opens_again(sample_file: Path, tmp_path: Path) -> None:
    # The bounds apply to the check after a save too; a sound project passes both.
    with ProjectDocument.open(sample_file) as doc:
        doc.save_as(tmp_path / "again.aiplan")
    shutil.copyfile(tmp_path / "again.aiplan", tmp_path / "third.aiplan")
    with ProjectDocument.open(tmp_path / "third.aiplan") as doc:
        interchange.validate(doc.to_json())
