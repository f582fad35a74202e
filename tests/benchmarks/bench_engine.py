"""Engine benchmarks against docs/architecture.md 7, each beside raw numpy doing the same arithmetic.

Run: uv run python -m tests.benchmarks.bench_engine
"""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np

from app.document import ProjectDocument
from app.project_state import ProjectState
from models import engine, finance
from models.plan import Plan, plan_from_json
from tests.benchmarks.plans import scaled_sample


def best_of(fn: Callable[[], object], repeat: int = 7, setup: Callable[[], object] | None = None) -> float:
    """The median time of ``fn`` (the best of fewer than 3); ``setup`` runs untimed before each."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) if repeat < 3 else statistics.median(times)


def cold(data: dict[str, object]) -> tuple[Callable[[], object], Callable[[], object]]:
    """A calculation of a plan never calculated before: read afresh from ``data`` (untimed), with
    no IRR kept from an earlier run and no checks kept on its objects."""
    plans: list[Plan] = []

    def setup() -> None:
        finance._SOLVED.clear()
        plans[:] = [plan_from_json(data)]
        gc.collect()  # the garbage of reading the plan is not the calculation's to collect

    return (lambda: engine.calculate(plans[0], monte_carlo=False, with_tornado=False)), setup


def raw_numpy(n_opps: int, samples: int, months: int, seed: int = 1) -> Callable[[], object]:
    """The anchor: the same cash-flow arithmetic written directly as (samples x months) arrays."""
    rng = np.random.default_rng(seed)
    m = np.arange(1, months + 1)
    df = 1.1 ** (-m / 12)

    def run() -> object:
        total = np.zeros(samples)
        for _ in range(n_opps):
            users = rng.triangular(300, 400, 600, samples)
            adoption = 0.3 + rng.beta(2, 3, samples) * 0.4
            tpm = rng.lognormal(4.5, 0.3, samples)
            value = rng.triangular(2, 3, 5, samples) * rng.uniform(0.4, 0.8, samples)
            launch = np.full(samples, 4)
            ramp = np.full(samples, 3)
            k = m[None, :] - launch[:, None]
            profile = np.where(k >= 1, np.clip(k / ramp[:, None], 0, 1), 0.0)
            tasks = (users * adoption * tpm)[:, None] * profile
            build = np.where(m[None, :] <= launch[:, None], 2e5 / launch[:, None], 0.0)
            cost = build + (k >= 1) * 5e4 / 12 + tasks * 0.05
            npv = (tasks * value[:, None] - cost) @ df
            success = rng.random(samples) < 0.7
            total += np.where(success, npv, -(build @ df))
        return total

    return run


def main() -> None:
    plan_50 = plan_from_json(scaled_sample(50))
    rows = []

    def row(what: str, ours: float, anchor: float, budget: str) -> None:
        rows.append((what, ours * 1000, anchor * 1000, ours / anchor, budget))

    run, setup = cold(scaled_sample(50))
    det_50 = best_of(run, setup=setup)
    row("deterministic, 50 opportunities", det_50, best_of(raw_numpy(50, 1, 36)), "<= 50 ms")
    run, setup = cold(scaled_sample(2000))
    det_2000 = best_of(run, setup=setup)
    row("deterministic, 2,000 opportunities", det_2000, best_of(raw_numpy(2000, 1, 36), 7), "<= 100 ms")
    # What the window runs after each edit: the plan read from the project's JSON, checked and
    # calculated (ProjectState.calculate, as the controller calls it); the opportunities an edit
    # did not touch keep their checks and IRRs.
    os.environ.setdefault("AIPLAN_DATA_DIR", tempfile.mkdtemp())
    with ProjectDocument.from_data(scaled_sample(500)) as document:
        state = ProjectState(document)
        path_500 = best_of(lambda: state.calculate(monte_carlo=False, with_tornado=False), 15)
    row("ProjectState.calculate path, 500 opportunities", path_500, best_of(raw_numpy(500, 1, 36), 15),
        "<= 15 ms")
    mc = best_of(lambda: engine.calculate(plan_50, with_tornado=False), 5)
    row("Monte Carlo 50 x 10,000 x 36 (incl. deterministic)", mc, best_of(raw_numpy(50, 10_000, 36), 5),
        "<= 250 ms")
    with_tornado = best_of(lambda: engine.calculate(plan_50, monte_carlo=False), 5)
    row("tornado, 50 opportunities (incl. deterministic)", with_tornado,
        best_of(raw_numpy(50 * 40, 1, 36), 5), "—")  # about 20 ranged inputs x low, high

    print(f"{'what':<52} {'ours ms':>9} {'numpy ms':>9} {'ratio':>6}  budget")
    for what, ours, anchor, ratio, budget in rows:
        print(f"{what:<52} {ours:9.1f} {anchor:9.1f} {ratio:6.1f}  {budget}")


if __name__ == "__main__":
    main()
