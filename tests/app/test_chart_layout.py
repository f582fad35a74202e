"""Chart labels stay clear: no text over another text, a marker it does not belong to, or the frame.

Every chart the app and the exports draw is built for the sample plan and for a 60-opportunity
plan, drawn, and its text boxes measured with the renderer. What counts as a collision:

- two visible, non-empty texts (labels, tick labels, axis labels, titles, legend entries) whose
  boxes share more than a pixel each way. The one pair left out is a figure's title and its
  subtitle: the title carries blank lines that reserve the subtitle's room, so its box holds it;
- a label (a text drawn in a plot) crossed by a reference line (zero, P10 / P50 / P90, payback,
  break-even, ceiling, revenue, base NPV) or covering a marked point (a bubble, a payback or
  break-even dot, a line's markers), unless the label is attached to it: its anchor lies on that
  line or inside that point. Bars, curves and filled areas are data, not markers: labels sit on a
  white box where they cross them;
- a label's leader (the thin line to what it names, drawn when the label had to move away)
  running through another text;
- a text reaching outside the figure, where it is cut off.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from matplotlib.backend_bases import RendererBase
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox

from app import charts
from app.estimate_chart import estimate_density
from models.engine import PlanResults, calculate
from models.estimate import Estimate
from models.plan import Plan, plan_from_json
from tests.benchmarks.plans import scaled_sample

#: Shared area, in pixels each way, below which two boxes only touch.
TOUCH = 1.0


#: Figure sizes in inches: as the exports and the builders' defaults draw them, and as the app's
#: panes do in a 1440 x 900 window (the opportunity charts share a column beside the form).
EXPORT = {"bubble": (8.0, 5.2), "portfolio npv": (7.5, 4.4), "cash flow": (8.0, 4.4), "tornado": 7.5,
          "npv": (7.5, 4.4), "radar": (7.5, 5.6), "tco": (7.5, 4.4), "cost per task": None,
          "margin": (7.5, 4.4)}
PANE = {"bubble": (6.0, 4.2), "portfolio npv": (6.0, 4.2), "cash flow": (4.1, 3.3), "tornado": 4.1,
        "npv": (4.1, 3.0), "radar": (6.0, 4.0), "tco": (6.0, 4.0), "cost per task": (6.8, 4.2),
        "margin": (6.8, 4.2)}


def chart_figures(plan: Plan, results: PlanResults,
                  sizes: dict[str, Any]) -> Iterator[tuple[str, Figure]]:
    """Every chart the app and the exports build for ``plan``, at ``sizes``."""
    cur = plan.settings.currency
    p = results.portfolio
    yield "bubble", charts.bubble_value_vs_cost(plan, results, figsize=sizes["bubble"])
    yield "portfolio npv", charts.npv_distribution(p.npv_samples, p.mc, cur, "Portfolio NPV",
                                                   figsize=sizes["portfolio npv"])
    for r in results.opportunities:
        yield f"cash flow {r.id}", charts.monthly_cash_flow(r, cur, plan.settings.horizon_years,
                                                            figsize=sizes["cash flow"])
        bars = min(len(r.tornado), 12)  # the tornado grows with its bars, as in the app
        yield f"tornado {r.id}", charts.tornado(r, plan, cur,
                                                figsize=(sizes["tornado"], max(3.0, 2.1 + 0.42 * bars)))
        yield f"npv {r.id}", charts.npv_distribution(r.npv_samples, r.mc, cur, charts.short_name(r.name, 40),
                                                     launch_failure=-r.pv_build, figsize=sizes["npv"])
    for d, dr in zip(plan.decisions, results.decisions, strict=True):
        yield f"radar {d.id}", charts.radar(d, dr, figsize=sizes["radar"])
        yield f"tco {d.id}", charts.cumulative_tco(d, dr, plan.settings.horizon_years, dr.annual_volume, cur,
                                                   figsize=sizes["tco"])
    for u, ur in zip(plan.unit_models, results.unit_models, strict=True):
        yield f"cost per task {u.id}", charts.cost_per_task_breakdown(u, ur, cur,
                                                                      figsize=sizes["cost per task"])
        yield f"margin {u.id}", charts.margin_vs_volume(u, ur, cur, figsize=sizes["margin"])


def renderer_of(fig: Figure) -> RendererBase:
    fig.draw_without_rendering()
    return fig._get_renderer()  # type: ignore[attr-defined]


def shown_texts(fig: Figure) -> list[Text]:
    """The texts a draw puts on the page: visible, not blank, and of ticks only those drawn."""
    hidden: set[int] = set()
    for ax in fig.axes:
        for axis in ax._axis_map.values():  # type: ignore[attr-defined]
            # A twin's shared axis is hidden; of the others, only ticks within the view are drawn.
            drawn = {id(tick) for tick in axis._update_ticks()} if axis.get_visible() else set()
            for tick in [*axis.majorTicks, *axis.minorTicks]:
                if id(tick) not in drawn:
                    hidden.update((id(tick.label1), id(tick.label2)))
    return [t for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in hidden]


def overlap(a: Bbox, b: Bbox) -> tuple[float, float]:
    return (min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0))


def is_label(text: Text) -> bool:
    """A text drawn in a plot (an annotation or a note), not a tick, axis label, title or legend."""
    return any(text in ax.texts for ax in text.figure.axes) if text.figure else False


def anchor(text: Text, renderer: RendererBase) -> np.ndarray | None:
    """Where an annotation points (its ``xy``) in pixels; None for a plain text."""
    if isinstance(text, Annotation):
        return np.asarray(text._get_xy(renderer, text.xy, text.xycoords), dtype=float)  # type: ignore[attr-defined]
    return None


def reference_lines(fig: Figure) -> list[tuple[np.ndarray, np.ndarray]]:
    """Straight horizontal or vertical lines drawn across a plot, as pixel segments."""
    out = []
    for ax in fig.axes:
        for line in ax.lines:
            if not line.get_visible() or line.get_linestyle() in ("None", "", " "):
                continue
            xy = line.get_transform().transform(line.get_xydata())
            # Two points, or pairs of points between gaps (a line broken around labels).
            if len(xy) % 3 != 2 or np.isfinite(xy[2::3]).any():
                continue
            for (x0, y0), (x1, y1) in (xy[k:k + 2] for k in range(0, len(xy), 3)):
                if abs(x0 - x1) < 0.5 or abs(y0 - y1) < 0.5:
                    box = ax.get_window_extent()  # lines are clipped to their plot
                    a = np.clip([min(x0, x1), min(y0, y1)], [box.x0, box.y0], [box.x1, box.y1])
                    b = np.clip([max(x0, x1), max(y0, y1)], [box.x0, box.y0], [box.x1, box.y1])
                    out.append((a, b))
    return out


def marked_points(fig: Figure) -> list[tuple[np.ndarray, float]]:
    """Marked points (line markers and scatter bubbles) as pixel centres and radii."""
    out: list[tuple[np.ndarray, float]] = []
    px = fig.dpi / 72
    for ax in fig.axes:
        for line in ax.lines:
            if line.get_visible() and line.get_marker() not in (None, "None", "", " "):
                radius = line.get_markersize() / 2 * px
                for centre in line.get_transform().transform(line.get_xydata()):
                    out.append((centre, radius))
        for coll in ax.collections:
            if isinstance(coll, PathCollection) and coll.get_visible():
                sizes = coll.get_sizes()
                offsets = coll.get_offset_transform().transform(coll.get_offsets())
                for k, centre in enumerate(offsets):
                    out.append((centre, math.sqrt(sizes[k % len(sizes)]) / 2 * px))
    return out


def collisions(fig: Figure) -> list[str]:
    """Every collision in a drawn figure, each said in words (see the module's docstring)."""
    renderer = renderer_of(fig)
    texts = shown_texts(fig)
    boxes = [Text.get_window_extent(t, renderer) for t in texts]  # the text, not an annotation's leader
    found = []
    frame = fig.bbox
    for i, (a, box) in enumerate(zip(texts, boxes, strict=True)):
        if box.x0 < frame.x0 - TOUCH or box.y0 < frame.y0 - TOUCH or box.x1 > frame.x1 + TOUCH \
                or box.y1 > frame.y1 + TOUCH:
            found.append(f"{a.get_text()!r} reaches outside the figure")
        for b, other in zip(texts[:i], boxes[:i], strict=True):
            if {a.get_gid(), b.get_gid()} == {"title", "subtitle"}:
                continue
            w, h = overlap(box, other)
            if w > TOUCH and h > TOUCH:
                found.append(f"{a.get_text()!r} overlaps {b.get_text()!r}")
    lines = reference_lines(fig)
    points = marked_points(fig)
    for text, box in zip(texts, boxes, strict=True):
        if not is_label(text):
            continue
        inner = box.padded(-TOUCH)
        at = anchor(text, renderer)
        for a, b in lines:
            attached = at is not None and _on_segment(at, a, b)
            crosses = a[0] <= inner.x1 and b[0] >= inner.x0 and a[1] <= inner.y1 and b[1] >= inner.y0
            if crosses and not attached:
                found.append(f"a line at {a.round()}–{b.round()} crosses {text.get_text()!r}")
        if isinstance(text, Annotation) and text.arrow_patch is not None and text.arrow_patch.get_visible():
            # Its leader, from the middle of the label towards the point it names.
            middle = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
            assert at is not None
            along = middle + (at - middle) * np.linspace(0, 1, 200)[:, None]
            along = along[~np.array([box.contains(*p) for p in along])]
            for other, other_box in zip(texts, boxes, strict=True):
                inside = [other_box.padded(-TOUCH).contains(*p) for p in along]
                if other is not text and any(inside):
                    found.append(f"the leader of {text.get_text()!r} crosses {other.get_text()!r}")
        for centre, radius in points:
            attached = at is not None and float(np.hypot(*(at - centre))) <= max(radius, 2.0)
            nearest = np.clip(centre, [inner.x0, inner.y0], [inner.x1, inner.y1])
            if not attached and float(np.hypot(*(nearest - centre))) < radius:
                found.append(f"{text.get_text()!r} covers a point at {centre.round()}")
    return found


def _on_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] - 2 <= p[0] <= b[0] + 2 and a[1] - 2 <= p[1] <= b[1] + 2)


