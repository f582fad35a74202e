"""A number that may be a range: the estimate of docs/formulas.md 2."""

from __future__ import annotations

from dataclasses import dataclass

DISTRIBUTIONS = ("fixed", "uniform", "triangular", "pert", "normal", "lognormal")


@dataclass(frozen=True, slots=True)
class Estimate:
    """A plain number (``dist`` is None) or a range with a distribution.

    Stored in four columns (``F``, ``F_low``, ``F_high``, ``F_dist``) so a plain number stays
    a plain number through the file and the JSON interchange.
    """

    base: float
    low: float | None = None
    high: float | None = None
    dist: str | None = None

    @classmethod
    def plain(cls, value: float) -> Estimate:
        return cls(float(value))

    @property
    def is_range(self) -> bool:
        return self.dist is not None and self.dist != "fixed"

    def __composite_values__(self) -> tuple[float, float | None, float | None, str | None]:
        return (self.base, self.low, self.high, self.dist)


def estimate_from_json(value: object, default: float = 0.0) -> Estimate:
    """An Estimate from the interchange form: a number, an object, or None (the default)."""
    if value is None:
        return Estimate(float(default))
    if isinstance(value, (int, float)):
        return Estimate(float(value))
    if isinstance(value, dict):
        low, high = value.get("low"), value.get("high")
        return Estimate(
            float(value["base"]),
            None if low is None else float(low),
            None if high is None else float(high),
            str(value["dist"]),
        )
    raise TypeError(f"not a number or an estimate: {value!r}")


def plain_number(value: float) -> int | float:
    """Integral values as integers (1200, not 1200.0), so files diff cleanly."""
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def estimate_json(estimate: Estimate) -> int | float | dict[str, object]:
    """The interchange form of an estimate: a plain number, or {base, low, high, dist}."""
    if estimate.dist is None:
        return plain_number(estimate.base)
    out: dict[str, object] = {"base": plain_number(estimate.base)}
    if estimate.low is not None:
        out["low"] = plain_number(estimate.low)
    if estimate.high is not None:
        out["high"] = plain_number(estimate.high)
    out["dist"] = estimate.dist
    return out
