"""Scenarios, correlated inputs and value of information as every export tells them: what we know,
what we don't, and what we'll do next (docs/formulas.md 3.7-3.9), computed once per export."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.briefing import format_value, range_text
from app.formatting import money, money_range, number, percent
from app.information_words import (
    Learnable,
    evpi_sentence,
    input_words,
    learn_next_sentences,
    plan_learnable,
)
from app.labels import field_label
from models.engine import PlanResults, estimate_inputs
from models.plan import Plan
from models.scenarios import (
    BASE_NAME,
    Scenario,
    ScenarioInvalid,
    calculate_scenarios,
    probabilities,
    scenario_from_json,
    weighted_enpv,
)
from models.validation import input_names

Key = tuple[str, str, str]
#: Inputs the memo and deck name as worth learning, and as what the plan rests on.
TOP = 3
RESTS_ON = 5

# --- scenarios ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioLine:
    """One plan among the scenarios (the base first): its results and how likely it is."""

    name: str
    description: str
    probability: float | None  # the base's is what the others leave, when they all give one
    results: PlanResults
    changes: int  # how many inputs it overrides

    @property
    def is_base(self) -> bool:
        return self.name == BASE_NAME

@dataclass(frozen=True)
class ScenarioSet:
    lines: tuple[ScenarioLine, ...]  # base first; only the base when the plan has no scenarios
    weighted: float | None  # probability-weighted total eNPV, when the probabilities sum to 1
    problems: tuple[str, ...] = ()  # why the scenarios could not be calculated

    @property
    def by_name(self) -> dict[str, PlanResults]:
        return {line.name: line.results for line in self.lines}

    @property
    def any(self) -> bool:
        return len(self.lines) > 1

    def weighted_words(self, currency: str) -> str:
        """The probability-weighted total eNPV, or what is missing for it."""
        if self.weighted is not None:
            shares = ", ".join(f"{line.name} {percent(line.probability)}" for line in self.lines)
            total = money(self.weighted, currency, short=True)
            return f"Probability-weighted total eNPV: {total} ({shares})."
        missing = [line.name for line in self.lines if not line.is_base and line.probability is None]
        if missing:
            # Named while few; counted beyond that, so the sentence stays one line on a slide.
            named = _and(missing) if len(missing) <= 3 else f"{len(missing)} scenarios"
            return ("No probability-weighted total: " + named
                    + (" has" if len(missing) == 1 else " have") + " no probability yet.")
        return "No probability-weighted total: the scenarios' probabilities do not leave the base a share."


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def scenario_set(data: Mapping[str, Any], results: PlanResults) -> ScenarioSet:
    """Every scenario of the plan calculated as the base was (same samples and seed; the base's
    results reused), or the problems that stop it."""
    scenarios: list[Scenario] = [scenario_from_json(s) for s in data.get("scenarios") or []]
    base_line = ScenarioLine(BASE_NAME, "The plan as it is.", None, results, 0)
    if not scenarios:
        return ScenarioSet((base_line,), None)
    try:
        by_name = calculate_scenarios(
            data, scenarios, monte_carlo=results.samples > 0, samples=results.samples or None,
            with_tornado=any(r.tornado for r in results.opportunities), base=results)
    except ScenarioInvalid as exc:
        return ScenarioSet((base_line,), None, tuple(exc.problems))
    chances = probabilities(scenarios) or {}
    lines = [ScenarioLine(BASE_NAME, "The plan as it is.", chances.get(BASE_NAME), by_name[BASE_NAME], 0)]
    lines += [ScenarioLine(s.name, s.description, s.probability, by_name[s.name], len(s.overrides))
              for s in scenarios]
    return ScenarioSet(tuple(lines), weighted_enpv(by_name, probabilities(scenarios)))


def scenario_rows(sset: ScenarioSet, currency: str, compact: bool = False) -> list[list[str]]:
    """The scenarios side by side: one row each, the base first. ``compact`` (a slide): the
    probability beside the name and the funded set as "4: $3.3M"."""
    if compact:
        rows = [["Scenario", "Total eNPV", "Funded: eNPV", "NPV P10 to P90", "Chance of a loss"]]
    else:
        rows = [["Scenario", "Probability", "Total eNPV", "Funded", "NPV P10 to P90", "Chance of a loss"]]
    for line in sset.lines:
        p, mc = line.results.portfolio, line.results.portfolio.mc
        chance = percent(line.probability) if line.probability is not None else "—"
        if p.budget is None:
            funded = "no budget set"
        elif compact:
            funded = f"{len(p.selected)}: {money(p.selected_enpv, currency, short=True)}"
        else:
            funded = f"{len(p.selected)} for {money(p.selected_enpv, currency, short=True)} eNPV"
        simulated = mc is not None and math.isfinite(mc.p10)
        head = [f"{line.name} ({chance})" if line.probability is not None else line.name] if compact \
            else [line.name, chance]
        spread = money_range(mc.p10, mc.p90, currency) if mc is not None and simulated else "—"
        loss = percent(1 - mc.p_positive) if mc is not None and simulated else "—"
        rows.append([*head, money(p.total_enpv, currency, short=True), funded, spread, loss])
    return rows


def scenario_headline(sset: ScenarioSet, currency: str) -> str:
    """One message: what the worst scenario still funds, against the base."""
    base = sset.lines[0]
    if not sset.any:
        return "Scenarios: none yet, so only the base plan is shown"
    worst = min(sset.lines[1:], key=lambda line: line.results.portfolio.total_enpv)
    wp, bp = worst.results.portfolio, base.results.portfolio
    enpv = money(wp.total_enpv, currency, short=True)
    if wp.budget is None or not wp.selected:
        return f"Scenarios: {worst.name}, the lowest, still has {enpv} eNPV"
    same = set(wp.selected) & set(bp.selected)
    kept = (f"{len(same)} of the base's {len(bp.selected)}" if bp.budget is not None and bp.selected
            else f"{len(wp.selected)}")
    name = f"the {worst.name.lower()}" if worst.name.isalpha() else f"“{worst.name}”"
    return (f"Scenarios: {name} still funds {kept}, for {money(wp.selected_enpv, currency, short=True)}"
            " eNPV")


def scenario_words(sset: ScenarioSet) -> list[str]:
    """What each scenario changes, in the PM's words."""
    out = []
    for line in sset.lines[1:]:
        changes = f"{line.changes} input{'s' if line.changes != 1 else ''} changed"
        out.append(f"{line.name}: {line.description or 'no description'} ({changes}).")
    return out


