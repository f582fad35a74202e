"""Re-pricing against the bundled catalog: nothing moves until applied, the changes listed equal a
hand calculation, manual prices are never touched, a vanished model is named and kept, and an
applied re-price goes back exactly with its inverse."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app import interchange
from app.document import ProjectDocument
from app.edits import inverse
from app.project_state import ProjectState
from app.reprice import reprice
from models import catalog
from tests.app.test_cli import aiplan

COPILOT_UNIT = "um-support-copilot"


def _older(sample: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The sample as saved with an older catalog: its copilot's first route paid more for output
    tokens, on an older price date. Returns the plan, that unit model and that route."""
    data = copy.deepcopy(sample)
    unit = next(u for u in data["unit_models"] if u["id"] == COPILOT_UNIT)
    route = unit["routes"][0]
    assert route["provider"] and catalog.find(route["provider"], route["model"]) is not None
    route["price_out_mtok"] = route["price_out_mtok"] + 2.0
    route["price_date"] = "2026-01-15"
    return data, unit, route


def _base(value: Any) -> float:
    return float(value["base"] if isinstance(value, dict) else value)


def test_the_listed_change_in_cost_per_task_equals_a_hand_calculation(sample: dict[str, Any]) -> None:
    data, unit, route = _older(sample)
    result = reprice(data)
    [changed] = result.changed
    assert changed.route_id == route["id"] and changed.price_date == "2026-01-15"
    new = catalog.route_prices(catalog.find(route["provider"], route["model"]))  # type: ignore[arg-type]
    assert changed.new == {f: float(new[f]) for f in catalog.PRICE_FIELDS}  # type: ignore[arg-type]
    # docs/formulas.md 3.3: the route's share of the LLM cost, per call, retried, loaded.
    shares = sum(_base(r["share"]) for r in unit["routes"])
    assert changed.new is not None
    cheaper = changed.new["price_out_mtok"] - changed.old["price_out_mtok"]
    per_task = (_base(route["share"]) / shares * _base(route["calls_per_task"])
                * _base(route["output_tokens"]) * cheaper / 1e6 * (1 + _base(unit["retry_rate"])))
    cost = next(e for e in result.effects
                if e.object_id == COPILOT_UNIT and e.measure == "loaded_cost_per_task")
    assert cost.old is not None and cost.new is not None
    assert cost.new - cost.old == pytest.approx(per_task, rel=1e-9, abs=1e-12)
    assert {e.measure for e in result.effects if e.kind == "opportunity"} == {"npv", "enpv"}
    assert result.manual == sum(1 for u in data["unit_models"] for r in u["routes"]
                                if r["price_source"] == "manual")


def test_nothing_moves_until_applied_and_the_inverse_gives_the_file_back(
        sample: dict[str, Any], tmp_path: Path) -> None:
    data, _, route = _older(sample)
    path = tmp_path / "older.aiplan"
    with ProjectDocument.from_data(data) as doc:
        doc.save_as(path)
    before = path.read_bytes()
    shown = aiplan("reprice", path)
    assert shown.returncode == 0 and "→" in shown.stdout and route["model"] in shown.stdout
    assert path.read_bytes() == before  # a dry run: the file is as it was
    listed = json.loads(aiplan("reprice", path, "--json").stdout)
    assert listed["applied"] is False
    assert [r["route_id"] for r in listed["routes"] if r["changed"]] == [route["id"]]

    applied = aiplan("reprice", path, "--apply")
    assert applied.returncode == 0 and "Re-priced 1 route in" in applied.stdout
    with ProjectDocument.open(path) as doc:
        after = doc.to_json()
    kept = next(r for u in after["unit_models"] for r in u["routes"] if r["id"] == route["id"])
    offered = next(r for r in listed["routes"] if r["route_id"] == route["id"])["new"]
    assert kept["price_out_mtok"] == offered["price_out_mtok"] != route["price_out_mtok"]
    assert kept["price_date"] == listed["catalog_date"]
    assert reprice(after).changed == []  # applied once, nothing is left to re-price

    # In the window the re-price is one undo step: its inverse gives back the exact project.
    with ProjectDocument.from_data(data) as doc:
        state = ProjectState(doc)
        edits = reprice(state.data).edits
        state.apply_edits(edits)
        state.apply_edits(inverse(edits))
        assert interchange.dumps(doc.to_json()) == interchange.dumps(data)


def test_a_model_the_catalog_no_longer_has_is_named_and_kept(sample: dict[str, Any], tmp_path: Path) -> None:
    data, _, route = _older(sample)
    route["model"] = "a-model-since-retired"
    source = tmp_path / "retired.json"
    source.write_text(interchange.dumps(data), encoding="utf-8")
    out = json.loads(aiplan("reprice", source, "--json").stdout)
    gone = next(r for r in out["routes"] if r["route_id"] == route["id"])
    assert gone["in_catalog"] is False and gone["new"] is None and gone["changed"] is False
    text = aiplan("reprice", source).stdout
    assert "a-model-since-retired: no longer in the catalog; its prices stay as they are" in text
    refused = aiplan("reprice", source, "--apply")
    assert refused.returncode == 2 and "make a project of it first" in refused.stderr


