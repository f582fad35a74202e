"""The bounds of every number a plan holds (docs/formulas.md 2), in one place: field name -> kind -> bounds.

The engine, the app's fields, JSON import and opening a file all refuse a number outside its
bounds with the same words, so a plan that passes the checks always calculates: within these
bounds every product the model forms stays far below the largest float.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """What a number means, and the closed interval it must lie in."""

    name: str
    low: float
    high: float
    whole: bool = False  # whole numbers only: months, horizon, samples, seed

    def rule(self) -> str:
        """The rule in words, as a field or a check says it."""
        if self.name == "fraction":
            return "must be a fraction between 0% and 100%"
        return f"must be between {_words(self.low)} and {_words(self.high)}"

    def problems(self, value: float) -> Iterator[str]:
        """The rule ``value`` breaks (none, or one sentence); any int compares exactly."""
        if self.low <= value <= self.high:  # False for NaN too
            if self.whole and not float(value).is_integer():
                yield "must be a whole number"
        elif self.name == "fraction":
            yield self.rule()
        elif value < self.low and self.low == 0:
            yield "must not be negative"
        elif value > self.high:
            yield f"must be at most {_words(self.high)}"
        else:
            yield self.rule()


def _words(value: float) -> str:
    """1e12 as 1,000,000,000,000; small bounds as written."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


# docs/formulas.md 2 fixes these: users and tasks <= 1e10, money <= 1e12, months 0..120, fractions 0..1,
# tokens per call <= 1e8, prices per million tokens <= 1e5.
COUNT = Kind("count", 0, 1e10)
MONEY = Kind("money", 0, 1e12)
#: months are whole: 2.5 months is refused, never rounded (a launch lands in one month)
MONTHS = Kind("months", 0, 120, whole=True)
FRACTION = Kind("fraction", 0, 1)
TOKENS = Kind("tokens", 0, 1e8)
PRICE_MTOK = Kind("price per million tokens", 0, 1e5)
# docs/formulas.md leaves these open; each bound is far above any real plan and keeps sums finite.
#: a year of the largest monthly volume (12 x 1e10 tasks)
ANNUAL_TASKS = Kind("tasks a year", 0, 1.2e11)
#: model calls or vector queries per task: an agent loop of a million steps is already absurd
PER_TASK = Kind("per task", 0, 1e6)
#: retries per task on average (a rate, so it may exceed 100%)
RETRIES = Kind("retries", 0, 100)
#: person-months of effort: 83,000 person-years
EFFORT = Kind("person-months", 0, 1e6)
#: RICE impact on its 0.25 / 0.5 / 1 / 2 / 3 scale
IMPACT = Kind("impact", 0, 3)
#: criterion weights are relative; any scale a PM uses (1..5, percent, points) fits
WEIGHT = Kind("weight", 0, 1e6)
#: a 1..5 score of a ``score`` criterion
SCORE = Kind("score", 1, 5)
#: a raw figure of a ``value`` criterion (any unit, may be negative), bounded like money
FIGURE = Kind("figure", -1e12, 1e12)
HORIZON = Kind("years", 1, 10, whole=True)
SAMPLES = Kind("samples", 1_000, 1_000_000, whole=True)
SEED = Kind("seed", 0, 2**63 - 1, whole=True)

#: Every numeric field of a plan by its name (the names are the same in the file, the JSON
#: interchange and the engine). Option scores take SCORE or FIGURE by their criterion's kind.
FIELDS: dict[str, Kind] = {
    # project settings
    "horizon_years": HORIZON, "discount_rate": FRACTION, "mc_samples": SAMPLES, "mc_seed": SEED,
    "budget": MONEY,
    # opportunity
    "eligible_users": COUNT, "adoption_target": FRACTION, "ramp_months": MONTHS,
    "tasks_per_user_month": COUNT, "success_rate": FRACTION, "value_per_success": MONEY,
    "launch_month": MONTHS, "build_cost": MONEY, "run_cost_annual": MONEY, "cost_per_task": MONEY,
    "p_success": FRACTION, "effort_person_months": EFFORT, "impact": IMPACT, "confidence": FRACTION,
    # decision, criterion, option
    "annual_volume": ANNUAL_TASKS, "weight": WEIGHT, "upfront_cost": MONEY, "annual_cost": MONEY,
    "launch_months": MONTHS,
    # unit model and route
    "revenue_per_task": MONEY, "retry_rate": RETRIES, "embed_tokens_per_task": TOKENS,
    "embed_price_mtok": PRICE_MTOK, "vector_queries_per_task": PER_TASK, "vector_price_per_1k": MONEY,
    "tool_cost_per_task": MONEY, "escalation_rate": FRACTION, "human_cost_per_escalation": MONEY,
    "fixed_monthly": MONEY, "volume_tasks_month": COUNT,
    "share": FRACTION, "price_in_mtok": PRICE_MTOK, "price_out_mtok": PRICE_MTOK,
    "price_cached_in_mtok": PRICE_MTOK, "input_tokens": TOKENS, "output_tokens": TOKENS,
    "cached_share": FRACTION, "calls_per_task": PER_TASK, "cache_write_share": FRACTION,
    "price_cache_write_mtok": PRICE_MTOK, "reasoning_tokens": TOKENS, "price_reasoning_mtok": PRICE_MTOK,
    "price_per_request": MONEY,
}

