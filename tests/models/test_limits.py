"""The plan's numeric limits: one table, used by validation, and enough to keep results finite."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models import engine, limits
from models.estimate import DISTRIBUTIONS, Estimate
from models.plan import Plan, Settings, plan_from_json
from models.problems import PlanInvalid
from models.schema import Criterion, Decision, Opportunity, Option, Route, UnitModel
from models.validation import plan_problems

TABLES = (Opportunity, Decision, Criterion, Option, UnitModel, Route)


def test_every_number_a_plan_holds_has_a_limit() -> None:
    numbers = {name for table in TABLES for name in table.ESTIMATES}
    numbers |= {f.name for f in dataclasses.fields(Settings) if f.name not in ("name", "currency")}
    assert numbers == set(limits.FIELDS)


def _schema() -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "resources" / "schema" / "project.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_json_schema_holds_the_same_limits() -> None:
    """The interchange schema refuses exactly what validation refuses: one set of numbers."""
    schema = _schema()
    defs = schema["$defs"]
    names = {"opportunity": Opportunity, "decision": Decision, "criterion": Criterion, "option": Option,
             "unit_model": UnitModel, "route": Route}
    for name, table in names.items():
        for field in table.ESTIMATES:
            ref = defs[name]["properties"][field]["$ref"].rsplit("/", 1)[1]
            kind = limits.FIELDS[field]
            assert (defs[ref]["minimum"], defs[ref]["maximum"]) == (kind.low, kind.high), field
            bounds = defs[ref]["then"]["allOf"][1]["properties"]
            for part in ("base", "low", "high"):
                assert (bounds[part]["minimum"], bounds[part]["maximum"]) == (kind.low, kind.high)
                assert (bounds[part].get("multipleOf") == 1) == kind.whole, (field, part)
            assert (defs[ref].get("multipleOf") == 1) == kind.whole, field
    project = schema["properties"]["project"]["properties"]
    for field in ("horizon_years", "discount_rate", "mc_samples", "mc_seed", "budget"):
        kind = limits.FIELDS[field]
        assert (project[field]["minimum"], project[field]["maximum"]) == (kind.low, kind.high), field
    figure = defs[defs["option"]["properties"]["scores"]["additionalProperties"]["$ref"].rsplit("/", 1)[1]]
    assert (figure["minimum"], figure["maximum"]) == (limits.FIGURE.low, limits.FIGURE.high)


@pytest.fixture(scope="module")
def plan() -> Plan:
    from app.interchange import sample_data

    data = sample_data()
    data["project"]["mc_samples"] = 1_000
    return plan_from_json(data)


def _with_weights(plan: Plan, weight: float) -> Plan:
    d = plan.decisions[0]
    criteria = tuple(dataclasses.replace(c, weight=Estimate(weight)) for c in d.criteria)
    return dataclasses.replace(plan, decisions=(dataclasses.replace(d, criteria=criteria),
                                                *plan.decisions[1:]))


@pytest.mark.parametrize(("weight", "rule"), [(1e308, "must be at most 1,000,000"),
                                               (math.inf, "must be at most 1,000,000"),
                                               (math.nan, "must be between 0 and 1,000,000")])
def test_weights_beyond_the_limit_are_a_plain_problem(plan: Plan, weight: float, rule: str) -> None:
    """Two weights of 1e308 summed to infinity and crashed the winner's choice (IndexError)."""
    with pytest.raises(PlanInvalid) as caught:
        engine.calculate(_with_weights(plan, weight))
    assert any(f"weight: {rule}" in str(p) for p in caught.value.problems), caught.value.problems


def test_a_400_digit_seed_is_a_plain_problem(plan: Plan) -> None:
    settings = dataclasses.replace(plan.settings, mc_seed=10**400, horizon_years=11)
    found = [str(p) for p in plan_problems(dataclasses.replace(plan, settings=settings))]
    assert any("mc_seed: must be at most 9,223,372,036,854,775,807" in p for p in found), found
    assert any("horizon_years: must be at most 10" in p for p in found), found


