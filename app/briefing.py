"""What every export says about the plan, computed once: the figures, where they come from, what is funded."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.formatting import money, money_range, month, number, percent, text_range
from app.labels import FIELDS, field_label
from app.terminal import one_line
from models.decision import (
    Recommendation,
    names_and,
    recommendation_sentence,
    recommendations,
    tie_sentence,
)
from models.engine import FROM_OPTION, OpportunityResult, PlanResults
from models.estimate import Estimate
from models.uncertainty import Summary

#: An IRR above this (200%) gets a sentence saying what drives it.
HIGH_IRR = 2.0
#: The memo details the top opportunities by eNPV (and every funded one); the rest share one table.
DETAILED = 10
#: Said beside every simulated range, so a P10 below zero is not read as a bad estimate.
FAILED_LAUNCHES = "ranges include failed launches, each of which loses its build cost"


def format_value(field: str, value: Any, currency: str) -> str:
    """An input as a PM reads it, written the way the field's kind is (money, percent, month...)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "—" if value is None else str(value)
    kind = FIELDS.get(field, ("", "number"))[1]
    if kind == "money":
        return money(value, currency)
    if kind == "price":
        return money(value, currency, cents=True)
    if kind == "percent":
        return percent(value, 1 if abs(value * 100 - round(value * 100)) > 1e-9 else 0)
    if kind == "month":
        return month(int(value))
    if kind == "months":
        return f"{number(value)} months"
    if kind == "count":
        return number(value)
    return number(value, 0 if float(value).is_integer() else 2)


def range_text(field: str, estimate: Any, currency: str) -> str:
    """``$300,000 to $500,000 (pert)`` for an estimate with bounds, else empty."""
    if isinstance(estimate, Estimate):
        low, high, dist = estimate.low, estimate.high, estimate.dist
    elif isinstance(estimate, dict):
        low, high, dist = estimate.get("low"), estimate.get("high"), estimate.get("dist")
    else:
        return ""
    if low is None or high is None:
        return ""
    text = text_range(format_value(field, low, currency), format_value(field, high, currency))
    return f"{text} ({dist})" if dist else text


# --- effective inputs and where they come from ---------------------------------------------------


@dataclass(frozen=True)
class EffectiveInput:
    """One input as the model used it: value, calc's source label, and the source in words."""

    field: str
    label: str
    value: float
    source: str  # as ``calc --json`` writes it: own, option:ID, unit_model:ID or a sum
    text: str  # the value formatted
    origin: str  # "own estimate" or "option “Partner” $96,000 + unit model “Copilot” fixed $3,500 × 12"
    range: str  # the range of the estimate it comes from, when it is one source with a range
    note: str

    @property
    def sentence(self) -> str:
        """``$138,000 = option “Partner” $96,000 + unit model “Copilot” fixed $3,500 × 12``."""
        return f"{self.text} ({self.origin})" if self.source == "own" else f"{self.text} = {self.origin}"


def _quoted(name: str, fallback: str) -> str:
    return f"“{name or fallback}”"


