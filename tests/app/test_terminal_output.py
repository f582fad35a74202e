"""Names, ids, keys and notes from a hostile file reach the terminal escaped, on their own line.

A plan whose names carry terminal escapes (retitle, recolour, clear the screen), a bell, a
carriage return and newline that forge a line, and a right-to-left override is run through
every command that prints: nothing it prints holds a control character but its own newlines,
and it prints exactly as many lines as the same plan with plain names.
"""

from __future__ import annotations

import copy
import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from app.terminal import json_safe
from tests.app.test_cli import _one_line_error, aiplan

# Retitles the terminal, turns it red, forges a line, reverses what follows, and (as C1 CSI)
# clears the screen.
HOSTILE = "Evil\x1b]0;owned\x07\x1b[31m\r\nFORGED LINE\u202e\x9b2J"
PLAIN = "Plain name"
#: Characters a terminal obeys or that reorder text on screen (the newline is checked apart).
HIDDEN = set("\u061c\u200e\u200f\u2028\u2029\ufeff") | {chr(c) for c in range(0x202a, 0x202f)} | {
    chr(c) for c in range(0x2066, 0x206a)}


def _controls(text: str) -> list[str]:
    """The characters in ``text`` a terminal would act on or that reorder it, but newlines."""
    return [c for c in text if c != "\n" and (unicodedata.category(c) == "Cc" or c in HIDDEN)]


def _c0(text: str) -> list[str]:
    """C0 controls and DEL other than newlines: json.dumps escapes every one of them."""
    return [c for c in _controls(text) if ord(c) < 0x20 or c == "\x7f"]


def _named(sample: dict[str, Any], name: str) -> dict[str, Any]:
    """The sample plan with ``name`` in every kind of name and note a command prints."""
    data = copy.deepcopy(sample)
    data["project"]["name"] = name
    data["opportunities"][0]["name"] = name + " opportunity"
    data["opportunities"][0]["notes"] = {"build_cost": name + " note"}
    decision = data["decisions"][0]
    decision["name"] = name + " decision"
    decision["options"][0]["name"] = name + " option"
    decision["criteria"][0]["name"] = name + " criterion"
    data["unit_models"][0]["name"] = name + " unit model"
    data["unit_models"][0]["routes"][0]["model"] = name + " model"
    return data


def _project(folder: Path, data: dict[str, Any], stem: str) -> Path:
    """A project file made as a user makes one: ``aiplan import-json``."""
    source = folder / f"{stem}.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    target = folder / f"{stem}.aiplan"
    result = aiplan("import-json", source, target)
    assert result.returncode == 0, result.stderr
    return target


@pytest.fixture
def plans(tmp_path: Path, sample: dict[str, Any]) -> dict[str, Path]:
    return {"hostile": _project(tmp_path, _named(sample, HOSTILE), "hostile"),
            "plain": _project(tmp_path, _named(sample, PLAIN), "plain"),
            "base": _project(tmp_path, sample, "base")}


def _assert_clean(result: Any) -> None:
    assert "Traceback" not in result.stderr
    assert _controls(result.stdout) == [] and _controls(result.stderr) == []
    assert not any(line.startswith("FORGED") for line in (result.stdout + result.stderr).split("\n"))


def test_calc_table_prints_names_escaped_on_their_own_lines(plans: dict[str, Path]) -> None:
    hostile, plain = aiplan("calc", plans["hostile"]), aiplan("calc", plans["plain"])
    assert hostile.returncode == 0, hostile.stderr
    _assert_clean(hostile)
    assert len(hostile.stdout.split("\n")) == len(plain.stdout.split("\n"))
    # The name is still there to read, its controls shown as escapes.
    assert "Evil\\e]0;owned\\x07\\e[31m\\r\\nFORGED LINE\\u202e\\x9b2J opportunity" in hostile.stdout


def test_calc_json_holds_the_names_exactly_and_no_raw_control(plans: dict[str, Path]) -> None:
    result = aiplan("calc", plans["hostile"], "--json")
    assert result.returncode == 0, result.stderr
    assert _c0(result.stdout) == [] and _controls(result.stderr) == []
    names = {o["name"] for o in json.loads(result.stdout)["opportunities"]}
    assert HOSTILE + " opportunity" in names


