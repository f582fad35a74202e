"""``aiplan calc``: the names of docs/architecture.md 5 as JSON keys, a readable table, plain errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.app.test_cli import _one_line_error, aiplan
from tests.models.test_decision_ties import with_tied_decision

OPPORTUNITY_KEYS = {"id", "name", "npv", "enpv", "irr", "roi", "payback_month", "pv_benefit",
                    "pv_cost", "pv_build", "annual_benefit_ss", "annual_cost_ss", "rice",
                    "effective", "mc", "tornado", "evpi", "evppi"}
MC_KEYS = {"npv_mean", "npv_p10", "npv_p50", "npv_p90", "p_npv_positive"}
UNIT_KEYS = {"llm_cost_per_task", "retrieval_cost_per_task", "variable_cost_per_task",
             "loaded_cost_per_task", "gross_margin", "break_even_tasks_month", "mc"}


def test_calc_json_uses_design_names(sample_file: Path, sample_json: dict[str, Any]) -> None:
    result = aiplan("calc", sample_file, "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"project", "opportunities", "decisions", "unit_models", "portfolio",
                        "correlation_repairs", "scenarios", "weighted_enpv"}
    assert [o["id"] for o in out["opportunities"]] == [o["id"] for o in sample_json["opportunities"]]
    for o in out["opportunities"]:
        assert OPPORTUNITY_KEYS <= set(o)
        assert set(o["mc"]) == MC_KEYS
        assert o["mc"]["npv_p10"] <= o["mc"]["npv_p50"] <= o["mc"]["npv_p90"]
        assert {"value", "source"} == set(o["effective"]["build_cost"])
    for d in out["decisions"]:
        assert {"scores", "tco", "winner", "flips"} <= set(d)
        for flip in d["flips"]:
            assert set(flip) == {"criterion", "share_now", "share_flip", "new_winner", "overtakers"}
    for u in out["unit_models"]:
        assert UNIT_KEYS <= set(u)
    assert {"total_enpv", "selected", "selected_enpv", "mc"} <= set(out["portfolio"])
    assert set(out["portfolio"]["mc"]) == MC_KEYS


def test_calc_json_is_the_same_for_the_file_and_its_json_export(
    sample_file: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "plan.json"
    assert aiplan("export-json", sample_file, exported).returncode == 0
    from_file = aiplan("calc", sample_file, "--json").stdout
    assert from_file == aiplan("calc", exported, "--json").stdout  # same seed, same numbers


def test_calc_table_is_readable(sample_file: Path, sample_json: dict[str, Any]) -> None:
    result = aiplan("calc", sample_file)
    assert result.returncode == 0
    for o in sample_json["opportunities"]:
        assert o["name"] in result.stdout
    assert "$" in result.stdout and "P10 – P90" in result.stdout
    assert "stays best" in result.stdout


def test_calc_refuses_an_invalid_plan_in_one_line(tmp_path: Path, sample: dict[str, Any]) -> None:
    sample["unit_models"][0]["routes"][0]["share"] = 0.5
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(sample), encoding="utf-8")
    line = _one_line_error(aiplan("calc", source))
    assert "cannot calculate" in line and "must total 100%" in line


def test_calc_says_a_tie_as_a_tie_in_text_and_json(sample: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(with_tied_decision(sample)), encoding="utf-8")
    text = aiplan("calc", source)
    assert text.returncode == 0, text.stderr
    assert ("Build and Partner tie at 75.0 of 100. Any change in the weights breaks the tie: more weight "
            "on Quality favours Build; more weight on Speed favours Partner.") in text.stdout
    out = json.loads(aiplan("calc", source, "--json").stdout)
    decision = next(d for d in out["decisions"] if d["id"] == "dec-contract")
    assert decision["tied"] == ["opt-contract-build", "opt-contract-partner"]
    assert decision["winner"] == "opt-contract-build"  # the first entered, used until one is chosen
    assert [f["overtakers"] for f in decision["flips"]] == [["opt-contract-partner"]] * 2
    assert all(d["tied"] == [] for d in out["decisions"] if d["id"] != "dec-contract")


def test_calc_says_the_chosen_option_of_a_tie(sample: dict[str, Any], tmp_path: Path) -> None:
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(with_tied_decision(sample, chosen="opt-contract-partner")), encoding="utf-8")
    text = aiplan("calc", source)
    assert text.returncode == 0, text.stderr
    assert "Chosen: Partner, which ties with Build." in text.stdout


def test_calc_json_lists_each_opportunitys_kpis_with_the_plans_own_value(sample_file: Path) -> None:
    out = json.loads(aiplan("calc", sample_file, "--json").stdout)
    kpis = {o["id"]: o["kpis"] for o in out["opportunities"]}
    copilot = {k["metric"]: k for k in kpis["opp-support-copilot"]}
    assert copilot["latency_p95_s"]["status"] == "not met" and copilot["latency_p95_s"]["planned"] is None
    assert copilot["critical_error_rate"]["status"] == "met"
    cost = copilot["cost_per_task"]
    unit = next(u for u in out["unit_models"] if u["id"] == "um-support-copilot")
    assert cost["status"] == "not measured" and cost["planned"] == unit["loaded_cost_per_task"]
    assert cost["plan_meets"] is True and 0 < cost["p_meets"] <= 1
    search = {k["metric"]: k for k in kpis["opp-knowledge-search"]}
    assert search["cost_per_task"]["plan_meets"] is False  # the sample's plan-vs-gate conflict
    assert kpis["opp-sales-email"] == []