def effective_inputs(results: PlanResults, r: OpportunityResult, notes: dict[str, str],
                     currency: str) -> tuple[EffectiveInput, ...]:
    """Every effective input of one opportunity with its source in words (docs/formulas.md 3.4)."""
    plan = results.plan
    own = next((o for o in plan.opportunities if o.id == r.id), None)
    options = {o.id: o for d in plan.decisions for o in d.options}
    units = {u.id: u for u in plan.unit_models}
    unit_costs = {u.id: u.costs for u in results.unit_models}
    out = []
    for name, (value, source) in r.effective.items():
        parts, ranges = [], []
        for piece in source.split(" + "):
            kind, _, oid = piece.partition(":")
            if kind == "own":
                estimate = getattr(own, name, None)
                parts.append("own estimate" if source == "own" else
                             f"own {format_value(name, getattr(estimate, 'base', None), currency)}")
                ranges.append(range_text(name, estimate, currency))
            elif kind == "option" and oid in options:
                option = options[oid]
                estimate = getattr(option, FROM_OPTION.get(name, name), None)
                parts.append(f"option {_quoted(option.name, oid)} "
                             f"{format_value(name, getattr(estimate, 'base', None), currency)}")
                ranges.append(range_text(name, estimate, currency))
            elif kind == "unit_model" and oid in units:
                unit = units[oid]
                if name == "run_cost_annual":
                    fixed = unit.fixed_monthly
                    parts.append(f"unit model {_quoted(unit.name, oid)} fixed "
                                 f"{money(fixed.base, currency)} a month × 12")
                    ranges.append("")
                else:
                    variable = unit_costs.get(oid, {}).get("variable_cost_per_task")
                    parts.append(f"unit model {_quoted(unit.name, oid)} variable cost per task "
                                 f"{money(variable, currency, cents=True)}")
                    ranges.append("")
            else:
                parts.append(piece)
                ranges.append("")
        rng = ranges[0] if len(ranges) == 1 else ""
        out.append(EffectiveInput(name, field_label(name), value, source, format_value(name, value, currency),
                                  " + ".join(parts), rng, str(notes.get(name) or "")))
    return tuple(out)


# --- funded or not, and why -----------------------------------------------------------------------


@dataclass(frozen=True)
class OpportunityBrief:
    """One opportunity as every export describes it."""

    result: OpportunityResult
    rank: int  # 1 = highest eNPV
    funded: bool
    why_not: str  # why it is not funded; empty when funded or when the plan has no budget
    inputs: tuple[EffectiveInput, ...]
    irr_note: str  # what drives an IRR above 200%; empty otherwise

    @property
    def name(self) -> str:
        return self.result.name or self.result.id

    @property
    def status(self) -> str:
        """``Funded`` / ``Not funded: …`` / empty (no budget, so no funding decision)."""
        if self.funded:
            return "Funded"
        return f"Not funded: {self.why_not}" if self.why_not else ""


def _why_not(r: OpportunityResult, results: PlanResults, currency: str) -> str:
    p = results.portfolio
    if p.budget is None or r.id in p.selected:
        return ""
    if r.enpv <= 0:
        return f"negative eNPV of {money(r.enpv, currency, short=True)}, so it is expected to lose money"
    build = r.effective["build_cost"][0]
    budget = money(p.budget, currency, short=True)
    if build > p.budget:
        return f"its build cost of {money(build, currency, short=True)} exceeds the whole {budget} budget"
    left = p.budget - p.selected_build_cost
    if build > left:
        return (f"the {budget} budget is spent on higher-eNPV opportunities; its build cost of "
                f"{money(build, currency, short=True)} does not fit in the "
                f"{money(left, currency, short=True)} left")
    return f"the {budget} budget is spent on a set with a higher total eNPV"


def _irr_note(r: OpportunityResult, currency: str) -> str:
    if r.irr is None or r.irr <= HIGH_IRR:
        return ""
    build = r.effective["build_cost"][0]
    net = r.annual_benefit_ss - r.annual_cost_ss
    back = f"; it pays back by {month(r.payback_month)}" if r.payback_month is not None else ""
    return (f"An IRR of {percent(r.irr)} comes from a small build cost "
            f"({money(build, currency, short=True)}) against large benefits "
            f"({money(net, currency, short=True)} a year net at full adoption){back}. "
            "Read its NPV for the size of the prize.")


# --- the bridge from NPV to the funded set ---------------------------------------------------------


