"""Files that are not sound projects are refused plainly and left exactly as they were."""

from __future__ import annotations

import os
import random
import sqlite3
import struct
from pathlib import Path

import pytest

from app import errors
from app.document import ProjectDocument
from models.schema import SCHEMA_VERSION

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\0" * 40


def _open_refused(path: Path, expected: type[errors.ProjectFileError]) -> str:
    """Open ``path``; it must fail with ``expected``, a plain sentence, and no change."""
    before = path.read_bytes() if path.is_file() else None
    with pytest.raises(errors.ProjectFileError) as caught:
        ProjectDocument.open(path)
    assert type(caught.value) is expected, str(caught.value)
    message = str(caught.value)
    assert message.endswith(".") and "Traceback" not in message and "\n" not in message
    assert path.name in message
    if before is not None:
        assert path.read_bytes() == before
    if path.exists():  # nothing was left beside it either
        assert [p.name for p in path.parent.iterdir()] == [path.name]
    return message


def _write(tmp_path: Path, data: bytes, name: str = "plan.aiplan") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_empty_file(tmp_path: Path) -> None:
    message = _open_refused(_write(tmp_path, b""), errors.EmptyProjectFileError)
    assert "empty" in message


def test_random_bytes(tmp_path: Path) -> None:
    data = random.Random(1).randbytes(8192)
    _open_refused(_write(tmp_path, data), errors.NotAProjectFileError)


def test_text_file(tmp_path: Path) -> None:
    message = _open_refused(_write(tmp_path, b"Q3 plan\nnotes\n"), errors.NotAProjectFileError)
    assert "text file" in message


def test_png_renamed(tmp_path: Path) -> None:
    message = _open_refused(_write(tmp_path, PNG), errors.NotAProjectFileError)
    assert "PNG image" in message


def test_json_export_given_as_a_project_points_to_import(tmp_path: Path) -> None:
    message = _open_refused(
        _write(tmp_path, b'{\n  "format": "aiplan",\n  "version": 2}'), errors.NotAProjectFileError
    )
    assert "Import JSON" in message


def test_foreign_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "plan.aiplan"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.execute("INSERT INTO contacts VALUES ('Ada')")
    con.commit()
    con.close()
    message = _open_refused(path, errors.ForeignDatabaseError)
    assert "another program" in message


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(errors.ProjectFileMissingError, match="There is no file"):
        ProjectDocument.open(tmp_path / "nowhere.aiplan")
    (tmp_path / "folder.aiplan").mkdir()
    with pytest.raises(errors.UnreadableProjectFileError, match="a folder"):
        ProjectDocument.open(tmp_path / "folder.aiplan")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(sample_file: Path) -> None:
    sample_file.chmod(0)
    try:
        _open_refused_no_read(sample_file)
    finally:
        sample_file.chmod(0o644)


def _open_refused_no_read(path: Path) -> None:
    with pytest.raises(errors.UnreadableProjectFileError, match="permission"):
        ProjectDocument.open(path)


@pytest.mark.parametrize("keep", [4, 15, 60, 99, 100, 1000, 4096, 5000, "half", "last-page"])
def test_truncated(sample_file: Path, keep: int | str) -> None:
    data = sample_file.read_bytes()
    page = struct.unpack(">H", data[16:18])[0]
    size = {"half": len(data) // 2 // page * page, "last-page": len(data) - page}.get(keep, keep)
    assert isinstance(size, int)
    sample_file.write_bytes(data[:size])
    _open_refused(sample_file, errors.DamagedProjectFileError)


def test_newer_version_is_refused_naming_both_versions(sample_file: Path) -> None:
    data = bytearray(sample_file.read_bytes())
    data[60:64] = struct.pack(">I", SCHEMA_VERSION + 5)
    sample_file.write_bytes(bytes(data))
    message = _open_refused(sample_file, errors.NewerVersionError)
    assert f"version {SCHEMA_VERSION + 5}" in message
    assert f"up to version {SCHEMA_VERSION}" in message


def test_newer_version_written_by_sqlite(sample_file: Path) -> None:
    con = sqlite3.connect(sample_file)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.execute("UPDATE alembic_version SET version_num = ?", (f"{SCHEMA_VERSION + 1:04d}",))
    con.execute("CREATE TABLE risks (id TEXT)")  # what a newer schema might add
    con.commit()
    con.close()
    _open_refused(sample_file, errors.NewerVersionError)


@pytest.mark.parametrize(
    ("ddl", "named"),
    [
        ("CREATE TRIGGER wipe AFTER INSERT ON opportunities BEGIN DELETE FROM memo_sections; END",
         "trigger “wipe”"),
        ("CREATE VIEW summary AS SELECT name FROM opportunities", "view “summary”"),
        ("CREATE TABLE payload (x BLOB)", "table “payload”"),
        ("CREATE INDEX ix_extra ON opportunities (name)", "index “ix_extra”"),
    ],
)
def test_extra_schema_objects_are_refused(sample_file: Path, ddl: str, named: str) -> None:
    con = sqlite3.connect(sample_file)
    con.execute(ddl)
    con.commit()
    con.close()
    message = _open_refused(sample_file, errors.UnexpectedSchemaError)
    assert named in message


def test_a_changed_value_is_caught_by_the_checksum(sample_file: Path) -> None:
    # A well-formed edit by another program, as a bit flip inside a number would be.
    con = sqlite3.connect(sample_file)
    con.execute("UPDATE opportunities SET eligible_users_base = eligible_users_base + 1")
    con.commit()
    con.close()
    message = _open_refused(sample_file, errors.DamagedProjectFileError)
    assert "checksum" in message


def _flip_positions(size: int, count: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    header = [8 * b + bit for b in (16, 18, 28, 56, 60, 63, 68, 71, 96) for bit in (0, 7)]
    return header + [rng.randrange(size * 8) for _ in range(count)]


def _check_flips(sample_file: Path, positions: list[int]) -> tuple[int, int]:
    original = sample_file.read_bytes()
    with ProjectDocument.open(sample_file) as doc:
        content = doc.to_json()
    refused = harmless = 0
    for bit in positions:
        data = bytearray(original)
        data[bit // 8] ^= 1 << (bit % 8)
        sample_file.write_bytes(bytes(data))
        try:
            with ProjectDocument.open(sample_file) as doc:
                # Opened: then the flip touched nothing the project holds.
                assert doc.to_json() == content, f"bit {bit} changed the content silently"
            harmless += 1
        except errors.ProjectFileError as exc:
            assert str(exc).endswith(".") and sample_file.name in str(exc)
            refused += 1
        assert sample_file.read_bytes() == bytes(data), f"bit {bit}: the file was changed"
    return refused, harmless


def test_single_bit_flips_are_refused_or_harmless(sample_file: Path) -> None:
    refused, harmless = _check_flips(sample_file, _flip_positions(
        sample_file.stat().st_size, 150, seed=7))
    assert refused > 0


@pytest.mark.slow
def test_single_bit_flips_many(sample_file: Path) -> None:
    _check_flips(sample_file, _flip_positions(sample_file.stat().st_size, 3000, seed=11))
