"""Hypothesis-generated projects survive JSON -> file -> JSON unchanged."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import interchange
from app.document import ProjectDocument
from models.kpis import CHECK_STATUSES, GATE_DECISIONS, METRICS
from models.limits import FIELDS
from models.schema import Criterion, Decision, Opportunity, Option, Route, UnitModel

FRACTIONS = {"adoption_target", "success_rate", "p_success", "confidence", "share",
             "cached_share", "escalation_rate"}
DISTS = ["uniform", "triangular", "pert", "normal", "lognormal"]

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
finite = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)
fraction = st.floats(min_value=0, max_value=1, allow_nan=False)


@st.composite
def estimate(draw: Any, field: str) -> Any:
    limit = FIELDS[field]  # every number within its field's limits: what a file may hold
    values = fraction if field in FRACTIONS else st.floats(min_value=limit.low, max_value=limit.high)
    if limit.whole:  # months: whole numbers, as a file may hold them
        values = st.integers(int(limit.low), int(limit.high))
    kind = draw(st.sampled_from(["plain", "fixed", "range"]))
    if kind == "plain":
        return draw(values)
    if kind == "fixed":
        return {"base": draw(values), "dist": "fixed"}
    low, base, high = sorted(draw(st.lists(values, min_size=3, max_size=3, unique=True)))
    dist = draw(st.sampled_from(DISTS))
    if dist == "lognormal" and low <= 0:
        half = base // 2 if limit.whole else base / 2  # months stay whole numbers
        low = half if half > 0 else None  # half the smallest float is 0
        if low is None:
            dist = "normal"
            low = 0.0
    return {"base": base, "low": low, "high": high, "dist": dist}


def inputs(draw: Any, table: Any) -> dict[str, Any]:
    return {field: draw(estimate(field)) for field in table.ESTIMATES}


def notes(draw: Any, table: Any) -> dict[str, str]:
    fields = draw(st.lists(st.sampled_from(list(table.ESTIMATES)), unique=True, max_size=3))
    return {f: draw(text.filter(bool)) for f in sorted(fields, key=list(table.ESTIMATES).index)}


@st.composite
def kpi(draw: Any, object_id: str) -> dict[str, Any]:
    """A KPI target as a file may hold it (docs/formulas.md 3.10)."""
    metric = draw(st.sampled_from([*METRICS, "custom"]))
    values = fraction if metric in METRICS and METRICS[metric].unit == "fraction" else st.floats(-1e12, 1e12)
    return {"id": object_id, "metric": metric,
            "name": draw(text.filter(str.strip)) if metric == "custom" else draw(text),
            "unit": draw(text), "direction": draw(st.sampled_from(["at_least", "at_most"])),
            "target": draw(values), "window": draw(text), "eval_set": draw(text),
            "measured": draw(st.none() | values),
            "measured_on": draw(st.sampled_from(["", "2026-11-20"])), "note": draw(text)}


@st.composite
def gate(draw: Any, log_ids: list[str]) -> dict[str, Any]:
    return {"decision": draw(st.sampled_from(GATE_DECISIONS)), "approvers": draw(text),
            "date": draw(st.sampled_from(["", "2026-05-20"])), "conditions": draw(text),
            "log_entry_id": draw(st.sampled_from([None, *log_ids]))}


@st.composite
def tiers(draw: Any) -> list[dict[str, Any]]:
    """A route's price tiers, ascending, each with every price (a missing cache price is stored as
    the tier's input price, so it would not survive as absent)."""
    price = st.sampled_from([0, 0.05, 0.125, 2, 7.5])
    starts = sorted(draw(st.sets(st.integers(1, 10**6), max_size=2)))
    return [{"above": start, "price_in_mtok": draw(price), "price_out_mtok": draw(price),
             "price_cached_in_mtok": draw(price), "price_cache_write_mtok": draw(price)} for start in starts]


