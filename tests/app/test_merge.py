"""Copying objects from another project: fresh ids, links kept, names and currencies noted."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from app import interchange
from app.calc import results_for
from app.commands import load_project
from app.document import ProjectDocument
from app.ids import all_ids
from app.merge import importable, merge, summary, with_links

Json = dict[str, Any]
SAMPLE_NAME = "Larkspur FY2027 AI portfolio"


def everything(data: Json) -> set[tuple[str, str]]:
    return {(i.kind, i.id) for i in importable(data)}


@pytest.fixture
def empty() -> Json:
    with ProjectDocument.new("Empty plan") as doc:
        return doc.to_json()


def find(data: Json, key: str, object_id: str) -> Json:
    return next(o for o in data[key] if o["id"] == object_id)


def id_map(original: Json, copied: Json) -> dict[str, str]:
    """Original id -> copy id, by walking two objects of the same shape side by side."""
    pairs = dict(zip(all_ids(original), all_ids(copied), strict=True))
    assert all(old != new for old, new in pairs.items())
    return pairs


def translated(source: str, ids: dict[str, str]) -> str:
    """An effective input's source ("option:ID + unit_model:ID") with its ids mapped."""
    return re.sub(r"(?<=:)[\w-]+", lambda m: ids.get(m.group(0), m.group(0)), source)


def assert_same_results(before: Json, after: Json, copied: dict[tuple[str, str], str]) -> None:
    """Each copied opportunity calculates exactly as its original (deterministic results)."""
    originals = {r.id: r for r in results_for(before, monte_carlo=False).opportunities}
    copies = {r.id: r for r in results_for(after, monte_carlo=False).opportunities}
    ids: dict[str, str] = {}
    for (kind, old), new in copied.items():
        key = {"opportunity": "opportunities", "decision": "decisions",
               "unit_model": "unit_models", "scenario": "scenarios"}[kind]
        ids.update(id_map(find(before, key, old), find(after, key, new)))
    checked = 0
    for (kind, old), new in copied.items():
        if kind != "opportunity":
            continue
        a, b = originals[old], copies[new]
        for field in ("npv", "enpv", "irr", "roi", "payback_month", "pv_benefit", "pv_cost",
                      "pv_build", "annual_benefit_ss", "annual_cost_ss", "rice"):
            assert getattr(b, field) == getattr(a, field), (a.name, field)
        assert {k: (v, translated(src, ids)) for k, (v, src) in a.effective.items()} \
            == b.effective
        assert [(t.key[2], t.low, t.high, t.npv_low, t.npv_high) for t in a.tornado] \
            == [(t.key[2], t.low, t.high, t.npv_low, t.npv_high) for t in b.tornado]
        checked += 1
    assert checked == sum(1 for kind, _ in copied if kind == "opportunity")


def test_the_sample_copied_into_an_empty_project_calculates_as_it_did(
        sample: Json, empty: Json) -> None:
    before = copy.deepcopy(empty)
    result = merge(empty, sample, everything(sample))

    assert empty == before  # the open project's data is not changed in place
    interchange.validate(result.data)
    data = result.data
    assert [o["name"] for o in data["opportunities"]] == [o["name"] for o in sample["opportunities"]]
    assert len(data["decisions"]) == 2 and len(data["unit_models"]) == 3
    assert not set(all_ids(data)) & set(all_ids(sample))  # every copy has an id of its own
    assert result.notes == []  # same currency and settings, no names taken: nothing to say
    assert_same_results(sample, data, result.copied)


def test_the_sample_copied_into_itself_gets_new_ids_and_links_to_the_copies(sample: Json) -> None:
    result = merge(sample, sample, everything(sample))
    data = result.data
    interchange.validate(data)

    assert len(data["opportunities"]) == 2 * len(sample["opportunities"])
    assert len(data["decisions"]) == 4 and len(data["unit_models"]) == 6
    assert len(data["scenarios"]) == 4 and len(data["correlations"]) == 4
    ids = list(all_ids(data))
    copyable = [sample[key] for key in ("opportunities", "decisions", "unit_models", "scenarios",
                                        "correlations")]
    assert len(ids) == len(set(ids)) == len(list(all_ids(sample))) + len(list(all_ids(copyable)))
    for o in sample["opportunities"]:
        new = find(data, "opportunities", result.copied["opportunity", o["id"]])
        for link, kind in (("decision_id", "decision"), ("unit_model_id", "unit_model")):
            if o[link] is None:
                assert new[link] is None
            else:
                assert new[link] == result.copied[kind, o[link]] != o[link]
    for d in sample["decisions"]:
        new = find(data, "decisions", result.copied["decision", d["id"]])
        ids_of = id_map(d, new)
        assert new["chosen_option_id"] == (ids_of[d["chosen_option_id"]]
                                           if d["chosen_option_id"] else None)
        criteria = {c["id"] for c in new["criteria"]}
        # Every note kept, the ones on scores now keyed by the copied criteria.
        assert [len(o["notes"]) for o in new["options"]] == [len(o["notes"]) for o in d["options"]]
        for option in new["options"]:
            assert set(option["scores"]) <= criteria
            score_notes = [k.split(".", 1)[1] for k in option["notes"] if k.startswith("scores.")]
            assert set(score_notes) <= criteria
    # The originals are untouched and every copy is named for where it came from.
    assert data["opportunities"][: len(sample["opportunities"])] == sample["opportunities"]
    assert data["opportunities"][-1]["name"] == (
        f"{sample['opportunities'][-1]['name']} (from {SAMPLE_NAME})")
    assert (f"This project already has a decision called “Contract review engine”, so the copy "
            f"is called “Contract review engine (from {SAMPLE_NAME})”.") in result.notes
    assert_same_results(sample, data, result.copied)
    # The copied decisions score their options exactly as the originals do.
    decisions = {r.decision_id: r for r in results_for(data, monte_carlo=False).decisions}
    for d in sample["decisions"]:
        a, b = decisions[d["id"]], decisions[result.copied["decision", d["id"]]]
        assert list(b.scores.values()) == list(a.scores.values())
        assert b.annual_volume == a.annual_volume


