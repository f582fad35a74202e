"""The deck's scenarios slide and its slide of what to learn: one message each, every scenario listed,
and every shape and word on its slide above the footer, at any number of scenarios (PDF and PPTX)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pptx import Presentation
from pypdf import PdfReader

from app.exports.deck import build_slides, write_deck_pdf, write_deck_pptx
from app.formatting import money
from app.interchange import sample_data
from models.engine import calculate
from models.plan import plan_from_json
from models.scenarios import calculate_scenarios, scenario_from_json
from tests.app.test_deck_fit import FOOTER_TOP, SLIDE_H, SLIDE_W, _extent, _is_footer, _pdf_runs


def _many_scenarios(count: int) -> dict[str, Any]:
    data = copy.deepcopy(sample_data())
    downside = data["scenarios"][0]
    for k in range(count):
        extra = copy.deepcopy(downside)
        extra["id"] = f"scn-extra-{k}"
        extra["name"] = f"Vendor price rise of {10 + k}% with slower adoption across every support queue"
        extra["probability"] = None
        extra["overrides"][-1]["value"] = 11.7 + k
        data["scenarios"].append(extra)
    return data


@pytest.fixture(scope="module", params=[0, 14])
def deck(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = sample_data() if request.param == 0 else _many_scenarios(request.param)
    results = calculate(plan_from_json(data), samples=2000)
    slides = build_slides(data, results)
    folder = tmp_path_factory.mktemp("deck")
    return {"data": data, "results": results, "slides": slides,
            "pdf": write_deck_pdf(slides, folder / "d.pdf", data),
            "pptx": write_deck_pptx(slides, folder / "d.pptx", data)}


def _ours(slides: list[Any]) -> list[int]:
    return [n for n, s in enumerate(slides) if s.title.startswith(("Scenarios", "What to learn"))]


def test_every_scenario_is_on_the_slides_with_the_engines_total(deck: dict[str, Any]) -> None:
    data, results = deck["data"], deck["results"]
    engine = calculate_scenarios(data, [scenario_from_json(s) for s in data["scenarios"]],
                                 samples=results.samples)
    rows = [row for n in _ours(deck["slides"]) for row in (deck["slides"][n].table or [])[1:]]
    for name, r in engine.items():
        row = next(row for row in rows if row[0].startswith(name[:40]))
        assert row[1] == money(r.portfolio.total_enpv, "USD", short=True), (name, row)
    titles = [deck["slides"][n].title for n in _ours(deck["slides"])]
    worst = min(list(engine)[1:], key=lambda name: engine[name].portfolio.total_enpv)
    subject = "the downside" if worst == "Downside" else f"“{worst}”"
    assert titles[0].startswith(f"Scenarios: {subject} still funds 3 of the base's 4")
    assert any(t == "What to learn before we commit" for t in titles)


def test_new_slides_fit_in_the_pptx(deck: dict[str, Any]) -> None:
    prs = Presentation(str(deck["pptx"]))
    pages = list(prs.slides)
    assert len(pages) == len(deck["slides"])
    for n in _ours(deck["slides"]):
        for shape in pages[n].shapes:
            left, top, right, bottom = _extent(shape)
            where = f"slide {n + 1} {shape.name}: {left:.0f},{top:.0f} to {right:.0f},{bottom:.0f}"
            assert left >= 0 and top >= 0 and right <= SLIDE_W + 0.5 and bottom <= SLIDE_H, where
            if not _is_footer(shape):
                assert bottom <= FOOTER_TOP, where


def test_new_slides_fit_in_the_pdf(deck: dict[str, Any]) -> None:
    reader = PdfReader(str(deck["pdf"]))
    footer_line = SLIDE_H - FOOTER_TOP
    for n in _ours(deck["slides"]):
        for text, left, right, baseline, size, low in _pdf_runs(reader.pages[n]):
            where = f"page {n + 1}: {text[:40]!r}"
            assert left >= 0 and right <= SLIDE_W and baseline + size <= SLIDE_H, where
            if not (size == 9 and baseline < footer_line):
                assert low >= footer_line, where


def test_many_scenarios_continue_with_the_header_repeated(deck: dict[str, Any]) -> None:
    scenario_slides = [n for n in _ours(deck["slides"]) if deck["slides"][n].title.startswith("Scenarios")]
    tables = [deck["slides"][n].table for n in scenario_slides if deck["slides"][n].table]
    assert tables and all(table[0][0] == "Scenario" for table in tables)  # the header on every part
    if len(deck["data"]["scenarios"]) > 10:
        assert len(tables) >= 2
    assert sum(len(table) - 1 for table in tables) == len(deck["data"]["scenarios"]) + 1
