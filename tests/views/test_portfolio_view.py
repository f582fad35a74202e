"""The Portfolio workspace: ranked results, the budget, undo, and its item model."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from tests.views.conftest import numbers
from views.portfolio_view import PortfolioModel, PortfolioWorkspace


def test_model_passes_qtmodeltester(controller: Any, qtmodeltester: Any) -> None:
    model = PortfolioModel(controller)
    qtmodeltester.check(model)
    controller.wait_for_monte_carlo()
    model.refresh()
    qtmodeltester.check(model)


def test_rows_are_ranked_by_enpv_and_sortable(controller: Any, qtbot: Any) -> None:
    view = PortfolioWorkspace(controller)
    qtbot.addWidget(view)
    enpvs = [view.model.rows[i]["enpv"] for i in range(view.model.rowCount())]
    assert enpvs == sorted(enpvs, reverse=True)
    view.table.sortByColumn(PortfolioModel.RICE, Qt.SortOrder.DescendingOrder)
    first = view.proxy.index(0, PortfolioModel.NAME).data()
    best_rice = max(controller.results.opportunities, key=lambda r: r.rice or 0)
    assert first == best_rice.name


def _outlined(view: PortfolioWorkspace) -> int:
    """How many bubbles the chart outlines as the best set within the budget."""
    assert view.bubble.figure is not None
    [bubbles] = view.bubble.figure.findobj(lambda artist: artist.get_gid() == "bubbles")
    return sum(1 for width in bubbles.get_linewidths() if width >= 2.0)


def test_budget_edit_changes_selection_and_undo_restores(controller: Any, qtbot: Any) -> None:
    view = PortfolioWorkspace(controller)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.bubble.figure is not None)
    outlined_before = _outlined(view)
    assert outlined_before == len(controller.results.portfolio.selected)
    before = numbers(controller.results)
    selected_before = list(controller.results.portfolio.selected)
    view.budget.clear()
    qtbot.keyClicks(view.budget, "300k")
    view.budget.editingFinished.emit()
    assert controller.results.portfolio.budget == 300_000
    assert list(controller.results.portfolio.selected) != selected_before
    assert controller.results.portfolio.selected_build_cost <= 300_000
    highlighted = [r["id"] for r in view.model.rows if r.get("selected")]
    assert highlighted == [i for i in (r["id"] for r in view.model.rows)
                           if i in controller.results.portfolio.selected]
    assert "300k" in view.summary.text() or "300,000" in view.summary.text()
    assert _outlined(view) == len(controller.results.portfolio.selected)  # the new best set
    controller.undo_stack.undo()
    assert numbers(controller.results) == before
    assert _outlined(view) == outlined_before
    assert view.budget.text().replace(",", "").replace("\u202f", "").startswith("900")


def test_invalid_budget_is_refused_beside_the_field(controller: Any, qtbot: Any) -> None:
    view = PortfolioWorkspace(controller)
    qtbot.addWidget(view)
    before = controller.state.data["project"]["budget"]
    view.budget.setText("lots")
    view.budget.editingFinished.emit()
    assert "Type a number" in view.budget_error.text()
    assert controller.state.data["project"]["budget"] == before


def test_monte_carlo_fills_the_range_and_the_distribution(controller: Any, qtbot: Any) -> None:
    view = PortfolioWorkspace(controller)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.bubble.figure is not None)
    bubbles = [c for c in view.bubble.figure.axes[0].collections if c.get_gid() == "bubbles"]
    assert len(bubbles[0].get_offsets()) == len(controller.state.data["opportunities"])
    controller.wait_for_monte_carlo()
    qtbot.waitUntil(lambda: view.distribution.figure is not None)
    text = view.proxy.index(0, PortfolioModel.RANGE).data()
    assert " to " in text
    assert "chance of a positive total" in view.summary.text()
    # What the budget funds is drawn filled, the whole plan outlined beside it.
    figure = view.distribution.figure
    heading = " ".join(t.get_text() for t in figure.findobj(lambda a: a.get_gid() == "title"))
    assert "Funded set NPV" in heading
    assert figure.findobj(lambda a: a.get_gid() == "beside")
