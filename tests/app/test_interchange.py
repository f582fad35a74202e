"""JSON interchange: strict validation with paths and rules, lossless round trips."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app import interchange
from app.document import ProjectDocument
from app.errors import InvalidProjectDataError
from app.paths import sample_path


def _problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidProjectDataError) as caught:
        interchange.validate(data)
    return caught.value.problems


def test_sample_is_valid_and_already_canonical(sample_json: dict[str, Any]) -> None:
    assert interchange.problems(sample_json) == []
    with ProjectDocument.from_data(sample_json) as doc:
        assert doc.to_json() == sample_json


def test_export_import_export_is_byte_identical(tmp_path: Path, sample: dict[str, Any]) -> None:
    first = tmp_path / "a.aiplan"
    with ProjectDocument.from_data(sample) as doc:
        doc.save_as(first)
    with ProjectDocument.open(first) as doc:
        text_1 = interchange.dumps(doc.to_json())
    with ProjectDocument.from_data(interchange.loads(text_1)) as doc:
        doc.save_as(tmp_path / "b.aiplan")
    with ProjectDocument.open(tmp_path / "b.aiplan") as doc:
        text_2 = interchange.dumps(doc.to_json())
    assert text_1 == text_2
    assert text_1.encode("utf-8") == text_2.encode("utf-8")


def test_low_above_base_names_the_path_and_the_rule(sample: dict[str, Any]) -> None:
    sample["opportunities"][2]["adoption_target"] = {
        "base": 0.3, "low": 0.4, "high": 0.5, "dist": "triangular"}
    assert _problems_of(sample) == ["opportunities[2].adoption_target.low: must not exceed base"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["opportunities"][0].__setitem__("adoption_target", 1.4),
         "opportunities[0].adoption_target: must be at most 1"),
        (lambda d: d["opportunities"][1].__setitem__("build_cost", -5),
         "opportunities[1].build_cost: must be at least 0"),
        (lambda d: d["opportunities"][0].__setitem__("eligible_users", "many"),
         "opportunities[0].eligible_users: must be a number or an estimate {base, low, high, dist}"),
        (lambda d: d["opportunities"][0].__setitem__(
            "value_per_success", {"base": 4, "low": 0, "high": 9, "dist": "lognormal"}),
         "opportunities[0].value_per_success.low: must be above 0 for a lognormal estimate"),
        (lambda d: d["opportunities"][0].__setitem__(
            "value_per_success", {"base": 4, "low": 2, "dist": "pert"}),
         "opportunities[0].value_per_success.high: is required"),
        (lambda d: d["opportunities"][0].__setitem__(
            "value_per_success", {"base": 4, "low": 2, "high": 6, "dist": "beta"}),
         "opportunities[0].value_per_success.dist: must be one of fixed, uniform, triangular, "
         "pert, normal, lognormal"),
        (lambda d: d["opportunities"][0].__setitem__("decision_id", "dec-nowhere"),
         "opportunities[0].decision_id: no decision has the id “dec-nowhere”"),
        (lambda d: d["opportunities"][0].__setitem__("colour", "red"),
         "opportunities[0].colour: is not a field this format knows"),
        (lambda d: d["opportunities"][0].__delitem__("id"), "opportunities[0].id: is required"),
        (lambda d: d["project"].__setitem__("currency", "dollars"),
         "project.currency: must be a three-letter currency code such as USD or EUR"),
        (lambda d: d["project"].__setitem__("horizon_years", 12),
         "project.horizon_years: must be at most 10"),
        (lambda d: d.__setitem__("format", "excel"), "format: must be \"aiplan\""),
        (lambda d: d["decision_log"][0].__setitem__("date", "31/03/2026"),
         "decision_log[0].date: must be a date written YYYY-MM-DD"),
        (lambda d: d["opportunities"][1].__setitem__("id", d["opportunities"][0]["id"]),
         "opportunities[1].id: “{id0}” is already the id of opportunities[0]"),
    ],
)
def test_errors_name_the_path_and_the_rule(
    sample: dict[str, Any], change: Any, problem: str
) -> None:
    id0 = sample["opportunities"][0]["id"]
    change(sample)
    assert problem.replace("{id0}", id0) in _problems_of(sample)


def test_decision_rules(sample: dict[str, Any]) -> None:
    decision = sample["decisions"][0]
    tco = next(c["id"] for c in decision["criteria"] if c["kind"] == "tco")
    score = next(c["id"] for c in decision["criteria"] if c["kind"] == "score")
    decision["options"][0]["scores"][tco] = 3
    decision["options"][1]["scores"][score] = 7
    decision["chosen_option_id"] = "opt-elsewhere"
    found = _problems_of(sample)
    assert (f"decisions[0].options[0].scores.{tco}: a TCO criterion is computed, so it takes no value"
            in found)
    assert f"decisions[0].options[1].scores.{score}: a score must be between 1 and 5" in found
    assert ("decisions[0].chosen_option_id: “opt-elsewhere” is not an option of this decision"
            in found)


def test_absent_optional_fields_take_their_defaults() -> None:
    data = {"format": "aiplan", "version": 2, "project": {"name": "Minimal"},
            "opportunities": [{"id": "o1", "name": "Triage", "decision_id": None}],
            "unit_models": [{"id": "u1", "routes": [{"id": "r1", "model": "m"}]}]}
    with ProjectDocument.from_data(data) as doc:
        out = doc.to_json()
    route = out["unit_models"][0]["routes"][0]
    assert route["calls_per_task"] == 1 and route["cached_share"] == 0
    opp = out["opportunities"][0]
    assert opp["decision_id"] is None and opp["unit_model_id"] is None and opp["notes"] == {}
    assert opp["description"] == "" and out["memo"] == [] and out["decisions"] == []
    assert out["project"]["currency"] == "USD" and out["project"]["budget"] is None


def test_invalid_json_text_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": "aiplan",\n  "version": 2,,\n}', encoding="utf-8")
    with pytest.raises(InvalidProjectDataError) as caught:
        interchange.read_json(path)
    assert "line 3, column" in str(caught.value) and "broken.json" in str(caught.value)


def test_nan_and_lone_surrogates_are_refused() -> None:
    with pytest.raises(InvalidProjectDataError, match="NaN"):
        interchange.loads('{"format": "aiplan", "version": 2, "project": {"budget": NaN}}')
    data = interchange.loads('{"format": "aiplan", "version": 2, "project": {"name": "\\ud800"}}')
    assert _problems_of(data) == ["project.name: contains a character that is not valid Unicode"]


def test_newer_format_version_is_refused(sample: dict[str, Any]) -> None:
    sample["version"] = 99
    assert any("format version 99" in p for p in _problems_of(sample))


def test_nothing_is_written_when_the_data_is_invalid(sample: dict[str, Any]) -> None:
    with ProjectDocument.from_data(sample) as doc:
        before = doc.to_json()
        bad = json.loads(json.dumps(sample))
        bad["opportunities"][0]["p_success"] = 2
        with pytest.raises(InvalidProjectDataError):
            doc.replace_content(bad)
        assert doc.to_json() == before


def test_sample_file_in_resources_is_formatted_canonically() -> None:
    text = sample_path().read_text(encoding="utf-8")
    assert interchange.dumps(interchange.loads(text)) == text


def _kpi(d: dict[str, Any], j: int = 0) -> dict[str, Any]:
    return d["opportunities"][0]["kpis"][j]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: _kpi(d).__setitem__("metric", "happiness"),
         "opportunities[0].kpis[0].metric: must be one of adoption_rate, activation_to_value_days, "
         "task_success_rate, retention_lift, cost_per_task, gross_margin, offline_eval_score, "
         "critical_error_rate, safety_violation_rate, escalation_rate, latency_p50_s, latency_p95_s, "
         "availability, mttd_minutes, mttr_hours, custom"),
        (lambda d: _kpi(d).update(metric="custom", name=" "),
         "opportunities[0].kpis[0]: a custom KPI needs a name"),
        (lambda d: _kpi(d).__setitem__("direction", "sideways"),
         "opportunities[0].kpis[0].direction: must be one of at_least, at_most"),
        (lambda d: _kpi(d).__delitem__("target"), "opportunities[0].kpis[0].target: is required"),
        (lambda d: _kpi(d).__setitem__("target", 1.5),
         "opportunities[0].kpis[0]: the target value must be a fraction between 0% and 100%"),
        (lambda d: _kpi(d).__setitem__("measured", "low"),
         "opportunities[0].kpis[0].measured: must be a number"),
        (lambda d: _kpi(d, 1).update(metric="custom", name="Tone", unit="fraction"),
         "opportunities[0].kpis[1]: the measured value must be a fraction between 0% and 100%"),
        (lambda d: _kpi(d).__setitem__("measured_on", "20/11/2026"),
         "opportunities[0].kpis[0].measured_on: must be a date written YYYY-MM-DD"),
        (lambda d: _kpi(d).__setitem__("colour", "red"),
         "opportunities[0].kpis[0].colour: is not a field this format knows"),
        (lambda d: d["opportunities"][0]["launch_checklist"][0].__setitem__("status", "finished"),
         "opportunities[0].launch_checklist[0].status: must be one of todo, doing, done, waived"),
        (lambda d: d["opportunities"][0]["launch_checklist"][0].__setitem__("id", _kpi(d)["id"]),
         "opportunities[0].launch_checklist[0].id: “{kpi0}” is already the id of opportunities[0].kpis[0]"),
        (lambda d: d["opportunities"][0].__setitem__("gate", {"decision": "maybe"}),
         "opportunities[0].gate.decision: must be one of approve, conditional, reject"),
        (lambda d: d["opportunities"][0].__setitem__("gate", {"approvers": "CISO"}),
         "opportunities[0].gate.decision: is required"),
        (lambda d: d["opportunities"][0].__setitem__("gate", {"decision": "approve", "date": "soon"}),
         "opportunities[0].gate.date: must be a date written YYYY-MM-DD"),
        (lambda d: d["opportunities"][0].__setitem__(
            "gate", {"decision": "approve", "log_entry_id": "log-nowhere"}),
         "opportunities[0].gate.log_entry_id: no decision-log entry has the id “log-nowhere”"),
    ],
)
def test_launch_gate_errors_name_the_path_and_the_rule(
    sample: dict[str, Any], change: Any, problem: str
) -> None:
    kpi0 = _kpi(sample)["id"]
    change(sample)
    assert problem.replace("{kpi0}", kpi0) in _problems_of(sample)


def test_the_schema_knows_the_metrics_statuses_and_decisions_the_model_knows() -> None:
    from app.paths import schema_path
    from models.kpis import CHECK_STATUSES, DIRECTIONS, GATE_DECISIONS, METRICS

    schema = json.loads(schema_path().read_text(encoding="utf-8"))["$defs"]
    kpi = schema["kpi"]["properties"]
    assert kpi["metric"]["enum"] == [*METRICS, "custom", None]
    assert kpi["direction"]["enum"] == [*DIRECTIONS, None]
    assert schema["check_item"]["properties"]["status"]["enum"] == [*CHECK_STATUSES, None]
    assert schema["gate"]["properties"]["decision"]["enum"] == list(GATE_DECISIONS)


def test_launch_gates_are_optional_and_written_for_every_opportunity() -> None:
    data = {"format": "aiplan", "version": 3, "project": {"name": "Minimal"},
            "opportunities": [{"id": "o1", "name": "Triage"},
                              {"id": "o2", "kpis": None, "launch_checklist": None, "gate": None},
                              {"id": "o3", "kpis": [{"id": "k1", "metric": "availability", "target": 0.99}],
                               "launch_checklist": [{"id": "c1", "text": "Rollback plan"}],
                               "gate": {"decision": "approve"}}]}
    with ProjectDocument.from_data(data) as doc:
        out = doc.to_json()
    bare = [(o["kpis"], o["launch_checklist"], o["gate"]) for o in out["opportunities"][:2]]
    assert bare == [([], [], None)] * 2
    o3 = out["opportunities"][2]
    assert o3["kpis"] == [{"id": "k1", "metric": "availability", "name": "", "unit": "",
                           "direction": "at_least", "target": 0.99, "window": "", "eval_set": "",
                           "measured": None, "measured_on": "", "note": ""}]
    assert o3["launch_checklist"] == [{"id": "c1", "text": "Rollback plan", "owner": "", "status": "todo",
                                       "evidence": ""}]
    assert o3["gate"] == {"decision": "approve", "approvers": "", "date": "", "conditions": "",
                          "log_entry_id": None}
    assert out["version"] == 5
