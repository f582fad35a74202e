"""Number fields: locale-aware parsing, ranges, the estimate editor, errors beside the field."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QLocale, Qt

from models.estimate import Estimate
from views.estimate_field import (
    EstimateDialog,
    EstimateField,
    ParseError,
    format_estimate,
    parse_estimate,
    parse_number,
)

GERMAN = QLocale(QLocale.Language.German, QLocale.Country.Germany)
US = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


@pytest.mark.parametrize(
    ("text", "kind", "locale", "expected"),
    [
        ("1200", "number", US, Estimate(1200)),
        ("1,200.5", "number", US, Estimate(1200.5)),
        ("1.200,5", "number", GERMAN, Estimate(1200.5)),
        ("30%", "percent", US, Estimate(0.3)),
        ("30", "percent", US, Estimate(0.3)),
        ("250k", "money", US, Estimate(250_000)),
        ("$1.2M", "money", US, Estimate(1_200_000)),
        ("900-1500", "number", US, Estimate(1200, 900, 1500, "triangular")),
        ("900 – 1,500", "number", US, Estimate(1200, 900, 1500, "triangular")),
        ("20% – 45%", "percent", US, Estimate(0.325, 0.2, 0.45, "triangular")),
        ("1.000 – 2.000", "number", GERMAN, Estimate(1500, 1000, 2000, "triangular")),
    ],
)
def test_parsing_follows_the_locale(text: str, kind: str, locale: QLocale, expected: Estimate) -> None:
    got = parse_estimate(text, kind, None, locale)
    assert got.dist == expected.dist
    for a, b in ((got.base, expected.base), (got.low, expected.low), (got.high, expected.high)):
        assert (a is None and b is None) or a == pytest.approx(b)


def test_a_typed_range_keeps_the_base_and_distribution_it_had() -> None:
    current = Estimate(0.35, 0.2, 0.5, "pert")
    assert parse_estimate("25% – 55%", "percent", current, US) == Estimate(0.35, 0.25, 0.55, "pert")


def test_garbage_says_what_to_type() -> None:
    with pytest.raises(ParseError, match="Type a number such as 30%"):
        parse_number("lots", "percent", US)


def test_format_shows_percentages_and_ranges() -> None:
    assert format_estimate(Estimate(0.3), "percent", US) == "30%"
    assert format_estimate(Estimate(1200, 900, 1500, "pert"), "number", US) == "900 – 1,500"
    assert format_estimate(Estimate(1200.0), "number", GERMAN) == "1.200"


def test_field_passes_on_an_entry_only_when_committed(qtbot: Any) -> None:
    field = EstimateField("percent", field="adoption_target")
    qtbot.addWidget(field)
    field.show()
    field.set_value(0.3)
    values: list[Any] = []
    field.edited.connect(values.append)
    field.line.selectAll()
    qtbot.keyClicks(field.line, "45%")
    assert values == []  # typing previews, it stores nothing
    assert field.preview.text() == "45% · a plain number"
    qtbot.keyClick(field.line, Qt.Key.Key_Return)
    assert values == [0.45]
    qtbot.keyClicks(field.line, "x")
    assert field.error.isVisible() and "Type a number" in field.error.text()
    qtbot.keyClick(field.line, Qt.Key.Key_Return)
    assert values == [0.45]  # the refused text was never passed on
    assert "Not stored: the results use 45%." in field.error.text()


def test_the_preview_checks_the_fields_limits(qtbot: Any) -> None:
    field = EstimateField("integer", field="launch_month")
    qtbot.addWidget(field)
    field.show()
    field.set_value(3)
    field.line.selectAll()
    qtbot.keyClicks(field.line, "2.5")
    assert field.error.text() == "Must be a whole number."
    field.line.selectAll()
    qtbot.keyClicks(field.line, "121")
    assert field.error.text() == "Must be at most 120."


@pytest.mark.parametrize(("current", "typed", "base"), [
    (Estimate(20), "10 - 40", 20),  # within the range: kept
    (Estimate(20), "30 - 40", 35),  # outside: the midpoint
    (Estimate(25, 10, 40, "pert"), "5 - 15", 10),
    (None, "10 - 40", 25),
])
def test_a_typed_range_keeps_the_base_within_it_else_takes_the_midpoint(
        current: Estimate | None, typed: str, base: float) -> None:
    assert parse_estimate(typed, "number", current, US).base == base


def test_estimate_dialog_builds_an_estimate_with_a_density_preview(qtbot: Any) -> None:
    dialog = EstimateDialog(Estimate(1200), "number")
    qtbot.addWidget(dialog)
    dialog.dist.setCurrentText("pert")
    dialog.low.setText("900")
    dialog.high.setText("1500")
    dialog._update()
    assert dialog.message.text() == ""
    assert dialog.preview.figure is not None
    histogram = dialog.preview.figure.axes[0].patches
    assert len(histogram) > 10  # the density is drawn
    dialog._accept()
    assert dialog.result_estimate == Estimate(1200, 900, 1500, "pert")


def test_estimate_dialog_refuses_a_low_above_the_base(qtbot: Any) -> None:
    dialog = EstimateDialog(Estimate(1200), "number")
    qtbot.addWidget(dialog)
    dialog.dist.setCurrentText("triangular")
    dialog.low.setText("1300")
    dialog.high.setText("1500")
    dialog._accept()
    assert "low value must not exceed the base" in dialog.message.text()
    assert dialog.result_estimate is None
