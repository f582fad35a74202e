"""The workbook's scenarios (one column each and a live selector that switches the model's inputs) and its
value-of-information table, written as the simulated values they are (docs/formulas.md 3.7, 3.9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openpyxl.comments import Comment  # type: ignore[import-untyped]
from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.workbook.defined_name import DefinedName  # type: ignore[import-untyped]
from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

from app.exports.outlook import ScenarioSet
from app.exports.workbook import (
    BOLD,
    TITLE,
    Formats,
    _name,
    _page,
    _widths,
    _Workbook,
    put,
    put_input,
    put_text,
)
from app.information_words import input_words
from models.engine import Key, PlanResults, PortfolioResult
from models.scenarios import BASE_NAME, scenario_from_json
from models.validation import input_names

SHEET = "Scenarios"
VOI_SHEET = "Value of information"
#: The Scenarios sheet: the selector, the row of scenario names, the first input row.
SELECTOR_ROW, COLUMN_ROW, HEAD_ROW, FIRST_ROW = 2, 3, 5, 8
FIRST_COL = 3  # column C: the base
FORMULA_FONT = Font(name="Calibri")
_KIND_ORDER = ("project", "opportunity", "decision", "criterion", "option", "unit_model", "route")


def _deterministic(value: Any) -> Any:
    """What the deterministic model uses of an override: a number, or an estimate's base."""
    return value.get("base") if isinstance(value, dict) else value


def scenarios_sheet(wb: _Workbook, data: dict[str, Any], results: PlanResults, sset: ScenarioSet,
                    fmt: Formats) -> None:
    """One column per scenario (Base first), one row per overridden input, and the selector: every input
    a scenario changes is read by the model through the column the selector picks."""
    lines = sset.lines
    scenarios = {str(s.get("name")): scenario_from_json(s) for s in data.get("scenarios") or []}
    overrides: dict[str, dict[Key, Any]] = {
        line.name: {(o.kind, o.id, o.field): o.value for o in scenarios[line.name].overrides}
        for line in lines if line.name in scenarios}
    keys = sorted({k for values in overrides.values() for k in values},
                  key=lambda k: (_KIND_ORDER.index(k[0]) if k[0] in _KIND_ORDER else 99, k[1], k[2]))
    ws = wb.create_sheet(SHEET, 1)
    last_col = FIRST_COL + len(lines) - 1
    first_letter, last_letter = get_column_letter(FIRST_COL), get_column_letter(last_col)
    names_range = f"${first_letter}${HEAD_ROW}:${last_letter}${HEAD_ROW}"
    put_text(ws, 1, 1, "Scenarios: each column is a plan. Choose the one the workbook shows in the blue cell "
                       "below; every input a scenario changes is read through it.", BOLD)
    put_text(ws, SELECTOR_ROW, 1, "Scenario shown", BOLD)
    put_input(ws, SELECTOR_ROW, 2, BASE_NAME)
    ws.cell(SELECTOR_ROW, 2).data_type = "s"
    _name(wb, "scenario", SHEET, SELECTOR_ROW, 2)
    choose = DataValidation(type="list", formula1=names_range, allow_blank=False, showErrorMessage=True,
                            errorTitle="Scenario", error="Pick one of the scenarios in row 5.")
    ws.add_data_validation(choose)
    choose.add(ws.cell(SELECTOR_ROW, 2))
    put_text(ws, COLUMN_ROW, 1, "Its column (1 = Base)")
    # "=" compares whole names, case aside, as the app does; MATCH would read * and ? as wildcards.
    put(ws, COLUMN_ROW, 2, f"=MAX(1,SUMPRODUCT(({names_range}=scenario)"
                           f"*(COLUMN({names_range})-COLUMN(${first_letter}${HEAD_ROW})+1)))", "0")
    _name(wb, "scenario_column", SHEET, COLUMN_ROW, 2)
    put_text(ws, HEAD_ROW, 1, "Input", BOLD)
    put_text(ws, HEAD_ROW, 2, "In use", BOLD)
    for j, line in enumerate(lines, FIRST_COL):
        put_text(ws, HEAD_ROW, j, line.name, BOLD)
        if line.probability is not None:
            put(ws, HEAD_ROW + 1, j, line.probability, fmt.percent)
        put_text(ws, HEAD_ROW + 2, j, line.description)
    put_text(ws, HEAD_ROW, last_col + 1, "Where the model reads it", BOLD)
    put_text(ws, HEAD_ROW + 1, 1, "Probability")
    put_text(ws, HEAD_ROW + 2, 1, "What it assumes")
    _page(ws, f"C{FIRST_ROW}", f"1:{HEAD_ROW}")

    plan = results.plan
    names = input_names(plan)
    for r, key in enumerate(keys, FIRST_ROW):
        words = input_words(key, plan, names) if key[0] != "project" else key[2].replace("_", " ")
        put_text(ws, r, 1, words[:1].upper() + words[1:])
        put(ws, r, 2, f"=INDEX(${first_letter}{r}:${last_letter}{r},scenario_column)")
        place = wb.inputs.get(key)
        number_format = ws.parent[place[0]].cell(place[1], place[2]).number_format if place else None
        ws.cell(r, 2).number_format = number_format or "General"
        blank_aware = key == ("project", "", "budget")  # no budget is a blank, never 0
        base = f"${first_letter}{r}"
        for j, line in enumerate(lines, FIRST_COL):
            if j == FIRST_COL:
                continue
            value = overrides.get(line.name, {}).get(key)
            if value is not None:
                put_input(ws, r, j, _deterministic(value), number_format)
            else:
                put(ws, r, j, f'=IF({base}="","",{base})' if blank_aware else f"={base}", number_format)
        _link(wb, ws, r, key, place, number_format, blank_aware, last_col + 1)
    row = FIRST_ROW + max(len(keys), 1) + 1
    if not keys:
        put_text(ws, FIRST_ROW, 1, "No scenario overrides an input yet.")
    row = _app_totals(ws, row, sset, fmt)
    _widths(ws, {"A": 52, "B": 16, **{get_column_letter(j): 18 for j in range(FIRST_COL, last_col + 1)},
                 get_column_letter(last_col + 1): 40})


