"""The plan diff: exactly the changes made, results as the engine computes them, and aiplan diff."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app import calc
from app.diff import NO_DIFFERENCES, diff_plans, summary
from app.document import ProjectDocument
from app.formatting import money
from app.interchange import dumps
from tests.app.test_cli import _one_line_error, aiplan

Json = dict[str, Any]

#: The data changes ``reviewed_changes`` makes, by path.
CHANGED_PATHS = {
    "/opportunities/opp-sales-email/name",  # renamed
    "/opportunities/opp-knowledge-search/adoption_target",  # a range moved
    "/opportunities/opp-ticket-triage/run_cost_annual",  # a plain number became a range
    "/opportunities/opp-contract-review/decision_id",  # a link removed
    "/opportunities/opp-voice",  # added
    "/decision_log/log-2026-10-meetings-paused",  # removed
    "/decisions/dec-copilot/criteria/crit-copilot-privacy/weight",  # flips the copilot decision
}


def _by_id(items: list[Json]) -> dict[str, Json]:
    return {item["id"]: item for item in items}


def reviewed_changes(sample: Json) -> Json:
    """The sample after a week of edits: one of each kind of change."""
    new = copy.deepcopy(sample)
    opportunities = _by_id(new["opportunities"])
    opportunities["opp-sales-email"]["name"] = "Sales e-mail assistant"
    opportunities["opp-knowledge-search"]["adoption_target"] = {
        "base": 0.5, "low": 0.35, "high": 0.6, "dist": "pert"}
    opportunities["opp-ticket-triage"]["run_cost_annual"] = {
        "base": 24000, "low": 20000, "high": 30000, "dist": "triangular"}
    opportunities["opp-contract-review"]["decision_id"] = None
    voice = copy.deepcopy(opportunities["opp-churn-explain"])
    voice.update(id="opp-voice", name="Voice agent")
    new["opportunities"].append(voice)
    new["decision_log"] = [e for e in new["decision_log"] if e["id"] != "log-2026-10-meetings-paused"]
    criteria = _by_id(_by_id(new["decisions"])["dec-copilot"]["criteria"])
    criteria["crit-copilot-privacy"]["weight"] = 40
    return new


def engine(data: Json) -> Any:
    return calc.results_for(data, monte_carlo=False)


def expected_result_paths(old: Json, new: Json) -> set[str]:
    """The results that moved, read straight from the engine's two result sets."""
    a, b = engine(old), engine(new)
    paths = set()
    a_opps, b_opps = {r.id: r for r in a.opportunities}, {r.id: r for r in b.opportunities}
    for oid in a_opps.keys() | b_opps.keys():
        for measure in ("npv", "enpv"):
            va = getattr(a_opps[oid], measure) if oid in a_opps else None
            vb = getattr(b_opps[oid], measure) if oid in b_opps else None
            if va is None or vb is None or va != pytest.approx(vb, rel=1e-12, abs=1e-9):
                paths.add(f"/results/opportunities/{oid}/{measure}")
    a_dec = {d.decision_id: d for d in a.decisions}
    for d in b.decisions:
        if d.decision_id in a_dec and a_dec[d.decision_id].winner != d.winner:
            paths.add(f"/results/decisions/{d.decision_id}/winner")
    a_units = {u.id: u for u in a.unit_models}
    for u in b.unit_models:
        for measure in ("variable_cost_per_task", "loaded_cost_per_task", "gross_margin"):
            if u.costs[measure] != pytest.approx(a_units[u.id].costs[measure], rel=1e-12, abs=1e-12):
                paths.add(f"/results/unit_models/{u.id}/{measure}")
    if a.portfolio.total_enpv != pytest.approx(b.portfolio.total_enpv, rel=1e-12):
        paths.add("/results/portfolio/total_enpv")
    for oid in set(a.portfolio.selected) ^ set(b.portfolio.selected):
        paths.add(f"/results/portfolio/selected/{oid}")
    return paths


