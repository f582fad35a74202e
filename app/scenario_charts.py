"""The scenarios side by side as a chart: each plan's total eNPV with its P10–P90 (a matplotlib Figure)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from matplotlib.figure import Figure

# The house style of every chart of the app: one look in the window and in the exports.
from app.charts import (
    DPI,
    FONT,
    GREY,
    INK,
    MUTED,
    NAVY,
    TEXT_SIZE,
    _figure,
    _finish,
    _header,
    _label,
    _money,
    _money_axis,
    _style,
    _tick,
    message_figure,
    short_name,
)
from models.engine import PlanResults
from models.scenarios import BASE_NAME

#: The hue the window gives a scenario's numbers (the base keeps the app's navy).
SCENARIO = "#5B3FA8"


def scenario_comparison(results: Mapping[str, PlanResults], currency: str, *,
                        monte_carlo: Mapping[str, PlanResults] | None = None,
                        figsize: tuple[float, float] = (7.0, 3.6), dpi: float = DPI) -> Figure:
    """A horizontal bar of total eNPV per plan (the base first, at the top) with the whole plan's
    NPV P10–P90 as a whisker where Monte Carlo results are given."""
    if not results:
        return message_figure("No plan to compare yet.", figsize=figsize, dpi=dpi)
    names = list(results)
    fig = _figure(figsize, dpi)
    ax = fig.add_subplot()
    _style(ax, grid="x")
    ys = list(range(len(names)))[::-1]  # the base at the top, as in the table
    values = [results[n].portfolio.total_enpv for n in names]
    colours = [NAVY if n == BASE_NAME else SCENARIO for n in names]
    ax.barh(ys, values, height=0.5, color=colours, alpha=0.85, zorder=2)
    whiskers = False
    for y, name in zip(ys, names, strict=True):
        summary = monte_carlo[name].portfolio.mc if monte_carlo and name in monte_carlo else None
        if summary is not None and math.isfinite(summary.p10) and math.isfinite(summary.p90):
            whiskers = True
            ax.plot([summary.p10, summary.p90], [y, y], color=INK, linewidth=1.4, zorder=3)
            for end in (summary.p10, summary.p90):
                ax.plot([end, end], [y - 0.14, y + 0.14], color=INK, linewidth=1.4, zorder=3)
    for y, value in zip(ys, values, strict=True):
        ax.annotate(_money(value, currency), (value, y), xytext=(4 if value >= 0 else -4, 9),
                    textcoords="offset points", ha="left" if value >= 0 else "right", va="center",
                    fontsize=TEXT_SIZE, color=INK, fontfamily=FONT)
    ax.axvline(0, color=GREY, linewidth=0.8, zorder=1)
    ax.set_yticks(ys, [_tick(short_name(n)) for n in names], fontsize=TEXT_SIZE, color=MUTED,
                  fontfamily=FONT)
    _money_axis(ax.xaxis, currency)
    _label(ax, x="eNPV (bar), NPV P10–P90 (line)" if whiskers else "Total eNPV")
    best = max(names, key=lambda n: results[n].portfolio.total_enpv)
    worst = min(names, key=lambda n: results[n].portfolio.total_enpv)
    spread = results[best].portfolio.total_enpv - results[worst].portfolio.total_enpv
    title = (f"eNPV ranges {_money(spread, currency)} across {len(names)} plans"
             if len(names) > 1 else "Total eNPV of the base plan")
    subtitle = (f"From {short_name(worst)} to {short_name(best)}"
                + ("" if whiskers else "; P10–P90 whiskers follow when Monte Carlo finishes"))
    _header(fig, title, subtitle)
    return _finish(fig)
