"""Chart builders: each chart shows the sample's numbers, and odd input gives a figure, not an error."""

from __future__ import annotations

import dataclasses
import math
import struct
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from matplotlib.artist import Artist
from matplotlib.cbook import is_math_text
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from app import charts
from app.formatting import money_range, percent
from models.decision import DecisionResult
from models.engine import PlanResults, UnitModelResult, calculate
from models.estimate import Estimate
from models.plan import Criterion, Decision, Option, Plan, Settings, UnitModel, plan_from_json


@pytest.fixture(scope="module")
def plan(sample_json: dict[str, Any]) -> Plan:
    sample = plan_from_json(sample_json)
    return dataclasses.replace(sample, settings=dataclasses.replace(sample.settings, mc_samples=2000))


@pytest.fixture(scope="module")
def results(plan: Plan) -> PlanResults:
    return calculate(plan)


def by_gid(fig: Figure, gid: str) -> list[Artist]:
    return fig.findobj(lambda artist: artist.get_gid() == gid)


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text() and t.get_visible()]


def title(fig: Figure) -> str:
    return " ".join(t.get_text() for t in by_gid(fig, "title")).replace("\n", " ").strip()


def columns(fig: Figure, gid: str) -> list[float]:
    """Signed heights of the monthly columns drawn with ``gid`` (one polygon a month)."""
    (collection,) = by_gid(fig, gid)
    out = []
    for path in collection.get_paths():  # type: ignore[attr-defined]
        bottom, top = path.vertices[0][1], path.vertices[1][1]  # first corner, then the one above it
        out.append(float(top - bottom))
    return out


def bars_of(fig: Figure, gid: str) -> list[Any]:
    """The bars drawn with ``gid``, in drawing order."""
    return [bar for bar in by_gid(fig, gid) if isinstance(bar, Rectangle)]


# --- each chart shows the sample's numbers ----------------------------------------------------


def test_bubble_has_one_point_per_opportunity_and_outlines_the_budgeted_set(
        plan: Plan, results: PlanResults) -> None:
    fig = charts.bubble_value_vs_cost(plan, results)
    (bubbles,) = by_gid(fig, "bubbles")
    points = {(round(x), round(y)) for x, y in bubbles.get_offsets()}  # type: ignore[attr-defined]
    assert len(bubbles.get_offsets()) == len(plan.opportunities)  # type: ignore[attr-defined]
    assert points == {(round(r.pv_cost), round(r.enpv)) for r in results.opportunities}
    outlined = sum(1 for w in bubbles.get_linewidths() if w >= 2)  # type: ignore[attr-defined]
    assert results.portfolio.selected and outlined == len(results.portfolio.selected)
    labels = set(texts(fig))
    assert {"Support copilot", "Ticket triage and routing", "Contract review"} <= labels
    assert "leads the portfolio" in title(fig)


def test_bubble_labels_do_not_overlap(plan: Plan, results: PlanResults) -> None:
    fig = charts.bubble_value_vs_cost(plan, results)
    fig.draw_without_rendering()
    names = {charts.short_name(o.name, 30) for o in plan.opportunities}
    boxes = [t.get_window_extent() for t in fig.findobj(Text) if t.get_text() in names]
    assert len(boxes) == len(names)
    for i, a in enumerate(boxes):
        for b in boxes[:i]:
            assert not a.overlaps(b)


@pytest.mark.parametrize("which", ["opportunity", "portfolio"])
def test_histogram_counts_every_sample_and_marks_p10_p50_p90(
        which: str, plan: Plan, results: PlanResults) -> None:
    if which == "portfolio":
        samples, summary, name = results.portfolio.npv_samples, results.portfolio.mc, "Portfolio"
    else:
        first = results.opportunities[0]
        samples, summary, name = first.npv_samples, first.mc, first.name
    assert samples is not None and summary is not None
    fig = charts.npv_distribution(samples, summary, plan.settings.currency, name)
    heights = [bar.get_height() for bar in bars_of(fig, "histogram")]
    assert sum(heights) == len(samples) == 2000
    for gid, value in (("p10", summary.p10), ("p50", summary.p50), ("p90", summary.p90)):
        (line,) = by_gid(fig, gid)
        assert line.get_xdata()[0] == pytest.approx(value)  # type: ignore[attr-defined]
    assert f"{percent(summary.p_positive)} chance of a positive NPV" in title(fig)


