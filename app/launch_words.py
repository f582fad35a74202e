"""Launch readiness in words (docs/formulas.md 3.10): a KPI's values in its unit, the plan beside
the gate, checklist and gate in a line each: one set of sentences for the window and every export."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.formatting import money, number, percent
from models.engine import KpiResult, OpportunityResult, PlanResults
from models.kpis import AT_LEAST, MET, NOT_MEASURED, NOT_MET, CheckItem, Gate, Kpi, ready_to_launch
from models.plan import Opportunity

#: Units shown after a plain number (fractions and money carry their own sign).
UNIT_WORDS = {"days": "days", "seconds": "s", "minutes": "min", "hours": "h"}
GATE_WORDS = {"approve": "Approved", "conditional": "Approved with conditions", "reject": "Rejected"}


def value_words(kpi: Kpi, value: float | None, currency: str) -> str:
    """``value`` in the KPI's unit: 1.4%, $0.12, 3.4 s, 4.2."""
    if value is None or not math.isfinite(value):
        return "—"
    if kpi.unit == "fraction":
        hundredths = value * 100
        digits = 0 if abs(hundredths - round(hundredths)) < 1e-9 else (2 if abs(hundredths) < 1 else 1)
        return percent(value, digits)
    if kpi.unit == "money":  # per task, as every cost per task is written ($0.1500)
        return money(value, currency, cents=True)
    text = number(value, 0 if float(value).is_integer() else 2).rstrip("0").rstrip(".")
    unit = UNIT_WORDS.get(kpi.unit, kpi.unit)
    return f"{text} {unit}".strip()


def target_words(kpi: Kpi, currency: str) -> str:
    """``at most $0.15``, ``at least 90%``."""
    words = "at least" if kpi.direction == AT_LEAST else "at most"
    return f"{words} {value_words(kpi, kpi.target, currency)}"


def measured_words(kpi: Kpi, currency: str) -> str:
    """The measurement with its date, or that there is none yet."""
    if kpi.measured is None:
        return "not measured yet"
    when = f" on {kpi.measured_on}" if kpi.measured_on else ""
    return f"{value_words(kpi, kpi.measured, currency)}{when}"


def plan_sentence(k: KpiResult, currency: str) -> str:
    """The plan beside the gate for a metric the model computes: "The plan assumes $0.12 a task;
    the gate is at most $0.10; 23% of simulations meet it." Empty for other metrics."""
    if k.planned is None:
        return ""
    kpi = k.kpi
    per = " a task" if kpi.unit == "money" else ""
    text = (f"The plan assumes {value_words(kpi, k.planned, currency)}{per}; the gate is "
            f"{target_words(kpi, currency)}")
    if k.p_meets is not None:
        text += f"; {percent(k.p_meets)} of simulations meet it"
    return text + "."


def conflict(k: KpiResult) -> bool:
    """The plan's own base value misses the target: the business case and the gate disagree."""
    return k.plan_meets is False


def status_order(k: KpiResult) -> int:
    """Conflicts first, then not met, not measured, met."""
    if conflict(k):
        return 0
    return {NOT_MET: 1, NOT_MEASURED: 2, MET: 3}.get(k.status, 4)


@dataclass(frozen=True)
class Readiness:
    """One opportunity's launch readiness, counted and in words."""

    id: str
    name: str
    kpis: tuple[KpiResult, ...]
    checklist: tuple[CheckItem, ...]
    gate: Gate | None

    @property
    def has_any(self) -> bool:
        return bool(self.kpis or self.checklist or self.gate)

    @property
    def met(self) -> int:
        return sum(k.status == MET for k in self.kpis)

    @property
    def not_met(self) -> int:
        return sum(k.status == NOT_MET for k in self.kpis)

    @property
    def unmeasured(self) -> int:
        return sum(k.status == NOT_MEASURED for k in self.kpis)

    @property
    def conflicts(self) -> tuple[KpiResult, ...]:
        return tuple(k for k in self.kpis if conflict(k))

    @property
    def open_items(self) -> int:
        return sum(not c.cleared for c in self.checklist)

    @property
    def ready(self) -> bool:
        return ready_to_launch(tuple(k.kpi for k in self.kpis), self.checklist)

    def kpi_words(self) -> str:
        """``3 of 4 met, 1 not measured``; ``no targets``."""
        if not self.kpis:
            return "no targets"
        parts = [f"{self.met} of {len(self.kpis)} met"]
        if self.not_met:
            parts.append(f"{self.not_met} not met")
        if self.unmeasured:
            parts.append(f"{self.unmeasured} not measured")
        return ", ".join(parts)

    def checklist_words(self) -> str:
        """``5 of 7 done or waived``; ``no checklist``."""
        if not self.checklist:
            return "no checklist"
        return f"{len(self.checklist) - self.open_items} of {len(self.checklist)} done or waived"

    def gate_words(self) -> str:
        return gate_words(self.gate)

    def status_words(self) -> str:
        """``Ready to launch`` or ``Not ready: …``, in one line."""
        if not self.has_any:
            return "No launch gate yet"
        if self.ready:
            return "Ready to launch"
        reasons = []
        if self.not_met:
            reasons.append(f"{self.not_met} KPI{'s' if self.not_met > 1 else ''} not met")
        if self.unmeasured:
            reasons.append(f"{self.unmeasured} not measured")
        if self.open_items:
            reasons.append(f"{self.open_items} checklist item{'s' if self.open_items > 1 else ''} open")
        return "Not ready: " + ", ".join(reasons)


def gate_words(gate: Gate | None) -> str:
    """``Approved on 2026-11-28 by VP Support``; ``No gate decision yet``."""
    if gate is None:
        return "No gate decision yet"
    text = GATE_WORDS.get(gate.decision, gate.decision)
    if gate.date:
        text += f" on {gate.date}"
    if gate.approvers:
        text += f" by {gate.approvers}"
    if gate.conditions:
        text += f": {gate.conditions}"
    return text


def readiness(o: Opportunity, r: OpportunityResult) -> Readiness:
    return Readiness(o.id, o.name or o.id, r.kpis, o.checklist, o.gate)


def plan_readiness(results: PlanResults) -> list[Readiness]:
    """Every opportunity's readiness, in the plan's order."""
    by_id = {r.id: r for r in results.opportunities}
    return [readiness(o, by_id[o.id]) for o in results.plan.opportunities if o.id in by_id]


def kpi_row(k: KpiResult, currency: str) -> list[str]:
    """Metric, target, measured, status, the plan's value, P(meets): a table row."""
    kpi = k.kpi
    label = kpi.label + (f" ({kpi.eval_set})" if kpi.eval_set else "")
    plan = value_words(kpi, k.planned, currency) if k.planned is not None else ""
    if conflict(k):
        plan += " (misses)"
    return [label, target_words(kpi, currency), measured_words(kpi, currency), k.status, plan,
            "" if k.p_meets is None else percent(k.p_meets)]


KPI_HEADS = ["KPI", "Target", "Measured", "Status", "Plan's value", "P(meets)"]
