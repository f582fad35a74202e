"""KPI targets, launch checklists and gate decisions (docs/formulas.md 3.10): each target's status
in words, the plan's own value for the metrics the model computes, and readiness to launch."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from models.limits import FIGURE

AT_LEAST, AT_MOST = "at_least", "at_most"
DIRECTIONS = (AT_LEAST, AT_MOST)
MET, NOT_MET, NOT_MEASURED = "met", "not met", "not measured"
CHECK_STATUSES = ("todo", "doing", "done", "waived")
GATE_DECISIONS = ("approve", "conditional", "reject")
CUSTOM = "custom"


@dataclass(frozen=True)
class Metric:
    """A metric of the catalogue: its label, unit, usual direction, and the model's own value
    for it (``tied``: the result it is read from), if the model has one."""

    label: str
    unit: str  # fraction (shown as %), money (per task), days, seconds, minutes, hours, score
    direction: str
    tied: str | None = None


#: The catalogue (docs/formulas.md 3.10), in the order a picker lists it. ``tied`` names the
#: value the plan gives the metric: an input of the opportunity, or a cost of its unit model.
METRICS: dict[str, Metric] = {
    "adoption_rate": Metric("Adoption within 90 days", "fraction", AT_LEAST, "adoption_target"),
    "activation_to_value_days": Metric("Days to first value", "days", AT_MOST),
    "task_success_rate": Metric("Task success rate", "fraction", AT_LEAST, "success_rate"),
    "retention_lift": Metric("Retention lift", "fraction", AT_LEAST),
    "cost_per_task": Metric("Cost per AI task", "money", AT_MOST, "loaded_cost_per_task"),
    "gross_margin": Metric("Gross margin at target adoption", "fraction", AT_LEAST, "gross_margin"),
    "offline_eval_score": Metric("Offline evaluation score", "fraction", AT_LEAST),
    "critical_error_rate": Metric("Critical error (hallucination) rate", "fraction", AT_MOST),
    "safety_violation_rate": Metric("Safety violation rate", "fraction", AT_MOST),
    "escalation_rate": Metric("Escalation to humans", "fraction", AT_MOST, "escalation_rate"),
    "latency_p50_s": Metric("Latency P50", "seconds", AT_MOST),
    "latency_p95_s": Metric("Latency P95", "seconds", AT_MOST),
    "availability": Metric("Availability", "fraction", AT_LEAST),
    "mttd_minutes": Metric("Time to detect an incident (MTTD)", "minutes", AT_MOST),
    "mttr_hours": Metric("Time to recover (MTTR)", "hours", AT_MOST),
}
#: Ties read from the opportunity's own inputs; the others from its unit model.
OPPORTUNITY_TIES = frozenset({"adoption_target", "success_rate"})
UNIT_TIES = frozenset({"loaded_cost_per_task", "gross_margin", "escalation_rate"})


@dataclass(frozen=True)
class Kpi:
    """One KPI target of an opportunity."""

    id: str
    metric: str = CUSTOM
    name: str = ""
    unit: str = ""
    direction: str = AT_LEAST
    target: float = 0.0
    window: str = ""
    eval_set: str = ""
    measured: float | None = None
    measured_on: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        """What the PM calls it: its own name, else the catalogue's."""
        known = METRICS.get(self.metric)
        return self.name or (known.label if known else self.metric)

    @property
    def tied(self) -> str | None:
        """The value of the model this metric is read from, if any."""
        known = METRICS.get(self.metric)
        return known.tied if known else None

    @property
    def status(self) -> str:
        return status(self.direction, self.target, self.measured)


@dataclass(frozen=True)
class CheckItem:
    """One item of a launch checklist."""

    id: str
    text: str = ""
    owner: str = ""
    status: str = "todo"
    evidence: str = ""

    @property
    def cleared(self) -> bool:
        return self.status in ("done", "waived")


@dataclass(frozen=True)
class Gate:
    """The launch gate's decision, as recorded (and written to the decision log)."""

    decision: str
    approvers: str = ""
    date: str = ""
    conditions: str = ""
    log_entry_id: str | None = None


def meets(direction: str, target: float, value: float) -> bool:
    """Whether ``value`` meets ``target``: at least or at most it, the target itself included."""
    return value >= target if direction == AT_LEAST else value <= target


def status(direction: str, target: float, measured: float | None) -> str:
    """met, not met, or not measured (no measurement yet)."""
    if measured is None:
        return NOT_MEASURED
    return MET if meets(direction, target, measured) else NOT_MET


def kpi_from_json(k: dict[str, Any]) -> Kpi:
    measured = k.get("measured")
    known = METRICS.get(str(k.get("metric") or CUSTOM))
    return Kpi(id=str(k["id"]), metric=str(k.get("metric") or CUSTOM), name=str(k.get("name") or ""),
               unit=str(k.get("unit") or (known.unit if known else "")),
               direction=str(k.get("direction") or (known.direction if known else AT_LEAST)),
               target=float(k.get("target") or 0.0), window=str(k.get("window") or ""),
               eval_set=str(k.get("eval_set") or ""),
               measured=None if measured is None else float(measured),
               measured_on=str(k.get("measured_on") or ""), note=str(k.get("note") or ""))


def check_from_json(c: dict[str, Any]) -> CheckItem:
    return CheckItem(id=str(c["id"]), text=str(c.get("text") or ""), owner=str(c.get("owner") or ""),
                     status=str(c.get("status") or "todo"), evidence=str(c.get("evidence") or ""))


def gate_from_json(g: dict[str, Any] | None) -> Gate | None:
    if not g:
        return None
    return Gate(decision=str(g["decision"]), approvers=str(g.get("approvers") or ""),
                date=str(g.get("date") or ""), conditions=str(g.get("conditions") or ""),
                log_entry_id=g.get("log_entry_id"))


def kpi_problems(k: dict[str, Any]) -> Iterator[str]:
    """The rules one KPI target of the interchange format breaks, as sentences."""
    metric = k.get("metric") or CUSTOM
    if metric != CUSTOM and metric not in METRICS:
        yield f"the metric “{metric}” is not one the app knows: pick one from the list, or custom"
    if metric == CUSTOM and not str(k.get("name") or "").strip():
        yield "a custom KPI needs a name"
    if k.get("direction") not in (None, *DIRECTIONS):
        yield "the direction must be at_least or at_most"
    fraction = (METRICS[metric].unit if metric in METRICS else k.get("unit")) == "fraction"
    for field in ("target", "measured"):
        value = k.get(field)
        if value is None:
            if field == "target":
                yield "a KPI needs a target"
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            yield f"the {field} value must be a number"
        elif fraction and not 0 <= value <= 1:
            yield f"the {field} value must be a fraction between 0% and 100%"
        elif not FIGURE.low <= value <= FIGURE.high:
            yield f"the {field} value {FIGURE.rule()}"


def ready_to_launch(kpis: tuple[Kpi, ...], checklist: tuple[CheckItem, ...]) -> bool:
    """docs/formulas.md 3.10: every KPI measured and met, every checklist item done or waived."""
    return all(k.status == MET for k in kpis) and all(c.cleared for c in checklist)