@dataclass(frozen=True)
class Bridge:
    """NPV of all (success case) → eNPV of all → eNPV of the funded set, with their ranges."""

    npv_all: float
    enpv_all: float
    enpv_funded: float | None  # None without a budget
    build_funded: float
    budget: float | None
    mc_all: Summary | None
    mc_funded: Summary | None
    count_all: int
    count_funded: int

    def steps(self, currency: str) -> list[tuple[str, str]]:
        """(what, figure) rows from the success-case NPV down to what the ask buys."""
        rows = [(f"NPV of all {self.count_all} opportunities if every launch succeeds",
                 money(self.npv_all, currency, short=True)),
                ("eNPV of all (each weighted by its chance of a successful launch)",
                 money(self.enpv_all, currency, short=True))]
        if self.enpv_funded is not None and self.budget is not None:
            budget = money(self.budget, currency, short=True)
            rows.append((f"eNPV of the {self.count_funded} funded within the {budget} budget",
                         money(self.enpv_funded, currency, short=True)))
            rows.append(("Build cost of the funded set", money(self.build_funded, currency, short=True)))
        return rows


def range_words(summary: Summary | None, currency: str) -> str:
    """``P10–P90 $1.7M to $5.0M, median $3.4M; 1% chance of a loss`` (empty without a simulation)."""
    if summary is None or not math.isfinite(summary.p10):
        return ""
    return (f"P10–P90 {money_range(summary.p10, summary.p90, currency)}, "
            f"median {money(summary.p50, currency, short=True)}; "
            f"{percent(1 - summary.p_positive)} chance of a loss")


# --- decisions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionBrief:
    """A decision's recommendation as the plan stands: chosen option, highest score, funding."""

    recommendation: Recommendation
    opportunities: tuple[str, ...]  # names of the opportunities that link it
    funded: bool  # some linked opportunity is funded (or nothing decides funding)
    why_not: str  # the linked opportunities' reasons, when none is funded

    @property
    def name(self) -> str:
        return self.recommendation.decision.name or self.recommendation.decision.id

    @property
    def needs_choice(self) -> bool:
        return self.recommendation.chosen is None

    def sentence(self, mark: Callable[[str], str] = str, text: Callable[[str], str] = str) -> str:
        """In the memo's words; nothing is "recommended" that the plan does not fund or choose."""
        rec = self.recommendation
        top = f"{text(rec.option)} has the highest score ({rec.score:.0f} of 100)"
        if not self.funded:
            head = (f"Not recommended now: {text(names_and(self.opportunities))} "
                    f"{'is' if len(self.opportunities) == 1 else 'are'} not funded ({text(self.why_not)}).")
            if rec.tied and rec.chosen is None:
                return f"{head} {recommendation_sentence(rec, mark, text)}"
            chosen = f"The option chosen is {mark(rec.chosen)}." if rec.chosen else "No option is chosen."
            if rec.tied:
                names = {o.id: o.name or o.id for o in rec.decision.options}
                ties = [text(names[o]) for o in rec.result.tied if o != rec.decision.chosen_option_id]
                chosen = (f"The option chosen is {mark(rec.chosen or '')}; "
                          f"{names_and(ties)} {'ties' if len(ties) == 1 else 'tie'} for the highest "
                          f"score at {rec.score:.1f} of 100.")
                return f"{head} {chosen} {text(tie_sentence(rec.decision, rec.result))}"
            return f"{head} {chosen} On scores alone {top}."
        if rec.tied:
            return recommendation_sentence(rec, mark, text)
        if rec.chosen is None:
            return (f"No option is chosen yet: {mark(rec.option)} has the highest score "
                    f"({rec.score:.0f} of 100) and the plan's figures use it until one is chosen. "
                    f"{text(rec.robustness)}")
        if rec.plan_uses:
            chosen_id = rec.decision.chosen_option_id or ""
            return (f"We recommend {mark(rec.chosen)}, the option chosen (score "
                    f"{rec.result.scores.get(chosen_id, 0.0):.0f} of 100); {top}.")
        return recommendation_sentence(rec, mark, text)


