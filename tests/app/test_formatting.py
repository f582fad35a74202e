"""One rule per kind of figure: the formatter's table, and the sample memo read back against it."""

from __future__ import annotations

import copy
import json
import math
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest

from app.exports import memo_pdf
from app.formatting import localized, money, money_range, number, percent, percent_range
from app.interchange import sample_data
from models.engine import calculate
from models.plan import plan_from_json

NAN, INF = math.nan, math.inf

SHORT = [
    (0, "$0"), (-0.3, "$0"), (0.5, "$1"), (740, "$740"), (999.4, "$999"),
    (999.5, "$1.0k"), (-999.5, "−$1.0k"), (1000, "$1.0k"), (7267, "$7.3k"), (2450, "$2.5k"),
    (9949, "$9.9k"), (9950, "$10k"), (44_000, "$44k"), (440_000, "$440k"), (-404_000, "−$404k"),
    (999_499, "$999k"), (999_500, "$1.0M"), (1_740_000, "$1.7M"), (12_000_000, "$12M"),
    (1.2e9, "$1.2B"), (3e12, "$3.0T"), (5e15, "$5,000T"),
    (None, "—"), (NAN, "—"), (INF, "—"), (-INF, "—"),
]

FULL = [
    (0, "$0"), (740, "$740"), (7267, "$7,267"), (999.5, "$1,000"), (-1_234_567.4, "−$1,234,567"),
    (-0.4, "$0"), (None, "—"), (NAN, "—"),
]

PER_TASK = [
    (0, "$0.0000"), (0.12, "$0.1200"), (0.063, "$0.0630"), (0.1516, "$0.1516"), (0.0616, "$0.0616"),
    (0.06155, "$0.0616"), (0.99996, "$1.00"), (1, "$1.00"), (2, "$2.00"), (1234.567, "$1,234.57"),
    (0.00042, "$0.00042"), (0.000999, "$0.0010"), (1e-12, "$0.00000000"), (-0.05, "−$0.0500"),
    (-0.00001, "−$0.000010"), (None, "—"), (INF, "—"),
]

PERCENT = [
    (0.3, 0, "30%"), (0.125, 1, "12.5%"), (0.125, 0, "13%"), (-0.035, 1, "−3.5%"), (-0.001, 0, "0%"),
    (16.42, 0, "1,642%"), (None, 0, "—"), (NAN, 1, "—"),
]


@pytest.mark.parametrize(("value", "expected"), SHORT)
def test_short_money_by_magnitude(value: float | None, expected: str) -> None:
    assert money(value, "USD", short=True) == expected


@pytest.mark.parametrize(("value", "expected"), FULL)
def test_full_money_keeps_every_unit(value: float | None, expected: str) -> None:
    assert money(value, "USD") == expected


@pytest.mark.parametrize(("value", "expected"), PER_TASK)
def test_cost_per_task_four_decimals_below_one(value: float | None, expected: str) -> None:
    assert money(value, "USD", cents=True) == expected


@pytest.mark.parametrize(("value", "digits", "expected"), PERCENT)
def test_percent(value: float | None, digits: int, expected: str) -> None:
    assert percent(value, digits) == expected


def test_other_currencies_and_numbers() -> None:
    assert money(-7267, "EUR", short=True) == "−€7.3k"
    assert money(1_500_000, "CHF", short=True) == "CHF 1.5M"
    assert money(44_000, "XYZ", short=True) == "XYZ 44k"
    assert number(1234.5) == "1,235" and number(-0.25, 2) == "−0.25" and number(-0.001, 2) == "0.00"
    assert number(None) == "—"


def test_ranges_say_to_never_a_dash() -> None:
    assert money_range(-404_000, -44_000, "USD") == "−$404k to −$44k"
    assert money_range(0.9, 2, "USD", cents=True) == "$0.9000 to $2.00"
    assert money_range(300_000, 500_000, "USD", short=False) == "$300,000 to $500,000"
    assert money_range(None, 5, "USD") == "—" and money_range(NAN, 5, "USD") == "—"
    assert percent_range(0.2, 0.45) == "20% to 45%"
    assert percent_range(-0.125, 0.5, 1) == "−12.5% to 50.0%"


def test_localized_swaps_separators_only() -> None:
    assert localized(money(1_234_567.4, "USD"), ".", ",") == "$1.234.567"
    assert localized(money(7267, "USD", short=True), ".", ",") == "$7,3k"
    assert localized(money_range(-0.1516, 1234.5, "USD", cents=True), "\u202f", ",") \
        == "−$0,1516 to $1\u202f234,50"
    assert localized("$1,234.5") == "$1,234.5"


# --- the sample memo read back -------------------------------------------------------------------

MONEY = re.compile(r"(?P<sign>[−-]?)\$(?P<figure>\d[\d,]*(?:\.\d+)?[kMBT]?)")
#: Every money figure the rule can write: short, in full, or a cost or price per task.
ALLOWED = re.compile(r"\d{1,3}|\d\.\d[kMBT]|[1-9]\d{1,2}[kMBT]|[1-9]\d{0,2}(?:,\d{3})+"
                     r"|0\.\d{4}|0\.000\d{2,5}|[1-9]\d{0,2}(?:,\d{3})*\.\d{2}")


def _without_typed_money(value: Any) -> Any:
    """The plan with the PM's own prose kept but its typed figures (``$1M``, ``$0.40``) taken out."""
    if isinstance(value, str):
        return MONEY.sub("[figure]", value)
    if isinstance(value, dict):
        return {k: _without_typed_money(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_typed_money(v) for v in value]
    return value


@pytest.fixture(scope="module")
def memo_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    data = _without_typed_money(copy.deepcopy(sample_data()))
    assert "$" not in json.dumps(data, ensure_ascii=False)
    out: Path = tmp_path_factory.mktemp("memo") / "memo.pdf"
    assert memo_pdf.write_memo(data, calculate(plan_from_json(data)), out) == []
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(out).pages)
    return re.sub(r"\s+", " ", text)


def test_every_money_figure_in_the_memo_follows_the_rule(memo_text: str) -> None:
    found = list(MONEY.finditer(memo_text))
    assert len(found) > 100  # the whole memo was read, not an empty page
    wrong = [m.group(0) for m in found if not ALLOWED.fullmatch(m.group("figure"))]
    assert wrong == []
    assert all(m.group("sign") in ("", "−") for m in found), "a minus sign other than U+2212"
    assert any(m.group("sign") == "−" for m in found)  # the sample has losses to print
    # A range is "low to high": never a dash between two figures.
    assert not re.search(r"\$[\d.,]+[kMBT]?\s?[–—-]\s?[−-]?\$", memo_text)
    assert re.search(r"−\$\d+k to \$", memo_text) or re.search(r"\$[\d.]+[kM] to \$", memo_text)
