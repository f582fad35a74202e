"""The fast schema check (fastjsonschema) and jsonschema agree on what is valid."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from app import interchange
from app.paths import schema_path

#: Keywords both libraries implement with the same meaning (draft 7's, which 2020-12 keeps).
SHARED_KEYWORDS = {"$defs", "$id", "$ref", "$schema", "additionalProperties", "allOf", "anyOf",
                   "const", "description", "enum", "if", "then", "else", "items", "maxLength",
                   "maximum", "minLength", "minimum", "exclusiveMinimum", "exclusiveMaximum",
                   "not", "oneOf", "pattern", "properties", "required", "title", "type",
                   "minItems", "maxItems", "uniqueItems", "default", "multipleOf"}


def _keywords(node: Any, names: bool = False) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if not names:
                yield key
            yield from _keywords(value, names=key in ("properties", "$defs") and not names)
    elif isinstance(node, list):
        for item in node:
            yield from _keywords(item)


def test_the_schema_uses_only_keywords_both_implement_alike() -> None:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    assert set(_keywords(schema)) <= SHARED_KEYWORDS


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*path, index))


REPLACEMENTS: list[Any] = [None, "text", -1, 1e308, True, [], {}, "", 0.5, 10**12]


def _mutants(sample: dict[str, Any], per_path: int) -> Iterator[dict[str, Any]]:
    """Every value swapped for ``per_path`` wrong ones (taking turns through REPLACEMENTS),
    keys dropped, strange keys added."""
    for number, path in enumerate(list(_paths(sample))[1:]):
        *parent_path, last = path
        for k in range(per_path):
            replacement = REPLACEMENTS[(number * per_path + k) % len(REPLACEMENTS)]
            data = copy.deepcopy(sample)
            parent = data
            for part in parent_path:
                parent = parent[part]
            parent[last] = copy.deepcopy(replacement)
            yield data
        if isinstance(last, str):
            data = copy.deepcopy(sample)
            parent = data
            for part in parent_path:
                parent = parent[part]
            del parent[last]
            yield data
            parent = data
            for part in parent_path:
                parent = parent[part]
            parent["unexpected"] = 1
            yield data


def _small(sample: dict[str, Any]) -> dict[str, Any]:
    """One of everything (an opportunity, a decision, a unit model, a memo section, a log
    entry): every kind of field, and quick for jsonschema to check thousands of times."""
    small = copy.deepcopy(sample)
    for key in ("opportunities", "decisions", "unit_models", "memo", "decision_log"):
        small[key] = small[key][:1]
    small["opportunities"][0]["decision_id"] = small["decisions"][0]["id"]
    small["opportunities"][0]["unit_model_id"] = small["unit_models"][0]["id"]
    return small


def test_fast_and_full_checks_agree_on_mutants(sample_json: dict[str, Any]) -> None:
    _agree(sample_json, per_path=2, at_least=900)


@pytest.mark.slow
def test_fast_and_full_checks_agree_on_every_mutant(sample_json: dict[str, Any]) -> None:
    _agree(sample_json, per_path=len(REPLACEMENTS), at_least=2500)


def _agree(sample_json: dict[str, Any], per_path: int, at_least: int) -> None:
    fast = interchange._fast_check()
    full = interchange._validator()
    small = _small(sample_json)
    assert full.is_valid(small)
    checked = rejected = 0
    for data in _mutants(small, per_path):
        try:
            fast(data)
            fast_ok = True
        except Exception:
            fast_ok = False
        full_ok = full.is_valid(data)
        assert fast_ok == full_ok, json.dumps(data)[:300]
        checked += 1
        rejected += not full_ok
    assert checked > at_least and rejected > at_least // 2  # both ways, really exercised


@pytest.mark.parametrize("size", [1, 2])
def test_validate_still_words_every_problem(sample: dict[str, Any], size: int) -> None:
    sample["opportunities"][0]["eligible_users"] = "many"
    if size == 2:
        sample["decisions"][0]["name"] = 7
    with pytest.raises(interchange.InvalidProjectDataError) as raised:
        interchange.validate(sample)
    assert raised.value.problems[0].startswith("decisions[0].name" if size == 2 else "opportunities[0]")
    assert len(raised.value.problems) == size