def test_diff_prints_names_escaped_on_their_own_lines(plans: dict[str, Path]) -> None:
    hostile = aiplan("diff", plans["base"], plans["hostile"])
    plain = aiplan("diff", plans["base"], plans["plain"])
    assert hostile.returncode == 0, hostile.stderr
    _assert_clean(hostile)
    assert len(hostile.stdout.split("\n")) == len(plain.stdout.split("\n"))
    assert "\\e]0;owned\\x07" in hostile.stdout


def test_diff_json_holds_no_raw_control(plans: dict[str, Path]) -> None:
    result = aiplan("diff", plans["base"], plans["hostile"], "--json")
    assert result.returncode == 0, result.stderr
    assert _c0(result.stdout) == [] and _controls(result.stderr) == []
    changes = json.loads(result.stdout)["changes"]
    assert any(c["new"] == HOSTILE + " opportunity" for c in changes)  # the data, exactly


def test_export_json_prints_one_clean_line(plans: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = aiplan("export-json", plans["hostile"], out)
    assert result.returncode == 0, result.stderr
    _assert_clean(result)
    assert result.stdout.count("\n") == 1
    assert json.loads(out.read_text(encoding="utf-8"))["project"]["name"] == HOSTILE


def test_check_names_a_hostile_key_escaped_in_one_line(tmp_path: Path, sample: dict[str, Any]) -> None:
    sample["opportunities"][0][HOSTILE] = 1
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(sample), encoding="utf-8")
    result = aiplan("check", source)
    line = _one_line_error(result)
    _assert_clean(result)
    assert "is not a field this format knows" in line and "\\e]0;owned" in line


def test_check_of_the_hostile_project_is_clean(plans: dict[str, Path]) -> None:
    result = aiplan("check", plans["hostile"])
    assert result.returncode == 0, result.stderr
    _assert_clean(result)


def test_a_plan_the_engine_refuses_names_its_object_escaped(tmp_path: Path,
                                                            sample: dict[str, Any]) -> None:
    data = _named(sample, HOSTILE)
    data["unit_models"][0]["routes"][0]["share"] = 0.5  # shares no longer total 100%
    source = tmp_path / "plan.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    result = aiplan("calc", source)
    line = _one_line_error(result)
    _assert_clean(result)
    assert "cannot calculate" in line and "Evil\\e]0;owned" in line


def test_json_safe_keeps_the_same_json_and_hides_nothing() -> None:
    value = {"name": HOSTILE + "\u2066\u0085", "list": ["日本語", "emoji 👍🏽"]}
    text = json_safe(json.dumps(value, ensure_ascii=False, indent=1))
    assert json.loads(text) == value
    assert _controls(text) == []
    assert "日本語" in text and "👍🏽" in text  # readable text stays as it is


# --- the first word ----------------------------------------------------------------------


def test_an_unknown_command_is_a_usage_error_naming_the_commands(tmp_path: Path) -> None:
    # It once opened the window (and waited there); now it says what the commands are.
    line = _one_line_error(aiplan("bogus-command", cwd=tmp_path))
    assert "“bogus-command” is neither a command nor a file" in line
    for command in ("new", "check", "calc", "diff", "export", "export-json", "import-json"):
        assert command in line
    hostile = aiplan("\x1b]0;owned\x07", cwd=tmp_path)
    assert hostile.returncode == 2 and _controls(hostile.stderr) == []


def test_a_file_without_a_dot_still_opens_in_the_window(tmp_path: Path,
                                                         sample_file: Path) -> None:
    # An existing file is a file, whatever its name: --self-test opens it offscreen and exits.
    plain = tmp_path / "plan"
    sample_file.rename(plain)
    result = aiplan("plan", "--self-test", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["results"] is True


def test_a_missing_project_path_goes_to_the_window_not_the_usage_error(tmp_path: Path) -> None:
    result = aiplan("missing.aiplan", "--self-test", cwd=tmp_path)
    assert result.returncode == 2
    assert "There is no file “missing.aiplan”" in result.stderr and "command" not in result.stderr


def test_the_window_prints_library_warnings_about_names_escaped(plans: dict[str, Path]) -> None:
    # Charts draw the names; the chart font lacks glyphs for control characters and says so.
    result = aiplan(plans["hostile"], "--self-test")
    assert result.returncode == 0, result.stderr
    _assert_clean(result)
    assert "Glyph" in result.stderr  # the warning is still shown, escaped