def test_the_sample_has_nothing_to_reprice(sample_file: Path) -> None:
    out = json.loads(aiplan("reprice", sample_file, "--json").stdout)
    assert out["catalog_date"] == catalog.catalog_date()
    assert out["routes"] and not any(r["changed"] for r in out["routes"]) and out["effects"] == []


def test_routes_priced_more_than_ninety_days_before_the_catalog_are_counted(sample: dict[str, Any]) -> None:
    import datetime as dt

    from app.reprice import stale_routes

    newest = dt.date.fromisoformat(catalog.catalog_date())
    routes = [r for u in sample["unit_models"] for r in u["routes"] if r.get("provider")]
    assert stale_routes(sample) == 0
    routes[0]["price_date"] = (newest - dt.timedelta(days=91)).isoformat()
    routes[1]["price_date"] = (newest - dt.timedelta(days=90)).isoformat()  # 90 days is not more
    routes[2]["price_date"] = ""  # nobody knows how old: worth a check
    assert stale_routes(sample) == 2
    routes[0]["price_source"] = "manual"  # typed by hand: never the catalog's to judge
    assert stale_routes(sample) == 1


def test_a_plan_priced_before_a_dated_catalog_change_takes_the_tiers_now_in_force(
        sample: dict[str, Any], tmp_path: Path) -> None:
    import datetime as dt

    from app.unit_model_edits import with_catalog_prices

    # The copilot's first route moved to a model whose prices became tiered on 2026-10-19 (one price
    # before; above 32k input tokens $0.325 in, $1.625 out, $0.065 cache reads from then on), priced
    # with the catalog as it read on 2026-10-01, and sent 40,000 input tokens a call.
    day = dt.date(2026, 10, 1)
    then = {m.key: m for m in catalog.models_on(day)}[("openrouter", "qwen/qwen3-coder-flash")]
    data = copy.deepcopy(sample)
    unit = next(u for u in data["unit_models"] if u["id"] == COPILOT_UNIT)
    route = with_catalog_prices({**unit["routes"][0], "input_tokens": 40000}, then, day)
    unit["routes"][0] = route
    assert route["tiers"] == [] and route["price_date"] == catalog.catalog_date(on=day)
    path = tmp_path / "october.aiplan"
    with ProjectDocument.from_data(data) as doc:
        doc.save_as(path)
    totals = json.loads(aiplan("calc", path, "--json").stdout)["portfolio"]

    result = reprice(data)
    [changed] = result.changed
    assert changed.old_tiers == [] and [t["above"] for t in changed.new_tiers or []] == [32000, 128000]
    assert changed.new == changed.old  # the base prices did not move: only the tiers are new
    # docs/formulas.md 3.3 by hand: every token of a 40,000-token call now pays the tier's price.
    tokens, cached, written = 40000, _base(route["cached_share"]), _base(route["cache_write_share"])
    old = tokens * ((1 - cached - written) * 0.195 + cached * 0.039 + written * 0.24375)
    new = tokens * ((1 - cached - written) * 0.325 + cached * 0.065 + written * 0.40625)
    old += _base(route["output_tokens"]) * 0.975
    new += _base(route["output_tokens"]) * 1.625
    shares = sum(_base(r["share"]) for r in unit["routes"])
    delta = (_base(route["share"]) / shares * _base(route["calls_per_task"]) * (new - old) / 1e6
             * (1 + _base(unit["retry_rate"])))
    cost = next(e for e in result.effects
                if e.object_id == COPILOT_UNIT and e.measure == "loaded_cost_per_task")
    assert cost.new - cost.old == pytest.approx(delta, rel=1e-9)  # type: ignore[operator]

    assert json.loads(aiplan("calc", path, "--json").stdout)["portfolio"] == totals  # nothing moved
    assert aiplan("reprice", path, "--apply").returncode == 0
    applied = json.loads(aiplan("calc", path, "--json").stdout)
    npv = next(e for e in result.effects if e.object_id == "opp-support-copilot" and e.measure == "npv")
    copilot = next(o for o in applied["opportunities"] if o["id"] == "opp-support-copilot")
    assert round(copilot["npv"], 2) == round(npv.new, 2)  # type: ignore[arg-type]  # the listed NPV, to the cent

    with ProjectDocument.from_data(data) as doc:  # one undo step gives back the file's exact JSON
        before = interchange.dumps(doc.to_json())
        state = ProjectState(doc)
        state.apply_edits(result.edits)
        assert interchange.dumps(doc.to_json()) != before
        state.apply_edits(inverse(result.edits))
        assert interchange.dumps(doc.to_json()) == before
