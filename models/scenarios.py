"""Scenarios: named overlays on the base plan (docs/formulas.md 3.7).

A scenario replaces some numeric inputs (a number or a range) and the settings
``discount_rate`` and ``budget``; every field it does not override follows the base. Each
scenario is calculated exactly as the base: the same seed and the same per-input streams, so
an input no scenario overrides draws the same samples everywhere and differences come from
the overrides alone.

Probabilities: the base plan is the scenario that is left over. When every scenario gives a
probability, the base's is 1 minus their sum (so "Downside 25%, Upside 25%" leaves the base
50%); the scenarios' probabilities may therefore total at most 100%.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from models.engine import PlanResults, calculate, shared_draws
from models.estimate import DISTRIBUTIONS, estimate_from_json
from models.limits import FIGURE, SCORE
from models.plan import (
    Criterion,
    Decision,
    Opportunity,
    Option,
    Plan,
    Route,
    UnitModel,
    estimate_names,
    plan_from_json,
)
from models.problems import Problem
from models.validation import estimate_rules, plan_problems, value_rules

#: The name the base plan goes by among scenarios (no scenario may take it).
BASE_NAME = "Base"
#: How far from 1 the probabilities may total and still count as summing to 1.
PROBABILITY_TOLERANCE = 1e-9
#: The settings a scenario may override (kind "project", id ""): the others, the horizon and
#: the Monte Carlo's samples and seed, stay the base's so every scenario is computed alike.
PROJECT_FIELDS = ("discount_rate", "budget")

#: Per kind of object, the numeric inputs a scenario may override (option scores besides, as
#: "scores.<criterion id>").
_KINDS: dict[str, tuple[str, ...]] = {
    "opportunity": estimate_names(Opportunity),
    "decision": estimate_names(Decision),
    "criterion": estimate_names(Criterion),
    "option": estimate_names(Option),
    "unit_model": estimate_names(UnitModel),
    "route": estimate_names(Route),
    "project": PROJECT_FIELDS,
}

Value = float | int | dict[str, Any]
Steps = tuple[tuple[str, int], ...]  # (list key, index) from the top of the data to an object


@dataclass(frozen=True)
class Override:
    """One field of one object replaced: ``value`` is a number or an estimate in the interchange
    form ({"base", "low", "high", "dist"}); kind "project" with id "" for the settings."""

    kind: str
    id: str
    field: str
    value: Value


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    description: str = ""
    probability: float | None = None
    overrides: tuple[Override, ...] = ()


class ScenarioInvalid(Exception):
    """Raised instead of calculating a scenario that has problems (each a plain sentence)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}" if problems else "invalid scenario")


def scenario_from_json(obj: Mapping[str, Any]) -> Scenario:
    """A scenario from the interchange form (already schema-valid)."""
    probability = obj.get("probability")
    return Scenario(
        id=str(obj["id"]), name=str(obj.get("name") or ""), description=str(obj.get("description") or ""),
        probability=None if probability is None else float(probability),
        overrides=tuple(Override(str(o["kind"]), str(o.get("id") or ""), str(o["field"]), o["value"])
                        for o in obj.get("overrides") or []))


def scenario_json(scenario: Scenario) -> dict[str, Any]:
    """The interchange form of a scenario."""
    return {"id": scenario.id, "name": scenario.name, "description": scenario.description,
            "probability": scenario.probability,
            "overrides": [{"kind": o.kind, "id": o.id, "field": o.field, "value": copy.deepcopy(o.value)}
                          for o in scenario.overrides]}


# --- where each object lives in the interchange data -------------------------------------------


def _locations(data: Mapping[str, Any]) -> dict[tuple[str, str], Steps]:
    """(kind, id) -> the steps to that object in ``data``; the project's settings at no steps."""
    out: dict[tuple[str, str], Steps] = {("project", ""): ()}
    for i, o in enumerate(data.get("opportunities") or []):
        out["opportunity", o["id"]] = (("opportunities", i),)
    for i, d in enumerate(data.get("decisions") or []):
        out["decision", d["id"]] = (("decisions", i),)
        for j, c in enumerate(d.get("criteria") or []):
            out["criterion", c["id"]] = (("decisions", i), ("criteria", j))
        for j, option in enumerate(d.get("options") or []):
            out["option", option["id"]] = (("decisions", i), ("options", j))
    for i, u in enumerate(data.get("unit_models") or []):
        out["unit_model", u["id"]] = (("unit_models", i),)
        for j, r in enumerate(u.get("routes") or []):
            out["route", r["id"]] = (("unit_models", i), ("routes", j))
    return out


