"""--force: an export replaces an existing file only when told, says what it replaced, and still
never replaces a project, its own input or a locked file."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.app.test_cli import _one_line_error, aiplan
from tests.app.test_write_guards import _lock_by_dana


def test_force_replaces_an_existing_export_and_says_what_it_was(sample_file: Path, tmp_path: Path) -> None:
    deck = tmp_path / "deck.pptx"
    deck.write_bytes(b"PK\x03\x04 last quarter's deck")
    deck.chmod(0o640)
    result = aiplan("export", sample_file, "--deck", deck, "--force")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Wrote {deck} (it replaced a ZIP archive or an Office document)\n"
    assert deck.read_bytes() != b"PK\x03\x04 last quarter's deck" and deck.stat().st_mode & 0o777 == 0o640
    out = tmp_path / "plan.json"
    out.write_text("notes", encoding="utf-8")
    result = aiplan("export-json", sample_file, out, "--force")
    assert result.returncode == 0 and result.stdout == f"Wrote {out} (it replaced a text file)\n"
    assert out.read_text(encoding="utf-8").startswith("{")


def test_force_never_replaces_a_project_its_input_or_a_locked_file(sample_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "old.pdf"
    shutil.copyfile(sample_file, other)
    shared = tmp_path / "shared.xlsx"
    shared.write_bytes(b"PK\x03\x04 a colleague's workbook")
    _lock_by_dana(shared)
    before = {p: p.read_bytes() for p in (sample_file, other, shared)}
    for args, words in (
            (("export", sample_file, "--xlsx", sample_file.with_suffix(".aiplan")),
             "the project being exported"),
            (("export", sample_file, "--memo", other), "is an AI Product Planner project"),
            (("export", sample_file, "--xlsx", shared), "is open for editing by dana"),
            (("export-json", sample_file, sample_file), "the project being exported")):
        assert words in _one_line_error(aiplan(*args, "--force"))
    assert {p: p.read_bytes() for p in before} == before