def test_a_fraction_above_100_percent_is_refused(plan: Plan) -> None:
    o = dataclasses.replace(plan.opportunities[0], adoption_target=Estimate(1.5))
    found = [str(p) for p in plan_problems(dataclasses.replace(plan, opportunities=(o,)))]
    assert any("adoption_target: must be a fraction between 0% and 100%" in p for p in found)


@pytest.mark.parametrize("months", [Estimate(2.5), Estimate(3, 2.5, 6, "triangular")])
def test_months_are_whole_numbers(plan: Plan, months: Estimate) -> None:
    """2.5 months was stored as 2 by the engine's rounding; now the plan says it is refused."""
    o = dataclasses.replace(plan.opportunities[0], launch_month=months)
    found = [str(p) for p in plan_problems(dataclasses.replace(plan, opportunities=(o,)))]
    assert any("launch_month: must be a whole number" in p for p in found), found


# --- within the limits, results are finite ----------------------------------------------------


def _number(kind: limits.Kind) -> st.SearchStrategy[float]:
    if kind.whole:  # months and settings: whole numbers, else the plan is only refused
        return st.integers(int(kind.low), int(kind.high)).map(float)
    edges = [kind.low, kind.high, 5e-324, 1e-300, 1.0] if kind.low == 0 else [kind.low, kind.high]
    return st.one_of(st.floats(kind.low, kind.high),
                     st.sampled_from([e for e in edges if kind.low <= e <= kind.high]))


@st.composite
def _estimate(draw: st.DrawFn, field: str) -> Estimate:
    kind = limits.FIELDS[field]
    if draw(st.booleans()):
        return Estimate(draw(_number(kind)))
    low, base, high = sorted(draw(_number(kind)) for _ in range(3))
    if not low < high:
        return Estimate(base)
    dist = draw(st.sampled_from(DISTRIBUTIONS))
    if dist == "lognormal" and low <= 0:
        dist = "triangular"
    return Estimate(base, low, high, dist)


def _randomise(draw: st.DrawFn, obj: Any) -> Any:
    # Route shares keep their base, which totals 100% (else the plan only reports that problem).
    changes = {f.name: draw(_estimate(f.name)) for f in dataclasses.fields(obj)
               if isinstance(getattr(obj, f.name), Estimate) and f.name != "share" and draw(st.booleans())}
    return dataclasses.replace(obj, **changes)


@st.composite
def _plans(draw: st.DrawFn, plan: Plan) -> Plan:
    opportunities = tuple(_randomise(draw, o) if i < 3 else o for i, o in enumerate(plan.opportunities))
    d = plan.decisions[0]
    decision = dataclasses.replace(
        _randomise(draw, d), criteria=tuple(_randomise(draw, c) for c in d.criteria),
        options=tuple(_randomise(draw, o) for o in d.options))
    u = plan.unit_models[0]
    unit = dataclasses.replace(_randomise(draw, u), routes=tuple(_randomise(draw, r) for r in u.routes))
    settings = dataclasses.replace(plan.settings, discount_rate=draw(_number(limits.FRACTION)),
                                   horizon_years=draw(st.integers(1, 10)),
                                   budget=draw(st.none() | _number(limits.MONEY)))
    return dataclasses.replace(plan, settings=settings, opportunities=opportunities,
                               decisions=(decision, *plan.decisions[1:]),
                               unit_models=(unit, *plan.unit_models[1:]))


@given(data=st.data())
def test_any_plan_within_the_limits_calculates_with_finite_results(plan: Plan, data: st.DataObject) -> None:
    """Numbers within the limits give results that are finite (or null where docs/formulas.md says so);
    what still stops a plan (route shares that do not total 100%, say) is a plain problem."""
    candidate = data.draw(_plans(plan))
    try:
        results = engine.calculate(candidate)
    except PlanInvalid as exc:
        assert all(p.rule for p in exc.problems)
        return
    json.dumps(engine.results_json(results), allow_nan=False)
