"""Scenarios with Monte Carlo beside one Monte Carlo run of the same plan's base.

The anchor is our own single run (calculate with Monte Carlo and tornado), since the budget is
"3 scenarios with Monte Carlo <= 3x one Monte Carlo run". Scenarios are calculated with the base
first, so "base + 3 scenarios" is four runs.

Run: uv run python -m tests.benchmarks.bench_scenarios
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.interchange import sample_data
from models.engine import calculate
from models.plan import plan_from_json
from models.scenarios import Override, Scenario, calculate_scenarios
from tests.benchmarks.bench_engine import best_of
from tests.benchmarks.plans import scaled_sample

SAMPLES = 10_000


def scenarios(data: dict[str, Any]) -> list[Scenario]:
    first = data["opportunities"][0]["id"]
    return [
        Scenario("down", "Downside", probability=0.25, overrides=(
            Override("route", "route-copilot-haiku", "price_in_mtok", 0.13),
            Override("route", "route-copilot-sonnet", "price_in_mtok", {"base": 3.9, "low": 3.0, "high": 5.0,
                                                                        "dist": "pert"}),
            Override("opportunity", first, "adoption_target", {"base": 0.5, "low": 0.3, "high": 0.7,
                                                               "dist": "pert"}))),
        Scenario("up", "Upside", probability=0.25, overrides=(
            Override("project", "", "discount_rate", 0.05),)),
        Scenario("tight", "Tight budget", overrides=(Override("project", "", "budget", 300000),)),
    ]


def measure(label: str, data: dict[str, Any]) -> None:
    data["project"]["mc_samples"] = SAMPLES
    plan = plan_from_json(data)
    chosen = scenarios(data)
    one = best_of(lambda: calculate(plan), 5)
    ready = calculate(plan)  # the window holds the base's results already after an edit
    rows: tuple[tuple[str, Callable[[], object]], ...] = (
        (f"{label}: base + 3 scenarios", lambda: calculate_scenarios(data, chosen)),
        (f"{label}: 3 scenarios, the base's run reused",
         lambda: calculate_scenarios(data, chosen, base=ready)),
        (f"{label}: base + 2 scenarios", lambda: calculate_scenarios(data, chosen[:2])),
    )
    for what, fn in rows:
        t = best_of(fn, 5)
        print(f"{what:<52} {t * 1000:13.1f} {one * 1000:28.1f} {t / one:6.2f}")


def main() -> None:
    print(f"{'plan, ' + format(SAMPLES, ',') + ' samples':<52} {'scenarios ms':>13} "
          f"{'anchor: one run of ours, ms':>28} {'ratio':>6}")
    measure("the sample", sample_data())
    measure("50 opportunities", scaled_sample(50))
    print("budget: 3 scenarios with Monte Carlo <= 3x one Monte Carlo run")


if __name__ == "__main__":
    main()
