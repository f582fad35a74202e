"""``aiplan calc``: every result of the model for a project, as JSON or a readable table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.errors import InvalidProjectDataError, ProjectFileError
from app.formatting import money, money_range, month, number, percent
from app.terminal import one_line
from models.engine import PlanResults, calculate, results_json, summary_json
from models.plan import Plan, plan_from_json


class UnknownScenarioError(ProjectFileError):
    """``calc --scenario NAME`` with a name the plan has no scenario for."""

    def sentence(self) -> str:
        return self.detail


def plan_of(data: dict[str, Any]) -> Plan:
    return plan_from_json(data)


def results_for(data: dict[str, Any], *, monte_carlo: bool = True) -> PlanResults:
    return calculate(plan_of(data), monte_carlo=monte_carlo)


def scenario_results(data: dict[str, Any], base: PlanResults | None = None, *,
                     monte_carlo: bool = True) -> dict[str, PlanResults]:
    """The base's results and each scenario's, by name, base first (docs/formulas.md 3.7)."""
    from models.scenarios import ScenarioInvalid, calculate_scenarios, scenario_from_json

    try:
        return calculate_scenarios(data, [scenario_from_json(s) for s in data.get("scenarios") or []],
                                   monte_carlo=monte_carlo, with_tornado=False, base=base)
    except ScenarioInvalid as exc:
        raise InvalidProjectDataError(None, exc.problems) from None


def pick_scenario(data: dict[str, Any], name: str) -> dict[str, Any]:
    """The plan as one scenario shows it (``Base``: as it is); names compared as a PM types them."""
    from models.scenarios import BASE_NAME, ScenarioInvalid, apply_scenario, scenario_from_json

    wanted = name.strip().casefold()
    if wanted == BASE_NAME.casefold():
        return data
    for s in data.get("scenarios") or []:
        if (s.get("name") or "").strip().casefold() == wanted:
            try:
                return apply_scenario(data, scenario_from_json(s))
            except ScenarioInvalid as exc:
                raise InvalidProjectDataError(None, exc.problems) from None
    names = [BASE_NAME] + [s.get("name") or s["id"] for s in data.get("scenarios") or []]
    raise UnknownScenarioError(None, f"There is no scenario “{name}”; the plan's scenarios are "
                                     f"{', '.join(f'“{n}”' for n in names)}.")


def scenarios_json(data: dict[str, Any], base: PlanResults) -> tuple[list[dict[str, Any]], float | None]:
    """``calc --json``'s ``scenarios`` (base first) and the probability-weighted total eNPV."""
    from models.scenarios import BASE_NAME, probabilities, scenario_from_json, weighted_enpv

    scenarios = [scenario_from_json(s) for s in data.get("scenarios") or []]
    if not scenarios:
        return [], None
    by_name = scenario_results(data, base, monte_carlo=base.samples > 0)
    chances = probabilities(scenarios)
    ids = {BASE_NAME: None, **{s.name: s.id for s in scenarios}}
    out = []
    for name, r in by_name.items():
        p = r.portfolio
        out.append({
            "name": name, "id": ids[name], "probability": None if chances is None else chances[name],
            "portfolio": {"total_enpv": p.total_enpv, "selected": list(p.selected),
                          "selected_enpv": p.selected_enpv, "selected_build_cost": p.selected_build_cost,
                          "mc": _summary(p.mc), "selected_mc": _summary(p.selected_mc)},
            "opportunities": [{"id": o.id, "npv": o.npv, "enpv": o.enpv, "mc": _summary(o.mc)}
                              for o in r.opportunities],
        })
    return out, weighted_enpv(by_name, chances)


def _summary(summary: Any) -> dict[str, Any] | None:
    return summary_json(summary, "npv")