@st.composite
def projects(draw: Any) -> dict[str, Any]:
    ids = (f"id-{n}" for n in itertools.count())
    decisions = []
    for _ in range(draw(st.integers(0, 2))):
        criteria = [
            {"id": next(ids), "name": draw(text), "kind": kind, "unit": draw(text),
             "higher_is_better": draw(st.booleans()), **inputs(draw, Criterion),
             "notes": notes(draw, Criterion)}
            for kind in draw(st.lists(st.sampled_from(["score", "value", "tco"]), max_size=3))
        ]
        options = []
        for _ in range(draw(st.integers(0, 3))):
            scores = {c["id"]: draw(st.integers(1, 5) if c["kind"] == "score" else finite)
                      for c in criteria if c["kind"] != "tco"}
            options.append({"id": next(ids), "name": draw(text),
                            "kind": draw(st.sampled_from(["build", "partner", "buy"])),
                            **inputs(draw, Option), "scores": scores,
                            "notes": notes(draw, Option)})
        decisions.append({"id": next(ids), "name": draw(text), "description": draw(text),
                          "chosen_option_id": draw(st.sampled_from(
                              [None] + [o["id"] for o in options])),
                          **inputs(draw, Decision), "criteria": criteria, "options": options,
                          "notes": notes(draw, Decision)})
    unit_models = [
        {"id": next(ids), "name": draw(text), "description": draw(text),
         **inputs(draw, UnitModel),
         "routes": [{"id": next(ids), "model": draw(text), "provider": draw(text),
                     "price_source": draw(st.sampled_from(["catalog", "manual"])),
                     "price_date": draw(text), "price_since": draw(text), "batch": draw(st.booleans()),
                     "cache_ttl": draw(st.sampled_from(["5m", "1h"])), "tiers": draw(tiers()),
                     **inputs(draw, Route),
                     "notes": notes(draw, Route)} for _ in range(draw(st.integers(0, 2)))],
         "notes": notes(draw, UnitModel)}
        for _ in range(draw(st.integers(0, 2)))
    ]
    log = [{"id": next(ids), "date": draw(st.sampled_from(["", "2026-03-31"])),
            "decision": draw(text), "rationale": draw(text),
            "alternatives": draw(text), "owner": draw(text)}
           for _ in range(draw(st.integers(0, 2)))]
    opportunities = [
        {"id": next(ids), "name": draw(text), "description": draw(text),
         "status": draw(st.sampled_from(["proposed", "discovery", "building", "launched"])),
         "decision_id": draw(st.sampled_from([None] + [d["id"] for d in decisions])),
         "unit_model_id": draw(st.sampled_from([None] + [u["id"] for u in unit_models])),
         **inputs(draw, Opportunity), "notes": notes(draw, Opportunity),
         "kpis": [draw(kpi(next(ids))) for _ in range(draw(st.integers(0, 2)))],
         "launch_checklist": [{"id": next(ids), "text": draw(text), "owner": draw(text),
                               "status": draw(st.sampled_from(CHECK_STATUSES)), "evidence": draw(text)}
                              for _ in range(draw(st.integers(0, 2)))],
         "gate": draw(st.none() | gate([e["id"] for e in log]))}
        for _ in range(draw(st.integers(0, 4)))
    ]
    # Scenarios override opportunities' inputs and the settings; correlations pair any inputs.
    targets = [("opportunity", o["id"], field) for o in opportunities for field in Opportunity.ESTIMATES]
    targets += [("project", "", "discount_rate"), ("project", "", "budget")]
    inputs_ = [t for t in targets if t[0] != "project"]
    correlations = []
    if len(inputs_) >= 2:
        for a, b in draw(st.lists(st.lists(st.sampled_from(inputs_), min_size=2, max_size=2, unique=True),
                                  max_size=2)):
            correlations.append({"id": next(ids), "a": dict(zip(("kind", "id", "field"), a, strict=True)),
                                 "b": dict(zip(("kind", "id", "field"), b, strict=True)),
                                 "rho": draw(st.floats(-0.99, 0.99)), "note": draw(text)})
    correlated = {(c[end]["kind"], c[end]["id"], c[end]["field"]) for c in correlations for end in ("a", "b")}
    scenarios = []
    for n in range(draw(st.integers(0, 2))):
        # An input a correlation names keeps its base's range: a plain number there would be
        # a scenario the import refuses (only a range can be correlated).
        free = [t for t in targets if t not in correlated] or [("project", "", "budget")]
        chosen = sorted(draw(st.lists(st.sampled_from(free), unique=True, max_size=3)))
        overrides = [{"kind": kind, "id": object_id, "field": field,
                      "value": draw(fraction if kind == "project" else estimate(field))}
                     for kind, object_id, field in chosen]
        scenarios.append({"id": next(ids), "name": f"Scenario {n + 1} {draw(text)}".strip(),
                          "description": draw(text), "probability": draw(st.none() | st.floats(0, 0.5)),
                          "overrides": overrides})
    return {
        "format": "aiplan",
        "version": interchange.FORMAT_VERSION,
        "project": {"name": draw(text), "author": draw(text), "description": draw(text),
                    "currency": draw(st.sampled_from(["USD", "EUR", "JPY"])),
                    "horizon_years": draw(st.integers(1, 10)),
                    "discount_rate": draw(fraction),
                    "mc_samples": draw(st.integers(1000, 1_000_000)),
                    "mc_seed": draw(st.integers(0, 2**63 - 1)),
                    "budget": draw(st.none() | finite),
                    "price_date": draw(st.sampled_from(["", "2027-01-01"]))},
        "opportunities": opportunities,
        "decisions": decisions,
        "unit_models": unit_models,
        "memo": [{"id": next(ids), "title": draw(text), "body": draw(text)}
                 for _ in range(draw(st.integers(0, 2)))],
        "decision_log": log,
        "scenarios": scenarios,
        "correlations": correlations,
    }


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(projects())
def test_json_to_file_to_json_is_lossless(tmp_path: Path, data: dict[str, Any]) -> None:
    assert interchange.problems(data) == []
    path = tmp_path / "generated.aiplan"
    with ProjectDocument.from_data(data) as doc:
        doc.save_as(path)
    with ProjectDocument.open(path) as doc:
        out = doc.to_json()
    assert out == data
    assert interchange.dumps(out) == interchange.dumps(interchange.loads(interchange.dumps(out)))
