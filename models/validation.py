"""Checks a plan must pass before anything is calculated from it (DESIGN 2 and 3)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields

from models.decision import decision_problems
from models.estimate import Estimate
from models.plan import FRACTIONS, Plan
from models.problems import Problem

SHARE_TOLERANCE = 1e-9


def estimate_rules(est: Estimate, field: str) -> Iterator[str]:
    if est.dist is None:  # a plain number, the common case: one bound to check
        if field in FRACTIONS:
            if not 0 <= est.base <= 1:
                yield "must be a fraction between 0% and 100%"
        elif est.base < 0:
            yield "must not be negative"
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
    values = [v for v in (est.base, est.low, est.high) if v is not None]
    if field in FRACTIONS:
        if any(not 0 <= v <= 1 for v in values):
            yield "must be a fraction between 0% and 100%"
    elif any(v < 0 for v in values):
        yield "must not be negative"


def _object_problems(kind: str, obj: object, name: str) -> Iterator[Problem]:
    for f in fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if isinstance(value, Estimate):
            for rule in estimate_rules(value, f.name):
                yield Problem(kind, obj.id, name, f.name, rule)  # type: ignore[attr-defined]


def plan_problems(plan: Plan) -> list[Problem]:
    """Every problem that stops calculation, each naming object, field and rule."""
    found: list[Problem] = []
    s = plan.settings
    if not 1 <= s.horizon_years <= 10:
        found.append(Problem("project", "", s.name, "horizon_years", "must be between 1 and 10 years"))
    if not 0 <= s.discount_rate <= 1:
        found.append(Problem("project", "", s.name, "discount_rate", "must be between 0% and 100%"))
    if not 1_000 <= s.mc_samples <= 1_000_000:
        found.append(Problem("project", "", s.name, "mc_samples",
                             "must be between 1,000 and 1,000,000"))
    if s.budget is not None and s.budget < 0:
        found.append(Problem("project", "", s.name, "budget", "must not be negative"))
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
        found.extend(decision_problems(d))
        for option in d.options:
            found.extend(_object_problems("option", option, option.name))
    for u in plan.unit_models:
        found.extend(_object_problems("unit_model", u, u.name))
        for r in u.routes:
            found.extend(_object_problems("route", r, r.model))
        if u.routes:
            total = sum(r.share.base for r in u.routes)
            if abs(total - 1) > SHARE_TOLERANCE:
                found.append(Problem("unit_model", u.id, u.name, "routes.share",
                                     f"total {total * 100:.4g}%; they must total 100%"))
    return found
