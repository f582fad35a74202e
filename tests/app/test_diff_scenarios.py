"""`aiplan diff` reads scenarios and correlations: what a scenario overrides, and how tightly
two inputs move together."""

from __future__ import annotations

import copy
from typing import Any

from app.diff import diff_plans

Json = dict[str, Any]


def _changed(sample: Json) -> Json:
    new = copy.deepcopy(sample)
    downside = new["scenarios"][0]
    downside["probability"] = 0.3
    downside["overrides"] = [o for o in downside["overrides"] if o["field"] != "price_out_mtok"
                             or o["id"] != "route-triage-flash"]
    knowledge = next(o for o in downside["overrides"] if o["id"] == "opp-knowledge-search")
    knowledge["value"] = {"base": 0.3, "low": 0.2, "high": 0.45, "dist": "pert"}
    downside["overrides"].append({"kind": "project", "id": "", "field": "budget", "value": 700000})
    new["correlations"][0]["rho"] = 0.7
    del new["correlations"][1]
    new["scenarios"].append({"id": "scn-price", "name": "Vendor price rise", "description": "",
                             "probability": None, "overrides": []})
    return new


def test_each_change_to_a_scenario_or_a_correlation_reads_as_a_sentence(sample: Json) -> None:
    diff = diff_plans(sample, _changed(sample))
    text = diff.text()
    assert "\nScenarios\n" in text and "\nCorrelations\n" in text
    for line in ("Probability: 25% → 30%",
                 "Override of Internal knowledge search · adoption target: 35% (20% to 50%, pert) → "
                 "30% (20% to 45%, pert)",
                 "No longer overrides gemini-3.5-flash · output price per M tokens (was $11.70)",
                 "Overrides Budget: $700,000",
                 "+ “Vendor price rise” added",
                 "− “Sales e-mail drafting · adoption target ↔ Customer meeting summaries · adoption target” "
                 "removed",
                 "Rank correlation: 0.60 → 0.70"):
        assert line in text, line
    # The base plan's results do not move: scenarios are overlays, correlations shape only ranges.
    assert "No change in NPV, eNPV" in text


def test_the_json_diff_names_each_override_by_its_input(sample: Json) -> None:
    changes = diff_plans(sample, _changed(sample)).to_json()["changes"]
    budget = next(c for c in changes if c["field"] == "overrides/project//budget")
    assert budget["object"] == "scenario" and budget["id"] == "scn-downside"
    assert (budget["old"], budget["new"]) == (None, 700000)
    assert budget["path"] == "/scenarios/scn-downside/overrides/project//budget"
    rho = next(c for c in changes if c["field"] == "rho")
    assert (rho["old"], rho["new"]) == (0.6, 0.7)


def test_the_same_plan_has_no_differences(sample: Json) -> None:
    assert diff_plans(sample, copy.deepcopy(sample)).is_empty