def _place(o: Override) -> tuple[str, str]:
    """Where an override points in ``_locations``: the settings are one place, whatever the id."""
    return ("project", "") if o.kind == "project" else (o.kind, o.id)


def _find(data: Mapping[str, Any], steps: Steps) -> Mapping[str, Any]:
    node: Mapping[str, Any] = data
    for key, index in steps:
        node = node[key][index]
    return node


def _writable(root: dict[str, Any], steps: Steps, copied: set[int]) -> dict[str, Any]:
    """The object at ``steps`` in ``root``, copied on the way down (each list and object once),
    so writing to it leaves the data ``root`` was copied from as it was."""
    node = root
    for key, index in steps:
        seq = node[key]
        if id(seq) not in copied:
            seq = node[key] = list(seq)
            copied.add(id(seq))
        item = seq[index]
        if id(item) not in copied:
            item = seq[index] = dict(item)
            copied.add(id(item))
        node = item
    return node


def dangling_overrides(data: Mapping[str, Any], scenario: Scenario) -> list[Override]:
    """The overrides that point at an object the plan no longer has."""
    where = _locations(data)
    return [o for o in scenario.overrides if _place(o) not in where]


def apply_scenario(data: Mapping[str, Any], scenario: Scenario) -> dict[str, Any]:
    """The interchange data with the scenario's overrides applied; ``data`` is left untouched
    (only the objects that change are copied, the rest is shared with it).

    Raises ScenarioInvalid, naming each, when an override points at an object or field the plan
    does not have: a dropped override would show a scenario that is not the one the PM built.
    """
    where = _locations(data)
    found = [sentence for o in scenario.overrides for sentence in _target_problems(data, where, scenario, o)]
    if found:
        raise ScenarioInvalid(found)
    out = dict(data)
    copied: set[int] = set()
    for o in scenario.overrides:
        if o.kind == "project":
            project = out.get("project") or {}
            if id(project) not in copied:
                project = out["project"] = dict(project)
                copied.add(id(project))
            project[o.field] = o.value
            continue
        obj = _writable(out, where[o.kind, o.id], copied)
        if o.field.startswith("scores."):
            scores = obj["scores"] = dict(obj.get("scores") or {})  # a fresh dict per write is cheap
            scores[o.field.removeprefix("scores.")] = copy.deepcopy(o.value)
        else:
            obj[o.field] = copy.deepcopy(o.value)
    return out


# --- problems --------------------------------------------------------------------------------


def _label(scenario: Scenario) -> str:
    return f"Scenario “{scenario.name or scenario.id}”"


def _target(o: Override) -> str:
    return "the project's settings" if o.kind == "project" else f"{o.kind.replace('_', ' ')} “{o.id}”"


def _target_problems(data: Mapping[str, Any], where: Mapping[tuple[str, str], Steps], scenario: Scenario,
                     o: Override) -> Iterator[str]:
    """An override's object or field that does not exist."""
    fields = _KINDS.get(o.kind)
    if fields is None:
        kinds = ", ".join(k.replace("_", " ") for k in _KINDS)
        yield (f"{_label(scenario)} overrides a “{o.kind}”, which is not a kind of object a scenario "
               f"can change (one of: {kinds}).")
        return
    steps = where.get(_place(o))
    if steps is None:
        yield (f"{_label(scenario)} overrides {o.field} of {_target(o)}, which the plan no longer has; "
               f"remove the override or restore the {o.kind.replace('_', ' ')}.")
        return
    if o.kind == "option" and o.field.startswith("scores."):
        if _criterion(data, steps, o.field.removeprefix("scores.")) is None:
            yield (f"{_label(scenario)} overrides the score of {_target(o)} on criterion "
                   f"“{o.field.removeprefix('scores.')}”, which its decision does not have.")
        return
    if o.field not in fields:
        yield (f"{_label(scenario)} overrides “{o.field}” of {_target(o)}, which is not a number a "
               f"scenario can change there.")


