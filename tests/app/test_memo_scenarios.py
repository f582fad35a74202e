"""The memo says what we know, what we don't and what we'll do next, and its scenario table prints the
engine's figures for every scenario."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pypdf

from app.exports.memo_pdf import build_memo
from app.formatting import money, money_range, percent
from app.information_words import plan_learnable
from app.interchange import sample_data
from models.engine import calculate
from models.plan import plan_from_json
from models.scenarios import calculate_scenarios, scenario_from_json


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "memo.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True, timeout=120).stdout


def test_the_section_and_the_scenario_table_print_the_engines_figures(tmp_path: Path) -> None:
    data = sample_data()
    results = calculate(plan_from_json(data))
    pdf, _ = build_memo(data, results)
    text = _text(pdf, tmp_path)
    section = text[text.rindex("What we know, what we don't, what we'll do next"):]
    for heading in ("What the plan rests on", "What we don't know", "What we'll do next", "Scenarios"):
        assert heading in section
    # the engine's scenarios, with the plan's own samples and seed
    engine = calculate_scenarios(data, [scenario_from_json(s) for s in data["scenarios"]],
                                 samples=results.samples)
    lines = [" ".join(line.split()) for line in section.splitlines()]
    for name, r in engine.items():
        p, mc = r.portfolio, r.portfolio.mc
        assert mc is not None
        row = next(line for line in lines if line.startswith(name + " "))
        for figure in (money(p.total_enpv, "USD", short=True), money_range(mc.p10, mc.p90, "USD"),
                       percent(1 - mc.p_positive), f"{len(p.selected)} for"):
            assert figure in row, (name, figure, row)
    assert "Probability-weighted total eNPV: $3.0M (Base 50%, Downside 25%, Upside 25%)." in " ".join(lines)
    # the inputs worth learning, with their worth in currency, and the correlations said in words
    top = plan_learnable(results)[0]
    assert money(top.evppi, "USD", short=True) in section
    assert f"worth up to {money(top.evppi, 'USD', short=True)}" in " ".join(lines)
    assert "rank correlation 0.60" in " ".join(lines) and "420 support agents" in " ".join(lines)


def test_missing_probabilities_are_said_and_a_plan_without_scenarios_says_so(tmp_path: Path) -> None:
    data = sample_data()
    data["scenarios"][1]["probability"] = None
    pdf, _ = build_memo(data, calculate(plan_from_json(data), samples=500))
    words = " ".join(_text(pdf, tmp_path).split())
    assert "No probability-weighted total: Upside has no probability yet." in words
    data["scenarios"] = []
    pdf, _ = build_memo(data, calculate(plan_from_json(data), samples=500))
    assert "The plan has no scenarios" in " ".join(_text(pdf, tmp_path).split())
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) > 3
