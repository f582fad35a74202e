"""The workbook as an analyst reads and prints it: inputs marked, plain labels, no hidden constants,
pages set up, and a budget and IRR that LibreOffice recalculates as ``aiplan calc`` computes them."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.formula.tokenizer import Tokenizer

from app.exports.workbook import (
    CHART_MAX_HEIGHT_CM,
    PAGE_HEIGHT_PT,
    PORTFOLIO_HEAD_ROW,
    PORTFOLIO_HEADER,
    build_workbook,
    greedy_in_rank_order,
    write_workbook,
)
from app.interchange import sample_data
from models.engine import calculate
from models.plan import plan_from_json
from tests.app.libreoffice import needs_soffice, recalculate
from tests.app.test_cli import aiplan

#: The only numbers a formula may spell out: units and scales fixed by the model's definitions, never
#: by a plan. 0 and 1 (flags, "1 + rate", "1 - p"), 4 (the span of a 1-5 score), 12 (months a
#: year), 100 (a score out of 100), 1000 and 1000000 (prices quoted per thousand and per million).
#: Every other number is an input cell with a label.
UNIT_CONSTANTS = {0.0, 1.0, 4.0, 12.0, 100.0, 1000.0, 1000000.0}
SNAKE = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")
COL = {head: j for j, head in enumerate(PORTFOLIO_HEADER, 1)}


def _plan(opportunities: list[dict[str, Any]], budget: float | None = None) -> dict[str, Any]:
    project: dict[str, Any] = {"name": "Analyst", "currency": "USD", "horizon_years": 3,
                               "discount_rate": 0.08}
    if budget is not None:
        project["budget"] = budget
    return {"format": "aiplan", "version": 2, "project": project, "opportunities": opportunities}


def _opp(oid: str, users: float, build: float) -> dict[str, Any]:
    """Full adoption from month 2, one task a user a month worth 2, nothing to run: net is easy."""
    return {"id": oid, "name": f"Opportunity {oid}", "eligible_users": users, "adoption_target": 1,
            "ramp_months": 0, "launch_month": 1, "tasks_per_user_month": 1, "success_rate": 1,
            "value_per_success": 2, "build_cost": build}


def _is_input(cell: Any) -> bool:
    return (cell.font.color is not None and cell.font.color.rgb == "000000FF"
            and cell.fill.fill_type == "solid")


def _formulas(wb: openpyxl.Workbook) -> list[tuple[str, str, str]]:
    return [(ws.title, cell.coordinate, cell.value) for ws in wb.worksheets for row in ws.iter_rows()
            for cell in row if cell.data_type == "f"]


@pytest.fixture(scope="module")
def sample_book() -> openpyxl.Workbook:
    data = sample_data()
    wb, _ = build_workbook(data, calculate(plan_from_json(data), monte_carlo=False, with_tornado=False))
    return wb


def test_inputs_look_like_inputs_and_formulas_do_not(sample_book: openpyxl.Workbook) -> None:
    wb = sample_book
    assert not [c for c in _formulas(wb) if c[0] == "Inputs"], "a formula on the Inputs sheet"
    for title, coordinate, _ in _formulas(wb):
        assert not _is_input(wb[title][coordinate]), (title, coordinate)
    # every number a reader may change is marked, on Inputs and beside the options and unit models
    for title in ("Inputs", "Decisions", "Unit economics"):
        for row in wb[title].iter_rows():
            for cell in row:
                if cell.data_type == "n" and cell.value is not None:
                    assert _is_input(cell), (title, cell.coordinate, cell.value)
    # every defined name on a value (not a formula) is an input cell
    for name, defined in wb.defined_names.items():
        for sheet, ref in defined.destinations:
            first = wb[sheet][ref.replace("$", "").split(":")[0]]
            if first.data_type != "f" and ":" not in ref:
                assert _is_input(first), name
    budget_sheet, budget_ref = next(iter(wb.defined_names["budget"].destinations))
    assert budget_sheet == "Portfolio" and _is_input(wb["Portfolio"][budget_ref.replace("$", "")])


def test_no_constant_hides_in_a_formula(sample_book: openpyxl.Workbook) -> None:
    found = []
    for title, coordinate, formula in _formulas(sample_book):
        for token in Tokenizer(formula).items:
            number = token.type == "OPERAND" and token.subtype == "NUMBER"
            if number and float(token.value) not in UNIT_CONSTANTS:
                found.append((title, coordinate, token.value, formula))
    assert not found, found[:5]
    # the opportunity's own run cost that a unit model adds to is a named input, not a number
    linked = sample_book["Linked inputs"]
    run_costs = [row[2] for row in linked.iter_rows(min_row=2, values_only=True) if "_own_" in str(row[2])]
    assert run_costs and all(re.fullmatch(r"=opp\d+_own_run_cost_annual\+12\*um\d+_fixed_monthly", f)
                             for f in run_costs if "run_cost" in f)


def test_labels_are_words_and_names_stay(sample_book: openpyxl.Workbook) -> None:
    wb = sample_book
    labels = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row
              if c.data_type == "s" and (c.font.bold or (ws.title == "Inputs" and c.column == 1))]
    assert not [label for label in labels if SNAKE.match(str(label))]
    inputs = [row[0] for row in wb["Inputs"].iter_rows(values_only=True)]
    assert "Eligible users" in inputs and "eligible_users" not in inputs
    assert {"opp1_eligible_users", "discount_rate", "horizon_years", "dec1_pick",
            "um1_fixed_monthly"} <= set(wb.defined_names)


def _chart_rows(ws: Any, chart: Any) -> tuple[int, int, float]:
    """First and last row a chart covers, as the file anchors it, and its height in cm."""
    top = chart.anchor._from.row + 1
    height_pt = chart.anchor.ext.height / 12700  # EMU
    bottom, covered = top, 0.0
    while covered < height_pt:
        covered += ws.row_dimensions[bottom].height or 15  # rows are 15 points unless set
        bottom += 1
    return top, bottom - 1, height_pt / 72 * 2.54


def test_every_sheet_prints_landscape_one_page_wide_with_headings_and_frozen_panes(tmp_path: Path) -> None:
    data = copy.deepcopy(sample_data())
    # a plan long enough to print on several pages, with many bars in the portfolio chart
    extra = [dict(data["opportunities"][2], id=f"opp-more-{k}", name=f"More {k}") for k in range(52)]
    data["opportunities"] += extra
    # and a decision with so many options that its chart cannot share the table's page
    options = data["decisions"][0]["options"]
    options += [dict(options[-1], id=f"opt-more-{k}", name=f"Vendor {k}") for k in range(25)]
    out = tmp_path / "long.xlsx"
    write_workbook(data, calculate(plan_from_json(data), monte_carlo=False, with_tornado=False), out)
    wb = openpyxl.load_workbook(out)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.print_title_rows, ws.title
        assert ws.freeze_panes not in (None, "A1"), ws.title
    charts = [(ws, chart) for ws in wb.worksheets for chart in ws._charts]
    assert len(charts) == 1 + len(data["decisions"])
    for ws, chart in charts:
        # each chart starts a page (the sheet's first or after a break) and ends before the next break
        top, bottom, height_cm = _chart_rows(ws, chart)
        starts = [0] + sorted(b.id for b in ws.row_breaks.brk)
        page_start = max(s for s in starts if s < top)
        later = [s for s in starts if s >= top]
        assert not later or bottom <= later[0], (ws.title, top, bottom, later)
        # the page's repeated headings, then its rows down to the chart's end fit one page at
        # full scale (fit-to-width only ever shrinks, so they fit at the printed scale too)
        first, last = (int(x) for x in ws.print_title_rows.replace("$", "").split(":"))
        rows = list(range(first, last + 1)) if page_start else []
        rows += range(page_start + 1, bottom + 1)
        used = sum(ws.row_dimensions[r].height or 15 for r in rows)
        assert used <= PAGE_HEIGHT_PT, (ws.title, top, bottom, used)
        assert height_cm <= CHART_MAX_HEIGHT_CM + 1e-6


def test_note_says_when_the_app_funds_another_set(tmp_path: Path) -> None:
    # the first in rank order uses most of the budget; the next two together are worth more
    data = _plan([_opp("a", 5000, 60000), _opp("b", 4600, 50000), _opp("c", 4600, 50000)], budget=100000)
    results = calculate(plan_from_json(data), monte_carlo=False, with_tornado=False)
    assert results.portfolio.selected == ("b", "c")
    assert greedy_in_rank_order(results, 100000) == ["a"]
    wb, _ = build_workbook(data, results)
    note = wb["Portfolio"].cell(3, COL["Opportunity"]).value
    assert "they differ: the app funds Opportunity b, Opportunity c" in note
    agree, _ = build_workbook(copy.deepcopy(data), calculate(
        plan_from_json(_plan(data["opportunities"], budget=60000)), monte_carlo=False, with_tornado=False))
    assert "both fund the same 1 opportunities" in agree["Portfolio"].cell(3, COL["Opportunity"]).value


def _calc_with_budget(data: dict[str, Any], budget: float | None, where: Path) -> dict[str, Any]:
    """``aiplan calc --json`` of the plan with this budget, run as a user runs it."""
    changed = copy.deepcopy(data)
    changed["project"]["budget"] = budget
    source, project = where / f"plan-{budget}.json", where / f"plan-{budget}.aiplan"
    source.write_text(json.dumps(changed), encoding="utf-8")
    made = aiplan("import-json", source, project)
    assert made.returncode == 0, made.stderr
    calc = aiplan("calc", project, "--json")
    assert calc.returncode == 0, calc.stderr
    return json.loads(calc.stdout)


def _portfolio(wb: openpyxl.Workbook) -> tuple[dict[str, Any], dict[str, float]]:
    ws = wb["Portfolio"]
    rows = {}
    for r in range(PORTFOLIO_HEAD_ROW + 1, ws.max_row + 1):
        oid = ws.cell(r, COL["ID"]).value
        if oid:
            rows[oid] = {head: ws.cell(r, j).value for head, j in COL.items()}
    totals = {"enpv": ws.cell(2, COL["eNPV"]).value, "build_cost": ws.cell(2, COL["Build cost"]).value,
              "count": ws.cell(2, COL["Funded"]).value}
    return rows, totals


@needs_soffice
def test_budget_edit_and_deep_negative_irr_recalculate_as_the_app(tmp_path: Path) -> None:
    data = copy.deepcopy(sample_data())
    deep = _opp("deep-loss", 97, 100000)
    data["opportunities"].append(deep)
    src = tmp_path / "src"
    src.mkdir()
    base = src / "base.xlsx"
    write_workbook(data, calculate(plan_from_json(data), monte_carlo=False, with_tornado=False), base)
    budgets: dict[str, float | None] = {"tight": 400000.0, "wide": 1100000.0, "none": None}
    files = [base]
    for label, budget in budgets.items():
        wb = openpyxl.load_workbook(base)
        sheet, ref = next(iter(wb.defined_names["budget"].destinations))
        wb[sheet][ref.replace("$", "")].value = budget
        wb.save(src / f"{label}.xlsx")
        files.append(src / f"{label}.xlsx")
    books = {f.stem: openpyxl.load_workbook(o, data_only=True)
             for f, o in zip(files, recalculate(files, tmp_path / "out"), strict=True)}

    funded_sets = set()
    calcs = {label: _calc_with_budget(data, budget, tmp_path) for label, budget in budgets.items()}
    for label in budgets:
        want = calcs[label]["portfolio"]
        rows, totals = _portfolio(books[label])
        funded = {oid for oid, row in rows.items() if row["Funded"] == 1}
        assert funded == set(want["selected"]), (label, funded, want["selected"])
        assert all(row["Funded"] in (0, 1) for row in rows.values())
        assert totals["count"] == len(want["selected"])
        assert math.isclose(totals["enpv"], want["selected_enpv"], rel_tol=1e-9, abs_tol=1e-6), label
        assert math.isclose(totals["build_cost"], want["selected_build_cost"], rel_tol=1e-12, abs_tol=1e-6)
        funded_sets.add(frozenset(funded))
    assert len(funded_sets) == 3  # each budget funds a different set: the flags follow the cell

    engine = next(o for o in calcs["none"]["opportunities"] if o["id"] == "deep-loss")
    assert -0.8 < engine["irr"] < -0.7
    rows, _ = _portfolio(books["base"])
    got = rows["deep-loss"]["IRR"]
    assert isinstance(got, float) and math.isclose(got, engine["irr"], rel_tol=1e-9), (got, engine["irr"])