def _criterion(data: Mapping[str, Any], option_steps: Steps, criterion_id: str) -> Mapping[str, Any] | None:
    decision = _find(data, option_steps[:1])
    return next((c for c in decision.get("criteria") or [] if c["id"] == criterion_id), None)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _value_problems(data: Mapping[str, Any], where: Mapping[tuple[str, str], Steps],
                    o: Override) -> Iterator[str]:
    """The rule the override's value breaks, in the words the app's fields use for that field."""
    value = o.value
    if o.kind == "project":
        if not _is_number(value):
            yield "must be a plain number"
            return
    elif isinstance(value, dict):
        numbers = [value.get(k) for k in ("base", "low", "high")]
        if not _is_number(numbers[0]) or any(v is not None and not _is_number(v) for v in numbers[1:]):
            yield "needs numbers for its base, low and high values"
            return
        if value.get("dist") not in DISTRIBUTIONS:
            yield f"needs a distribution, one of: {', '.join(DISTRIBUTIONS)}"
            return
    elif not _is_number(value):
        yield "must be a number or a range"
        return
    if o.field.startswith("scores."):
        criterion = _criterion(data, where[o.kind, o.id], o.field.removeprefix("scores."))
        yield from _score_rules(value, criterion)
        return
    # Each number against the field's limits before anything converts it to a float, as a
    # field does when it stores a value (an integer of 400 digits has no float).
    for number in _numbers(value):
        for rule in value_rules(o.field, number):
            yield rule
            return
    if isinstance(value, dict):
        for rule in estimate_rules(estimate_from_json(value), o.field):
            yield rule
            return


def _numbers(value: Value) -> list[float]:
    """The numbers of a value: itself, or an estimate's base, low and high where given."""
    if isinstance(value, dict):
        return [value[k] for k in ("base", "low", "high") if value.get(k) is not None]
    return [value]


def _score_rules(value: Value, criterion: Mapping[str, Any] | None) -> Iterator[str]:
    """An option's value on a criterion: 1..5 for a score, a bounded figure otherwise."""
    kind = SCORE if criterion is not None and (criterion.get("kind") or "score") == "score" else FIGURE
    for number in _numbers(value):
        for rule in kind.problems(number):
            yield "a score must be between 1 and 5" if kind is SCORE else rule
            return
    if isinstance(value, dict):
        for rule in estimate_rules(estimate_from_json(value), "scores"):
            if not rule.startswith("must"):  # the order of low, base and high
                yield rule
                return


def _plan_problems(data: Mapping[str, Any], scenario: Scenario, base_problems: set[Problem]) -> Iterator[str]:
    """The rules across fields the scenario's plan breaks and the base does not (route shares
    that no longer total 100%, a decision whose weights are now all zero)."""
    for problem in plan_problems(plan_from_json(apply_scenario(data, scenario))):
        if problem not in base_problems:
            yield f"{_label(scenario)}: {problem}."


def _key(name: str) -> str:
    """Names compared as a PM reads them: case and surrounding spaces do not make two apart."""
    return name.strip().casefold()