def as_json(results: PlanResults, data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every result as one JSON object; with the project's ``data``, its scenarios too."""
    data_out = _as_json(results)
    if data is not None:
        data_out["scenarios"], weighted = scenarios_json(data, results)
        if weighted is not None:
            data_out["weighted_enpv"] = weighted
    return data_out


def _as_json(results: PlanResults) -> dict[str, Any]:
    data = results_json(results)
    # Beside ``winner`` (the first entered of a tie, the option used until one is chosen): every
    # option tied for the top score, and every option that overtakes at each flip.
    for entry, d in zip(data["decisions"], results.decisions, strict=True):
        entry["tied"] = list(d.tied)
        for flip_entry, flip in zip(entry["flips"], d.flips, strict=True):
            flip_entry["overtakers"] = list(flip.overtakers)
    return data


def _table(headers: list[str], rows: list[list[str]], align: str) -> list[str]:
    # Names come from the file: escaped before the widths are measured, so columns line up.
    rows = [[one_line(cell) for cell in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w)
                         for c, w, a in zip(cells, widths, align, strict=True)).rstrip()

    return [line(headers), line(["─" * w for w in widths]), *(line(r) for r in rows)]


def scenarios_text(data: dict[str, Any], base: PlanResults) -> list[str]:
    """The scenarios side by side: total eNPV, funded set, NPV P10 - P90 (empty without any)."""
    rows_json, weighted = scenarios_json(data, base)
    if not rows_json:
        return []
    c = base.plan.settings.currency
    names = {r.id: r.name for r in base.opportunities}
    rows = []
    for entry in rows_json:
        p = entry["portfolio"]
        mc = p["mc"]
        rows.append([entry["name"], "—" if entry["probability"] is None else percent(entry["probability"]),
                     money(p["total_enpv"], c, short=True),
                     money_range(mc["npv_p10"], mc["npv_p90"], c) if mc else "—",
                     ", ".join(names.get(i, i) for i in p["selected"]) or "—"])
    out = ["", "Scenarios"]
    out += _table(["scenario", "probability", "eNPV", "NPV P10 – P90", "funded"], rows, "lrrrl")
    if weighted is not None:
        out.append(f"Probability-weighted total eNPV: {money(weighted, c)}")
    return out


def as_text(results: PlanResults, source: Path | None = None) -> str:
    s = results.plan.settings
    c = s.currency
    out = [f"{s.name or 'Untitled plan'}" + (f"  ({source.name})" if source else ""),
           f"{s.horizon_years}-year horizon, {percent(s.discount_rate, 1)} discount rate, "
           f"{results.samples:,} Monte Carlo samples (seed {s.mc_seed}), amounts in {c}", ""]
    rank = {oid: i for i, oid in enumerate(results.portfolio.ranking)}
    rows = []
    for r in sorted(results.opportunities, key=lambda r: rank[r.id]):
        rows.append([
            str(rank[r.id] + 1), r.name, money(r.npv, c, short=True), money(r.enpv, c, short=True),
            money_range(r.mc.p10, r.mc.p90, c) if r.mc else "—",
            percent(r.mc.p_positive) if r.mc else "—", percent(r.irr), month(r.payback_month),
            number(r.rice, 1),
        ])
    out += ["Opportunities, ranked by risk-adjusted NPV"]
    out += _table(["#", "opportunity", "NPV", "eNPV", "NPV P10 – P90", "P(NPV>0)", "IRR",
                   "payback", "RICE"], rows, "rlrrrrrrr")
    p = results.portfolio
    out += ["", f"Portfolio: total eNPV {money(p.total_enpv, c)}"
            + (f"; NPV P10 – P90 {money_range(p.mc.p10, p.mc.p90, c)}, "
               f"{percent(p.mc.p_positive)} chance of a positive total" if p.mc else "")]
    if p.budget is not None:
        names = {r.id: r.name for r in results.opportunities}
        out.append(f"Within the budget of {money(p.budget, c)}: "
                   + (", ".join(names[i] for i in p.selected) or "nothing fits")
                   + f" (build {money(p.selected_build_cost, c)}, eNPV {money(p.selected_enpv, c)})")

    from models.decision import names_and, robustness_sentence

    decisions = {d.id: d for d in results.plan.decisions}
    for d in results.decisions:
        decision = decisions[d.decision_id]
        options = {o.id: o.name for o in decision.options}
        out += ["", f"Decision: {decision.name}"]
        rows = [[options[oid], number(score, 1), money(d.tco[oid], c)]
                for oid, score in d.scores.items()]
        out += _table(["option", "score", f"TCO over {s.horizon_years} years"], rows, "lrr")
        out.append(robustness_sentence(decision, d))
        chosen = decision.chosen_option_id
        if d.tied and chosen in d.tied:
            others = names_and([options[o] or o for o in d.tied if o != chosen])
            out.append(f"Chosen: {options[chosen] or chosen}, which ties with {others}.")
    for u in results.unit_models:
        k = u.costs
        out += ["", f"Unit economics: {u.name} ({number(u.volume_tasks_month)} tasks/month)"]
        rows = [[label, money(k[key], c, cents=True) if key != "gross_margin" else percent(k[key], 1)]
                for label, key in (("LLM cost per task", "llm_cost_per_task"),
                                   ("retrieval cost per task", "retrieval_cost_per_task"),
                                   ("variable cost per task", "variable_cost_per_task"),
                                   ("loaded cost per task", "loaded_cost_per_task"),
                                   ("gross margin", "gross_margin"))]
        rows.append(["break-even volume", "—" if k["break_even_tasks_month"] is None
                     else f"{number(k['break_even_tasks_month'])} tasks/month"])
        out += _table(["", ""], rows, "lr")[2:]
    from app.information_words import opportunity_learnable

    learn = [(r, items[0]) for r in sorted(results.opportunities, key=lambda r: rank[r.id])
             for items in [opportunity_learnable(r, results.plan)] if items and items[0].clear]
    if learn:
        out += ["", "What to learn next (the most worth paying to know before committing)"]
        out += [f"  {r.name}: {item.words}, worth up to {money(item.evppi, c, short=True)}"
                f" (knowing everything: {money(r.evpi, c, short=True)})" for r, item in learn]
    # Every line names things from the file (plan, decisions, options, unit models): each is
    # printed as one line with its control characters escaped, so none can reach a terminal.
    return "\n".join(one_line(line) for line in out) + "\n"
