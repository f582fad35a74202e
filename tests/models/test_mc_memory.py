"""The Monte Carlo in bounded memory: batches and chunks give the numbers of one pass."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from models import engine
from models.estimate import DISTRIBUTIONS, Estimate
from models.plan import plan_from_json
from models.uncertainty import sample

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("dist", [d for d in DISTRIBUTIONS if d != "fixed"])
def test_drawing_in_parts_from_one_stream_gives_the_same_numbers(dist: str) -> None:
    """What chunking rests on: numpy fills an array sample by sample from the stream."""
    est = Estimate(2.0, 1.0, 5.0, dist)
    whole = sample(est, np.random.default_rng([7, 11]), 100_003)
    rng = np.random.default_rng([7, 11])
    parts = np.concatenate([sample(est, rng, k) for k in (1, 4_999, 50_000, 45_003)])
    assert np.array_equal(whole, parts)


def _results(samples: int) -> tuple[str, list[bytes]]:
    from tests.benchmarks.plans import scaled_sample

    data = scaled_sample(24)
    data["project"].update(mc_samples=samples, budget=1_500_000)
    results = engine.calculate(plan_from_json(data))
    kept = [o.npv_samples.tobytes() for o in results.opportunities]  # type: ignore[union-attr]
    kept.append(results.portfolio.npv_samples.tobytes())  # type: ignore[union-attr]
    return json.dumps(engine.results_json(results), sort_keys=True), kept


def test_batches_and_chunks_change_no_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """One opportunity per batch, odd chunks of unit-model samples, nothing cached: every result,
    every kept sample, bit for bit the same as in one pass."""
    whole = _results(5_000)
    monkeypatch.setattr(engine, "MC_BATCH_BYTES", 1)
    monkeypatch.setattr(engine, "MC_UNIT_CHUNK", 777)
    monkeypatch.setattr(engine, "MC_UNIT_CACHE_BYTES", 1)
    assert _results(5_000) == whole


def test_beyond_the_kept_budget_histograms_keep_a_stride_and_summaries_use_every_sample(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text, kept = _results(5_000)
    monkeypatch.setattr(engine, "MC_KEPT_BYTES", 24 * 5_000 * 8 // 3)  # a third of what it needs
    text_small, kept_small = _results(5_000)
    assert text_small == text  # every summary and total as before
    for all_samples, strided in zip(kept[:-1], kept_small[:-1], strict=True):
        assert strided == np.frombuffer(all_samples)[::3].tobytes()
    assert kept_small[-1] == kept[-1]  # the portfolio keeps all its samples


_PEAK = textwrap.dedent("""
    import resource, sys
    from models import engine
    from models.plan import plan_from_json
    from tests.benchmarks.plans import scaled_sample
    opportunities, samples = int(sys.argv[1]), int(sys.argv[2])
    data = scaled_sample(opportunities)
    data["project"]["mc_samples"] = samples
    plan = plan_from_json(data)
    engine.calculate(plan, monte_carlo=False)  # imports and the deterministic part: the baseline
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    engine.calculate(plan, with_tornado=False)
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
""")


def _peak_growth_mb(opportunities: int, samples: int, timeout: float) -> int:
    result = subprocess.run([sys.executable, "-c", _PEAK, str(opportunities), str(samples)],
                            capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip())


def test_memory_does_not_grow_with_opportunities_times_samples() -> None:
    """120 opportunities x 50,000 samples held every array at once (about 900 MB more than the
    baseline); in batches the run needs a fraction of that."""
    assert _peak_growth_mb(120, 50_000, timeout=600) < 250


@pytest.mark.slow
def test_the_largest_monte_carlo_stays_under_1_gb() -> None:
    """2,000 opportunities x 1,000,000 samples: it died past 5-7 GB; it takes minutes."""
    assert _peak_growth_mb(2_000, 1_000_000, timeout=7_200) < 1024 - 200
