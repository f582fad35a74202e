"""Checks a plan must pass before anything is calculated from it (docs/formulas.md 2 and 3)."""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from typing import Any

from models.decision import decision_problems
from models.estimate import Estimate
from models.limits import FIELDS, FIGURE, SCORE, Kind
from models.plan import Criterion, Option, Plan, estimate_names
from models.problems import Problem

SHARE_TOLERANCE = 1e-9


def value_rules(field: str, value: float) -> Iterator[str]:
    """The rule one number of ``field`` breaks, from the plan's limits (models.limits)."""
    kind = FIELDS.get(field)
    if kind is not None:
        yield from kind.problems(value)
    elif isinstance(value, float) and not math.isfinite(value):
        yield "must be a finite number"
    elif value < 0:
        yield "must not be negative"


def estimate_rules(est: Estimate, field: str) -> Iterator[str]:
    if est.dist is None:  # a plain number, the common case: one bound to check
        kind = FIELDS.get(field)
        if kind is None or kind.whole or not kind.low <= est.base <= kind.high:
            yield from value_rules(field, est.base)
        return
    if est.low is not None and est.low > est.base:
        yield "the low value must not exceed the base"
    if est.high is not None and est.high < est.base:
        yield "the high value must not be below the base"
    if est.is_range:
        if est.low is None or est.high is None:
            yield f"a {est.dist} range needs a low and a high value"
            return
        if not est.low < est.high:
            yield f"a {est.dist} range needs a low value below its high value"
        if est.dist == "lognormal" and est.low <= 0:
            yield "a lognormal range needs a low value above 0"
    kind = FIELDS.get(field)
    for v in (est.base, est.low, est.high):
        if v is None or (kind is not None and not kind.whole and kind.low <= v <= kind.high):
            continue  # the common case, checked without building a rule
        rules = list(value_rules(field, v))
        if rules:
            yield rules[0]
            return


@functools.cache
def _bounds(cls: type) -> tuple[tuple[str, Kind | None], ...]:
    """Each numeric input of a plan object type with its field's limits, if it has any."""
    return tuple((name, FIELDS.get(name)) for name in estimate_names(cls))


def _breaks_nothing(est: Estimate, bounds: Kind) -> bool:
    """True when estimate_rules would find nothing: the common case, decided without building
    rules. A False sends the estimate through estimate_rules for its words."""
    low, base, high = est.low, est.base, est.high
    if est.dist is None:
        low = high = base
    elif low is None or high is None or not low <= base <= high:
        return False
    elif est.is_range and not (low < high and (est.dist != "lognormal" or low > 0)):
        return False
    if not bounds.low <= low <= high <= bounds.high:
        return False
    return not bounds.whole or all(float(v).is_integer() for v in (low, base, high))


#: Where a plan object keeps its problems once checked (see _object_problems).
_KEPT = "_problems"


def _object_problems(kind: str, obj: object, name: str) -> tuple[Problem, ...]:
    # A plan object is frozen, so its problems never change: they are kept on the object (as
    # functools.cached_property keeps a value). A plan rebuilt after an edit reuses the objects
    # the edit did not touch (app.project_state), so only the touched ones are checked again.
    kept: dict[str, Any] = vars(obj)
    found: tuple[Problem, ...] | None = kept.get(_KEPT)
    if found is None:
        found = kept[_KEPT] = tuple(_check_object(kind, obj, name))
    return found


def _check_object(kind: str, obj: object, name: str) -> Iterator[Problem]:
    cls: type = type(obj)
    for field, bounds in _bounds(cls):
        value: Estimate = getattr(obj, field)
        if bounds is not None and _breaks_nothing(value, bounds):
            continue
        for rule in estimate_rules(value, field):
            yield Problem(kind, obj.id, name, field, rule)  # type: ignore[attr-defined]


