"""Number fields refuse what no plan may hold: infinity by a multiplier, values beyond the limits."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QLocale, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.document import ProjectDocument
from app.interchange import validate
from tests.views.test_opportunities_view import PLAIN, workspace
from views.estimate_field import EstimateField, ParseError, parse_estimate, parse_number

US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


@pytest.mark.parametrize("text", ["1e308k", "1.7e308M", "1e306B", "9e307 – 1e308k"])
def test_a_multiplier_that_overflows_is_refused(text: str) -> None:
    with pytest.raises(ParseError, match="too large"):
        parse_estimate(text, "money", None, US)


def test_the_midpoint_of_a_huge_range_stays_finite() -> None:
    est = parse_estimate("1.7e308 – 1.79e308", "number", None, US)
    assert math.isfinite(est.base) and est.low <= est.base <= est.high  # type: ignore[operator]


def test_ordinary_multipliers_still_work() -> None:
    assert parse_number("250k", "money", US) == 250_000
    assert parse_number("1.2B", "number", US) == 1.2e9


def test_a_bare_field_typed_key_by_key_never_passes_on_infinity(qtbot: QtBot) -> None:
    field = EstimateField("money")
    qtbot.addWidget(field)
    field.show()
    field.set_value(250_000)
    values: list[Any] = []
    field.edited.connect(values.append)
    field.line.selectAll()
    QTest.keyClicks(field.line, "1e308k")
    assert field.error.isVisible() and "too large" in field.error.text()
    assert all(math.isfinite(v if not isinstance(v, dict) else v["base"]) for v in values)


def test_a_field_refuses_values_beyond_the_limits_and_save_still_works(
        qtbot: QtBot, controller: Any, tmp_path: Path) -> None:
    """Typing 1e308k used to store infinity, after which every Save failed."""
    ws = workspace(qtbot, controller, PLAIN)
    line = ws.fields["build_cost"].line
    line.setFocus()
    line.selectAll()
    QTest.keyClicks(line, "1e308k")
    assert "too large" in ws.fields["build_cost"].error.text()
    line.selectAll()
    QTest.keyClicks(line, "2e12")
    assert ws.fields["build_cost"].error.text() == "Must be at most 1,000,000,000,000."
    line.selectAll()
    QTest.keyClicks(line, "150000000000")  # twelve digits typed: 1.5e11 is within the limit
    assert not ws.fields["build_cost"].error.isVisible()
    QTest.keyClick(line, Qt.Key.Key_Return)  # stored when committed
    stored = controller.state.value("opportunity", PLAIN, "build_cost")
    assert stored == 150_000_000_000

    validate(controller.state.data)  # what the project holds is what a file may hold
    target = tmp_path / "saved.aiplan"
    controller.state.document.save_as(target)
    with ProjectDocument.open(target) as reopened:
        assert {o["id"]: o for o in reopened.to_json()["opportunities"]}[PLAIN]["build_cost"] == stored


def test_months_beyond_ten_years_are_refused_in_the_field(qtbot: QtBot, controller: Any) -> None:
    ws = workspace(qtbot, controller, PLAIN)
    before = controller.state.value("opportunity", PLAIN, "launch_month")
    line = ws.fields["launch_month"].line
    line.setFocus()
    line.selectAll()
    QTest.keyClicks(line, "0")
    QTest.keyClicks(line, "500")
    assert ws.fields["launch_month"].error.text() == "Must be at most 120."
    assert controller.state.value("opportunity", PLAIN, "launch_month") in (0, 50, before)
