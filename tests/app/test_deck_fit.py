"""The deck fits itself: every title, bullet, table and chart of every slide stays on the slide and
above the footer, for the sample, 60 opportunities, 18 funded ones and a 300-character name.

Text is measured here independently of the deck's own measure: with Pillow's FreeType metrics of
the DejaVu fonts the slides name, wrapped at spaces into each frame's width, at 1.2 lines per size.
"""

from __future__ import annotations

import copy
import datetime
import re
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from PIL import ImageFont
from pptx import Presentation
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu
from pypdf import PdfReader

from app import charts
from app.exports.deck import Slide, build_slides, write_deck_pdf, write_deck_pptx
from app.formatting import money
from app.interchange import sample_data
from models.engine import calculate
from models.plan import plan_from_json
from tests.benchmarks.plans import scaled_sample

SLIDE_W, SLIDE_H = 13.333 * 72, 7.5 * 72  # points
FOOTER_TOP = 7.0 * 72  # the footer line (project name, page number) starts here
LINE = 1.2  # DejaVu Sans' ascent + descent is 1.164 of its size; a little more for safety
LONG_NAME = ("Customer support copilot for every enterprise tier, grounded in the knowledge base, "
             "the ticket history and the product documentation, with citations, escalation to a "
             "human agent, redaction of personal data, multilingual replies and a weekly quality "
             "review by the support leads in each regional office")
LONG_DECISION = ("Should we build the contract review engine ourselves on model APIs with our own "
                 "playbook, partner with a legal AI platform, or buy a contract-review SaaS product "
                 "outright for the legal team's reviewers?")


def _plans() -> dict[str, dict[str, Any]]:
    funded = scaled_sample(24)
    funded["project"]["budget"] = 1e9  # every opportunity with a positive eNPV: 18 of them
    long_name = copy.deepcopy(sample_data())
    long_name["opportunities"][0]["name"] = LONG_NAME
    long_name["decisions"][1]["name"] = LONG_DECISION
    return {"sample": sample_data(), "sixty": scaled_sample(60), "funded": funded, "long": long_name}


@pytest.fixture(scope="module")
def decks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    assert len(LONG_NAME) == 300
    folder = tmp_path_factory.mktemp("decks")
    out = {}
    for name, data in _plans().items():
        results = calculate(plan_from_json(data), samples=2000)
        slides = build_slides(data, results)
        before = datetime.datetime.now(datetime.UTC)
        pdf = write_deck_pdf(slides, folder / f"{name}.pdf", data)
        pptx = write_deck_pptx(slides, folder / f"{name}.pptx", data)
        out[name] = {"data": data, "results": results, "slides": slides, "pdf": pdf, "pptx": pptx,
                     "before": before, "after": datetime.datetime.now(datetime.UTC)}
    return out


PLANS = ("sample", "sixty", "funded", "long")


# --- measuring text -------------------------------------------------------------------------------

@cache
def _font(bold: bool, tenths: int) -> ImageFont.FreeTypeFont:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return ImageFont.truetype(str(folder / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), tenths)


def _text_width(text: str, size: float, bold: bool) -> float:
    """Points, from FreeType's advance widths at a tenth of a point."""
    return _font(bold, round(size * 10)).getlength(text) / 10


