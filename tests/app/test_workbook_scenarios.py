"""The workbook's scenario selector, recalculated by LibreOffice, reproduces each scenario as the engine
calculates it; its value-of-information sheet holds the engine's simulated values."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.exports.workbook import (
    PORTFOLIO_HEAD_ROW,
    PORTFOLIO_HEADER,
    build_workbook,
    greedy_in_rank_order,
    write_workbook,
)
from app.exports.workbook_scenarios import HEAD_ROW, SHEET, VOI_SHEET
from app.interchange import sample_data
from models.engine import PlanResults, calculate
from models.plan import plan_from_json
from models.scenarios import BASE_NAME, calculate_scenarios, scenario_from_json
from tests.app.libreoffice import needs_soffice, recalculate

COL = {head: j for j, head in enumerate(PORTFOLIO_HEADER, 1)}


def _engine(data: dict[str, Any]) -> dict[str, PlanResults]:
    scenarios = [scenario_from_json(s) for s in data.get("scenarios") or []]
    return calculate_scenarios(data, scenarios, monte_carlo=False, with_tornado=False)


def _with_budget_and_option_overrides(data: dict[str, Any]) -> dict[str, Any]:
    """The sample's scenarios plus a tighter budget, a discount rate and an option's quote in the
    downside: settings and a Decisions cell switch too, not only the Inputs sheet."""
    data = copy.deepcopy(data)
    downside = next(s for s in data["scenarios"] if s["name"] == "Downside")
    downside["overrides"] += [
        {"kind": "project", "id": "", "field": "budget", "value": 600000},
        {"kind": "project", "id": "", "field": "discount_rate", "value": 0.14},
        {"kind": "option", "id": "opt-contract-build", "field": "upfront_cost", "value": 700000},
        {"kind": "unit_model", "id": "um-support-copilot", "field": "fixed_monthly", "value": 9000},
    ]
    downside["overrides"].sort(key=lambda o: (o["kind"], o["id"], o["field"]))
    return data


def _portfolio(wb: openpyxl.Workbook) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    ws = wb["Portfolio"]
    rows = {}
    for r in range(PORTFOLIO_HEAD_ROW + 1, ws.max_row + 1):
        oid = ws.cell(r, COL["ID"]).value
        if oid:
            rows[oid] = {head: ws.cell(r, j).value for head, j in COL.items()}
    total_row = PORTFOLIO_HEAD_ROW + len(rows) + 1
    return rows, {"enpv": ws.cell(total_row, COL["eNPV"]).value, "funded_enpv": ws.cell(2, COL["eNPV"]).value}


def _close(got: Any, want: float) -> bool:
    return isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-6)


@needs_soffice
@pytest.mark.parametrize("plan", ["sample", "budget_and_options"])
def test_the_selector_switches_the_model_to_each_scenario(plan: str, tmp_path: Path) -> None:
    data = copy.deepcopy(sample_data())
    if plan != "sample":
        data = _with_budget_and_option_overrides(data)
    engines = _engine(data)
    results = calculate(plan_from_json(data), monte_carlo=False, with_tornado=False)
    src = tmp_path / "src"
    src.mkdir()
    written = src / "book.xlsx"
    write_workbook(data, results, written)
    files = []
    for name in engines:
        wb = openpyxl.load_workbook(written)
        sheet, ref = next(iter(wb.defined_names["scenario"].destinations))
        wb[sheet][ref.replace("$", "")].value = name
        wb.save(src / f"{name}.xlsx")
        files.append(src / f"{name}.xlsx")
    books = {f.stem: openpyxl.load_workbook(o, data_only=True)
             for f, o in zip(files, recalculate(files, tmp_path / "out"), strict=True)}
    totals = set()
    for name, engine in engines.items():
        rows, total = _portfolio(books[name])
        for r in engine.opportunities:
            assert _close(rows[r.id]["NPV"], r.npv), (name, r.id, rows[r.id]["NPV"], r.npv)
            assert _close(rows[r.id]["eNPV"], r.enpv), (name, r.id, rows[r.id]["eNPV"], r.enpv)
        assert _close(total["enpv"], engine.portfolio.total_enpv), (name, total, engine.portfolio.total_enpv)
        totals.add(round(total["enpv"]))
    assert len(totals) == len(engines)  # every scenario shows its own numbers, not the base's
    if plan != "sample":
        # the downside's budget funds a set of its own, and the selector brings it
        down = books["Downside"]
        rows, _ = _portfolio(down)
        funded = {oid for oid, row in rows.items() if row["Funded"] == 1}
        assert funded == set(greedy_in_rank_order(engines["Downside"], 600000.0))
        assert sum(rows[oid]["Build cost"] for oid in funded) <= 600000


def test_scenarios_are_columns_with_base_first_and_a_list_selector() -> None:
    data = sample_data()
    results = calculate(plan_from_json(data), monte_carlo=False, with_tornado=False)
    wb, _ = build_workbook(data, results)
    ws = wb[SHEET]
    assert wb.sheetnames.index(SHEET) == 1  # beside Inputs
    heads = [c.value for c in ws[HEAD_ROW]][2:5]
    assert heads == [BASE_NAME, "Downside", "Upside"]
    sheet, ref = next(iter(wb.defined_names["scenario"].destinations))
    assert (sheet, ws[ref.replace("$", "")].value) == (SHEET, BASE_NAME)
    validations = ws.data_validations.dataValidation
    assert [v.type for v in validations] == ["list"] and ref.replace("$", "") in str(validations[0].sqref)
    # a row per overridden input: the sample's 9 + 3 overrides name 10 different inputs
    keys = {(o["kind"], o["id"], o["field"]) for s in data["scenarios"] for o in s["overrides"]}
    labels = [ws.cell(r, 1).value for r in range(HEAD_ROW + 3, HEAD_ROW + 3 + len(keys))]
    assert all(labels) and len(set(labels)) == len(keys)


def test_value_of_information_sheet_holds_the_engines_values_marked_simulated() -> None:
    data = sample_data()
    results = calculate(plan_from_json(data))
    wb, _ = build_workbook(data, results)
    ws = wb[VOI_SHEET]
    title = ws.cell(1, 1).value
    assert "simulated" in title and f"{results.samples:,} samples" in title
    assert f"seed {results.plan.settings.mc_seed}" in title and "not live formulas" in title
    got = {(row[1], row[3]): (row[4], row[5]) for row in ws.iter_rows(min_row=3, values_only=True) if row[3]}
    want = {(r.id, ":".join(w.key)): (w.evppi, r.evpi) for r in results.opportunities for w in r.evppi}
    want |= {("plan", ":".join(w.key)): (w.evppi, results.portfolio.evpi) for w in results.portfolio.evppi}
    assert got == want and len(want) > 20
    assert not [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