def results_for(data: dict[str, Any]) -> tuple[Plan, PlanResults]:
    plan = plan_from_json(data)
    plan = dataclasses.replace(plan, settings=dataclasses.replace(plan.settings, mc_samples=2000))
    return plan, calculate(plan)


@pytest.fixture(scope="module")
def sample_plan(sample_json: dict[str, Any]) -> tuple[Plan, PlanResults]:
    return results_for(sample_json)


@pytest.mark.parametrize("sizes", [EXPORT, PANE], ids=["export size", "pane size"])
def test_no_label_of_the_sample_runs_into_another_text_a_marker_or_the_frame(
        sample_plan: tuple[Plan, PlanResults], sizes: dict[str, Any]) -> None:
    found = [f"{name}: {problem}" for name, fig in chart_figures(*sample_plan, sizes)
             for problem in collisions(fig)]
    assert found == []


def test_labels_stay_clear_at_the_exports_resolution(sample_plan: tuple[Plan, PlanResults]) -> None:
    # The memo and deck draw each figure again at 200 dpi: the layout is redone for that draw.
    found = []
    for name, fig in chart_figures(*sample_plan, EXPORT):
        fig.set_dpi(200)
        found += [f"{name}: {problem}" for problem in collisions(fig)]
    assert found == []


@pytest.fixture(scope="module")
def large_plan() -> tuple[Plan, PlanResults]:
    return results_for(scaled_sample(60))