# --- the whole briefing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Briefing:
    currency: str
    results: PlanResults
    opportunities: tuple[OpportunityBrief, ...]  # ranked by eNPV
    bridge: Bridge
    decisions: tuple[DecisionBrief, ...]

    @property
    def funded(self) -> tuple[OpportunityBrief, ...]:
        return tuple(o for o in self.opportunities if o.funded)

    @property
    def unfunded(self) -> tuple[OpportunityBrief, ...]:
        return tuple(o for o in self.opportunities if not o.funded)

    @property
    def has_budget(self) -> bool:
        return self.bridge.budget is not None

    def detailed(self, top: int = DETAILED) -> tuple[OpportunityBrief, ...]:
        """The ones told in detail: the top ``top`` by eNPV and every funded one, in rank order."""
        return tuple(o for o in self.opportunities if o.rank <= top or o.funded)

    def by_id(self, opportunity_id: str) -> OpportunityBrief | None:
        return next((o for o in self.opportunities if o.result.id == opportunity_id), None)


def brief(data: dict[str, Any], results: PlanResults) -> Briefing:
    """The briefing of a plan: ``data`` is the interchange JSON (notes), ``results`` the engine's."""
    project = data.get("project") or {}
    currency = str(project.get("currency") or results.plan.settings.currency or "USD")
    notes = {str(o.get("id")): o.get("notes") or {} for o in data.get("opportunities") or []}
    p = results.portfolio
    by_id = {r.id: r for r in results.opportunities}
    ranked = [by_id[i] for i in p.ranking if i in by_id]
    ranked += [r for r in results.opportunities if r.id not in p.ranking]
    selected = set(p.selected)
    briefs = tuple(
        OpportunityBrief(r, rank, r.id in selected, _why_not(r, results, currency),
                         effective_inputs(results, r, notes.get(r.id, {}), currency), _irr_note(r, currency))
        for rank, r in enumerate(ranked, 1))
    bridge = Bridge(
        npv_all=math.fsum(r.npv for r in results.opportunities), enpv_all=p.total_enpv,
        enpv_funded=p.selected_enpv if p.budget is not None else None,
        build_funded=p.selected_build_cost, budget=p.budget, mc_all=p.mc, mc_funded=p.selected_mc,
        count_all=len(results.opportunities), count_funded=len(p.selected))
    decisions = []
    for rec in recommendations(results.plan.decisions, results.decisions):
        linked = [b for b in briefs if _decision_of(results, b.result.id) == rec.decision.id]
        funded = p.budget is None or not linked or any(b.funded for b in linked)
        why = "; ".join(dict.fromkeys(b.why_not for b in linked if b.why_not)) if not funded else ""
        decisions.append(DecisionBrief(rec, tuple(b.name for b in linked), funded, why))
    return Briefing(currency, results, briefs, bridge, tuple(decisions))


def _decision_of(results: PlanResults, opportunity_id: str) -> str | None:
    return next((o.decision_id for o in results.plan.opportunities if o.id == opportunity_id), None)


# --- the decision box -----------------------------------------------------------------------------


def _names(items: list[str], most: int = 6) -> str:
    """At most ``most`` names, then "and N more", so a box stays a box at 60 opportunities."""
    if len(items) <= most:
        return names_and(items)
    return f"{', '.join(items[:most])} and {len(items) - most} more"