def _link(wb: _Workbook, ws: Any, r: int, key: Key, place: tuple[str, int, int, str | None] | None,
          number_format: str | None, blank_aware: bool, where: int) -> None:
    """Make the model read the input through the scenario shown; the base stays an input cell."""
    if place is None:
        # The model does not read this input here (e.g. an opportunity's own build cost that its
        # decision's option replaces): the engine ignores the override too.
        put_text(ws, r, where, "not used by the model in this plan")
        put_input(ws, r, FIRST_COL, None)
        return
    sheet, row, col, name = place
    target = ws.parent[sheet].cell(row, col)
    ref = f"'{sheet}'!${get_column_letter(col)}${row}"
    if sheet in ("Inputs", "Portfolio") and name:
        # Those sheets hold inputs only: the base stays there, the model's name moves here.
        put(ws, r, FIRST_COL, f'=IF(ISBLANK({ref}),"",{ref})' if blank_aware else f"={ref}", number_format)
        wb.defined_names[name] = DefinedName(name, attr_text=f"'{SHEET}'!$B${r}")
        put_text(ws, r, where, f"{name} (the base value is {sheet}!{get_column_letter(col)}{row})")
        target.comment = Comment(f"The base value. The model reads {name} on the Scenarios sheet, where the "
                                 "scenario shown picks this value or its own.", "AI Product Planner")
    else:
        put_input(ws, r, FIRST_COL, target.value, number_format)
        target.value = f"='{SHEET}'!$B${r}"
        target.font, target.fill = FORMULA_FONT, PatternFill()
        target.comment = Comment("Set on the Scenarios sheet: this input differs between scenarios.",
                                 "AI Product Planner")
        put_text(ws, r, where, f"{sheet}!{get_column_letter(col)}{row}")


def _app_totals(ws: Any, row: int, sset: ScenarioSet, fmt: Formats) -> int:
    """Each scenario's totals as the app calculated them, to check the selector against."""
    put_text(ws, row, 1, "As the app calculated each scenario (values, not formulas)", TITLE)
    rows: tuple[tuple[str, Callable[[PortfolioResult], float | None], str], ...] = (
        ("Total eNPV (deterministic)", lambda p: p.total_enpv, fmt.money),
        ("Funded set: eNPV", lambda p: p.selected_enpv if p.budget is not None else None, fmt.money),
        ("Funded set: build cost", lambda p: p.selected_build_cost if p.budget is not None else None,
         fmt.money),
        ("Funded set: how many", lambda p: len(p.selected) if p.budget is not None else None, "0"))
    for k, (label, pick, number_format) in enumerate(rows, row + 1):
        put_text(ws, k, 1, label)
        for j, line in enumerate(sset.lines, FIRST_COL):
            value = pick(line.results.portfolio)
            if value is not None:
                put(ws, k, j, float(value), number_format)
    row += len(rows) + 1
    put_text(ws, row, 1, sset.weighted_words(
        sset.lines[0].results.plan.settings.currency))
    return row + 1


VOI_HEADER = ("For", "ID", "Input", "Input key", "Worth learning it first (EVPPI)",
              "Worth learning everything first (EVPI)")


def information_sheet(wb: _Workbook, results: PlanResults, fmt: Formats) -> None:
    """EVPPI per input and EVPI, per opportunity and for the plan, marked as simulated values."""
    ws = wb.create_sheet(VOI_SHEET)
    plan = results.plan
    put_text(ws, 1, 1, f"Value of information: simulated (Monte Carlo, {results.samples:,} samples, seed "
                       f"{plan.settings.mc_seed}): not live formulas, these are values from the app.", BOLD)
    _page(ws, "D3", "1:2")
    for j, head in enumerate(VOI_HEADER, 1):
        put_text(ws, 2, j, head, BOLD)
    if not results.samples:
        put_text(ws, 3, 1, "Not simulated: run the Monte Carlo simulation to see what is worth learning.")
        return
    names = input_names(plan)
    owners = [(r.name or r.id, r.id, r.evppi, r.evpi) for r in results.opportunities]
    p = results.portfolio
    owners.append(("The whole plan (each opportunity decided on its own)", "plan", p.evppi, p.evpi))
    row = 3
    for name, oid, worths, evpi in owners:
        owner = oid if oid != "plan" else None
        for w in worths or [None]:
            put_text(ws, row, 1, name)
            put_text(ws, row, 2, oid)
            if w is not None:
                words = input_words(w.key, plan, names, owner)
                put_text(ws, row, 3, words[:1].upper() + words[1:])
                put_text(ws, row, 4, ":".join(w.key))
                put(ws, row, 5, float(w.evppi), fmt.money)
            else:
                put_text(ws, row, 3, "no input with a range")
            if evpi is not None:
                put(ws, row, 6, float(evpi), fmt.money)
            row += 1
    _widths(ws, {"A": 40, "B": 22, "C": 52, "D": 44, "E": 18, "F": 18})