def test_portfolio_histogram_shows_the_funded_set_against_the_whole_plan(results: PlanResults) -> None:
    p = results.portfolio
    assert p.selected and p.selected_samples is not None and p.selected_mc is not None
    fig = charts.portfolio_distribution(results, "USD")
    heights = [bar.get_height() for bar in bars_of(fig, "histogram")]
    assert sum(heights) == len(p.selected_samples)  # the filled bars are the funded set's
    (p50,) = by_gid(fig, "p50")
    assert p50.get_xdata()[0] == pytest.approx(p.selected_mc.p50)  # type: ignore[attr-defined]
    (outline,) = by_gid(fig, "beside")  # the whole plan, outlined on the same bins
    assert outline.get_data().values.sum() == pytest.approx(len(p.npv_samples))  # type: ignore[attr-defined, arg-type]
    assert f"Funded set NPV ({len(p.selected)} of {len(results.opportunities)})" in title(fig)
    assert p.mc is not None
    whole = f"P10 to P90 {money_range(p.mc.p10, p.mc.p90, 'USD')}"
    assert any(whole in t.replace("\n", " ") for t in texts(fig))
    assert "Whole plan (8 opportunities)" in texts(fig)  # in the legend


def test_portfolio_histogram_without_a_budget_is_the_whole_plan(plan: Plan) -> None:
    unbudgeted = dataclasses.replace(plan, settings=dataclasses.replace(plan.settings, budget=None))
    results = calculate(unbudgeted)
    fig = charts.portfolio_distribution(results, "USD")
    assert not by_gid(fig, "beside")
    assert sum(bar.get_height() for bar in bars_of(fig, "histogram")) == len(results.portfolio.npv_samples)
    assert title(fig).startswith("Whole plan NPV")


def test_histogram_names_the_failed_launches(plan: Plan, results: PlanResults) -> None:
    first = results.opportunities[0]
    fig = charts.npv_distribution(first.npv_samples, first.mc, "USD", first.name,
                                  launch_failure=-first.pv_build)
    assert any(t.startswith("Launch fails") for t in texts(fig))


def test_cash_flow_bars_and_cumulative_net_match_the_monthly_results(results: PlanResults) -> None:
    first = results.opportunities[0]
    fig = charts.monthly_cash_flow(first, "USD", 3)
    monthly = first.monthly
    assert columns(fig, "benefit") == pytest.approx(list(monthly["benefit"]))
    for gid in ("build", "run", "variable"):  # costs hang below zero
        assert columns(fig, gid) == pytest.approx(list(-monthly[gid]))
    (line,) = by_gid(fig, "cumulative-net")
    assert list(line.get_ydata()) == pytest.approx(list(np.cumsum(monthly["net"])))  # type: ignore[attr-defined]
    (payback,) = by_gid(fig, "payback")
    assert first.payback_month is not None
    assert payback.get_xdata()[0] == first.payback_month  # type: ignore[attr-defined]
    assert f"pays back in month {first.payback_month}" in title(fig)


def test_cash_flow_twin_axes_share_their_zero(results: PlanResults) -> None:
    for result in results.opportunities[:4]:  # pays back, and (contract review) never does
        fig = charts.monthly_cash_flow(result, "USD", 3)
        fractions = [-lo / (hi - lo) for lo, hi in (ax.get_ylim() for ax in fig.axes)]
        assert fractions[0] == pytest.approx(fractions[1])