def decision_box(b: Briefing) -> list[tuple[str, str]]:
    """(heading, plain text with a line break between items) rows: the ask, the funded set, its value,
    what is not funded, the decision needed, and what drives any IRR above 200%."""
    cur, br = b.currency, b.bridge
    rows: list[tuple[str, str]] = []
    if br.budget is None:
        positive = [o for o in b.opportunities if o.result.enpv > 0]
        cost = math.fsum(o.result.effective["build_cost"][0] for o in positive)
        rows.append(("The ask", f"No budget is set, so no set is chosen for funding. Building all "
                                f"{len(positive)} opportunities with a positive eNPV would cost "
                                f"{money(cost, cur, short=True)}."))
    else:
        rows.append(("The ask", f"Approve {money(br.build_funded, cur, short=True)} of build budget, of the "
                                f"{money(br.budget, cur, short=True)} available, for {br.count_funded} "
                                f"{'opportunity' if br.count_funded == 1 else 'opportunities'}."))
        if b.funded:
            rows.append(("Funded", _names([o.name for o in b.funded], 8) + "."))
        value = f"eNPV {money(br.enpv_funded, cur, short=True)}"
        words = range_words(br.mc_funded, cur)
        if words:
            value += f"; NPV {words} ({FAILED_LAUNCHES})"
        rows.append(("Value of the funded set", value + "."))
    whole = range_words(br.mc_all, cur)
    rows.append(("The whole plan", f"eNPV {money(br.enpv_all, cur, short=True)} across {br.count_all} "
                                   f"opportunities" + (f"; NPV {whole}." if whole else ".")))
    if br.budget is not None and b.unfunded:
        negative = [o.name for o in b.unfunded if o.result.enpv <= 0]
        other = [o for o in b.unfunded if o.result.enpv > 0]
        parts = []
        if len(b.unfunded) <= 4:
            parts = [f"{o.name}: {o.why_not}" for o in b.unfunded]
        else:
            if other:
                parts.append(f"{_names([o.name for o in other])}: the budget is spent on higher-eNPV "
                             "opportunities")
            if negative:
                parts.append(f"{_names(negative)}: negative eNPV")
        rows.append(("Not funded", ".\n".join(parts) + "."))
    needed = []
    if br.budget is not None and br.count_funded:
        needed.append(f"approve the {money(br.build_funded, cur, short=True)} build budget for the "
                      "funded set")
    for d in b.decisions:
        if d.funded and d.needs_choice:
            needed.append(f"choose an option for “{d.name}” ({d.recommendation.option} scores highest)")
        elif d.funded and d.recommendation.plan_uses:
            needed.append(f"confirm “{d.name}”: {d.recommendation.chosen} is chosen, "
                          f"{d.recommendation.option} scores higher")
    if needed:
        text = "; ".join(needed)
        rows.append(("Decision needed", text[:1].upper() + text[1:] + "."))
    high = [o for o in b.opportunities if o.irr_note and (o.funded or not b.has_budget)]
    if high:
        # Two in full; beyond that the reason repeats, so the others are named with their IRR.
        lines = [f"{o.name}: {o.irr_note}" for o in high[:2]]
        if len(high) > 2:
            lines.append("Also above 200%, for the same reason: "
                         + _names([f"{o.name} ({percent(o.result.irr)})" for o in high[2:]], 4) + ".")
        rows.append(("High IRRs", "\n".join(lines)))
    return rows


# --- live references in the PM's prose -----------------------------------------------------------

#: ``{portfolio.funded_enpv}``, ``{opportunity:ID.npv}``, ``{decision:ID.winner}``: an id runs to the
#: last dot, so ids with dots work; a field is a plain word.
REFERENCE = re.compile(r"\{(portfolio|opportunity:[^{}]+|decision:[^{}]+)\.([A-Za-z_]+)\}")

#: The fields a reference may name, with what each prints (documented for the PM in the help).
PORTFOLIO_FIELDS = {
    "npv": "NPV of all opportunities if every launch succeeds",
    "enpv": "eNPV of all opportunities",
    "funded_enpv": "eNPV of the funded set",
    "funded_build_cost": "build cost of the funded set (the ask)",
    "budget": "the build budget",
    "funded_count": "how many opportunities are funded",
    "funded_p10": "P10 of the funded set's NPV", "funded_p90": "P90 of the funded set's NPV",
    "funded_chance_of_loss": "chance the funded set loses money",
    "p10": "P10 of the whole plan's NPV", "p90": "P90 of the whole plan's NPV",
    "chance_of_loss": "chance the whole plan loses money",
}
OPPORTUNITY_FIELDS = {
    "name": "its name", "npv": "NPV", "enpv": "eNPV", "irr": "IRR", "roi": "ROI", "payback": "payback month",
    "build_cost": "effective build cost", "run_cost_annual": "effective run cost a year",
    "cost_per_task": "effective cost per task", "p10": "P10 of its NPV", "p90": "P90 of its NPV",
    "chance_of_loss": "chance it loses money", "status": "Funded / Not funded: why",
}
DECISION_FIELDS = {"name": "its name", "winner": "the option with the highest score",
                   "chosen": "the option chosen (or “no option chosen”)", "score": "the winner's score"}


