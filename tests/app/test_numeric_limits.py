"""One set of numeric limits: what ``check`` accepts, ``calc``, import and open never crash on."""

from __future__ import annotations

import copy
import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import interchange, projectfile
from app.document import ProjectDocument
from app.errors import InvalidProjectDataError
from models import engine
from models.plan import plan_from_json
from models.problems import PlanInvalid
from tests.app.test_cli import aiplan


def _one_line(result: Any) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("aiplan: "), result.stderr
    return lines[0]


def _weights(data: dict[str, Any], value: Any) -> None:
    for c in data["decisions"][0]["criteria"][:2]:
        c["weight"] = value


def _inputs(data: dict[str, Any], value: Any) -> None:
    o = data["opportunities"][0]
    o["eligible_users"] = value
    o["value_per_success"] = value


# Each case of a file ``check`` used to accept and every other command then crashed on.
CASES = [
    ("two criterion weights of 1e308", lambda d: _weights(d, 1e308),
     "decisions[0].criteria[0].weight: must be at most 1,000,000"),
    ("an integer of 400 digits", lambda d: d["opportunities"][0].update(build_cost=10**400),
     "opportunities[0].build_cost: must be at most 1,000,000,000,000"),
    ("finite 1e308 inputs", lambda d: _inputs(d, 1e308),
     "opportunities[0].eligible_users: must be at most 10,000,000,000"),
    ("a range up to 1e308", lambda d: d["opportunities"][0].update(
        run_cost_annual={"base": 1e5, "low": 1e4, "high": 1e308, "dist": "triangular"}),
     "opportunities[0].run_cost_annual.high: must be at most 1,000,000,000,000"),
    ("150% adoption", lambda d: d["opportunities"][0].update(adoption_target=1.5),
     "opportunities[0].adoption_target: must be at most 1"),
    ("a launch 121 months out", lambda d: d["opportunities"][0].update(launch_month=121),
     "opportunities[0].launch_month: must be at most 120"),
    ("a launch 2.5 months out", lambda d: d["opportunities"][0].update(launch_month=2.5),
     "opportunities[0].launch_month: must be a whole number"),
    ("a ramp of 3.5 months at most", lambda d: d["opportunities"][0].update(
        ramp_months={"base": 3, "low": 2, "high": 3.5, "dist": "triangular"}),
     "opportunities[0].ramp_months.high: must be a whole number"),
    ("a price of 1e6 per million tokens", lambda d: d["unit_models"][0]["routes"][0].update(
        price_in_mtok=1e6), "unit_models[0].routes[0].price_in_mtok: must be at most 100,000"),
    ("1e9 tokens per call", lambda d: d["unit_models"][0]["routes"][0].update(input_tokens=1e9),
     "unit_models[0].routes[0].input_tokens: must be at most 100,000,000"),
    ("a budget of 1e13", lambda d: d["project"].update(budget=1e13),
     "project.budget: must be at most 1,000,000,000,000"),
    ("a raw criterion figure of -1e300", lambda d: _first_value_score(d, -1e300),
     "must be at least -1,000,000,000,000"),
]


def _first_value_score(data: dict[str, Any], value: float) -> None:
    for d in data["decisions"]:
        value_criteria = [c["id"] for c in d["criteria"] if c.get("kind") == "value"]
        if value_criteria:
            d["options"][0]["scores"][value_criteria[0]] = value
            return
    raise AssertionError("the sample has a value criterion")


@pytest.mark.parametrize(("what", "change", "sentence"), CASES, ids=[c[0] for c in CASES])
def test_check_refuses_numbers_beyond_the_limits(tmp_path: Path, sample: dict[str, Any], what: str,
                                                 change: Any, sentence: str) -> None:
    change(sample)
    source = tmp_path / "base.json"
    source.write_text(json.dumps(sample), encoding="utf-8")
    line = _one_line(aiplan("check", source))
    assert sentence in line
    # import refuses it with the same words and writes nothing
    target = tmp_path / "imported.aiplan"
    assert sentence in _one_line(aiplan("import-json", source, target))
    assert not target.exists()


def test_1e999_is_refused_by_check(tmp_path: Path, sample: dict[str, Any]) -> None:
    """JSON reads 1e999 as infinity: refused as a number beyond the field's limit."""
    sample["opportunities"][0]["build_cost"] = 123456789
    source = tmp_path / "base.json"
    source.write_text(json.dumps(sample).replace("123456789", "1e999"), encoding="utf-8")
    assert "opportunities[0].build_cost: must be at most 1,000,000,000,000" in _one_line(
        aiplan("check", source))