def plan_problems(plan: Plan) -> list[Problem]:
    """Every problem that stops calculation, each naming object, field and rule."""
    found: list[Problem] = []
    s = plan.settings
    for name, value in (("horizon_years", s.horizon_years), ("discount_rate", s.discount_rate),
                        ("mc_samples", s.mc_samples), ("mc_seed", s.mc_seed), ("budget", s.budget)):
        if value is not None:
            found.extend(Problem("project", "", s.name, name, rule) for rule in value_rules(name, value))
    decision_ids = {d.id for d in plan.decisions}
    unit_ids = {u.id for u in plan.unit_models}
    for o in plan.opportunities:
        found.extend(_object_problems("opportunity", o, o.name))
        if o.decision_id is not None and o.decision_id not in decision_ids:
            found.append(Problem("opportunity", o.id, o.name, "decision_id",
                                 f"links to a decision “{o.decision_id}” that does not exist"))
        if o.unit_model_id is not None and o.unit_model_id not in unit_ids:
            found.append(Problem("opportunity", o.id, o.name, "unit_model_id",
                                 f"links to a unit model “{o.unit_model_id}” that does not exist"))
    for d in plan.decisions:
        found.extend(_object_problems("decision", d, d.name))
        found.extend(decision_problems(d))
        for c in d.criteria:
            found.extend(_object_problems("criterion", c, c.name))
        kinds = {c.id: c for c in d.criteria}
        for option in d.options:
            found.extend(_object_problems("option", option, option.name))
            for criterion_id, score in option.scores.items():
                found.extend(_score_problems(option, kinds.get(criterion_id), criterion_id, score))
    for u in plan.unit_models:
        found.extend(_object_problems("unit_model", u, u.name))
        for r in u.routes:
            found.extend(_object_problems("route", r, r.model))
            if r.cached_share.base + r.cache_write_share.base > 1 + SHARE_TOLERANCE:
                found.append(Problem("route", r.id, r.model or r.id, "cache_write_share",
                                     "the shares of input read from and written to the cache total "
                                     f"{(r.cached_share.base + r.cache_write_share.base) * 100:.4g}%; "
                                     "together they must not exceed 100%"))
        if u.routes:
            total = sum(r.share.base for r in u.routes)
            if abs(total - 1) > SHARE_TOLERANCE:
                found.append(Problem("unit_model", u.id, u.name, "routes.share",
                                     f"total {total * 100:.4g}%; they must total 100%"))
    found.extend(correlation_plan_problems(plan))
    return list(dict.fromkeys(found))  # a rule checked twice (a negative weight) is said once


def input_names(plan: Plan) -> dict[tuple[str, str], str]:
    """(kind, id) -> the name a PM knows each object by (a route by its model)."""
    out: dict[tuple[str, str], str] = {("opportunity", o.id): o.name or o.id for o in plan.opportunities}
    for d in plan.decisions:
        out["decision", d.id] = d.name or d.id
        out.update((("option", o.id), o.name or o.id) for o in d.options)
        out.update((("criterion", c.id), c.name or c.id) for c in d.criteria)
    for u in plan.unit_models:
        out["unit_model", u.id] = u.name or u.id
        out.update((("route", r.id), r.model or r.id) for r in u.routes)
    return out


def correlation_plan_problems(plan: Plan) -> list[Problem]:
    """docs/formulas.md 3.8: a correlation must join two different inputs the simulation draws
    from a range, with a rank correlation strictly between -1 and 1, once per pair."""
    if not plan.correlations:
        return []
    from models.correlation import correlation_problems
    from models.engine import estimates_of  # the engine reads the plan's problems first

    ends = {key for c in plan.correlations for key in (c.a, c.b)}
    ranged = {key for key, est in estimates_of(plan, ends).items() if est.is_range}
    problems = correlation_problems(plan.correlations, ranged)
    if not problems:
        return []
    names = input_names(plan)
    out = []
    for p in problems:
        c = plan.correlations[p.index]
        label = f"{_input_words(c.a, names)} ↔ {_input_words(c.b, names)}"
        rule = p.rule
        if p.key is not None and (p.key[0], p.key[1]) not in names:
            rule = (f"it names {p.key[0].replace('_', ' ')} “{p.key[1]}”, which the plan does not have: "
                    "remove the correlation.")
        elif p.key is not None and rule.startswith("Only an input with a range"):
            rule = (f"{_input_words(p.key, names)} has no range, and only a range can be correlated: "
                    "give it a low and a high value, or remove the correlation.")
        out.append(Problem("correlation", c.id, label, "", rule.rstrip(".")))
    return out


def _input_words(key: tuple[str, str, str], names: dict[tuple[str, str], str]) -> str:
    return f"{names.get((key[0], key[1]), key[1])} · {key[2].replace('_', ' ')}"


def _score_problems(option: Option, criterion: Criterion | None, criterion_id: str,
                    value: Estimate) -> Iterator[Problem]:
    """An option's value on a criterion: 1..5 for a score, a bounded figure otherwise."""
    numbers = [v for v in (value.base, value.low, value.high) if v is not None]
    if criterion is not None and criterion.kind == "score":
        if any(not SCORE.low <= v <= SCORE.high for v in numbers):
            yield Problem("option", option.id, option.name, f"scores.{criterion_id}",
                          f"the score for “{criterion.name or criterion.id}” must be between 1 and 5")
        return
    for v in numbers:
        for rule in FIGURE.problems(v):
            yield Problem("option", option.id, option.name, f"scores.{criterion_id}", rule)
            return
