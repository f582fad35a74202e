"""``aiplan export``: the files a PM sends, written from one calculation, with plain errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pypdf import PdfReader

from tests.app.test_cli import _one_line_error, aiplan


def test_export_writes_the_memo(sample_file: Path, tmp_path: Path, sample_json: dict[str, Any]) -> None:
    memo = tmp_path / "memo.pdf"
    result = aiplan("export", sample_file, "--memo", memo)
    assert result.returncode == 0, result.stderr
    assert f"Wrote {memo}" in result.stdout
    text = "".join(page.extract_text() for page in PdfReader(memo).pages)
    assert sample_json["project"]["name"] in text


def test_export_needs_an_output_and_a_known_deck_format(sample_file: Path, tmp_path: Path) -> None:
    assert "Say which export" in _one_line_error(aiplan("export", sample_file))
    line = _one_line_error(aiplan("export", sample_file, "--deck", tmp_path / "deck.key"))
    assert "a deck is written as .pdf or .pptx" in line
    assert not (tmp_path / "deck.key").exists()
