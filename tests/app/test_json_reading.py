"""Reading a .json export: only a regular file of bounded size and shape, every key once.

Run as a user runs them (``aiplan check`` and ``aiplan import-json`` on real pipes, links and
files); hostile inputs run in a process of their own, bounded only by "finishes" (a generous
timeout).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import errors, interchange
from tests.app.test_cli import _one_line_error, aiplan
from tests.benchmarks.plans import scaled_sample


def _refused(*args: str | Path, process: bool = False) -> str:
    return _one_line_error(aiplan(*args, process=process))


# --- what the file is --------------------------------------------------------------------


def test_a_pipe_named_json_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "plan.json"
    os.mkfifo(pipe)
    target = tmp_path / "plan.aiplan"
    # Nothing ever writes to the pipe: reading it would wait for ever (the timeout fails it).
    for args in (("check", pipe), ("import-json", pipe, target)):
        line = _refused(*args, process=True)
        assert "“plan.json”" in line and "a named pipe, not a regular file" in line
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]


def test_a_link_to_an_endless_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    # Read to its end, /dev/zero would fill the memory; it is refused before any read.
    line = _refused("check", link, process=True)
    assert "a device or socket, not a regular file" in line


def test_a_folder_named_json_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "plan.json"
    folder.mkdir()
    assert "it is a folder, not a file" in _refused("check", folder)


def test_the_size_message_never_contradicts_itself(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(interchange.MAX_JSON_BYTES + 1)  # sparse: nothing is written
    line = _refused("check", path)
    assert "it is over 64 MB, and no project export is larger than that" in line
    assert "it is 64 MB" not in line


# --- repeated keys -----------------------------------------------------------------------


def _with_repeat(sample: dict[str, Any], tmp_path: Path, key: str, where: str) -> Path:
    """``sample`` as JSON text with ``key`` given a second time in the object at ``where``."""
    text = json.dumps(sample, indent=1)
    marker = f'"{key}": '
    at = text.index(marker, text.index(where))
    # The repeat comes first, so the real value is the last one (the one json would keep).
    path = tmp_path / "plan.json"
    path.write_text(text[:at] + marker + '"repeated", ' + text[at:], encoding="utf-8")
    return path


def test_two_opportunities_lists_are_refused(tmp_path: Path, sample: dict[str, Any]) -> None:
    text = json.dumps(sample, indent=1)
    body = text.rstrip().removesuffix("}")
    # An earlier list that the later one would silently replace.
    path = tmp_path / "plan.json"
    path.write_text(body + ', "opportunities": []}', encoding="utf-8")
    target = tmp_path / "plan.aiplan"
    line = _refused("import-json", path, target)
    assert "opportunities: is given more than once in the same object" in line
    assert not target.exists()


def test_a_repeated_key_is_named_by_its_path(tmp_path: Path, sample: dict[str, Any]) -> None:
    second = sample["opportunities"][1]["id"]
    path = _with_repeat(sample, tmp_path, "name", f'"id": "{second}"')
    line = _refused("check", path)
    assert "opportunities[1].name: is given more than once in the same object" in line


def test_a_repeated_key_deep_inside_is_named_by_its_path(sample: dict[str, Any]) -> None:
    text = json.dumps(sample)
    option = sample["decisions"][0]["options"][0]
    criterion = next(iter(option["scores"]))
    marker = f'"scores": {{"{criterion}": '
    assert marker in text
    text = text.replace(marker, marker + '1, "' + criterion + '": ', 1)
    with pytest.raises(errors.InvalidProjectDataError) as caught:
        interchange.loads(text)
    assert caught.value.problems == [
        f"decisions[0].options[0].scores.{criterion}: is given more than once in the same object; "
        "keep only one"]


# --- shape before parsing ----------------------------------------------------------------


def test_escaped_quotes_outside_a_string_finish(tmp_path: Path) -> None:
    # Each quote once began a rescan of the rest: 40,000 of them took half a minute, these
    # 200,000 would take many minutes; a single pass reads them in a moment.
    path = tmp_path / "quotes.json"
    path.write_text('\\"' * 200_000, encoding="utf-8")
    assert "this is not valid JSON" in _refused("check", path, process=True)


def test_too_many_objects_are_refused_before_parsing(tmp_path: Path, sample: dict[str, Any]) -> None:
    count = interchange.MAX_JSON_CONTAINERS + 1
    sample["decision_log"] = []
    text = json.dumps(sample).replace(
        '"decision_log": []', '"decision_log": [' + ",".join(['{"id": "x"}'] * count) + "]")
    path = tmp_path / "log.json"
    path.write_text(text, encoding="utf-8")
    line = _refused("check", path, process=True)
    assert "it holds more than 250,000 objects and lists, and a project export holds far fewer" in line


def test_a_2000_opportunity_export_is_well_within_the_bounds(tmp_path: Path) -> None:
    data = scaled_sample(2000)
    path = tmp_path / "big.json"
    path.write_text(interchange.dumps(data), encoding="utf-8")
    assert interchange.read_json(path) == data


@pytest.mark.parametrize("text", [
    '"a\\\\"',  # a string ending in an escaped backslash: the quote after it closes it
    '"a\\\\\\"b"',  # backslash, then an escaped quote: the string goes on
    '"\\u005b\\"[{"',  # brackets and escapes inside one string
])
def test_strings_ending_in_backslashes_are_read_as_json_reads_them(text: str) -> None:
    # Nesting after the string counts; brackets inside it never do.
    deep = "[" * 65 + "]" * 65
    assert interchange._shape_problem(f"[{text}, {deep}]".encode()) is not None
    shallow = "[" * 63 + "]" * 63
    assert interchange._shape_problem(f"[{text}, {shallow}]".encode()) is None


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet='"\\[]{}a\n', max_size=30), depth=st.integers(60, 68))
def test_the_scan_measures_nesting_as_the_parser_does(text: str, depth: int) -> None:
    # Any text inside a string, then nesting ``depth`` deep: refused exactly when too deep.
    encoded = json.dumps(text)
    value = f'{{"t": {encoded}, "n": {"[" * (depth - 1)}{encoded}{"]" * (depth - 1)}}}'
    problem = interchange._shape_problem(value.encode())
    assert (problem is not None) == (depth > interchange.MAX_JSON_DEPTH)
    if problem is None:
        assert json.loads(value)["t"] == text
