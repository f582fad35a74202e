"""The live workbook, recalculated by LibreOffice, reproduces the engine."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from app.exports.workbook import PORTFOLIO_HEAD_ROW, PORTFOLIO_HEADER, build_workbook, write_workbook
from app.interchange import sample_data
from models.engine import PlanResults, calculate, results_json
from models.plan import plan_from_json
from tests.app.libreoffice import SOFFICE, needs_soffice, recalculate

HOSTILE = '=HYPERLINK("http://127.0.0.1:9/x","click")'


def _index(items: list[dict[str, Any]], item_id: str) -> int:
    return next(n for n, x in enumerate(items, 1) if x["id"] == item_id)


def _edit_opportunity(opp_id: str, **changes: float) -> Any:
    def edit(data: dict[str, Any]) -> list[tuple[str, int, float]]:
        k = _index(data["opportunities"], opp_id)
        data["opportunities"][k - 1].update(changes)
        return [(f"opp{k}_{field}", 0, value) for field, value in changes.items()]
    return edit


def _edit_unit_model(um_id: str, field: str, value: float) -> Any:
    def edit(data: dict[str, Any]) -> list[tuple[str, int, float]]:
        k = _index(data["unit_models"], um_id)
        data["unit_models"][k - 1][field] = value
        return [(f"um{k}_{field}", 0, value)]
    return edit


def _edit_option(dec_id: str, opt_id: str, field: str, value: float) -> Any:
    def edit(data: dict[str, Any]) -> list[tuple[str, int, float]]:
        k = _index(data["decisions"], dec_id)
        options = data["decisions"][k - 1]["options"]
        j = _index(options, opt_id)
        options[j - 1][field] = value
        return [(f"dec{k}_{field}", j - 1, value)]
    return edit


#: An exec edits one input cell; the engine, given the same change, says where results go.
SCENARIOS = {
    # linked to nothing: only its own cash flows move
    "own_users": _edit_opportunity("opp-sales-email", eligible_users=520.0),
    # docs/formulas.md 3.1's edge cases: full adoption at once, and all of the build cost in month 1
    "no_ramp_no_launch": _edit_opportunity("opp-sales-email", ramp_months=0.0, launch_month=0.0),
    # linked to a decision and a unit model: volumes, TCO and scores move too
    "linked_users": _edit_opportunity("opp-support-copilot", eligible_users=300.0),
    # the unit model's fixed cost reaches the opportunity's run cost
    "unit_fixed": _edit_unit_model("um-support-copilot", "fixed_monthly", 9000.0),
    # a decision without a chosen option: a dearer build quote hands the win to another option,
    # whose cost and launch month the opportunity then takes
    "winner_flips": _edit_option("dec-contract", "opt-contract-build", "upfront_cost", 700000.0),
    # ... and to an option without a per-task cost: the opportunity's own cost per task returns
    "winner_without_task_cost": _edit_option("dec-contract", "opt-contract-build", "upfront_cost", 2e6),
}


def _close(got: Any, want: float, rel: float) -> bool:
    return isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=rel, abs_tol=1e-9)


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    data = copy.deepcopy(sample_data())
    data["opportunities"][0]["name"] = HOSTILE
    return data


@pytest.fixture(scope="module")
def recalculated(sample: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The workbook as written and once per scenario, all recalculated in one soffice run."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    results = calculate(plan_from_json(sample))
    src = tmp_path_factory.mktemp("src")
    base = src / "base.xlsx"
    write_workbook(sample, results, base)
    files = [base]
    engines: dict[str, PlanResults] = {}
    for name, edit in SCENARIOS.items():
        data = copy.deepcopy(sample)
        edits = edit(data)
        engines[name] = calculate(plan_from_json(data), monte_carlo=False, with_tornado=False)
        wb = openpyxl.load_workbook(base)
        for defined, offset, value in edits:
            sheet, ref = next(iter(wb.defined_names[defined].destinations))
            first = ref.replace("$", "").split(":")[0]
            wb[sheet][first].offset(row=offset).value = value
        wb.save(src / f"{name}.xlsx")
        files.append(src / f"{name}.xlsx")
    outputs = recalculate(files, tmp_path_factory.mktemp("out"))
    books = {f.stem: openpyxl.load_workbook(o, data_only=True) for f, o in zip(files, outputs, strict=True)}
    return {"results": results, "engines": engines, "books": books}


#: Portfolio headings -> the names ``calc --json`` gives the same figures.
ENGINE_KEYS = {"ID": "id", "NPV": "npv", "eNPV": "enpv", "IRR": "irr", "ROI": "roi",
               "Payback month": "payback_month", "PV of benefits": "pv_benefit", "PV of costs": "pv_cost",
               "RICE": "rice", "Rank": "rank", "Funded": "funded", "Build cost": "build_cost"}


def _portfolio_rows(wb: openpyxl.Workbook) -> list[dict[str, Any]]:
    """The opportunity rows of the Portfolio sheet, keyed as the engine's JSON, in the sheet's order."""
    ws = wb["Portfolio"]
    rows = list(ws.iter_rows(min_row=PORTFOLIO_HEAD_ROW, values_only=True))
    assert tuple(rows[0][:len(PORTFOLIO_HEADER)]) == PORTFOLIO_HEADER
    keys = [ENGINE_KEYS.get(h, h) for h in PORTFOLIO_HEADER]
    return [dict(zip(keys, r, strict=False)) for r in rows[1:] if r[2]]


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in rows}


def _check_row(row: dict[str, Any], want: dict[str, Any]) -> None:
    assert row["id"] == want["id"]
    for key in ("npv", "enpv", "roi", "pv_benefit", "pv_cost", "rice"):
        if want[key] is None:
            assert row[key] in (None, ""), (want["id"], key, row[key])
        else:
            assert _close(row[key], want[key], 1e-9), (want["id"], key, row[key], want[key])
    if want["irr"] is None:
        assert row["irr"] in (None, ""), (want["id"], row["irr"])
    else:
        assert _close(row["irr"], want["irr"], 1e-9), (want["id"], row["irr"], want["irr"])
    if want["payback_month"] is None:
        assert row["payback_month"] in (None, ""), (want["id"], row["payback_month"])
    else:
        assert row["payback_month"] == want["payback_month"], (want["id"], row["payback_month"])


@needs_soffice
def test_portfolio_formulas_match_engine(recalculated: dict[str, Any]) -> None:
    engine = results_json(recalculated["results"])["opportunities"]
    rows = _portfolio_rows(recalculated["books"]["base"])
    assert len(rows) == len(engine)
    # ranked as the engine ranks, and the live Rank column says so
    assert [r["id"] for r in rows] == list(recalculated["results"].portfolio.ranking)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    for want in engine:
        _check_row(_by_id(rows)[want["id"]], want)
    # the sample has one opportunity that never pays back and every IRR defined: both kinds covered
    assert any(o["payback_month"] is None for o in engine)


def _check_decisions_and_units(wb: openpyxl.Workbook, data: dict[str, Any], results: PlanResults) -> None:
    _, cells = build_workbook(data, results)
    for d in results.decisions:
        for oid, score in d.scores.items():
            sheet, r, c = cells["score"][d.decision_id, oid]
            assert _close(wb[sheet].cell(r, c).value, score, 1e-9), (d.decision_id, oid)
        for oid, tco in d.tco.items():
            sheet, r, c = cells["tco"][d.decision_id, oid]
            assert _close(wb[sheet].cell(r, c).value, tco, 1e-9), (d.decision_id, oid)
    for u in results.unit_models:
        for name, want in u.costs.items():
            sheet, r, c = cells["unit"][u.id, name]
            got = wb[sheet].cell(r, c).value
            if want is None:
                assert got in (None, ""), (u.id, name, got)
            else:
                assert _close(got, want, 1e-9), (u.id, name, got, want)


@needs_soffice
def test_decisions_and_unit_economics_match_engine(sample: dict[str, Any],
                                                   recalculated: dict[str, Any]) -> None:
    _check_decisions_and_units(recalculated["books"]["base"], sample, recalculated["results"])


@needs_soffice
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_changed_input_moves_results_as_the_engine_says(scenario: str, sample: dict[str, Any],
                                                       recalculated: dict[str, Any]) -> None:
    engine = recalculated["engines"][scenario]
    wb = recalculated["books"][scenario]
    before = _portfolio_rows(recalculated["books"]["base"])
    rows = _by_id(_portfolio_rows(wb))
    for want in results_json(engine)["opportunities"]:
        _check_row(rows[want["id"]], want)
    # the live rank follows the edited eNPVs as the engine ranks them
    assert sorted(rows, key=lambda oid: rows[oid]["rank"]) == list(engine.portfolio.ranking)
    assert [r["npv"] for r in rows.values()] != [r["npv"] for r in before]
    _check_decisions_and_units(wb, sample, engine)
    if scenario.startswith("winner_"):  # the scenario does what it says
        base_winner = {d.decision_id: d.winner for d in recalculated["results"].decisions}
        assert {d.decision_id: d.winner for d in engine.decisions} != base_winner


@needs_soffice
def test_user_text_stays_text_after_recalculation(recalculated: dict[str, Any]) -> None:
    ws = recalculated["books"]["base"]["Portfolio"]
    cell = ws.cell(_row_of(ws, "opp-support-copilot"), PORTFOLIO_HEADER.index("Opportunity") + 1)
    assert cell.value == HOSTILE
    assert cell.data_type == "s"


def _row_of(ws: Any, opportunity_id: str) -> int:
    id_col = PORTFOLIO_HEADER.index("ID") + 1
    return next(r for r in range(PORTFOLIO_HEAD_ROW + 1, ws.max_row + 1)
                if ws.cell(r, id_col).value == opportunity_id)


def test_user_text_is_stored_as_string(sample: dict[str, Any], tmp_path: Path) -> None:
    data = copy.deepcopy(sample)
    data["opportunities"][1]["name"] = "+1 bad\x07 name"
    out = tmp_path / "w.xlsx"
    write_workbook(data, calculate(plan_from_json(data), monte_carlo=False, with_tornado=False), out)
    wb = openpyxl.load_workbook(out)
    ws = wb["Portfolio"]
    name_col = PORTFOLIO_HEADER.index("Opportunity") + 1
    first = ws.cell(_row_of(ws, data["opportunities"][0]["id"]), name_col)
    second = ws.cell(_row_of(ws, data["opportunities"][1]["id"]), name_col)
    assert (first.value, first.data_type) == (HOSTILE, "s")
    assert (second.value, second.data_type) == ("+1 bad name", "s")
    assert ws.cell(first.row, PORTFOLIO_HEADER.index("NPV") + 1).value.startswith("=SUMPRODUCT(")
    assert "discount_rate" in wb.defined_names and "opp1_adoption_target" in wb.defined_names
    assert wb.calculation.fullCalcOnLoad
    assert not list(tmp_path.glob("*.tmp"))


def test_small_plan_without_links_and_unknown_currency(tmp_path: Path) -> None:
    data = {"format": "aiplan", "version": 2,
            "project": {"name": "Tiny", "currency": "SEK", "horizon_years": 1, "discount_rate": 0.08},
            "opportunities": [{"id": "o1", "name": "@only one", "eligible_users": 10, "adoption_target": 0.5,
                               "tasks_per_user_month": 4, "value_per_success": 2, "build_cost": 100}]}
    out = tmp_path / "tiny.xlsx"
    write_workbook(data, calculate(plan_from_json(data), monte_carlo=False, with_tornado=False), out)
    wb = openpyxl.load_workbook(out)
    assert wb["Portfolio"]["B5"].value == "@only one"
    assert "SEK" in wb["Portfolio"]["E5"].number_format
    assert wb["Cashflows"].max_row == 1 + 12
    assert wb["Uncertainty"]["C3"].value == "not simulated"
    assert len(wb["Portfolio"]._charts) == 1
