"""Value of information: what it is worth to learn an input before committing (EVPI, EVPPI)."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
Key = TypeVar("Key", bound=Hashable)

#: Equal-count bins of an input within which E[Y | X] is taken as the mean of Y (docs/formulas.md 3.9).
#: Two biases pull against each other. Noise pulls up: a bin mean is E[Y | X] plus an error of
#: sd/sqrt(n/bins), and max(., 0) of a noisy mean is on average larger, so an input that says
#: nothing about Y still scores about sd(Y)/sqrt(n/bins) * g(E[Y] / that), g in noise_floor;
#: at most 0.4 sd(Y)/sqrt(n/bins), reached only when E[Y] is 0 to within that. Resolution pulls
#: down: the bin that holds the break-even point mixes go and no-go samples, at most
#: (range of Y in that bin)/4 per bin share. At 10,000 samples, 50 bins of 200 keep the noise
#: floor below 3% of sd(Y) and the mixing bin to 2% of the samples; an input that cannot change
#: the decision (every bin mean on one side of 0) scores exactly 0 whatever the bins.
DEFAULT_BINS = 50


def _go(y: Array) -> bool:
    """The decision without further information: go when the expected NPV is positive."""
    return float(np.sum(y)) > 0.0


def evpi(y: Array) -> float:
    """Expected value of perfect information of one go / no-go decision with sampled NPV ``y``
    (launch failure included): E[max(Y, 0)] - max(E[Y], 0).

    Written as E[max(Y, 0) - d Y] with d the decision taken now (1 go, 0 no-go), i.e. the mean
    of max(-Y, 0) or of max(Y, 0): exactly 0 when no sample would reverse the decision."""
    if y.size == 0:
        return 0.0
    regret = np.maximum(-y, 0.0) if _go(y) else np.maximum(y, 0.0)
    return float(np.mean(regret))


@dataclass(frozen=True)
class Partition:
    """Samples grouped into bins by rank of one input: ``order`` sorts the samples by the input,
    bin k holds the sorted positions starts[k] .. starts[k+1] - 1. Identical values share a bin."""

    order: NDArray[np.intp]
    starts: NDArray[np.intp]


def partition(x: NDArray[Any], bins: int = DEFAULT_BINS) -> Partition:
    """Equal-count bins of ``x`` (finite values): one bin per distinct value when there are no
    more distinct values than bins (launch success, a launch month), else ``bins`` bins by rank
    whose edges move to the nearer end of a run of equal values, so ties are never split."""
    if bins < 1:
        raise ValueError(f"bins must be at least 1, not {bins}")
    n = x.size
    order = np.argsort(x)
    if n == 0:
        return Partition(order, np.zeros(0, dtype=np.intp))
    xs = x[order]
    new_value = np.flatnonzero(xs[1:] != xs[:-1]) + 1
    if new_value.size < bins:  # at most ``bins`` distinct values
        return Partition(order, np.concatenate(([0], new_value)).astype(np.intp))
    target = (np.arange(1, bins, dtype=np.intp) * n) // bins
    edge = xs[target]
    left = np.searchsorted(xs, edge, side="left")
    right = np.searchsorted(xs, edge, side="right")
    snapped = np.where(target - left <= right - target, left, right)
    starts = np.unique(np.concatenate(([0], snapped)))
    return Partition(order, starts[starts < n].astype(np.intp))


def _bin_sums(y: Array, p: Partition) -> Array:
    return np.add.reduceat(y[p.order], p.starts)


def evppi_partitioned(y: Array, p: Partition, *, go: bool | None = None, limit: float | None = None) -> float:
    """EVPPI of the input ``p`` was built from (see evppi), reusing its sort for several NPVs;
    ``go`` (the decision now) and ``limit`` (the EVPI) may be passed by a caller that has them
    for many inputs of one Y."""
    if y.size == 0:
        return 0.0
    sums = _bin_sums(y, p)
    # sum over bins of n_k max(mean_k, 0) - d n_k mean_k = sum of max(-+S_k, 0): never negative.
    now = _go(y) if go is None else go
    regret = np.maximum(-sums, 0.0) if now else np.maximum(sums, 0.0)
    return min(float(np.sum(regret)) / y.size, evpi(y) if limit is None else limit)


def evppi(y: Array, x: NDArray[Any], bins: int = DEFAULT_BINS) -> float:
    """Expected value of partial perfect information about input ``x`` (its samples beside the
    NPV samples ``y``): E_X[max(E[Y | X], 0)] - max(E[Y], 0), with E[Y | X] the mean of Y within
    equal-count bins of X (see partition), clipped to [0, evpi(y)]."""
    return evppi_partitioned(y, partition(x, bins))


def evppi_many(y: Array, inputs: Mapping[Key, NDArray[Any]], bins: int = DEFAULT_BINS) -> dict[Key, float]:
    """EVPPI of each input about the same NPV samples ``y``: one sort per input."""
    return {key: evppi_partitioned(y, partition(x, bins)) for key, x in inputs.items()}


def plan_evpi(ys: Sequence[Array]) -> float:
    """EVPI of the plan without a budget, the decision taken per opportunity:
    E[sum_i max(Y_i, 0)] - sum_i max(E[Y_i], 0), which is sum_i evpi(Y_i) by linearity."""
    return float(sum(evpi(y) for y in ys))


def plan_evppi(ys: Sequence[Array], x: NDArray[Any], bins: int = DEFAULT_BINS) -> float:
    """EVPPI of input ``x`` for the plan without a budget, the decision taken per opportunity:
    E_X[sum_i max(E[Y_i | X], 0)] - sum_i max(E[Y_i], 0) = sum_i evppi(Y_i, X), one sort of X.

    Pass only the opportunities X can inform (those it reaches, or correlates with): for the
    others the exact term is 0 and its estimate would add only the noise floor."""
    p = partition(x, bins)
    return float(sum(evppi_partitioned(y, p) for y in ys))


def noise_floor(y: Array, bins: int = DEFAULT_BINS) -> float:
    """What an input that says nothing about Y scores on average, from binning noise alone:
    with s = sd(Y)/sqrt(n/bins) and m = E[Y], E[max(m + sZ, 0)] - max(m, 0) = s g(m/s) where
    g(t) = t Phi(t) + phi(t) - max(t, 0); an EVPPI below it is not told apart from nothing."""
    n = y.size
    if n < 2:
        return 0.0
    s = float(np.std(y)) / np.sqrt(max(1.0, n / min(bins, n)))
    if s == 0.0:
        return 0.0
    t = float(np.mean(y)) / s
    unit = NormalDist()
    return float(s * (t * unit.cdf(t) + unit.pdf(t) - max(t, 0.0)))


@dataclass(frozen=True)
class Worth(Generic[Key]):
    """What it is worth to learn one input before committing: its EVPPI, in currency."""

    key: Key
    evppi: float


@dataclass(frozen=True)
class Ranked(Generic[Key]):
    """Inputs ranked by EVPPI, largest first, ties in the order the inputs were given; beside
    them the EVPI (learning everything) and the noise floor below which a value means nothing."""

    evpi: float
    inputs: tuple[Worth[Key], ...]
    noise_floor: float = 0.0

    @staticmethod
    def of(evpi: float, evppis: Mapping[Key, float], noise_floor: float = 0.0) -> Ranked[Key]:
        ranked = sorted(evppis.items(), key=lambda item: -item[1])  # sorted() is stable
        return Ranked(evpi, tuple(Worth(key, value) for key, value in ranked), noise_floor)

    def __iter__(self) -> Iterator[Worth[Key]]:
        return iter(self.inputs)

    def __len__(self) -> int:
        return len(self.inputs)