def _lines(text: str, size: float, bold: bool, width: float) -> int:
    lines, current = 1, ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and _text_width(trial, size, bold) > width:
            lines, current = lines + 1, word
        else:
            current = trial
        lines += max(0, int(_text_width(current, size, bold) // max(width, 1.0)))
    return lines


def _frame_text_height(frame: Any, width: float, insets: Any = None) -> float:
    """Points the frame's paragraphs take when wrapped into ``width`` (its insets taken off: a table
    cell's are the cell's margins, as PowerPoint reads them, not its text body's)."""
    insets = insets if insets is not None else frame
    inner = width - Emu(insets.margin_left).pt - Emu(insets.margin_right).pt
    height = Emu(insets.margin_top).pt + Emu(insets.margin_bottom).pt
    for p in frame.paragraphs:
        runs = [r for r in p.runs if r.text]
        if not runs:
            continue
        size = max(r.font.size.pt for r in runs)
        bold = any(r.font.bold for r in runs)
        indent = Emu(int(p._p.pPr.get("marL", 0))).pt if p._p.pPr is not None else 0.0
        height += _lines("".join(r.text for r in runs), size, bold, inner - indent) * size * LINE
        height += p.space_after.pt if p.space_after is not None else 0.0
    return height


def _extent(shape: Any) -> tuple[float, float, float, float]:
    """left, top, right, bottom in points: a text frame as tall as its text, a table as tall as its
    rows' text, whichever is more than the shape's own height."""
    left, top = Emu(shape.left).pt, Emu(shape.top).pt
    width, height = Emu(shape.width).pt, Emu(shape.height).pt
    if shape.has_text_frame:
        height = max(height, _frame_text_height(shape.text_frame, width))
    elif getattr(shape, "has_table", False) and shape.has_table:
        table = shape.table
        width = sum(Emu(c.width).pt for c in table.columns)
        height = 0.0
        for row in table.rows:
            need = max(_frame_text_height(cell.text_frame, Emu(table.columns[c].width).pt, cell)
                       for c, cell in enumerate(row.cells))
            height += max(Emu(row.height).pt, need)
    return left, top, left + width, top + height


def _is_footer(shape: Any) -> bool:
    return Emu(shape.top).pt >= FOOTER_TOP - 0.5


# --- the PowerPoint -----------------------------------------------------------------------------

@pytest.mark.parametrize("plan", PLANS)
def test_every_pptx_shape_lies_on_the_slide_above_the_footer_and_clear_of_the_others(
        decks: dict[str, dict[str, Any]], plan: str) -> None:
    prs = Presentation(str(decks[plan]["pptx"]))
    assert len(prs.slides) == len(decks[plan]["slides"])
    for number, page in enumerate(prs.slides, start=1):
        body = []
        for shape in page.shapes:
            left, top, right, bottom = _extent(shape)
            where = (f"{plan} slide {number}, {shape.name}: "
                     f"{left:.0f},{top:.0f} to {right:.0f},{bottom:.0f} pt")
            assert left >= 0 and top >= 0 and right <= SLIDE_W + 0.5 and bottom <= SLIDE_H, where
            if _is_footer(shape):
                assert bottom <= SLIDE_H, where
                continue
            if shape.name.startswith("Rectangle"):  # the cover's band, at the edge by design
                continue
            assert bottom <= FOOTER_TOP, where
            body.append(((left, top, right, bottom), where))
        for i, (a, wa) in enumerate(body):  # no two parts overlap: a long title pushes the body down
            for b, wb in body[i + 1:]:
                overlap = min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5
                assert not overlap, f"{wa} overlaps {wb}"


#: A cell that is a figure: an amount, a share, a count, "yes"/"no" or a dash.
_AMOUNT = r"[−-]?[$€£¥]?[\d.,]+[kMB%]?"
FIGURE = re.compile(rf"^(?:{_AMOUNT}(?: tasks| to {_AMOUNT})?|yes|no|—|month \d+)$")


@pytest.mark.parametrize("plan", PLANS)
def test_text_sizes_stay_within_limits_and_figures_are_right_aligned(decks: dict[str, dict[str, Any]],
                                                                     plan: str) -> None:
    prs = Presentation(str(decks[plan]["pptx"]))
    for number, page in enumerate(list(prs.slides)[1:], start=2):
        title = page.shapes.title.text_frame.paragraphs[0].runs[0].font.size.pt
        assert title >= 24, f"slide {number}"
        for shape in page.shapes:
            if shape.has_text_frame and shape != page.shapes.title and not _is_footer(shape):
                assert min(r.font.size.pt for p in shape.text_frame.paragraphs for r in p.runs) >= 14
            if shape.has_table:
                for r_, row in enumerate(shape.table.rows):
                    for c, cell in enumerate(row.cells):
                        assert min(r.font.size.pt for p in cell.text_frame.paragraphs for r in p.runs) >= 14
                        # Figures line up on the right; words (the decision box, sources) read from the left.
                        if c > 0 and FIGURE.match(cell.text):
                            assert cell.text_frame.paragraphs[0].alignment == PP_ALIGN.RIGHT, cell.text
                        elif c > 0 and cell.text and r_ > 0:
                            assert cell.text_frame.paragraphs[0].alignment == PP_ALIGN.LEFT, cell.text
            if shape.has_chart:  # PowerPoint's own charts
                assert shape.chart.font.size.pt >= 12
            if shape.shape_type == 13:  # a picture of a chart: its 9 pt text as placed on the slide
                image = shape.image
                drawn_width = image.size[0] / image.dpi[0]  # inches the figure was drawn at
                assert Emu(shape.width).inches / drawn_width * charts.TEXT_SIZE >= 12 - 1e-6


def _ask_tables(path: Path) -> list[list[list[str]]]:
    prs = Presentation(str(path))
    tables = []
    for page in prs.slides:
        if page.shapes.title.text_frame.text.startswith("The ask"):
            (table,) = [s.table for s in page.shapes if s.has_table]
            tables.append([[cell.text for cell in row.cells] for row in table.rows])
    return tables


def test_eighteen_funded_continue_with_the_header_repeated_and_the_total_last(
        decks: dict[str, dict[str, Any]]) -> None:
    deck = decks["funded"]
    pf = deck["results"].portfolio
    assert len(pf.selected) == 18
    tables = _ask_tables(deck["pptx"])
    assert len(tables) >= 2
    assert all(t[0] == ["Fund", "Build cost", "eNPV"] for t in tables)
    names = [row[0] for t in tables for row in t[1:] if row[0] != "Total"]
    by_id = {o.id: o for o in deck["results"].opportunities}
    ranked = [by_id[i] for i in pf.ranking if i in pf.selected]
    assert names == [o.name for o in ranked]  # each funded one, once, by eNPV
    total = ["Total", money(pf.selected_build_cost, "USD", short=True),
             money(pf.selected_enpv, "USD", short=True)]
    assert tables[-1][-1] == total
    assert all(row[0] != "Total" for t in tables[:-1] for row in t)
    slides: list[Slide] = deck["slides"]
    asks = [s for s in slides if s.title.startswith("The ask")]
    assert all(s.title.endswith("(continued)") for s in asks[1:])
    # The PDF says the same: the total on the last ask page, under the last funded name.
    pages = PdfReader(str(deck["pdf"])).pages
    last = re.sub(r"\s+", " ", pages[slides.index(asks[-1])].extract_text())
    assert "The ask" in last and " ".join(total) in last


def test_the_sample_ask_keeps_its_total_on_one_slide(decks: dict[str, dict[str, Any]]) -> None:
    (table,) = _ask_tables(decks["sample"]["pptx"])
    assert table[-1] == ["Total", "$890k", "$3.3M"] and len(table) == 2 + 4


def test_a_300_character_name_is_clipped_in_tables_and_said_whole_in_the_notes(
        decks: dict[str, dict[str, Any]]) -> None:
    prs = Presentation(str(decks["long"]["pptx"]))
    overview = prs.slides[4]
    (table,) = [s.table for s in overview.shapes if s.has_table]
    first = table.cell(1, 0).text
    assert first.startswith("Customer support copilot") and first.endswith("…") and len(first) <= 60
    titles = [page.shapes.title.text_frame.text for page in prs.slides]
    leads = [t for t in titles if t.startswith("Customer support copilot")]
    assert len(leads) == 1 and leads[0].endswith("… leads: $1.7M eNPV, funded")
    assert any(LONG_NAME in page.notes_slide.notes_text_frame.text for page in prs.slides)
    decision = [t for t in titles if t.startswith("Should we build")]
    assert len(decision) == 1 and decision[0].endswith("not recommended now, as it is not funded")


# --- the PDF --------------------------------------------------------------------------------------

def _pdf_runs(page: Any) -> list[tuple[str, float, float, float, float, float]]:
    """Each run of text on a page: text, left, right, baseline, size and the glyphs' lowest point,
    widths measured with FreeType from the font the PDF names."""
    runs = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict[str, Any] | None, size: float) -> None:
        text = text.strip()
        if not text or font is None:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size *= abs(tm[0] * cm[0]) or 1.0
        bold = str(font.get("/BaseFont", "")).endswith("-Bold")
        runs.append((text, x, x + _text_width(text, size, bold), y, size, y - 0.24 * size))

    page.extract_text(visitor_text=visit)
    return runs


@pytest.mark.parametrize("plan", PLANS)
def test_every_word_of_the_pdf_is_on_its_page_and_above_the_footer(decks: dict[str, dict[str, Any]],
                                                                   plan: str) -> None:
    reader = PdfReader(str(decks[plan]["pdf"]))
    slides: list[Slide] = decks[plan]["slides"]
    assert len(reader.pages) == len(slides)
    footer_line = SLIDE_H - FOOTER_TOP  # points from the page's bottom
    for number, page in enumerate(reader.pages, start=1):
        runs = _pdf_runs(page)
        assert runs
        for text, left, right, baseline, size, low in runs:
            where = f"{plan} page {number}: {text[:40]!r} at {left:.0f}-{right:.0f}, {baseline:.0f} pt"
            assert left >= 0 and right <= SLIDE_W and baseline + size <= SLIDE_H, where
            if size == 9 and baseline < footer_line:  # the footer itself
                continue
            assert low >= footer_line, where


def test_pdf_figures_line_up_on_the_right(decks: dict[str, dict[str, Any]]) -> None:
    reader = PdfReader(str(decks["sample"]["pdf"]))
    runs = _pdf_runs(reader.pages[2])  # the ask in detail
    # The ask's build cost column, the total last: "$90k" is a digit shorter than the others.
    column = ["$220k", "$90k", "$260k", "$320k", "$890k"]
    rights = [right for text, _, right, *_ in runs if text in column]
    assert len(rights) == len(column)
    assert max(rights) - min(rights) < 1.0


# --- file properties ------------------------------------------------------------------------------

def test_pptx_properties_come_from_the_plan_and_today(decks: dict[str, dict[str, Any]]) -> None:
    deck = decks["sample"]
    props = Presentation(str(deck["pptx"])).core_properties
    owner = deck["data"]["project"]["author"]
    assert props.author == owner == "Priya Raman" and props.last_modified_by == owner
    assert props.title == deck["data"]["project"]["name"]
    assert props.subject == f"Exec review deck: {deck['data']['project']['name']}"
    for when in (props.created, props.modified):
        stamp = when.replace(tzinfo=datetime.UTC)
        minute = datetime.timedelta(seconds=60)
        assert deck["before"] - minute <= stamp <= deck["after"] + minute
    with zipfile.ZipFile(deck["pptx"]) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()
                 if n.startswith("docProps/") and n.endswith(".xml")}
    assert set(parts) >= {"docProps/core.xml", "docProps/app.xml"}
    for name, xml in parts.items():
        for word in (b"python-pptx", b"Steve Canny", b"2013-", b"Microsoft Macintosh"):
            assert word not in xml, (name, word)


def test_pdf_dates_are_the_time_it_was_written(decks: dict[str, dict[str, Any]]) -> None:
    deck = decks["sample"]
    info = PdfReader(str(deck["pdf"])).metadata
    assert info.author == "Priya Raman" and info.title == deck["data"]["project"]["name"]
    for when in (info.creation_date, info.modification_date):
        assert when is not None and when.year != 2000
        stamp = when if when.tzinfo else when.replace(tzinfo=datetime.UTC)
        assert abs((stamp - deck["after"]).total_seconds()) < 60
