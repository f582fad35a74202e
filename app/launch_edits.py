"""Adding and removing KPI targets and launch checklist items, and recording a gate decision, as
granular edits (``app.edits``; docs/formulas.md 3.10). Pure data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.edits import Edit, Insert, SetField, find, holder_of, removal
from app.ids import new_id
from models.kpis import CUSTOM, METRICS

#: The checklist most launches of an AI feature pass (the PM edits it from there).
DEFAULT_CHECKLIST = (
    "Offline evaluation above threshold",
    "Red-team review",
    "Privacy impact assessment",
    "Rollback plan and kill switch",
    "Monitoring and alerts",
    "Human oversight",
    "Disclosure of AI use",
)
#: How a gate decision reads in the decision log.
DECISION_WORDS = {"approve": "approved", "conditional": "approved with conditions", "reject": "rejected"}


def new_kpi(object_id: str, metric: str) -> dict[str, Any]:
    """A KPI target of ``metric`` with the catalogue's unit and direction, keys in export order;
    a custom one is named so the PM sees where to type."""
    known = METRICS.get(metric)
    return {"id": object_id, "metric": metric if known else CUSTOM, "name": "" if known else "New KPI",
            "unit": known.unit if known else "", "direction": known.direction if known else "at_least",
            "target": 0, "window": "", "eval_set": "", "measured": None, "measured_on": "", "note": ""}


def add_kpi(data: dict[str, Any], opportunity_id: str, metric: str) -> tuple[list[Edit], str]:
    """A new KPI target, last of the opportunity's, and its id."""
    kpis = find(data, "opportunity", opportunity_id).get("kpis") or []
    object_id = new_id(data, "kpi")
    return [Insert("kpi", opportunity_id, len(kpis), new_kpi(object_id, metric))], object_id


def remove_kpi(data: dict[str, Any], kpi_id: str) -> list[Edit]:
    return [removal(data, "kpi", kpi_id, holder_of(data, "kpi", kpi_id))]


def add_check(data: dict[str, Any], opportunity_id: str, text: str = "New item") -> tuple[list[Edit], str]:
    """A new checklist item, last, to do, and its id."""
    items = find(data, "opportunity", opportunity_id).get("launch_checklist") or []
    object_id = new_id(data, "check")
    item = {"id": object_id, "text": text, "owner": "", "status": "todo", "evidence": ""}
    return [Insert("launch_check", opportunity_id, len(items), item)], object_id


def remove_check(data: dict[str, Any], check_id: str) -> list[Edit]:
    return [removal(data, "launch_check", check_id, holder_of(data, "launch_check", check_id))]


def default_checklist(data: dict[str, Any], opportunity_id: str) -> list[Edit]:
    """The usual items the opportunity's checklist does not have yet (by their text)."""
    items = find(data, "opportunity", opportunity_id).get("launch_checklist") or []
    have = {str(c.get("text") or "").strip().lower() for c in items}
    edits: list[Edit] = []
    taken: set[str] = set()
    for text in DEFAULT_CHECKLIST:
        if text.lower() in have:
            continue
        object_id = new_id(data, "check", taken)
        taken.add(object_id)
        edits.append(Insert("launch_check", opportunity_id, len(items) + len(edits),
                            {"id": object_id, "text": text, "owner": "", "status": "todo", "evidence": ""}))
    return edits


def record_gate(data: dict[str, Any], opportunity_id: str, decision: str, approvers: str, date: str,
                conditions: str) -> list[Edit]:
    """The opportunity's gate decision, and the decision-log entry that records it: one step."""
    o = find(data, "opportunity", opportunity_id)
    day = date or dt.date.today().isoformat()
    entry_id = new_id(data, f"log-{day}-gate")
    name = o.get("name") or opportunity_id
    entry = {"id": entry_id, "date": day,
             "decision": f"Launch gate for {name}: {DECISION_WORDS[decision]}.",
             "rationale": conditions, "alternatives": "", "owner": approvers}
    gate = {"decision": decision, "approvers": approvers, "date": day, "conditions": conditions,
            "log_entry_id": entry_id}
    return [Insert("log", None, len(data["decision_log"]), entry),
            SetField("opportunity", opportunity_id, "gate", o.get("gate"), gate)]
