"""The deck: one slide model written as PPTX and PDF, read back with python-pptx and pypdf."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches
from pypdf import PdfReader

from app.exports.deck import Slide, build_slides, write_deck_pdf, write_deck_pptx
from app.interchange import sample_data
from models.engine import PlanResults, calculate
from models.plan import plan_from_json
from tests.app.recorder import recording_server

HOSTILE = '<b>x</b> & =HYPERLINK("http://evil")'


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with recording_server() as (port, requests):
        data = copy.deepcopy(sample_data())
        # The top opportunity by eNPV gets the hostile name, so it is in a title, a table and bullets.
        data["opportunities"][0]["name"] = HOSTILE
        fetch = (f'<img src="http://127.0.0.1:{port}/d.png"/> '
                 f'<a href="http://127.0.0.1:{port}/link">link</a>')
        data["decisions"][0]["name"] = fetch
        results: PlanResults = calculate(plan_from_json(data))
        slides = build_slides(data, results)
        folder = tmp_path_factory.mktemp("deck")
        pdf = write_deck_pdf(slides, folder / "deck.pdf", data)
        pptx = write_deck_pptx(slides, folder / "deck.pptx", data)
        yield {"data": data, "results": results, "slides": slides, "pdf": pdf, "pptx": pptx,
               "folder": folder, "fetch": fetch, "requests": requests}


def _flat(text: str) -> str:
    """Text extraction breaks lines where the layout wrapped; compare with whitespace collapsed."""
    return re.sub(r"\s+", " ", text).strip()


def test_slide_model_has_every_section(deck: dict[str, Any]) -> None:
    slides: list[Slide] = deck["slides"]
    results: PlanResults = deck["results"]
    assert slides[0].kind == "title" and slides[0].title == deck["data"]["project"]["name"]
    # The decision up front, its detail and the bridge next, then the portfolio.
    assert slides[1].title == "The decision: approve $890k to build 4 for $3.3M eNPV"
    assert slides[2].title.startswith("The ask") and slides[3].title.startswith("From $4.1M")
    # The sample's 8 opportunities are all within the memo's detailed set (the top 10 by eNPV).
    for o in results.opportunities:
        assert sum(s.title.startswith((f"{o.name} leads", f"{o.name} ranks")) for s in slides) == 1
    assert slides[5].title == f"{HOSTILE} leads: $1.7M eNPV, funded"
    # ... and last the scenarios side by side and what to learn before committing
    assert [s.title.split(":")[0] for s in slides[-2:]] == ["Scenarios", "What to learn before we commit"]
    # (after the unit economics, the launch readiness of the sample's gated opportunities)
    assert sum(s.title.startswith("Launch readiness") for s in slides) == 1
    assert len(slides) == 5 + 8 + len(results.plan.decisions) + 1 + 1 + 2
    assert all(s.title for s in slides)


def test_pptx_reads_back(deck: dict[str, Any]) -> None:
    prs = Presentation(str(deck["pptx"]))
    slides: list[Slide] = deck["slides"]
    assert len(prs.slides) == len(slides)
    assert prs.slide_width == Inches(13.333) and prs.slide_height == Inches(7.5)
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 1e-3
    titles = [page.shapes.title.text_frame.text for page in prs.slides]
    assert titles == [s.title for s in slides]
    assert prs.core_properties.title == deck["data"]["project"]["name"]
    assert prs.core_properties.author == deck["data"]["project"]["author"]
    texts = []
    for page in prs.slides:
        for shape in page.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
    assert any(HOSTILE in t for t in texts)
    assert HOSTILE in [t for t in texts if t.startswith(HOSTILE)][0]
    # Editable: bullets are paragraphs, tables native, cash flows PowerPoint's own charts (their
    # data editable in PowerPoint), the bubble map a picture, notes present.
    opportunity = prs.slides[5]
    native = [s.chart for s in opportunity.shapes if s.has_chart]
    assert [c.chart_type for c in native] == [XL_CHART_TYPE.LINE, XL_CHART_TYPE.COLUMN_STACKED]
    assert [s.name for s in native[1].plots[0].series] == ["Benefit", "Build cost", "Run cost",
                                                           "Per-task cost"]
    assert len(native[0].plots[0].categories) == 12 * deck["results"].plan.settings.horizon_years
    assert native[0]._chartSpace.xpath(".//c:tickLblSkip/@val") == ["6"]  # months 1, 7, 13, ...
    assert not any(s.shape_type == 13 for s in opportunity.shapes)  # 13 = picture
    assert any(s.shape_type == 13 for s in prs.slides[4].shapes)  # the bubble map
    bodies = [s for s in opportunity.shapes if s.has_text_frame and s != opportunity.shapes.title]
    assert max(len(b.text_frame.paragraphs) for b in bodies) == len(slides[5].bullets)
    assert any(s.has_table for s in prs.slides[1].shapes) and any(s.has_table for s in prs.slides[2].shapes)
    assert opportunity.notes_slide.notes_text_frame.text == slides[5].notes


def test_pdf_reads_back(deck: dict[str, Any]) -> None:
    reader = PdfReader(str(deck["pdf"]))
    slides: list[Slide] = deck["slides"]
    assert len(reader.pages) == len(slides)
    page = reader.pages[0].mediabox
    assert (float(page.width), float(page.height)) == pytest.approx((13.333 * 72, 7.5 * 72), abs=0.1)
    for number, (pdf_page, slide) in enumerate(zip(reader.pages, slides, strict=True), start=1):
        text = _flat(pdf_page.extract_text())
        assert _flat(slide.title) in text
        if slide.kind != "title":
            assert f"{number} / {len(slides)}" in text
    assert HOSTILE in _flat(reader.pages[5].extract_text())
    assert reader.metadata.title == deck["data"]["project"]["name"]
    assert reader.metadata.author == deck["data"]["project"]["author"]


def test_writes_are_atomic_and_accept_a_built_figure(tmp_path: Path) -> None:
    from app.charts import message_figure

    slides = [Slide(title="Only a figure\x07", bullets=["a & b", "<i>c</i>"], chart=message_figure("hi"),
                    notes="n")]
    data = {"project": {"name": "P & <Q>", "author": "Zoë"}}
    write_deck_pdf(slides, tmp_path / "d.pdf", data)
    write_deck_pptx(slides, tmp_path / "d.pptx", data)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.pdf", "d.pptx"]  # no temp files left
    prs = Presentation(str(tmp_path / "d.pptx"))
    assert prs.slides[0].shapes.title.text_frame.text == "Only a figure"  # bell stripped, XML-safe
    reader = PdfReader(str(tmp_path / "d.pdf"))
    assert "<i>c</i>" in reader.pages[0].extract_text()
    assert reader.metadata.title == "P & <Q>" and reader.metadata.author == "Zoë"


def test_markup_in_names_prints_literally_and_fetches_nothing(deck: dict[str, Any]) -> None:
    text = _flat(" ".join(page.extract_text() for page in PdfReader(str(deck["pdf"])).pages))
    assert deck["fetch"] in text
    assert deck["requests"] == []
    assert all("/Annots" not in page for page in PdfReader(str(deck["pdf"])).pages)


def test_pdf_charts_are_drawn(deck: dict[str, Any]) -> None:
    reader = PdfReader(str(deck["pdf"]))
    slides: list[Slide] = deck["slides"]
    for page, slide in zip(reader.pages, slides, strict=True):
        images = page.images
        assert len(images) == (slide.chart is not None)
        for image in images:
            low, high = image.image.convert("L").getextrema()
            assert low < 100 and high > 240


def test_a_tied_decision_reads_as_a_tie(tmp_path: Path) -> None:
    from tests.models.test_decision_ties import with_tied_decision

    # Without a budget nothing decides funding, so the tie is the message.
    data = with_tied_decision(copy.deepcopy(sample_data()))
    data["project"]["budget"] = None
    slides = build_slides(data, calculate(plan_from_json(data), samples=1000))
    (slide,) = [s for s in slides if s.title.startswith("Contract review engine")]
    assert slide.title == "Contract review engine: Build and Partner tie at 75.0 of 100"
    assert not any("recommend" in b.lower() for b in slide.bullets)
    assert slide.bullets[0] == ("Build and Partner tie at 75.0 of 100, a close call. Any change in the "
                                "weights breaks the tie: more weight on Quality favours Build; more weight "
                                "on Speed favours Partner. Until one is chosen, the plan uses Build, the "
                                "first entered.")
    assert slide.bullets[-1].startswith("Next: Buy (25 of 100")
    text = _flat("\n".join(p.extract_text() for p in PdfReader(write_deck_pdf(
        [slide], tmp_path / "deck.pdf", data)).pages))
    assert "Build and Partner tie at 75.0 of 100" in text and "breaks the tie" in text

    chosen = with_tied_decision(copy.deepcopy(sample_data()), chosen="opt-contract-partner")
    chosen["project"]["budget"] = None
    slides = build_slides(chosen, calculate(plan_from_json(chosen), samples=1000))
    (slide,) = [s for s in slides if s.title.startswith("Contract review engine")]
    assert slide.title == "Contract review engine: Partner (75 of 100)"
    assert slide.bullets[0].startswith(
        "We recommend Partner, the option chosen, which ties with Build at 75.0")

    # With the sample's budget the contract review is not funded: its tie is never "recommended".
    funded = with_tied_decision(copy.deepcopy(sample_data()), chosen="opt-contract-partner")
    slides = build_slides(funded, calculate(plan_from_json(funded), samples=1000))
    (slide,) = [s for s in slides if s.title.startswith("Contract review engine")]
    assert slide.title == "Contract review engine: not recommended now, as it is not funded"
    assert slide.bullets[0].startswith("Not recommended now: Contract review is not funded (negative eNPV")
    assert "We recommend" not in " ".join(slide.bullets)