def test_a_plan_at_the_limits_calculates(tmp_path: Path, sample: dict[str, Any]) -> None:
    """The largest numbers the limits allow give finite results: calc --json prints them all."""
    o = sample["opportunities"][0]
    o.update(eligible_users=1e10, adoption_target=1, tasks_per_user_month=1e10, value_per_success=1e12,
             cost_per_task=1e12, build_cost=1e12, run_cost_annual=1e12, effort_person_months=1e-300,
             launch_month={"base": 60, "low": 0, "high": 120, "dist": "normal"})
    for c in sample["decisions"][0]["criteria"]:
        c["weight"] = 1e6
    sample["project"]["budget"] = 1e12
    sample["correlations"] = []  # the adoption above is a plain number now: nothing to correlate
    source = tmp_path / "base.json"
    source.write_text(json.dumps(sample), encoding="utf-8")
    assert aiplan("check", source).returncode == 0
    result = aiplan("calc", source, "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout, parse_constant=lambda name: pytest.fail(f"calc printed {name}"))
    first = out["opportunities"][0]
    assert math.isfinite(first["npv"]) and first["rice"] is None  # too large a ratio: no number
    text = aiplan("calc", source)
    assert text.returncode == 0 and "Traceback" not in text.stderr


def _forge(path: Path, statement: str) -> None:
    """Change a saved file as another program could, with the content checksum forged to match."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute(statement)
    con.execute("UPDATE project SET content_digest = ?", (projectfile.content_digest(con),))
    con.close()


def test_a_project_file_beyond_the_limits_is_refused_at_open(sample_file: Path) -> None:
    """The same limits at the door of a .aiplan: the weights that crashed the window at start."""
    _forge(sample_file, "UPDATE criteria SET weight_base = 1e308")
    before = sample_file.read_bytes()
    with pytest.raises(InvalidProjectDataError) as caught:
        ProjectDocument.open(sample_file)
    assert ".weight: must be at most 1,000,000" in str(caught.value)
    line = _one_line(aiplan("check", sample_file))
    assert ".weight: must be at most 1,000,000" in line
    assert sample_file.read_bytes() == before


# --- anything validate accepts, the engine computes ---------------------------------------

_NUMBER_FIELDS = [(path, field) for path in (("opportunities", 0), ("opportunities", 1))
                  for field in ("eligible_users", "tasks_per_user_month", "value_per_success",
                                "build_cost", "effort_person_months", "launch_month", "ramp_months",
                                "cost_per_task", "adoption_target")]
_WILD = st.one_of(
    st.floats(allow_nan=False),  # any finite or infinite float, 1e308 and 5e-324 included
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**400, 1e308, 1e12, 1e10, 120, 1, 0, 5e-324, 1e-300]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(_NUMBER_FIELDS), _WILD), min_size=1, max_size=6),
       weights=st.lists(_WILD, min_size=1, max_size=3))
def test_whatever_validate_accepts_calculates(sample_json: dict[str, Any],
                                              changes: list[Any], weights: list[Any]) -> None:
    data = copy.deepcopy(sample_json)
    data["project"]["mc_samples"] = 1_000
    for ((kind, index), field), value in changes:
        data[kind][index][field] = value
    for c, w in zip(data["decisions"][0]["criteria"], weights, strict=False):
        c["weight"] = w
    try:
        interchange.validate(data)
    except InvalidProjectDataError:
        return
    try:
        results = engine.calculate(plan_from_json(data), with_tornado=True)
    except PlanInvalid:
        return  # a plain problem (weights all zero, say), as check-less callers get it
    json.dumps(engine.results_json(results), allow_nan=False)


def test_the_largest_seed_a_file_may_hold_may_be_typed_too() -> None:
    """A 19-digit seed is compared as the integer it is, not as the float it rounds to."""
    from app.document import ProjectDocument
    from app.project_state import InvalidValueError, ProjectState

    with ProjectDocument.sample() as doc:
        state = ProjectState(doc)
        state.check_value("project", "", "mc_seed", 2**63 - 1)
        with pytest.raises(InvalidValueError, match="at most 9,223,372,036,854,775,807"):
            state.check_value("project", "", "mc_seed", 2**63)