def scenario_problems(data: Mapping[str, Any], scenarios: Sequence[Scenario]) -> list[str]:
    """Every problem of the scenarios, each one plain sentence that says what to do."""
    found: list[str] = []
    where = _locations(data)
    base_problems = set(plan_problems(plan_from_json(dict(data))))
    seen: dict[str, str] = {_key(BASE_NAME): BASE_NAME}
    for s in scenarios:
        if not s.name.strip():
            found.append(f"Scenario “{s.id}” has no name; give it one.")
        elif _key(s.name) in seen:
            taken = "the base plan's name" if _key(s.name) == _key(BASE_NAME) else "another scenario's name"
            found.append(f"{_label(s)}: “{s.name}” is already {taken}; give it another name.")
        else:
            seen[_key(s.name)] = s.name
        if s.probability is not None and not 0 <= s.probability <= 1:  # False for NaN as well
            found.append(f"{_label(s)}: its probability must be between 0% and 100%.")
        targets: set[tuple[str, str, str]] = set()
        before = len(found)
        for o in s.overrides:
            missing = list(_target_problems(data, where, s, o))
            if missing:
                found.extend(missing)
                continue
            if (o.kind, o.id, o.field) in targets:
                found.append(f"{_label(s)} overrides {o.field} of {_target(o)} twice; keep one.")
            targets.add((o.kind, o.id, o.field))
            for rule in _value_problems(data, where, o):
                found.append(f"{_label(s)}, {o.field} of {_target(o)}: {rule}.")
        if len(found) == before and s.overrides:
            found.extend(_plan_problems(data, s, base_problems))
    given = [s.probability for s in scenarios if s.probability is not None]
    if scenarios and len(given) == len(scenarios) and all(0 <= p <= 1 for p in given):
        total = math.fsum(given)
        if total > 1 + PROBABILITY_TOLERANCE:
            found.append(f"The scenarios' probabilities total {total * 100:.4g}%; the base plan takes what "
                         f"is left of 100%, so lower them to total at most 100%.")
    return found


# --- results ---------------------------------------------------------------------------------


def probabilities(scenarios: Sequence[Scenario]) -> dict[str, float] | None:
    """Each scenario's probability by name, the base's first (1 minus the others'); None unless
    every scenario gives one."""
    given = [s.probability for s in scenarios]
    if any(p is None for p in given):
        return None
    rest = {s.name: float(s.probability) for s in scenarios if s.probability is not None}
    return {BASE_NAME: 1.0 - math.fsum(rest.values()), **rest}


def calculate_scenarios(data: Mapping[str, Any], scenarios: Sequence[Scenario], monte_carlo: bool = True,
                        samples: int | None = None, *, with_tornado: bool = True,
                        base: PlanResults | None = None) -> dict[str, PlanResults]:
    """The base's results and each scenario's by name, the base first: every one calculated
    exactly as the base is (the same seed and streams). Raises ScenarioInvalid when the
    scenarios have problems, PlanInvalid when a plan does.

    ``base``: the base's results if the caller has them (the window does after every edit);
    they are used only when ``_reusable`` finds them calculated from this very plan in the same
    way, else the base is calculated again.
    """
    found = scenario_problems(data, scenarios)
    if found:
        raise ScenarioInvalid(found)
    plan = plan_from_json(dict(data))
    # Every plan draws each input it shares with the base from the same stream: drawn once.
    with shared_draws():
        if base is None or not _reusable(base, plan, monte_carlo, samples, with_tornado):
            base = calculate(plan, monte_carlo=monte_carlo, with_tornado=with_tornado, samples=samples)
        out = {BASE_NAME: base}
        for s in scenarios:
            out[s.name] = calculate(plan_from_json(apply_scenario(data, s)), monte_carlo=monte_carlo,
                                    with_tornado=with_tornado, samples=samples)
    return out


def _reusable(results: PlanResults, plan: Plan, monte_carlo: bool, samples: int | None,
              with_tornado: bool) -> bool:
    """True when ``results`` are what calculate would give for ``plan`` with these options; any
    doubt (a plan with no ranges shows no tornado either way) answers False."""
    n = (samples or plan.settings.mc_samples) if monte_carlo else 0
    tornado = any(r.tornado for r in results.opportunities)
    return results.samples == n and tornado == with_tornado and results.plan == plan


def weighted_enpv(results_by_scenario: Mapping[str, PlanResults],
                  probabilities: Mapping[str, float] | None) -> float | None:
    """The probability-weighted total enpv when every result has a probability in [0, 1] and they
    (the base's included) sum to 1; else None."""
    if probabilities is None or not results_by_scenario:
        return None
    weights = [probabilities.get(name) for name in results_by_scenario]
    if any(p is None or not 0 <= p <= 1 for p in weights):
        return None
    if abs(math.fsum(p for p in weights if p is not None) - 1) > PROBABILITY_TOLERANCE:
        return None
    return math.fsum(p * r.portfolio.total_enpv
                     for p, r in zip(weights, results_by_scenario.values(), strict=True) if p is not None)
