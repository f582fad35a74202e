"""Correlated inputs: Iman–Conover on 20 inputs x 10,000 samples, beside drawing those inputs.

Run: uv run python -m tests.benchmarks.bench_correlation
"""

from __future__ import annotations

import numpy as np

from models.correlation import Correlation, Key, iman_conover, normal_scores
from tests.benchmarks.bench_engine import best_of

INPUTS, SAMPLES, SEED = 20, 10_000, 1


def draw_inputs() -> list[np.ndarray]:
    """The anchor: numpy draws of 20 inputs of the shapes a plan holds, importing nothing of ours."""
    rng = np.random.default_rng(SEED)
    makers = [lambda: rng.triangular(300, 400, 600, SAMPLES),
              lambda: 0.3 + rng.beta(2, 3, SAMPLES) * 0.4,  # a PERT range
              lambda: rng.lognormal(4.5, 0.3, SAMPLES),
              lambda: rng.uniform(0.4, 0.8, SAMPLES)]
    return [makers[i % len(makers)]() for i in range(INPUTS)]


def main() -> None:
    keys: list[Key] = [("opportunity", f"o{i:02d}", "adoption_target") for i in range(INPUTS)]
    samples = dict(zip(keys, draw_inputs(), strict=True))
    # Every input in some pair: a chain of neighbours plus a few longer links, one group.
    pairs = [Correlation(keys[i], keys[i + 1], 0.5 if i % 2 else -0.3) for i in range(INPUTS - 1)]
    pairs += [Correlation(keys[0], keys[10], 0.4), Correlation(keys[5], keys[15], 0.6),
              Correlation(keys[3], keys[17], -0.2)]

    anchor = best_of(draw_inputs, 15)
    warm = best_of(lambda: iman_conover(samples, pairs, SEED), 15)

    def cold() -> object:
        normal_scores.cache_clear()  # the first run in a process also computes the scores
        return iman_conover(samples, pairs, SEED)

    first = best_of(cold, 15)
    print(f"{'what':<58} {'ours ms':>9} {'draws ms':>9} {'ratio':>6}")
    for what, ours in ((f"Iman–Conover, {INPUTS} inputs x {SAMPLES:,} samples", warm),
                       ("  the same, first run in a process (scores computed)", first)):
        print(f"{what:<58} {ours * 1000:9.1f} {anchor * 1000:9.1f} {ours / anchor:6.2f}")


if __name__ == "__main__":
    main()