def test_an_opportunity_picked_alone_brings_the_decision_and_unit_model_it_uses(
        sample: Json, empty: Json) -> None:
    picks = {("opportunity", "opp-support-copilot")}
    assert summary(sample, picks) == (
        "1 opportunity, 1 decision, 1 unit model will be copied, including 1 decision and "
        "1 unit model that the picked opportunity uses.")

    result = merge(empty, sample, picks)

    interchange.validate(result.data)
    assert [d["name"] for d in result.data["decisions"]] == ["How do we get the support copilot?"]
    assert result.notes == [
        "Also copied decision “How do we get the support copilot?”, which “Support copilot "
        "(agent assist)” uses.",
        "Also copied unit model “Support copilot: cost per assisted reply”, which “Support "
        "copilot (agent assist)” uses.",
    ]
    assert_same_results(sample, result.data, result.copied)


def test_a_decision_and_its_opportunity_picked_together_are_copied_once(
        sample: Json, empty: Json) -> None:
    picks = {("opportunity", "opp-contract-review"), ("decision", "dec-contract")}
    result = merge(empty, sample, picks)
    assert len(result.data["decisions"]) == 1
    assert result.data["opportunities"][0]["decision_id"] == result.data["decisions"][0]["id"]
    assert result.notes == []
    assert summary(sample, picks) == "1 opportunity, 1 decision will be copied."


def test_a_decision_copied_without_its_opportunities_says_its_volume_is_its_own(
        sample: Json, empty: Json) -> None:
    result = merge(empty, sample, {("decision", "dec-copilot")})
    interchange.validate(result.data)
    assert result.data["opportunities"] == []
    assert result.notes == [
        f"Decision “How do we get the support copilot?” was copied without the opportunities "
        f"that use it in “{SAMPLE_NAME}”, so its TCO counts its own annual volume until an "
        "opportunity here links it."]


def test_a_name_taken_twice_gets_a_number(sample: Json) -> None:
    picks = {("opportunity", "opp-sales-email")}
    once = merge(sample, sample, picks).data
    twice = merge(once, sample, picks)
    names = [o["name"] for o in twice.data["opportunities"]]
    assert names[-2:] == [f"Sales e-mail drafting (from {SAMPLE_NAME})",
                          "Sales e-mail drafting (2)"]
    # A nameless source project: straight to a number.
    plain = merge(sample, sample, picks, source_name="").data
    assert plain["opportunities"][-1]["name"] == "Sales e-mail drafting (2)"
    interchange.validate(twice.data)


def test_a_different_currency_and_horizon_are_said_plainly_and_amounts_kept(
        sample: Json, empty: Json) -> None:
    empty["project"].update(currency="EUR", horizon_years=5, discount_rate=0.085)
    result = merge(empty, sample, {("opportunity", "opp-sales-email")})
    assert result.notes == [
        f"“{SAMPLE_NAME}” plans in USD and this project in EUR. The copied amounts were kept as "
        "they are, not converted, so check them.",
        f"“{SAMPLE_NAME}” uses a 3-year horizon and a 10% discount rate; the copies are "
        "calculated with this project's 5 years and 8.5%, so their results differ from the ones "
        "there.",
    ]
    original = find(sample, "opportunities", "opp-sales-email")
    copied = result.data["opportunities"][0]
    assert {k: v for k, v in copied.items() if k != "id"} == \
        {k: v for k, v in original.items() if k != "id"}


def test_nothing_picked_changes_nothing(sample: Json, empty: Json) -> None:
    result = merge(empty, sample, set())
    assert result.data == empty and result.notes == []
    assert summary(sample, set()) == "Nothing is picked yet."
    with pytest.raises(ValueError, match="no opportunity “opp-nowhere”"):
        merge(empty, sample, {("opportunity", "opp-nowhere")})


