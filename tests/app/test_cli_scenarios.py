"""``aiplan calc`` with scenarios and value of information: ``--scenario NAME``, and the
``scenarios``, ``evpi`` and ``evppi`` of ``calc --json`` (docs/architecture.md 5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from models.engine import calculate, results_json
from models.plan import plan_from_json
from models.scenarios import apply_scenario, calculate_scenarios, scenario_from_json
from tests.app.test_cli import _one_line_error, aiplan


def _scenario(sample_json: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in sample_json["scenarios"] if s["name"] == name)


@pytest.mark.parametrize("typed", ["Downside", "  downside ", "DOWNSIDE"])
def test_calc_scenario_prints_the_object_of_that_scenario(sample_file: Path, sample_json: dict[str, Any],
                                                          typed: str) -> None:
    result = aiplan("calc", sample_file, "--json", "--scenario", typed)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    alone = calculate(plan_from_json(apply_scenario(sample_json, scenario_from_json(
        _scenario(sample_json, "Downside")))))
    expected = json.loads(json.dumps(results_json(alone)))
    for key in ("portfolio", "unit_models"):
        assert out[key] == expected[key]
    assert [o["npv"] for o in out["opportunities"]] == [o["npv"] for o in expected["opportunities"]]
    assert "scenarios" not in out  # one scenario's object


def test_calc_scenario_base_is_the_plan_as_it_is(sample_file: Path) -> None:
    base = json.loads(aiplan("calc", sample_file, "--json", "--scenario", "base").stdout)
    whole = json.loads(aiplan("calc", sample_file, "--json").stdout)
    assert base["portfolio"] == whole["portfolio"]


def test_an_unknown_scenario_is_one_sentence_naming_the_scenarios(sample_file: Path) -> None:
    result = aiplan("calc", sample_file, "--scenario", "Worst case")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == ("aiplan: There is no scenario “Worst case”; the plan's scenarios are "
                                     "“Base”, “Downside”, “Upside”.")


def test_calc_json_carries_every_scenario_and_the_weighted_total(sample_file: Path,
                                                                 sample_json: dict[str, Any]) -> None:
    out = json.loads(aiplan("calc", sample_file, "--json").stdout)
    engine = calculate_scenarios(sample_json, [scenario_from_json(s) for s in sample_json["scenarios"]],
                                 with_tornado=False)
    assert [s["name"] for s in out["scenarios"]] == ["Base", "Downside", "Upside"]
    assert [s["probability"] for s in out["scenarios"]] == [0.5, 0.25, 0.25]
    for entry, (name, results) in zip(out["scenarios"], engine.items(), strict=True):
        assert entry["name"] == name
        assert entry["portfolio"]["total_enpv"] == results.portfolio.total_enpv
        assert entry["portfolio"]["selected"] == list(results.portfolio.selected)
        assert [o["enpv"] for o in entry["opportunities"]] == [o.enpv for o in results.opportunities]
        assert entry["portfolio"]["mc"]["npv_p10"] == results.portfolio.mc.p10  # type: ignore[union-attr]
    assert out["weighted_enpv"] == pytest.approx(
        0.5 * engine["Base"].portfolio.total_enpv + 0.25 * engine["Downside"].portfolio.total_enpv
        + 0.25 * engine["Upside"].portfolio.total_enpv)


def test_calc_json_ranks_what_is_worth_learning(sample_file: Path) -> None:
    out = json.loads(aiplan("calc", sample_file, "--json").stdout)
    for o in out["opportunities"]:
        worth = [w["evppi"] for w in o["evppi"]]
        assert worth == sorted(worth, reverse=True) and 0 <= worth[-1] <= worth[0] <= o["evpi"] + 1e-6
        assert set(o["evppi"][0]) == {"object", "id", "input", "evppi"}
    assert out["portfolio"]["evpi"] == pytest.approx(sum(o["evpi"] for o in out["opportunities"]))


def test_calc_text_shows_the_scenarios_and_what_to_learn_next(sample_file: Path) -> None:
    text = aiplan("calc", sample_file).stdout
    assert "\nScenarios\n" in text and "Probability-weighted total eNPV: $2,984,668" in text
    assert "What to learn next" in text
    assert "Customer self-service answers: whether the launch succeeds, worth up to $101k" in text


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d["correlations"].append(dict(d["correlations"][0], id="cor-again")),
     "These two inputs are already correlated: change that correlation instead of adding another."),
    (lambda d: d["correlations"][0].update(b=dict(d["correlations"][0]["a"])),
     "An input cannot be correlated with itself: pick two different inputs."),
])
def test_a_correlation_the_plan_cannot_use_stops_calc_in_one_sentence(
        tmp_path: Path, sample: dict[str, Any], change: Any, words: str) -> None:
    change(sample)
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(sample), encoding="utf-8")
    for extra in ((), ("--json",), ("--scenario", "Downside")):
        line = _one_line_error(aiplan("calc", source, *extra))
        assert "Support copilot (agent assist) · adoption target ↔" in line and words in line


def test_a_scenario_that_breaks_a_rule_stops_calc_in_one_sentence(
        tmp_path: Path, sample: dict[str, Any]) -> None:
    downside = _scenario(sample, "Downside")
    # Each value is fine on its own; the routes' shares no longer total 100% in this scenario.
    route = sample["unit_models"][0]["routes"][0]
    downside["overrides"].append({"kind": "route", "id": route["id"], "field": "share",
                                  "value": route["share"] / 2})
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(sample), encoding="utf-8")
    for extra in ((), ("--json",), ("--scenario", "downside")):
        line = _one_line_error(aiplan("calc", source, *extra))
        assert "Downside" in line and "must total 100%" in line


def test_a_scenario_refused_on_reading_is_one_sentence_with_one_full_stop(tmp_path: Path,
                                                                         sample_json: dict[str, Any]) -> None:
    data = json.loads(json.dumps(sample_json))
    data["scenarios"][1]["name"] = " base "
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = aiplan("check", source)
    assert result.returncode == 2
    assert result.stderr.strip() == ("aiplan: “plan.json” is not a valid project: Scenario “ base ”: "
                                     "“ base ” is already the base plan's name; give it another name.")
