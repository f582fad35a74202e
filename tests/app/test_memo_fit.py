"""The memo fits its pages: for the sample, 60 opportunities, 18 funded and a 300-character name,
every word of every page lies inside the page's text frame, clear of the running header and the
"Page N of M" footer, read back from the PDF."""

from __future__ import annotations

import copy
import io
from functools import cache
from typing import Any

import matplotlib
import pypdf
import pytest
from PIL import ImageFont
from reportlab.lib.units import mm

from app.exports import memo_pdf
from app.interchange import sample_data
from models.engine import calculate
from models.plan import plan_from_json
from tests.benchmarks.plans import scaled_sample

LONG_NAME = ("Customer support copilot for every enterprise tier, grounded in the knowledge base, "
             "the ticket history and the product documentation, with citations, escalation to a "
             "human agent, redaction of personal data, multilingual replies and a weekly quality "
             "review by the support leads in each regional office")
WIDTH, HEIGHT = memo_pdf.PAGE
LEFT, RIGHT = memo_pdf.MARGIN, WIDTH - memo_pdf.MARGIN  # the text frame, pads included
BOTTOM, TOP = memo_pdf.MARGIN, HEIGHT - memo_pdf.MARGIN
SLACK = 0.5  # points: rounding of positions written to the PDF


def _plans() -> dict[str, dict[str, Any]]:
    funded = scaled_sample(24)
    funded["project"]["budget"] = 1e9  # every opportunity with a positive eNPV: 18 of them
    long_name = copy.deepcopy(sample_data())
    long_name["opportunities"][0]["name"] = LONG_NAME
    return {"sample": sample_data(), "sixty": scaled_sample(60), "funded": funded, "long": long_name}


@pytest.fixture(scope="module")
def memos() -> dict[str, pypdf.PdfReader]:
    assert len(LONG_NAME) == 300
    out = {}
    for name, data in _plans().items():
        pdf, _warnings = memo_pdf.build_memo(data, calculate(plan_from_json(data), samples=2000))
        out[name] = pypdf.PdfReader(io.BytesIO(pdf))
    return out


@cache
def _face(bold: bool) -> ImageFont.FreeTypeFont:
    folder = matplotlib.get_data_path() + "/fonts/ttf/"
    return ImageFont.truetype(folder + ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"), 1000)


def _runs(page: Any) -> list[tuple[str, float, float, float, float]]:
    """Each run of text: text, left, right, baseline and size, widths measured with FreeType
    from the DejaVu face the PDF names (other faces: measured as regular DejaVu, a fair bound)."""
    runs = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict[str, Any] | None, size: float) -> None:
        text = text.rstrip()
        if not text.strip() or font is None:
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        size *= abs(tm[0] * cm[0]) or 1.0
        bold = "Bold" in str(font.get("/BaseFont", ""))
        width = _face(bold).getlength(text) * size / 1000
        runs.append((text, x, x + width, y, size))

    page.extract_text(visitor_text=visit)
    return runs


@pytest.mark.parametrize("plan", ["sample", "sixty", "funded", "long"])
def test_every_word_is_inside_the_text_frame_and_clear_of_header_and_footer(
        memos: dict[str, pypdf.PdfReader], plan: str) -> None:
    reader = memos[plan]
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, start=1):
        runs = _runs(page)
        assert runs, f"{plan} page {number} is empty"
        body = [r for r in runs if BOTTOM - SLACK <= r[3] <= TOP + SLACK]
        margins = [r for r in runs if r not in body]
        # Outside the frame: only the running header (top) and "Page N of M" (bottom).
        for text, _left, _right, baseline, _size in margins:
            assert baseline > TOP and "Strategy memo" in text or baseline < BOTTOM and \
                text.strip() == f"Page {number} of {total}", f"{plan} page {number}: {text!r}"
        for text, left, right, baseline, size in body:
            where = f"{plan} page {number}: {text[:50]!r} at {left:.1f}-{right:.1f} pt, {baseline:.0f}"
            assert left >= LEFT - SLACK and right <= RIGHT + SLACK, where
            assert baseline - 0.24 * size >= BOTTOM - 3 * mm, where  # clear of the footer line
