"""Launch readiness in the memo and the deck (docs/formulas.md 3.10): each gated opportunity's
KPIs, checklist and gate, the plan-vs-gate conflicts first, in the engine's own figures."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.exports.deck import build_slides
from app.exports.memo_pdf import build_memo
from app.formatting import percent
from app.interchange import sample_data
from app.launch_words import plan_readiness, value_words
from models.engine import PlanResults, calculate
from models.plan import plan_from_json

COPILOT, TRIAGE = "opp-support-copilot", "opp-ticket-triage"


def gated(data: dict[str, Any]) -> dict[str, Any]:
    """The sample with launch gates: the copilot not ready (a cost target its own plan misses, a
    latency over target, two unmeasured), triage ready with an approved gate."""
    data = copy.deepcopy(data)
    for o in data["opportunities"]:
        o.pop("kpis", None), o.pop("launch_checklist", None), o.pop("gate", None)
    by_id = {o["id"]: o for o in data["opportunities"]}
    by_id[COPILOT]["kpis"] = [
        {"id": "kpi-1", "metric": "critical_error_rate", "direction": "at_most", "target": 0.02,
         "eval_set": "golden set v3", "measured": 0.014, "measured_on": "2026-11-20"},
        {"id": "kpi-2", "metric": "latency_p95_s", "direction": "at_most", "target": 3, "measured": 3.4},
        {"id": "kpi-3", "metric": "cost_per_task", "direction": "at_most", "target": 0.05},
        {"id": "kpi-4", "metric": "escalation_rate", "direction": "at_most", "target": 0.08}]
    by_id[COPILOT]["launch_checklist"] = [
        {"id": "check-1", "text": "Red-team review", "owner": "Sam", "status": "done"},
        {"id": "check-2", "text": "Rollback plan and kill switch", "status": "doing"}]
    by_id[TRIAGE]["kpis"] = [{"id": "kpi-5", "metric": "task_success_rate", "direction": "at_least",
                              "target": 0.8, "measured": 0.86}]
    by_id[TRIAGE]["launch_checklist"] = [{"id": "check-3", "text": "Monitoring and alerts", "status": "done"}]
    by_id[TRIAGE]["gate"] = {"decision": "approve", "approvers": "VP Support", "date": "2026-10-01",
                             "conditions": ""}
    data["project"]["mc_samples"] = 2000
    return data


@pytest.fixture(scope="module")
def plan() -> tuple[dict[str, Any], PlanResults]:
    data = gated(sample_data())
    return data, calculate(plan_from_json(data))


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "memo.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                         text=True, timeout=120).stdout
    return " ".join(out.split())


def test_readiness_counts_what_the_pm_would_count(plan: tuple[dict[str, Any], PlanResults]) -> None:
    _, results = plan
    gates = {g.name: g for g in plan_readiness(results) if g.has_any}
    copilot, triage = gates["Support copilot (agent assist)"], gates["Ticket triage and routing"]
    assert (copilot.met, copilot.not_met, copilot.unmeasured, copilot.open_items) == (1, 1, 2, 1)
    assert not copilot.ready and triage.ready
    assert copilot.status_words() == "Not ready: 1 KPI not met, 2 not measured, 1 checklist item open"
    assert [k.kpi.id for k in copilot.conflicts] == ["kpi-3"]  # the plan's own cost misses $0.05
    assert triage.gate_words() == "Approved on 2026-10-01 by VP Support"


def test_the_memo_prints_the_section_with_the_engines_figures(
        plan: tuple[dict[str, Any], PlanResults], tmp_path: Path) -> None:
    data, results = plan
    text = _pdf_text(build_memo(data, results)[0], tmp_path)
    section = text[text.rindex("Launch readiness"):]
    copilot = next(r for r in results.opportunities if r.id == COPILOT)
    cost = next(k for k in copilot.kpis if k.kpi.id == "kpi-3")
    assert cost.planned is not None and cost.p_meets is not None
    conflict = (f"The plan assumes {value_words(cost.kpi, cost.planned, 'USD')} a task; the gate is at most "
                f"$0.0500; {percent(cost.p_meets)} of simulations meet it.")
    assert "Where the plan and the gate disagree" in section
    assert conflict in section
    assert section.index("Where the plan and the gate disagree") < section.index("Latency P95")
    assert "Not ready:" in section and "Ready to launch" in section  # (cells wrap their words)
    assert "KPI targets" in section
    # (table cells wrap, so their words are looked for one by one)
    assert "1.4% on" in section and "2026-11-20" in section
    assert "Approved on" in section and "2026-10-01 by VP" in section
    triage = next(r for r in results.opportunities if r.id == TRIAGE).kpis[0]
    assert triage.p_meets is not None
    # (the KPI table, up to its note; a cell that wraps splits its row, so each figure is found alone)
    kpi_table = section[section.index("KPI targets"):section.index("P(meets): the share")]
    assert percent(triage.planned) in kpi_table and percent(triage.p_meets) in kpi_table


def test_a_memo_without_gates_says_so(tmp_path: Path) -> None:
    data = gated(sample_data())
    for o in data["opportunities"]:
        o.pop("kpis", None), o.pop("launch_checklist", None), o.pop("gate", None)
    text = _pdf_text(build_memo(data, calculate(plan_from_json(data), monte_carlo=False))[0], tmp_path)
    assert "No opportunity has KPI targets or a launch checklist yet." in text


def test_the_deck_has_a_launch_readiness_slide_before_the_scenarios(
        plan: tuple[dict[str, Any], PlanResults]) -> None:
    data, results = plan
    slides = build_slides(data, results)
    titles = [s.title for s in slides]
    launch = next(s for s in slides if s.title.startswith("Launch readiness"))
    assert launch.title == "Launch readiness: 1 of 2 ready, 1 target the plan itself misses"
    assert titles.index(launch.title) < next(i for i, t in enumerate(titles) if t.startswith("Scenarios"))
    assert launch.table is not None
    assert launch.table[1][0] == "Support copilot (agent assist)"
    assert launch.table[1][1:] == ["1 of 4 met, 1 not met, 2 not measured", "1 of 2 done or waived",
                                   "Not ready: 1 KPI not met, 2 not measured, 1 checklist item open"]
    assert launch.bullets[0].startswith("Support copilot (agent assist), Cost per AI task: The plan assumes")