def test_lists_exactly_the_changes_made(sample: Json) -> None:
    new = reviewed_changes(sample)
    diff = diff_plans(sample, new)
    data_paths = {c["path"] for c in diff.to_json()["changes"]}
    assert data_paths == CHANGED_PATHS
    backwards = {c.path: c.change for c in diff_plans(new, sample, results=False).changes}
    assert backwards.keys() == CHANGED_PATHS
    assert (backwards["/opportunities/opp-voice"], backwards["/decision_log/log-2026-10-meetings-paused"]
            ) == ("removed", "added")
    kinds = {c["path"]: c["change"] for c in diff.to_json()["changes"]}
    assert kinds["/opportunities/opp-sales-email/name"] == "renamed"
    assert kinds["/opportunities/opp-voice"] == "added"
    assert kinds["/decision_log/log-2026-10-meetings-paused"] == "removed"

    text = diff.text()
    assert "“Sales e-mail assistant” (renamed from “Sales e-mail drafting”)" in text
    assert "Adoption target: 45% (30% to 60%, pert) → 50% (35% to 60%, pert)" in text
    assert "Run cost a year: $24,000 → $24,000 ($20,000 to $30,000, triangular)" in text
    assert "Linked decision: “Contract review engine” → none" in text
    assert "+ “Voice agent” added" in text
    assert "− “2026-10-15 Pause customer meeting summaries.” removed" in text
    assert "Criterion “Data privacy and residency”\n      Weight: 20 → 40" in text
    headings = [line for line in text.splitlines() if line and not line.startswith(" ")]
    assert headings[1:] == ["Opportunities", "Build / partner / buy decisions", "Decision log",
                            "Results (base values)"]


def test_results_are_the_engines_numbers(sample: Json) -> None:
    new = reviewed_changes(sample)
    diff = diff_plans(sample, new)
    result_paths = {r["path"] for r in diff.to_json()["results"]["changes"]}
    assert result_paths == expected_result_paths(sample, new)

    # More adoption of knowledge search: its NPV rises by exactly what the engine says.
    before = {r.id: r for r in engine(sample).opportunities}["opp-knowledge-search"]
    after = {r.id: r for r in engine(new).opportunities}["opp-knowledge-search"]
    npv = next(r for r in diff.results if r.path == "/results/opportunities/opp-knowledge-search/npv")
    assert (npv.old, npv.new) == (before.npv, after.npv)
    assert npv.difference == after.npv - before.npv > 0
    assert f"NPV: {money(before.npv, 'USD')} → {money(after.npv, 'USD')} " \
           f"(+{money(after.npv - before.npv, 'USD')})" in diff.text()

    # Privacy at 40 of 120 points of weight: building overtakes the partner option.
    winner = next(r for r in diff.results if r.measure == "winner")
    assert (winner.id, winner.old, winner.new) == ("dec-copilot", "opt-copilot-partner",
                                                   "opt-copilot-build")
    assert ("  Decision “How do we get the support copilot?”\n    Winner: “Partner: cloud AI platform "
            "plus implementation partner” → “Build in-house on model APIs”\n") in diff.text()

    # A plain number becoming a range with the same base moves no deterministic result.
    assert not any("opp-ticket-triage" in r.path for r in diff.results)


def test_identical_plans(sample: Json) -> None:
    diff = diff_plans(sample, copy.deepcopy(sample))
    assert diff.is_empty
    assert diff.text() == NO_DIFFERENCES + "\n"
    assert diff.to_json()["identical"] is True and diff.to_json()["changes"] == []
    assert summary(sample, sample) == NO_DIFFERENCES


def test_absent_fields_equal_their_defaults(sample: Json) -> None:
    """A hand-written JSON may leave out what the format lets it leave out."""
    lean = copy.deepcopy(sample)
    for o in lean["opportunities"]:
        o.pop("notes")
        o["description"] = None
    lean["project"].pop("author")
    for d in lean["decisions"]:
        for c in d["criteria"]:
            c["higher_is_better"] = None if c["higher_is_better"] else False
    for u in lean["unit_models"]:
        for r in u["routes"]:
            r["cached_share"] = r["cached_share"] or None
    full = copy.deepcopy(sample)
    for o in full["opportunities"]:
        o["notes"], o["description"] = {}, ""
    full["project"]["author"] = ""
    assert diff_plans(full, lean).is_empty


def test_settings_in_the_projects_currency_and_links_by_name(sample: Json) -> None:
    old = copy.deepcopy(sample)
    old["project"]["currency"] = "EUR"
    new = copy.deepcopy(old)
    new["project"].update(budget=1_000_000, discount_rate=0.125, horizon_years=4)
    copilot = _by_id(new["decisions"])["dec-copilot"]
    copilot["chosen_option_id"] = "opt-copilot-buy"
    _by_id(new["opportunities"])["opp-sales-email"]["unit_model_id"] = "um-support-copilot"
    text = diff_plans(old, new, results=False).text()
    assert "Project settings\n  Horizon: 3 years → 4 years\n  Discount rate: 10% → 12.5%\n" \
           "  Budget: €900,000 → €1,000,000\n" in text
    assert ("Chosen option: “Partner: cloud AI platform plus implementation partner” → "
            "“Buy an agent-assist product”") in text
    assert "Linked unit model: none → “Support copilot: cost per assisted reply”" in text
    assert "Results" not in text  # not asked for