@pytest.mark.parametrize("sizes", [EXPORT, PANE], ids=["export size", "pane size"])
def test_no_label_of_a_60_opportunity_plan_runs_into_another(
        large_plan: tuple[Plan, PlanResults], sizes: dict[str, Any]) -> None:
    found = [f"{name}: {problem}" for name, fig in chart_figures(*large_plan, sizes)
             for problem in collisions(fig)]
    assert found == []


def test_the_check_sees_a_label_on_another_and_a_line_through_a_label() -> None:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.axvline(0.5)
    ax.annotate("First label", xy=(0.4, 0.5))
    ax.annotate("Second label", xy=(0.42, 0.5))
    found = collisions(fig)
    assert any("'Second label' overlaps 'First label'" in f for f in found)
    assert any("crosses 'First label'" in f for f in found)


def test_where_no_spot_is_clear_the_zero_line_breaks_around_a_percentile_label(
        sample_plan: tuple[Plan, PlanResults]) -> None:
    plan, results = sample_plan
    first = results.opportunities[0]  # in a pane, its P10 label has no room between its line and zero
    fig = charts.npv_distribution(first.npv_samples, first.mc, "USD", first.name,
                                  launch_failure=-first.pv_build, figsize=PANE["npv"])
    assert collisions(fig) == []
    (zero,) = [line for line in fig.axes[0].lines if line.get_gid() is None]
    heights = np.asarray(zero.get_ydata(), dtype=float)  # type: ignore[attr-defined]
    assert np.isnan(heights).any()  # a gap where the label stands
    assert [t for t in shown_texts(fig) if t.get_text().startswith("P10")]


@pytest.mark.parametrize("estimate", [Estimate.plain(1200.0), Estimate(0.3, 0.2, 0.45, "triangular")],
                         ids=["plain number", "range"])
def test_the_estimate_preview_keeps_its_note_clear_of_the_value_line(estimate: Estimate) -> None:
    assert collisions(estimate_density(estimate, "number")) == []
