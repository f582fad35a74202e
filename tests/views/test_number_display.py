"""Figures in the window: the exports' rule, the system locale's separators, and typed back as shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtCore import QLocale
from pytestqt.qtbot import QtBot

from app.exports import memo_pdf
from app.exports.deck import build_slides
from app.formatting import money
from views.estimate_field import parse_estimate, parse_number
from views.portfolio_view import PortfolioModel
from views.unit_economics_view import UnitEconomicsWorkspace

GERMAN = QLocale(QLocale.Language.German, QLocale.Country.Germany)


@pytest.fixture
def german() -> Iterator[QLocale]:
    """The window as a German desktop shows it; the default locale is put back afterwards."""
    before = QLocale()
    QLocale.setDefault(GERMAN)
    yield GERMAN
    QLocale.setDefault(before)


def _unit_workspace(qtbot: QtBot, controller: Any) -> UnitEconomicsWorkspace:
    ws = UnitEconomicsWorkspace(controller)
    qtbot.addWidget(ws)
    ws.resize(1280, 800)
    ws.show()
    qtbot.waitExposed(ws)
    return ws


def _loaded_cost(controller: Any, unit_id: str) -> float:
    return next(u.costs["loaded_cost_per_task"] for u in controller.results.unit_models if u.id == unit_id)


def _slide_text(slides: list[Any]) -> str:
    parts: list[str] = []
    for slide in slides:
        parts += [slide.title, slide.subtitle, *slide.bullets]
        parts += [cell for row in slide.table or [] for cell in row]
    return "\n".join(parts)


def test_workspace_memo_and_deck_print_the_same_cost_per_task(qtbot: QtBot, controller: Any,
                                                              tmp_path: Path) -> None:
    ws = _unit_workspace(qtbot, controller)
    assert ws.current_id is not None
    shown = ws.result_labels["loaded_cost_per_task"].text()
    value = _loaded_cost(controller, ws.current_id)
    assert shown == money(value, "USD", cents=True)
    assert re.fullmatch(r"\$0\.\d{4}", shown)  # the sample's cost: four decimals below $1
    qtbot.waitUntil(lambda: not ws.charts_pending and ws.breakdown_chart.figure is not None, timeout=10_000)
    figure = ws.breakdown_chart.figure
    chart_text = " ".join(t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text")))
    assert shown in chart_text  # the cost-per-task chart's own labels
    ws.close()

    data, results = controller.state.data, controller.results
    out = tmp_path / "memo.pdf"
    memo_pdf.write_memo(data, results, out)
    memo = " ".join(page.extract_text() for page in pypdf.PdfReader(out).pages)
    assert shown in memo
    assert shown in _slide_text(build_slides(data, results))
    # Every unit model's cost reads the same in all three places.
    for unit in results.unit_models:
        text = money(unit.costs["loaded_cost_per_task"], "USD", cents=True)
        assert text in memo and text in _slide_text(build_slides(data, results))


def test_german_window_writes_german_separators_and_reads_them_back(
        german: QLocale, qtbot: QtBot, controller: Any) -> None:
    ws = _unit_workspace(qtbot, controller)
    assert ws.current_id is not None
    value = _loaded_cost(controller, ws.current_id)
    shown = ws.result_labels["loaded_cost_per_task"].text()
    assert shown == money(value, "USD", cents=True).replace(".", ",")  # $0,0616, not $0.0616
    assert parse_number(shown, "money_small", german) == pytest.approx(value, abs=5e-5)
    ws.close()

    controller.wait_for_monte_carlo()
    model = PortfolioModel(controller)
    model.refresh()
    german_digits = str.maketrans({",": ".", ".": ","})
    shown_enpvs = []
    for row in range(model.rowCount()):
        enpv = model.rows[row]["enpv"]
        text = model.index(row, PortfolioModel.ENPV).data()
        assert text == money(enpv, "USD", short=True).translate(german_digits)
        shown_enpvs.append(text)
        # The short figure typed back is the figure to its shown precision.
        assert parse_number(text, "money", german) == pytest.approx(enpv, rel=0.06, abs=1)
        low, high = model.rows[row]["p10"], model.rows[row]["p90"]
        shown_range = model.index(row, PortfolioModel.RANGE).data()
        assert " to " in shown_range and "–" not in shown_range
        typed = parse_estimate(shown_range, "money", None, german)
        assert typed.low == pytest.approx(low, rel=0.06, abs=1)
        assert typed.high == pytest.approx(high, rel=0.06, abs=1)
    assert any("," in text for text in shown_enpvs)  # a figure such as $7,3k or $1,7M


def test_german_full_figures_read_back_exactly(german: QLocale) -> None:
    from views.number_display import money as shown_money
    from views.number_display import percent as shown_percent

    for value in (1_234_567.0, -404_000.0, 999.0):
        text = shown_money(value, "USD")
        assert "," not in text
        assert parse_number(text, "money", german) == value
    assert shown_money(1234.5, "EUR", cents=True) == "€1.234,50"
    assert parse_number("€1.234,50", "money_small", german) == 1234.5
    assert shown_percent(0.125, 1) == "12,5%"
    assert parse_number(shown_percent(0.125, 1), "percent", german) == pytest.approx(0.125)