# --- correlations -------------------------------------------------------------------------------


def correlation_sentences(data: Mapping[str, Any], plan: Plan, results: PlanResults) -> list[str]:
    """Which inputs the ranges move together, and any correlation the simulation had to change."""
    names = input_names(plan)
    notes = {str(c.get("id")): str(c.get("note") or "") for c in data.get("correlations") or []}
    out = []
    for c in plan.correlations:
        if c.a[2] == c.b[2] and c.a[0] == c.b[0] == "opportunity":
            label = field_label(c.a[2])
            what = (f"{label[:1].upper()}{label[1:]} of {names.get(c.a[:2], c.a[1])} and "
                    f"{names.get(c.b[:2], c.b[1])}")
        else:
            first = input_words(c.a, plan, names)
            what = f"{first[:1].upper()}{first[1:]} and {input_words(c.b, plan, names)}"
        way = "move together" if c.rho > 0 else "move in opposite directions"
        note = notes.get(c.id, "").strip()
        out.append(f"{what} {way} (rank correlation {number(c.rho, 2)})" + (f": {note}" if note else "."))
    for r in results.correlation_repairs:
        out.append(f"The correlations as entered cannot all hold together, so the simulation uses "
                   f"{number(r.new, 2)} instead of {number(r.old, 2)} between "
                   f"{input_words(r.a, plan, names)} and {input_words(r.b, plan, names)}.")
    return out


# --- value of information -----------------------------------------------------------------------

#: What a PM would do to learn an input, by field (the rest: "Research").
_ACTIONS = {
    "adoption_target": "Run a two-week pilot with a few teams to learn",
    "ramp_months": "Run a two-week pilot with a few teams to learn",
    "tasks_per_user_month": "Measure today's task volumes to learn",
    "eligible_users": "Count the eligible users from licence data to learn",
    "success_rate": "Run an offline evaluation on real tasks to learn",
    "value_per_success": "Time the task with the teams who do it today to learn",
    "build_cost": "Get a scoped engineering estimate to learn",
    "launch_month": "Get a scoped engineering estimate to learn",
    "upfront_cost": "Ask for a committed quote to learn",
    "annual_cost": "Ask for a committed quote to learn",
    "run_cost_annual": "Ask for a committed quote to learn",
    "cost_per_task": "Measure cost on a sample of real tasks to learn",
    "launch_months": "Ask for a committed delivery date to learn",
    "escalation_rate": "Measure escalations in a pilot to learn",
    "retry_rate": "Measure retries on a sample of real tasks to learn",
    "input_tokens": "Measure tokens on a sample of real tasks to learn",
    "output_tokens": "Measure tokens on a sample of real tasks to learn",
    "price_in_mtok": "Ask the model vendor for committed prices to learn",
    "price_out_mtok": "Ask the model vendor for committed prices to learn",
}