def test_importable_lists_each_object_with_its_links(sample: Json) -> None:
    items = {(i.kind, i.id): i for i in importable(sample)}
    assert len(items) == 8 + 2 + 3 + 2  # opportunities, decisions, unit models, scenarios
    copilot = items["opportunity", "opp-support-copilot"]
    assert [(link.kind, link.name) for link in copilot.links] == [
        ("decision", "How do we get the support copilot?"),
        ("unit_model", "Support copilot: cost per assisted reply")]
    assert [u.name for u in items["unit_model", "um-ticket-triage"].used_by] == [
        "Ticket triage and routing"]
    assert with_links(sample, {("opportunity", "opp-ticket-triage")}) == {
        ("opportunity", "opp-ticket-triage"), ("unit_model", "um-ticket-triage")}


@pytest.mark.parametrize("suffix", [".json", ".aiplan"])
def test_a_saved_project_or_a_json_export_as_the_source(
        suffix: str, sample_file: Path, tmp_path: Path, empty: Json) -> None:
    if suffix == ".json":
        source = tmp_path / "other.json"
        with ProjectDocument.open(sample_file) as doc:
            source.write_text(interchange.dumps(doc.to_json()), encoding="utf-8")
    else:
        source = sample_file
    other = load_project(source)
    picks = {("opportunity", "opp-knowledge-search"), ("opportunity", "opp-contract-review")}
    result = merge(empty, other, picks)

    # The merged project stores and reads back exactly (what the window does with it).
    with ProjectDocument.new() as doc:
        doc.replace_content(result.data)
        assert doc.to_json() == result.data
    assert sorted(o["name"] for o in result.data["opportunities"]) == [
        "Contract review", "Internal knowledge search"]
    assert len(result.notes) == 2  # the decision and the unit model they use came along
    assert_same_results(other, result.data, result.copied)


def test_a_scenario_copied_with_its_objects_keeps_its_overrides_on_the_copies(
        empty: Json, sample: Json) -> None:
    downside = next(s for s in sample["scenarios"] if s["name"] == "Downside")
    result = merge(empty, sample, everything(sample))
    interchange.validate(result.data)
    copy_ = find(result.data, "scenarios", result.copied["scenario", downside["id"]])
    assert copy_["name"] == "Downside"
    # Every override followed its object to the copy: the same inputs, the same values.
    ids = {old: new for (_, old), new in result.copied.items()}
    routes = {r["id"]: r for u in sample["unit_models"] for r in u["routes"]}
    copied_routes = {r["model"]: r["id"] for u in result.data["unit_models"] for r in u["routes"]}
    expected = sorted(({**o, "id": ids.get(o["id"]) or copied_routes[routes[o["id"]]["model"]]}
                       for o in downside["overrides"]), key=lambda o: (o["kind"], o["id"], o["field"]))
    assert copy_["overrides"] == expected
    # The correlations between copied adoptions came along, pointing at the copies.
    assert len(result.data["correlations"]) == len(sample["correlations"])
    assert {c["a"]["id"] for c in result.data["correlations"]} <= set(ids.values())


def test_a_scenario_alone_keeps_the_overrides_this_project_can_hold(sample: Json) -> None:
    """A colleague's copy of the same plan: a new scenario there comes here by itself."""
    theirs = copy.deepcopy(sample)
    theirs["opportunities"] = theirs["opportunities"][:1]  # their copy lost the others
    theirs["scenarios"] = [dict(theirs["scenarios"][0], id="scn-theirs", name="Vendor price rise")]
    theirs["scenarios"][0]["overrides"] += [{"kind": "opportunity", "id": "opp-gone", "field": "build_cost",
                                             "value": 1}]
    theirs["correlations"] = []
    result = merge(sample, theirs, {("scenario", "scn-theirs")})
    interchange.validate(result.data)
    added = find(result.data, "scenarios", result.copied["scenario", "scn-theirs"])
    assert added["name"] == "Vendor price rise"
    assert added["overrides"] == [o for o in theirs["scenarios"][0]["overrides"] if o["id"] != "opp-gone"]
    assert any("without 1 of its overrides" in note for note in result.notes)
    assert len(result.data["opportunities"]) == len(sample["opportunities"])  # nothing else copied


def test_a_scenario_named_like_one_here_or_the_base_is_renamed(sample: Json) -> None:
    theirs = copy.deepcopy(sample)
    theirs["scenarios"][1]["name"] = "base"
    result = merge(sample, theirs, {("scenario", s["id"]) for s in theirs["scenarios"]})
    names = [s["name"] for s in result.data["scenarios"]]
    assert len(names) == len({n.casefold() for n in names}) == 4
    assert "base" not in names
    interchange.validate(result.data)


def test_launch_gates_come_with_their_opportunity_under_new_ids(sample: Json) -> None:
    result = merge(sample, sample, everything(sample))
    interchange.validate(result.data)  # no id taken twice, no gate naming an entry not copied
    for o in sample["opportunities"]:
        new = find(result.data, "opportunities", result.copied["opportunity", o["id"]])
        assert [k["metric"] for k in new["kpis"]] == [k["metric"] for k in o["kpis"]]
        assert [c["text"] for c in new["launch_checklist"]] == [c["text"] for c in o["launch_checklist"]]
        assert not {k["id"] for k in new["kpis"]} & {k["id"] for k in o["kpis"]}
        if o["gate"]:
            assert new["gate"] == {**o["gate"], "log_entry_id": None}  # the log stays where it was
