"""The small density preview of one estimate, shown while the PM edits it."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from models.estimate import Estimate
from models.uncertainty import sample


def estimate_density(est: Estimate, kind: str = "number", samples: int = 20_000) -> Figure:
    """A histogram of the estimate's distribution with its base, low and high marked."""
    fig = Figure(figsize=(3.6, 1.4), dpi=100)
    ax = fig.add_subplot()
    scale = 100.0 if kind == "percent" else 1.0
    if est.is_range:
        values = sample(est, np.random.default_rng(0), samples) * scale
        ax.hist(values, bins=60, color="#2a7f8f", alpha=0.85)
        for x, style in ((est.low, ":"), (est.base, "-"), (est.high, ":")):
            if x is not None:
                ax.axvline(x * scale, color="#1f2d4e", linestyle=style, linewidth=1)
    else:
        # The note stands above the value's line, which stops short of it.
        ax.axvline(est.base * scale, color="#1f2d4e", linewidth=2, ymax=0.5)
        ax.text(0.5, 0.6, "plain number: no uncertainty", transform=ax.transAxes,
                ha="center", va="bottom", fontsize=8, color="#555555")
    ax.set_yticks([])
    ax.tick_params(labelsize=7)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    fig.set_layout_engine("constrained")
    return fig