def test_tornado_has_one_bar_per_input_in_swing_order(plan: Plan, results: PlanResults) -> None:
    first = results.opportunities[0]
    assert first.tornado
    fig = charts.tornado(first, plan, "USD")
    highs = bars_of(fig, "tornado-high")
    lows = bars_of(fig, "tornado-low")
    assert len(highs) == len(lows) == len(first.tornado)
    swings = []
    for i, (entry, high, low) in enumerate(zip(first.tornado, highs, lows, strict=True)):
        assert high.get_y() + high.get_height() / 2 == pytest.approx(i)
        assert high.get_x() + high.get_width() == pytest.approx(entry.npv_high)
        assert low.get_x() + low.get_width() == pytest.approx(entry.npv_low)
        swings.append(abs(high.get_x() + high.get_width() - (low.get_x() + low.get_width())))
    assert swings == sorted(swings, reverse=True)
    labels = [t.get_text().replace("\n", " ") for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "Value per successful task (Support copilot)"
    assert "Escalation rate (cost model Support copilot)" in labels
    assert {"$2.00", "$4.50", "40%", "70%"} <= set(texts(fig))  # the inputs' low and high


def test_input_labels_name_routes_and_options(plan: Plan) -> None:
    route = plan.unit_models[0].routes[0]
    option = plan.decisions[0].options[0]
    label = charts.input_label(("route", route.id, "input_tokens"), plan)
    assert label == f"Input tokens (route {route.model})"
    assert charts.input_label(("option", option.id, "upfront_cost"), plan).startswith("Upfront cost (option ")
    assert charts.input_label(("opportunity", "gone", "new_field"), plan) == "New field (gone)"


def test_radar_draws_each_option_on_the_normalised_values(plan: Plan, results: PlanResults) -> None:
    decision, result = plan.decisions[0], results.decisions[0]
    fig = charts.radar(decision, result)
    widths = {}
    for option in decision.options:
        (line,) = by_gid(fig, f"radar:{option.id}")
        expected = [result.normalised[option.id][c.id] for c in decision.criteria]
        assert list(line.get_ydata()) == pytest.approx(expected + expected[:1])  # type: ignore[attr-defined]
        widths[option.id] = line.get_linewidth()  # type: ignore[attr-defined]
    assert max(widths, key=widths.__getitem__) == result.winner
    assert len(by_gid(fig, "criterion")) == len(decision.criteria)
    assert "Partner scores highest, 80 of 100" in title(fig)


def test_tco_ends_at_the_decision_tco(plan: Plan, results: PlanResults) -> None:
    for decision, result in zip(plan.decisions, results.decisions, strict=True):
        fig = charts.cumulative_tco(decision, result, plan.settings.horizon_years, result.annual_volume)
        for option in decision.options:
            (line,) = by_gid(fig, f"tco:{option.id}")
            xs, ys = line.get_xdata(), line.get_ydata()  # type: ignore[attr-defined]
            assert list(xs) == list(range(plan.settings.horizon_years + 1))
            assert ys[0] == pytest.approx(option.upfront_cost.base)
            assert ys[-1] == pytest.approx(result.tco[option.id])


def test_cost_components_add_up_to_the_loaded_cost(plan: Plan, results: PlanResults) -> None:
    for unit, result in zip(plan.unit_models, results.unit_models, strict=True):
        fig = charts.cost_per_task_breakdown(unit, result)
        parts = bars_of(fig, "cost-components")
        loaded = result.costs["loaded_cost_per_task"]
        assert sum(p.get_width() for p in parts) == pytest.approx(loaded)
        assert parts[-1].get_x() + parts[-1].get_width() == pytest.approx(loaded)  # stacked end to end
        (revenue,) = by_gid(fig, "revenue")
        assert revenue.get_xdata()[0] == pytest.approx(unit.revenue_per_task.base)  # type: ignore[attr-defined]
    routes = [t for t in texts(charts.cost_per_task_breakdown(plan.unit_models[0], results.unit_models[0]))
              if t.startswith("LLM:")]
    assert len(routes) == len(plan.unit_models[0].routes)


def test_margin_curve_crosses_zero_at_break_even(plan: Plan, results: PlanResults) -> None:
    for unit, result in zip(plan.unit_models, results.unit_models, strict=True):
        fig = charts.margin_vs_volume(unit, result, "USD")
        (curve,) = by_gid(fig, "margin-curve")
        volumes = np.asarray(curve.get_xdata())  # type: ignore[attr-defined]
        margins = np.asarray(curve.get_ydata())  # type: ignore[attr-defined]
        k = int(np.flatnonzero(np.diff(np.sign(margins)) != 0)[0])
        # Interpolate in log volume, as the axis is drawn.
        t = -margins[k] / (margins[k + 1] - margins[k])
        crossing = math.exp(math.log(volumes[k]) + t * (math.log(volumes[k + 1]) - math.log(volumes[k])))
        break_even = result.costs["break_even_tasks_month"]
        assert break_even is not None
        assert crossing == pytest.approx(break_even, rel=0.01)
        assert volumes.min() <= result.volume_tasks_month / 10 * 1.001
        assert volumes.max() >= result.volume_tasks_month * 10 * 0.999
        (planned,) = by_gid(fig, "planned")
        assert planned.get_ydata()[0] == pytest.approx(result.costs["gross_margin"])  # type: ignore[attr-defined]


def test_every_text_is_shown_as_typed(plan: Plan, results: PlanResults) -> None:
    # Two dollar signs in one text would otherwise read as mathtext: "$1.7M of $3.1M" in italics.
    named = dataclasses.replace(plan.opportunities[0], name="Save $2M of $5M spend")
    plan = dataclasses.replace(plan, opportunities=(named, *plan.opportunities[1:]))
    first = dataclasses.replace(results.opportunities[0], name=named.name)
    results = dataclasses.replace(results, opportunities=(first, *results.opportunities[1:]))
    for fig in (charts.bubble_value_vs_cost(plan, results), charts.tornado(first, plan, "USD")):
        fig.draw_without_rendering()
        shown = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
        assert any(t.get_text().count("$") >= 2 for t in shown)
        for text in shown:
            assert not (text.get_parse_math() and is_math_text(text.get_text())), text.get_text()  # type: ignore[attr-defined]


# --- rendering for exports --------------------------------------------------------------------


def test_png_and_svg_render_at_the_asked_dpi_and_leave_the_canvas(results: PlanResults) -> None:
    fig = charts.npv_distribution(results.portfolio.npv_samples, results.portfolio.mc, "USD", "Portfolio",
                                  figsize=(4.0, 2.5))
    canvas = fig.canvas
    png = charts.figure_png(fig, dpi=150)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (600, 375)
    svg = charts.figure_svg(fig)
    assert b"<svg" in svg
    assert fig.canvas is canvas and fig.dpi == charts.DPI


# --- odd input: a figure that says what is missing, never an error ------------------------------


def _unit(**fields: float) -> UnitModel:
    return UnitModel(id="u", name="Bare", **{k: Estimate(v) for k, v in fields.items()})


def _unit_result(volume: float, **costs: float | None) -> UnitModelResult:
    names = ("llm_cost_per_task", "retrieval_cost_per_task", "variable_cost_per_task",
             "loaded_cost_per_task", "gross_margin", "break_even_tasks_month")
    return UnitModelResult(id="u", name="Bare", volume_tasks_month=volume,
                           costs={name: costs.get(name) for name in names})


def _decision(options: int, criteria: int) -> tuple[Decision, DecisionResult]:
    crits = tuple(Criterion(id=f"c{j}", name=f"Criterion {j}") for j in range(criteria))
    opts = tuple(Option(id=f"o{i}", name=f"Option {i}", upfront_cost=Estimate(1000.0 * i),
                        scores={c.id: Estimate(3.0) for c in crits}) for i in range(options))
    result = DecisionResult(
        decision_id="d", annual_volume=0.0, tco={o.id: 1000.0 * i for i, o in enumerate(opts)},
        normalised={o.id: {c.id: float("nan") if i == 0 else 0.5 for c in crits} for i, o in enumerate(opts)},
        scores={o.id: 50.0 for o in opts}, winner=opts[0].id if opts else "", flips=(), robust=True)
    return Decision(id="d", name="Bare decision", criteria=crits, options=opts), result


def degenerate_cases(plan: Plan, results: PlanResults) -> dict[str, Callable[[], Figure]]:
    empty_plan = Plan(Settings())
    empty_results = calculate(empty_plan, samples=1000)
    first = results.opportunities[0]
    no_mc = calculate(plan, monte_carlo=False, with_tornado=False)
    flat = dataclasses.replace(first, monthly={}, tornado=(), payback_month=None)
    negative = dataclasses.replace(first, monthly={k: -np.abs(v) for k, v in first.monthly.items()},
                                   payback_month=None)
    copilot = plan.unit_models[0]
    return {
        "bubble, no opportunities": lambda: charts.bubble_value_vs_cost(empty_plan, empty_results),
        "bubble, no Monte Carlo, one opportunity": lambda: charts.bubble_value_vs_cost(
            dataclasses.replace(plan, opportunities=plan.opportunities[:1]),
            dataclasses.replace(no_mc, opportunities=no_mc.opportunities[:1])),
        "bubble, everything zero": lambda: charts.bubble_value_vs_cost(plan, dataclasses.replace(
            results, opportunities=tuple(dataclasses.replace(r, pv_cost=0.0, enpv=float("nan"), effective={})
                                         for r in results.opportunities))),
        "histogram, no samples": lambda: charts.npv_distribution(None, None, "USD", "Nothing"),
        "histogram, empty samples": lambda: charts.npv_distribution(np.array([]), None, "EUR", "Empty"),
        "histogram, NaN samples": lambda: charts.npv_distribution(np.full(50, np.nan), None, "USD", "NaN"),
        "histogram, one value": lambda: charts.npv_distribution(np.full(100, 5e5), None, "USD", "Flat"),
        "histogram, one sample": lambda: charts.npv_distribution([-3.0], None, "GBP", "One"),
        "histogram, beyond any axis": lambda: charts.npv_distribution([1e308, -1e308], None, "USD", "Huge"),
        "histogram, empty portfolio": lambda: charts.npv_distribution(
            empty_results.portfolio.npv_samples, empty_results.portfolio.mc, "USD", "Portfolio"),
        "cash flow, no months": lambda: charts.monthly_cash_flow(flat, "USD", 3),
        "cash flow, zero horizon": lambda: charts.monthly_cash_flow(first, "USD", 0),
        "cash flow, never pays back": lambda: charts.monthly_cash_flow(negative, "USD", None),
        "tornado, no ranged inputs": lambda: charts.tornado(flat, plan, "USD"),
        "tornado, not computed": lambda: charts.tornado(no_mc.opportunities[0], plan),
        "radar, no options": lambda: charts.radar(_decision(0, 3)[0], _decision(0, 3)[1]),
        "radar, no criteria": lambda: charts.radar(*_decision(2, 0)),
        "radar, no result": lambda: charts.radar(plan.decisions[0], None),
        "radar, one criterion and NaN": lambda: charts.radar(*_decision(2, 1)),
        "tco, no options": lambda: charts.cumulative_tco(*_decision(0, 2), 3),
        "tco, zero horizon, no volume": lambda: charts.cumulative_tco(*_decision(3, 2), 0, float("nan")),
        "tco, no result": lambda: charts.cumulative_tco(plan.decisions[0], None, 3),
        "cost, nothing entered": lambda: charts.cost_per_task_breakdown(_unit(), _unit_result(0.0)),
        "cost, no volume": lambda: charts.cost_per_task_breakdown(
            _unit(fixed_monthly=500.0, tool_cost_per_task=0.01), _unit_result(0.0, llm_cost_per_task=0.0)),
        "cost, no routes": lambda: charts.cost_per_task_breakdown(
            dataclasses.replace(copilot, routes=()), results.unit_models[0]),
        "margin, no revenue": lambda: charts.margin_vs_volume(_unit(), _unit_result(1000.0), "USD"),
        "margin, never breaks even": lambda: charts.margin_vs_volume(
            _unit(revenue_per_task=0.05, fixed_monthly=100.0),
            _unit_result(1000.0, variable_cost_per_task=0.08)),
        "margin, no fixed cost, no volume": lambda: charts.margin_vs_volume(
            _unit(revenue_per_task=0.05), _unit_result(0.0, variable_cost_per_task=0.01)),
        "margin, NaN variable cost": lambda: charts.margin_vs_volume(
            _unit(revenue_per_task=0.05), _unit_result(10.0, variable_cost_per_task=float("nan"))),
    }


def test_odd_input_builds_and_renders(plan: Plan, results: PlanResults) -> None:
    failures = []
    for name, build in degenerate_cases(plan, results).items():
        try:
            fig = build()
            assert isinstance(fig, Figure)
            assert charts.figure_png(fig, dpi=40).startswith(b"\x89PNG")
        except Exception as error:  # noqa: BLE001 - collect them all, report each by name
            failures.append(f"{name}: {error!r}")
    assert not failures, "\n".join(failures)


def test_a_chart_with_nothing_to_show_says_why(plan: Plan, results: PlanResults) -> None:
    flat = dataclasses.replace(results.opportunities[0], tornado=())
    fig = charts.tornado(flat, plan, "USD")
    (message,) = by_gid(fig, "message")
    assert message.get_text().startswith("No ranged inputs")  # type: ignore[attr-defined]
    empty = charts.bubble_value_vs_cost(Plan(Settings()), calculate(Plan(Settings()), samples=1000))
    assert by_gid(empty, "message") and not empty.axes


def test_a_short_pane_keeps_one_line_of_subtitle_and_every_label_near_its_bubble(
        results: PlanResults) -> None:
    def subtitle(fig: Figure) -> str:
        return next(t.get_text() for t in fig.texts if t.get_gid() == "subtitle")

    tall = charts.bubble_value_vs_cost(results.plan, results, figsize=(8.0, 5.2))
    short = charts.bubble_value_vs_cost(results.plan, results, figsize=(5.7, 3.8))
    assert "\n" in subtitle(tall) and not subtitle(tall).endswith("…")
    assert "\n" not in subtitle(short) and subtitle(short).endswith("…")
    # No label hides the centre of another opportunity's bubble.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(short)
    canvas.draw()
    ax = short.axes[0]
    renderer = canvas.get_renderer()
    centres = ax.transData.transform(np.array(ax.collections[0].get_offsets()))
    for label in ax.texts:
        if not label.get_visible():  # a name with no clear spot is left to the table
            continue
        box = Text.get_window_extent(label, renderer)  # the name, not its leader line
        own = ax.transData.transform(label.xy)  # type: ignore[attr-defined]
        for centre in centres:
            if np.allclose(centre, own):
                continue
            assert not box.contains(*centre), label.get_text()


def test_a_histogram_drawn_from_a_subsample_still_names_every_simulation(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from models import engine
    from tests.benchmarks.plans import scaled_sample

    data = scaled_sample(24)
    data["project"]["mc_samples"] = 5_000
    # A large plan keeps every k-th sample for its histograms (memory); the figures use all.
    monkeypatch.setattr(engine, "MC_KEPT_BYTES", 24 * 5_000 * 8 // 3)
    result = engine.calculate(plan_from_json(data)).opportunities[0]
    assert result.npv_samples is not None and result.npv_samples.size < 5_000
    fig = charts.npv_distribution(result.npv_samples, result.mc, "USD", title=result.name)
    assert any(t.endswith("; 5,000 simulations.") for t in texts(fig))


def test_radar_says_a_tie_as_a_tie() -> None:
    from models.decision import evaluate_decision
    from models.plan import Settings
    from tests.models.test_decision_ties import tied_decision

    decision = tied_decision()
    result = evaluate_decision(decision, Plan(Settings(), (), (decision,)))
    fig = charts.radar(decision, result)
    assert title(fig) == "Build and Partner tie at 75.0 of 100"
    assert {"Build: 75/100 (tied best)", "Partner: 75/100 (tied best)"} <= set(texts(fig))
