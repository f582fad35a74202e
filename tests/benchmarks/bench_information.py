"""Value of information: EVPPI of 50 opportunities x 10,000 samples x 12 inputs, beside sorting them;
then what it adds to the engine's Monte Carlo of a 50-opportunity plan (every ranged input and
launch success ranked for each opportunity and the plan), beside the same run without it.

Run: uv run python -m tests.benchmarks.bench_information
"""

from __future__ import annotations

import numpy as np

from models.information import evpi, evppi_many, plan_evpi, plan_evppi
from tests.benchmarks.bench_engine import best_of

OPPORTUNITIES, SAMPLES, INPUTS, SEED = 50, 10_000, 12, 1


def samples() -> list[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Per opportunity its NPV samples and its inputs' samples, of the shapes a plan holds:
    continuous ranges, a whole-month launch date and launch success (0/1)."""
    rng = np.random.default_rng(SEED)
    out = []
    for _ in range(OPPORTUNITIES):
        inputs = {f"x{j}": rng.triangular(0.0, 0.4, 1.0, SAMPLES) for j in range(INPUTS - 2)}
        inputs["launch_month"] = rng.integers(3, 16, SAMPLES).astype(float)
        inputs["launch_success"] = rng.random(SAMPLES) < 0.75
        weights = rng.normal(0.0, 100.0, INPUTS - 2)
        success_npv = sum(w * inputs[f"x{j}"] for j, w in enumerate(weights)) - 8.0 * inputs["launch_month"]
        npv = np.where(inputs["launch_success"], success_npv, -50.0)
        out.append((npv, inputs))
    return out


def main() -> None:
    data = samples()
    arrays = [x for _, inputs in data for x in inputs.values()]

    def anchor() -> object:  # one numpy argsort of each input, nothing of ours
        return [np.argsort(x) for x in arrays]

    def ours() -> object:
        return [(evpi(npv), evppi_many(npv, inputs)) for npv, inputs in data]

    shared = data[0][1]["x0"]  # one input behind every opportunity, for the plan

    def plan() -> object:
        return plan_evpi([npv for npv, _ in data]), plan_evppi([npv for npv, _ in data], shared)

    base = best_of(anchor, 7)
    print(f"{'what':<62} {'ours ms':>9} {'sorts ms':>9} {'ratio':>6}")
    what = f"EVPI + EVPPI, {OPPORTUNITIES} opportunities x {SAMPLES:,} samples x {INPUTS} inputs"
    for label, fn in ((what, ours), ("  the plan's EVPI and one shared input's EVPPI", plan)):
        t = best_of(fn, 7)
        print(f"{label:<62} {t * 1000:9.1f} {base * 1000:9.1f} {t / base:6.2f}")
    engine_rows()
    print("budget: <= 1,000 ms beyond the Monte Carlo")


def engine_rows() -> None:
    from models.engine import calculate
    from models.plan import plan_from_json
    from tests.benchmarks.plans import scaled_sample

    plan = plan_from_json(scaled_sample(OPPORTUNITIES))

    def bare() -> object:
        return calculate(plan, with_tornado=False, with_information=False)

    def full() -> object:
        return calculate(plan, with_tornado=False)

    without, with_ = best_of(bare, 3), best_of(full, 3)
    print(f"{'in the engine, ' + str(OPPORTUNITIES) + ' opportunities x 10,000 samples':<62} "
          f"{'with ms':>9} {'without':>9} {'added ms':>9}")
    print(f"{'  Monte Carlo with value of information':<62} {with_ * 1000:9.1f} {without * 1000:9.1f} "
          f"{(with_ - without) * 1000:9.1f}")


if __name__ == "__main__":
    main()