def test_results_not_compared_when_a_side_cannot_be_calculated(sample: Json) -> None:
    new = copy.deepcopy(sample)
    route = _by_id(new["unit_models"])["um-support-copilot"]["routes"][0]
    route["share"] = 0.7  # shares now total 90%
    diff = diff_plans(sample, new)
    assert {c.path for c in diff.changes} == {
        "/unit_models/um-support-copilot/routes/route-copilot-haiku/share"}
    assert not diff.results_compared and diff.results == []
    assert diff.results_reason and diff.results_reason.startswith("the new plan cannot be calculated")
    assert "Traffic share: 80% → 70%" in diff.text()
    assert f"Results could not be compared: {diff.results_reason}." in diff.text()
    assert diff.to_json()["results"] == {"compared": False, "reason": diff.results_reason,
                                         "changes": []}


def test_nested_objects_renamed_added_removed_and_reordered(sample: Json) -> None:
    new = copy.deepcopy(sample)
    copilot = _by_id(new["decisions"])["dec-copilot"]
    copilot["options"][0]["name"] = "Build on our platform"
    copilot["options"][2]["scores"]["crit-copilot-accuracy"] = {"base": 3, "low": 2, "high": 4,
                                                                "dist": "uniform"}
    copilot["options"][2]["notes"]["annual_cost"] = "Vendor quote, Nov 2026."
    del copilot["criteria"][3]  # latency: its values on the options go with it
    new["memo"][0], new["memo"][1] = new["memo"][1], new["memo"][0]
    new["memo"][2]["body"] = new["memo"][2]["body"].replace("Ten years", "Eleven years")
    diff = diff_plans(sample, new, results=False)
    assert {c.path: c.change for c in diff.changes} == {
        "/decisions/dec-copilot/criteria/crit-copilot-latency": "removed",
        "/decisions/dec-copilot/options/opt-copilot-build/name": "renamed",
        "/decisions/dec-copilot/options/opt-copilot-buy/scores/crit-copilot-accuracy": "changed",
        "/decisions/dec-copilot/options/opt-copilot-buy/notes/annual_cost": "changed",
        "/memo": "reordered",
        "/memo/memo-differentiation/body": "changed",
    }
    text = diff.text()
    assert "Option “Build on our platform” (renamed from “Build in-house on model APIs”)" in text
    assert "Score on “Answer accuracy”: 3 → 3 (2 to 4, uniform)" in text
    assert "Note on Annual cost edited" in text
    assert "− Criterion “Draft latency P95” removed" in text
    assert "Order of memo sections changed" in text
    edit = next(line for line in text.splitlines() if "Text: edited:" in line)  # one line
    assert "Ten years" in edit.split("→")[0] and "Eleven years" in edit.split("→")[1]


def test_summary_is_short(sample: Json) -> None:
    new = reviewed_changes(sample)
    lines = summary(sample, new, limit=4).splitlines()
    assert len(lines) == 4
    assert lines[-1] == f"… and {len(CHANGED_PATHS) - 3} more changes"
    assert all(len(line) <= 110 for line in lines)
    everything = summary(sample, new, limit=50).splitlines()
    assert len(everything) == len(CHANGED_PATHS)
    assert "Opportunity “Sales e-mail drafting” renamed to “Sales e-mail assistant”" in everything
    assert ("Decision “How do we get the support copilot?”, criterion “Data privacy and residency”: "
            "Weight: 20 → 40") in everything


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def two_files(tmp_path: Path, sample: Json) -> tuple[Path, Path]:
    old = tmp_path / "reviewed.json"
    old.write_text(dumps(sample), encoding="utf-8")
    new = tmp_path / "today.aiplan"
    with ProjectDocument.from_data(reviewed_changes(sample)) as doc:
        doc.save_as(new)
    return old, new


def test_cli_prints_the_diff(two_files: tuple[Path, Path], sample: Json) -> None:
    old, new = two_files
    result = aiplan("diff", old.name, new.name, cwd=old.parent)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == diff_plans(sample, reviewed_changes(sample), old_label=old.name,
                                       new_label=new.name).text()
    assert result.stdout.startswith("Changes from reviewed.json to today.aiplan\n")

    as_json = aiplan("diff", old, new, "--json")
    assert as_json.returncode == 0, as_json.stderr
    parsed = json.loads(as_json.stdout)
    assert {c["path"] for c in parsed["changes"]} == CHANGED_PATHS
    assert {r["path"] for r in parsed["results"]["changes"]} == expected_result_paths(
        sample, reviewed_changes(sample))
    assert "Sales e-mail assistant" in as_json.stdout  # not escaped to \\u sequences