def _summary_field(summary: Summary | None, what: str, currency: str) -> str | None:
    if summary is None or not math.isfinite(summary.p10):
        return "—"
    if what == "chance_of_loss":
        return percent(1 - summary.p_positive)
    return money(getattr(summary, what), currency, short=True)


def _portfolio_value(b: Briefing, name: str) -> str | None:
    cur, br = b.currency, b.bridge
    plain = {"npv": br.npv_all, "enpv": br.enpv_all, "funded_enpv": br.enpv_funded,
             "funded_build_cost": br.build_funded if br.budget is not None else None, "budget": br.budget}
    if name in plain:
        return money(plain[name], cur, short=True)
    if name == "funded_count":
        return str(br.count_funded)
    if name.startswith("funded_") and name in PORTFOLIO_FIELDS:
        return _summary_field(br.mc_funded, name.removeprefix("funded_"), cur)
    if name in PORTFOLIO_FIELDS:
        return _summary_field(br.mc_all, name, cur)
    return None


def _opportunity_value(o: OpportunityBrief, name: str, cur: str) -> str | None:
    r = o.result
    if name == "name":
        return o.name
    if name in ("npv", "enpv"):
        return money(getattr(r, name), cur, short=True)
    if name in ("irr", "roi"):
        return percent(getattr(r, name))
    if name == "payback":
        return month(r.payback_month)
    if name in ("build_cost", "run_cost_annual", "cost_per_task"):
        return format_value(name, r.effective[name][0], cur)
    if name in ("p10", "p90", "chance_of_loss"):
        return _summary_field(r.mc, name, cur)
    if name == "status":
        return o.status or "no budget set"
    return None


def _decision_value(d: DecisionBrief, name: str) -> str | None:
    rec = d.recommendation
    values = {"name": d.name, "winner": rec.option, "chosen": rec.chosen or "no option chosen",
              "score": f"{rec.score:.0f} of 100"}
    return values.get(name)


def reference_value(b: Briefing, target: str, name: str) -> str | None:
    """What ``{target.name}`` prints, or None when the object or the field does not exist."""
    if target == "portfolio":
        return _portfolio_value(b, name)
    kind, _, oid = target.partition(":")
    if kind == "opportunity":
        o = b.by_id(oid)
        return None if o is None else _opportunity_value(o, name, b.currency)
    d = next((d for d in b.decisions if d.recommendation.decision.id == oid), None)
    return None if d is None else _decision_value(d, name)


def fill_references(text: str, b: Briefing) -> tuple[str, list[str]]:
    """The PM's text with every reference filled in, and the references that point at nothing.

    A dangling reference prints as ``[missing: opportunity:opp9.npv]``, never as a blank.
    """
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        value = reference_value(b, match.group(1), match.group(2))
        if value is None:
            ref = f"{match.group(1)}.{match.group(2)}"
            missing.append(ref)
            return f"[missing: {ref}]"
        return value

    return REFERENCE.sub(fill, text), missing


def missing_references_warning(missing: list[str]) -> str:
    """One line for an export that found dangling references (empty when there are none)."""
    if not missing:
        return ""
    # Ids come from the file and the line may reach a terminal.
    unique = [one_line(m) for m in dict.fromkeys(missing)]
    shown = ", ".join("{" + m + "}" for m in unique[:5])
    if len(unique) > 5:
        shown += f" and {len(unique) - 5} more"
    return (f"The memo refers to {len(unique)} figure{'s' if len(unique) != 1 else ''} that no longer "
            f"exist{'s' if len(unique) == 1 else ''}: {shown}; "
            f"{'it prints' if len(unique) == 1 else 'they print'} as [missing: …].")