def next_step(item: Learnable, plan: Plan, currency: str) -> str:
    """A next step in words: "Run a two-week pilot … to learn adoption target of X: worth up to $180k."."""
    worth = money(item.evppi, currency, short=True)
    if item.key[2] == "launch_success":
        name = input_names(plan).get(("opportunity", item.key[1]), item.key[1])
        return f"Prototype the riskiest part of {name} to learn whether it will launch: worth up to {worth}."
    return f"{_ACTIONS.get(item.key[2], 'Research')} {item.words}: worth up to {worth}."


@dataclass(frozen=True)
class Outlook:
    """What we know, what we don't, what we'll do next, and the scenarios, for one export."""

    currency: str
    samples: int
    seed: int
    rests_on: list[str]  # base figures with the ranges that matter
    correlations: list[str]
    plan_evpi: float | None
    plan_inputs: list[Learnable]  # ranked by EVPPI for the plan
    opportunity_sentences: list[tuple[str, list[str]]]  # funded (or all, without a budget) opportunities
    next_steps: list[str]
    scenarios: ScenarioSet

    @property
    def simulated(self) -> bool:
        return self.samples > 0

    def plan_evpi_sentence(self) -> str:
        return evpi_sentence(self.plan_evpi, self.currency)


def _rests_on(results: PlanResults, keys: list[Key], currency: str) -> list[str]:
    """The inputs that matter most, each with its base and range, as the model used them."""
    plan = results.plan
    names = input_names(plan)
    estimates = estimate_inputs(plan)
    out = []
    for key in keys:
        words = input_words(key, plan, names)
        words = words[:1].upper() + words[1:]
        est = estimates.get(key)
        if est is None:
            continue
        text = f"{words}: {format_value(key[2], est.base, currency)}"
        rng = range_text(key[2], est, currency)
        out.append(text + (f", range {rng}" if rng else ""))
    return out


def outlook(data: Mapping[str, Any], results: PlanResults, sset: ScenarioSet | None = None) -> Outlook:
    """The export's account of uncertainty; ``sset`` when the caller has calculated the scenarios."""
    plan = results.plan
    currency = str((data.get("project") or {}).get("currency") or plan.settings.currency or "USD")
    sset = sset if sset is not None else scenario_set(data, results)
    ranked = plan_learnable(results) if results.samples else []
    # Launch success is in every table already; what the plan rests on is the ranged inputs.
    keys: list[Key] = [item.key for item in ranked if item.key[2] != "launch_success"][:RESTS_ON]
    if len(keys) < RESTS_ON:  # no simulation or few inputs worth learning: the tornado's widest swings
        swings = sorted(((abs(t.npv_high - t.npv_low), t.key)
                         for r in results.opportunities for t in r.tornado), reverse=True)
        keys += [k for _, k in swings if k not in keys][:RESTS_ON - len(keys)]
    p = results.portfolio
    chosen = [r for r in results.opportunities if p.budget is None or r.id in p.selected]
    ranked_ids = {oid: n for n, oid in enumerate(p.ranking)}
    chosen.sort(key=lambda r: ranked_ids.get(r.id, len(ranked_ids)))
    sentences = [(r.name or r.id, learn_next_sentences(r, plan, currency, top=TOP)) for r in chosen]
    steps = [next_step(item, plan, currency) for item in ranked if item.clear][:TOP]
    return Outlook(currency, results.samples, plan.settings.mc_seed, _rests_on(results, keys, currency),
                   correlation_sentences(data, plan, results), p.evpi if results.samples else None,
                   ranked, sentences, steps, sset)


def worth_rows(items: list[Learnable], evpi: float | None, currency: str, top: int | None = None
               ) -> list[list[str]]:
    """Inputs ranked by EVPPI with their worth, and the EVPI (everything at once) last."""
    rows = [["Input worth learning", "Worth (EVPPI)"]]
    rows += [[item.words[:1].upper() + item.words[1:], money(item.evppi, currency, short=True)]
             for item in items[:top]]
    if evpi is not None:
        rows.append(["Everything at once (EVPI)", money(evpi, currency, short=True)])
    return rows

