"""The workbook's Launch gates sheet, recalculated by LibreOffice (docs/formulas.md 3.10): each
status and the plan's own value of the computed metrics are live formulas on the model's cells,
so editing a unit-model input in the workbook flips a tied status exactly when the engine does."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.exports.workbook import ROUTE_INPUTS, build_workbook, write_workbook
from app.exports.workbook_gates import KPI_HEADS, SHEET
from app.interchange import sample_data
from models.engine import PlanResults, calculate
from models.kpis import ready_to_launch
from models.plan import plan_from_json
from tests.app.libreoffice import needs_soffice, recalculate

COPILOT, COPILOT_UNIT = "opp-support-copilot", "um-support-copilot"
COL = {head: j for j, head in enumerate(KPI_HEADS, 1)}


def _engine(data: dict[str, Any]) -> PlanResults:
    return calculate(plan_from_json(data), monte_carlo=False, with_tornado=False)


def _kpi_rows(ws: Any, opportunity_id: str) -> dict[str, dict[str, Any]]:
    """The KPI table of one opportunity's block, by its first cell (label and eval set)."""
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 9).value == opportunity_id)
    rows: dict[str, dict[str, Any]] = {}
    r = start + 2
    while ws.cell(r, 1).value:
        label = str(ws.cell(r, 1).value)
        rows[label] = {head: ws.cell(r, j).value for head, j in COL.items()}
        rows[label]["row"] = r
        r += 1
    return rows


def test_a_plan_without_launch_gates_has_no_sheet() -> None:
    data = copy.deepcopy(sample_data())
    for o in data["opportunities"]:
        o.update(kpis=[], launch_checklist=[], gate=None)
    wb, _ = build_workbook(data, _engine(data))
    assert SHEET not in wb.sheetnames


@needs_soffice
def test_tied_statuses_follow_the_model_cells_as_the_engine_does(tmp_path: Path) -> None:
    data = copy.deepcopy(sample_data())
    results = _engine(data)
    copilot = next(r for r in results.opportunities if r.id == COPILOT)
    cost = next(k for k in copilot.kpis if k.kpi.metric == "cost_per_task")
    assert cost.planned is not None and cost.plan_meets is True  # the sample's copilot meets $0.15
    written = tmp_path / "src" / "book.xlsx"
    written.parent.mkdir()
    write_workbook(data, results, written)

    # The same workbook with the copilot's first route far dearer on output tokens,
    # edited in the workbook's own input cell, and the same change made to the plan.
    dearer = copy.deepcopy(data)
    route = next(u for u in dearer["unit_models"] if u["id"] == COPILOT_UNIT)["routes"][0]
    route["price_out_mtok"] = route["price_out_mtok"] * 200
    after = _engine(dearer)
    flipped = next(k for r in after.opportunities if r.id == COPILOT for k in r.kpis
                   if k.kpi.metric == "cost_per_task")
    assert flipped.plan_meets is False  # the engine says the plan now misses the gate
    wb = openpyxl.load_workbook(written)
    ws = wb["Unit economics"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == route["id"])
    ws.cell(row, 4 + ROUTE_INPUTS.index("price_out_mtok")).value = route["price_out_mtok"]
    edited = tmp_path / "src" / "edited.xlsx"
    wb.save(edited)

    book, edited_book = recalculate([written, edited], tmp_path / "out")
    for path, engine in ((book, results), (edited_book, after)):
        sheet = openpyxl.load_workbook(path, data_only=True)[SHEET]
        for r in engine.opportunities:
            if not r.kpis:
                continue
            rows = _kpi_rows(sheet, r.id)
            for k in r.kpis:
                row = rows[k.kpi.label + (f" ({k.kpi.eval_set})" if k.kpi.eval_set else "")]
                assert row["Status"] == k.status, (r.id, k.kpi.label)
                if k.planned is None:
                    assert row["Plan's value"] in (None, "")
                else:
                    assert row["Plan's value"] == pytest.approx(k.planned, rel=1e-9, abs=1e-12)
                    assert row["Plan meets target"] == ("yes" if k.plan_meets else "no")
            o = next(o for o in engine.plan.opportunities if o.id == r.id)
            ready = next(sheet.cell(x, 2).value for x in range(1, sheet.max_row + 1)
                         if sheet.cell(x, 1).value == "Ready to launch"
                         and x > rows[next(iter(rows))]["row"])
            assert ready == ("yes" if ready_to_launch(o.kpis, o.checklist) else "no")
    edited_rows = _kpi_rows(openpyxl.load_workbook(edited_book, data_only=True)[SHEET], COPILOT)
    assert edited_rows["Cost per AI task"]["Plan meets target"] == "no"
