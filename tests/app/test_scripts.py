"""Names in any script: CJK, Arabic and emoji reach the memo, the deck and the charts in fonts
that have them, and a character no font has costs one warning line, not one per glyph."""

from __future__ import annotations

import copy
import json
import logging
import re
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn
from pypdf import PdfReader

from app import fonts
from tests.app.test_cli import aiplan

CJK, ARABIC, EMOJI = "客服助手", "مساعد الدعم", "🚀 Launch"
#: Private-use characters of plane 15: no font on any system draws them.
NO_FONT = "\U000f0001\U000f0002\U000f0003"


def _plan(folder: Path, sample: dict[str, Any], names: list[str]) -> Path:
    data = copy.deepcopy(sample)
    for opportunity, name in zip(data["opportunities"], names, strict=False):
        opportunity["name"] = name
    source = folder / "plan.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    target = folder / "plan.aiplan"
    assert aiplan("import-json", source, target).returncode == 0
    return target


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory,
             sample_json: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The scripts plan exported once through the command line: memo and PDF deck, then PPTX deck."""
    folder = tmp_path_factory.mktemp("scripts")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIPLAN_DATA_DIR", str(folder / "appdata"))
        plan = _plan(folder, sample_json, [CJK, ARABIC, EMOJI])
        memo, deck, pptx = folder / "memo.pdf", folder / "deck.pdf", folder / "deck.pptx"
        pdfs = aiplan("export", plan, "--memo", memo, "--deck", deck, process=True)
        slides = aiplan("export", plan, "--deck", pptx, process=True)
    yield {"memo": memo, "deck": deck, "pptx": pptx, "pdfs": pdfs, "slides": slides}


def _runs(pdf: Path) -> list[tuple[str, str]]:
    """Every piece of text pypdf reads from the PDF with the font resource it is drawn in."""
    pieces: list[tuple[str, str]] = []
    for page in PdfReader(pdf).pages:
        def visit(text: str, _cm: Any, _tm: Any, font: Any, _size: Any) -> None:
            if text.strip() and font is not None:
                # "AAAAAA+WenQuanYiZenHei-0": the subset tag and reportlab's subset number removed.
                name = str(font.get("/BaseFont", "")).lstrip("/").split("+")[-1]
                pieces.append((text, re.sub(r"-\d+$", "", name)))

        page.extract_text(visitor_text=visit)
    return pieces


def _font_files() -> dict[str, fonts.Face]:
    """The faces the PDF writers can name, by the name they register them under."""
    faces = {face.pdf_name: face for face in fonts.chain(pdf=True)}
    faces["DejaVuSans"] = faces["DejaVuSans-Bold"] = fonts.BASE
    return faces


@pytest.mark.parametrize("kind", ["memo", "deck"])
def test_names_in_any_script_reach_the_text_layer_in_a_font_that_has_them(exported: dict[str, Any],
                                                                           kind: str) -> None:
    assert exported["pdfs"].returncode == 0, exported["pdfs"].stderr
    text = "".join(page.extract_text() for page in PdfReader(exported[kind]).pages)
    assert CJK in text and EMOJI in text
    # Arabic is drawn shaped: the text layer holds the joined letters (presentation forms), in
    # drawing order, which pypdf reads back right to left; folded (NFKC) they are the name as typed.
    assert "ﻣﺴﺎﻋﺪ ﺍﻟﺪﻋﻢ" in text
    assert ARABIC in unicodedata.normalize("NFKC", text)

    faces = _font_files()
    wanted = {ch for ch in CJK + ARABIC + "🚀"} - {" "}
    drawn: dict[str, str] = {}
    for piece, font in _runs(exported[kind]):
        for ch in unicodedata.normalize("NFKC", piece):
            if ch in wanted:
                drawn[ch] = font
    assert set(drawn) == wanted, f"not found in the text layer: {wanted - set(drawn)}"
    for ch, font in drawn.items():
        base = re.sub(r"-(Bold|Oblique|BoldOblique)$", "", font)
        face = faces.get(font) or faces.get(base)
        assert face is not None, f"{ch!r} is drawn in {font}, which is not a font of the chain"
        # The shaped form of an Arabic letter is what the font must have.
        shaped = [c for piece, f in _runs(exported[kind]) if f == font for c in piece
                  if unicodedata.normalize("NFKC", c) == ch]
        assert all(ord(c) in fonts.coverage(face) for c in shaped), f"{font} lacks {ch!r}"
    assert drawn["客"] != "DejaVuSans" and drawn["🚀"] != "DejaVuSans"


def test_an_export_of_these_names_prints_no_warning(exported: dict[str, Any]) -> None:
    for result in (exported["pdfs"], exported["slides"]):
        assert result.returncode == 0, result.stderr
        assert _warnings(result.stderr) == []


def test_the_powerpoint_deck_names_fonts_for_cjk_and_arabic(exported: dict[str, Any]) -> None:
    deck = Presentation(str(exported["pptx"]))
    east_asian, arabic_paragraphs = set(), 0
    for slide in deck.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
            for frame in frames:
                for paragraph in frame.paragraphs:
                    for run in paragraph.runs:
                        r_pr = run._r.find(qn("a:rPr"))
                        if CJK in run.text:
                            east_asian.add(r_pr.find(qn("a:ea")).get("typeface"))
                        if ARABIC in run.text:
                            assert r_pr.find(qn("a:cs")) is not None
                    if paragraph.text == ARABIC:  # a cell with the name alone reads right to left
                        assert paragraph._p.pPr.get("rtl") == "1"
                        arabic_paragraphs += 1
                    elif ARABIC in paragraph.text:  # an English sentence naming it stays left to right
                        assert paragraph._p.pPr is None or paragraph._p.pPr.get("rtl") != "1"
    assert arabic_paragraphs
    families = {face.family: face for face in fonts.chain(pdf=False)}
    assert east_asian and all(ord("客") in fonts.coverage(families[f]) for f in east_asian)


def test_charts_draw_these_names_with_no_missing_glyph(sample_json: dict[str, Any], tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from app import charts
    from models.engine import calculate
    from models.plan import plan_from_json

    data = copy.deepcopy(sample_json)
    for opportunity, name in zip(data["opportunities"], [CJK, ARABIC, EMOJI], strict=False):
        opportunity["name"] = name
    results = calculate(plan_from_json(data))
    currency = results.plan.settings.currency
    figures = [charts.bubble_value_vs_cost(results.plan, results),
               *(charts.tornado(r, results.plan, currency) for r in results.opportunities[:3])]
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        for fig in figures:
            FigureCanvasAgg(fig).print_png(tmp_path / "chart.png")
    assert [str(w.message) for w in caught] == []
    assert [r.getMessage() for r in caplog.records if r.name.startswith("matplotlib")] == []


def test_characters_no_font_has_give_one_warning_line_per_export(tmp_path: Path,
                                                                 sample_json: dict[str, Any]) -> None:
    plan = _plan(tmp_path, sample_json, [f"Lab {NO_FONT}", f"{CJK} {NO_FONT[0]}"])
    result = aiplan("export", plan, "--memo", tmp_path / "memo.pdf", "--deck", tmp_path / "deck.pdf",
                    process=True)
    assert result.returncode == 0, result.stderr
    lines = _warnings(result.stderr)
    assert len(lines) == 2, result.stderr  # one for the memo, one for the deck
    for line in lines:
        assert line.startswith("aiplan: warning: 3 characters have no font on this system "
                               "and print as boxes: ")
        assert all(f"U+{ord(ch):04X}" in line for ch in NO_FONT)
