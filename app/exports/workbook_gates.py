"""The workbook's Launch gates sheet (docs/formulas.md 3.10): each gated opportunity's KPI targets
with live statuses, the plan's own value of the metrics the model computes as formulas on the
model's cells, its checklist, its gate decision and whether it is ready to launch."""

from __future__ import annotations

from typing import Any

from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from app.exports.workbook import BOLD, TITLE, Formats, _heads, _page, _widths, put, put_input, put_text
from app.launch_words import gate_words
from models.engine import PlanResults
from models.kpis import AT_LEAST, OPPORTUNITY_TIES, UNIT_TIES, Kpi
from models.plan import Opportunity

SHEET = "Launch gates"
KPI_HEADS = ("KPI", "Direction", "Target", "Measured", "Status", "Plan's value", "Plan meets target",
             "P(meets), simulated")
CHECK_HEADS = ("Checklist item", "Owner", "Status", "Evidence")


def _format(kpi: Kpi, fmt: Formats) -> str:
    return fmt.percent if kpi.unit == "fraction" else fmt.per_task if kpi.unit == "money" else "#,##0.###"


def _absolute(sheet: str, row: int, col: int) -> str:
    return f"'{sheet}'!${get_column_letter(col)}${row}"


def _plan_reference(i: int, o: Opportunity, kpi: Kpi, wb: Any, cells: dict[str, Any]) -> str | None:
    """Where the workbook computes the plan's value of ``kpi``'s metric, or None (not one the
    model computes, or no unit model to read it from)."""
    tied = kpi.tied
    if tied in OPPORTUNITY_TIES:
        return f"opp{i}_{tied}"  # the opportunity's own input (never linked), by its defined name
    if tied not in UNIT_TIES or o.unit_model_id is None:
        return None
    if tied == "escalation_rate":
        where = wb.inputs.get(("unit_model", o.unit_model_id, "escalation_rate"))
        return None if where is None else _absolute(*where[:3])
    found = (cells.get("unit") or {}).get((o.unit_model_id, tied))
    return None if found is None else _absolute(*found)


def gates_sheet(wb: Any, results: PlanResults, fmt: Formats, cells: dict[str, Any]) -> None:
    """The sheet, when any opportunity has KPI targets, a checklist or a gate decision."""
    plan = results.plan
    gated = [(i, o, r) for i, (o, r) in enumerate(zip(plan.opportunities, results.opportunities,
                                                      strict=True), 1) if o.kpis or o.checklist or o.gate]
    if not gated:
        return
    ws = wb.create_sheet(SHEET)
    put_text(ws, 1, 1, "Launch gates. Targets, measurements and checklist statuses are inputs; each status, "
                       "the plan's own value and whether it meets the target are live formulas on the "
                       "model's cells. P(meets) is the app's simulation, not recalculated.", BOLD)
    _page(ws, "B3", "1:1")
    row = 3
    for i, o, r in gated:
        put_text(ws, row, 1, f"Opportunity {i}: {o.name}", TITLE)
        put_text(ws, row, 9, o.id)
        row += 1
        statuses: list[str] = []
        if o.kpis:
            _heads(ws, row, KPI_HEADS)
            row += 1
            first = row
            for kpi, result in zip(o.kpis, r.kpis, strict=True):
                number_format = _format(kpi, fmt)
                compare = ">=" if kpi.direction == AT_LEAST else "<="
                put_text(ws, row, 1, kpi.label + (f" ({kpi.eval_set})" if kpi.eval_set else ""))
                put_text(ws, row, 2, "at least" if kpi.direction == AT_LEAST else "at most")
                put_input(ws, row, 3, kpi.target, number_format)
                put_input(ws, row, 4, kpi.measured, number_format)
                put(ws, row, 5, f'=IF(D{row}="","not measured",IF(D{row}{compare}C{row},"met","not met"))')
                reference = _plan_reference(i, o, kpi, wb, cells)
                if reference is not None:
                    put(ws, row, 6, f"={reference}", number_format)
                    # A value the model cannot give (a margin without revenue) compares with nothing.
                    put(ws, row, 7, f'=IF(F{row}="","",IF(F{row}{compare}C{row},"yes","no"))')
                if result.p_meets is not None:
                    put(ws, row, 8, result.p_meets, fmt.percent)
                row += 1
            kpi_range = f"E{first}:E{row - 1}"
            statuses.append(f'COUNTIF({kpi_range},"met")=ROWS({kpi_range})')
            row += 1
        if o.checklist:
            _heads(ws, row, CHECK_HEADS)
            row += 1
            first = row
            for item in o.checklist:
                put_text(ws, row, 1, item.text)
                put_text(ws, row, 2, item.owner)
                put_input(ws, row, 3, item.status)
                put_text(ws, row, 4, item.evidence)
                row += 1
            items = f"C{first}:C{row - 1}"
            statuses.append(f'COUNTIF({items},"done")+COUNTIF({items},"waived")=ROWS({items})')
            row += 1
        put_text(ws, row, 1, "Gate decision", BOLD)
        put_text(ws, row, 2, gate_words(o.gate))
        row += 1
        put_text(ws, row, 1, "Ready to launch", BOLD)
        # Every KPI measured and met, every checklist item done or waived.
        put(ws, row, 2, f'=IF(AND({", ".join(statuses)}),"yes","no")' if statuses else "no")
        cells.setdefault("ready", {})[o.id] = (SHEET, row, 2)
        row += 2
    _widths(ws, {"A": 44, "B": 24, "C": 14, "D": 14, "E": 14, "F": 14, "G": 16, "H": 16, "I": 24})