def test_cli_identical_and_bad_files(two_files: tuple[Path, Path], tmp_path: Path) -> None:
    old, _ = two_files
    same = aiplan("diff", old, old)
    assert (same.returncode, same.stdout) == (0, NO_DIFFERENCES + "\n")

    broken = tmp_path / "broken.aiplan"
    broken.write_bytes(b"not a project at all")
    line = _one_line_error(aiplan("diff", old, broken))
    assert "broken.aiplan" in line
    line = _one_line_error(aiplan("diff", tmp_path / "missing.json", old))
    assert "missing.json" in line


def test_words_only_move_no_result(sample: Json) -> None:
    """Names, notes, memo and log edits leave every deterministic result where it was."""
    new = copy.deepcopy(sample)
    new["opportunities"][0]["name"] = "Agent assist"
    new["opportunities"][1]["notes"]["build_cost"] = "Re-estimated, Dec 2026."
    new["project"]["mc_seed"] = 7
    new["memo"][0]["title"] = "Summary"
    new["decision_log"].pop()
    diff = diff_plans(sample, new)
    assert len(diff.changes) == 5 and diff.results_compared and diff.results == []
    assert diff.text().endswith("Results (base values)\n  No change in NPV, eNPV, decision winners, "
                                "unit costs or the portfolio selection.\n")
    assert engine(new).portfolio.total_enpv == engine(sample).portfolio.total_enpv


def test_a_tie_is_a_change_of_winner_said_as_a_tie(sample: Json) -> None:
    """Two options made identical tie: the diff says so both ways, never naming one winner."""
    tied = copy.deepcopy(sample)
    decision = _by_id(tied["decisions"])["dec-copilot"]
    options = _by_id(decision["options"])
    build, partner = options["opt-copilot-build"], options["opt-copilot-partner"]
    for name, value in partner.items():
        if name not in ("id", "name"):
            build[name] = copy.deepcopy(value)
    result = next(d for d in engine(tied).decisions if d.decision_id == "dec-copilot")
    assert set(result.tied) == {"opt-copilot-build", "opt-copilot-partner"}  # the plan ties

    diff = diff_plans(sample, tied)
    [winner] = [r for r in diff.results if r.measure == "winner"]
    assert winner.old == "opt-copilot-partner"
    assert sorted(winner.new) == ["opt-copilot-build", "opt-copilot-partner"]
    line = next(t for t in diff.text().splitlines() if "Winner:" in t)
    assert line.strip().startswith("Winner: “Partner: cloud AI platform plus implementation partner” → ")
    assert line.endswith(" tie") and "“Build in-house on model APIs”" in line.split("→")[1]
    back = next(r for r in diff_plans(tied, sample).results if r.measure == "winner")
    assert (sorted(back.old), back.new) == (["opt-copilot-build", "opt-copilot-partner"],
                                            "opt-copilot-partner")
    assert json.loads(json.dumps(diff.to_json()))["results"]["changes"]  # the JSON holds the list


def test_kpis_checklists_and_gates_are_compared_in_words(sample: Json) -> None:
    new = copy.deepcopy(sample)
    copilot = next(o for o in new["opportunities"] if o["id"] == "opp-support-copilot")
    latency = next(k for k in copilot["kpis"] if k["metric"] == "latency_p95_s")
    latency["measured"] = 2.8
    copilot["kpis"].append({"id": "kpi-new", "metric": "availability", "direction": "at_least",
                            "target": 0.995})
    rollback = next(c for c in copilot["launch_checklist"] if c["text"].startswith("Rollback"))
    rollback["status"] = "done"
    copilot["gate"] = {"decision": "conditional", "approvers": "VP Support", "date": "2026-12-01",
                       "conditions": "Privacy review first", "log_entry_id": None}
    diff = diff_plans(sample, new, results=False)
    paths = {c.path for c in diff.changes}
    assert {"/opportunities/opp-support-copilot/kpis/kpi-copilot-latency/measured",
            "/opportunities/opp-support-copilot/kpis/kpi-new",
            "/opportunities/opp-support-copilot/launch_checklist/check-copilot-rollback/status",
            "/opportunities/opp-support-copilot/gate"} <= paths
    text = diff.text()
    assert "Measured: 3.4 s → 2.8 s" in text
    assert "Availability" in text and "added" in text
    assert "Status: Todo → Done" in text
    assert ("Gate decision: No gate decision yet → Approved with conditions on 2026-12-01 by VP Support: "
            "Privacy review first") in text
