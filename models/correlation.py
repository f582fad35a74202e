"""Rank correlation between inputs: Iman–Conover reordering and the nearest valid correlation matrix."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
Key = tuple[str, str, str]  # (object kind, object id, field), as the engine names an input

#: A value of the repaired matrix that moved by more than this is reported to the PM.
MOVED_TOLERANCE = 1e-6
#: The repaired matrix's smallest eigenvalue, relative to 1: positive, so Cholesky succeeds.
EIGENVALUE_FLOOR = 1e-8
_PROJECTION_TOLERANCE = 1e-10
_PROJECTION_ROUNDS = 10_000


@dataclass(frozen=True)
class Correlation:
    """A Spearman rank correlation ``rho`` in (-1, 1) between two ranged inputs (docs/formulas.md 3.8)."""

    a: Key
    b: Key
    rho: float
    id: str = ""  # the correlation's id in the project, for messages that point at it


class Moved(NamedTuple):
    """One value the repair changed: row and column of the matrix, before and after."""

    i: int
    j: int
    old: float
    new: float


@dataclass(frozen=True)
class CorrelationProblem:
    """A rule one correlation breaks: its position in the list, the input concerned (if one
    is), and a sentence saying what is wrong and what to do."""

    index: int
    key: Key | None
    rule: str


def correlation_problems(correlations: Sequence[Correlation],
                         ranged: Collection[Key]) -> list[CorrelationProblem]:
    """Every rule the correlations break; ``ranged`` are the inputs that have a range."""
    out: list[CorrelationProblem] = []
    seen: set[frozenset[Key]] = set()
    for index, c in enumerate(correlations):
        out.extend(CorrelationProblem(index, key, rule) for key, rule in _rules(c, ranged))
        pair = frozenset((c.a, c.b))
        if c.a != c.b and pair in seen:
            out.append(CorrelationProblem(
                index, None, "These two inputs are already correlated: change that correlation "
                             "instead of adding another."))
        seen.add(pair)
    return out


def _rules(c: Correlation, ranged: Collection[Key]) -> Iterator[tuple[Key | None, str]]:
    if not -1.0 < c.rho < 1.0:  # also refuses NaN
        yield None, "A rank correlation must lie strictly between -1 and 1: enter a value such as 0.5."
    if c.a == c.b:
        yield c.a, "An input cannot be correlated with itself: pick two different inputs."
        return
    for key in (c.a, c.b):
        if key not in ranged:
            yield key, "Only an input with a range can be correlated: give it a low and a high value."


def correlation_matrix(keys: Sequence[Key], correlations: Sequence[Correlation]) -> Array:
    """The identity over ``keys`` with each pair's rho in both of its places."""
    index = {key: i for i, key in enumerate(keys)}
    matrix = np.eye(len(keys))
    for c in correlations:
        i, j = index[c.a], index[c.b]
        matrix[i, j] = matrix[j, i] = c.rho
    return matrix


def is_positive_definite(matrix: Array) -> bool:
    try:
        np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        return False
    return True


def nearest_correlation(matrix: Array) -> tuple[Array, list[Moved]]:
    """The matrix itself when it is positive definite; else the nearest correlation matrix
    (Higham 2002: alternating projections with Dykstra's correction), made strictly positive
    definite, and each value above the diagonal that moved."""
    if is_positive_definite(matrix):
        return matrix, []
    y = np.array(matrix, dtype=float)
    correction = np.zeros_like(y)
    for _ in range(_PROJECTION_ROUNDS):
        r = y - correction
        x = _positive_semidefinite(r, 0.0)
        correction = x - r
        previous = y
        y = x.copy()
        np.fill_diagonal(y, 1.0)
        if np.linalg.norm(y - previous) <= _PROJECTION_TOLERANCE * np.linalg.norm(y):
            break
    # The limit may be singular (an eigenvalue of 0); Cholesky needs a small positive margin,
    # and rescaling to a unit diagonal keeps every eigenvalue positive.
    x = _positive_semidefinite(y, EIGENVALUE_FLOOR)
    scale = np.sqrt(np.diag(x))
    repaired = x / np.outer(scale, scale)
    np.fill_diagonal(repaired, 1.0)
    moved = [Moved(i, j, float(matrix[i, j]), float(repaired[i, j]))
             for i in range(len(matrix)) for j in range(i + 1, len(matrix))
             if abs(repaired[i, j] - matrix[i, j]) > MOVED_TOLERANCE]
    return repaired, moved


def _positive_semidefinite(matrix: Array, floor: float) -> Array:
    """The nearest symmetric matrix whose eigenvalues are all at least ``floor``."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    out: Array = (vectors * np.maximum(values, floor)) @ vectors.T
    return (out + out.T) / 2


def normal_correlation(spearman: Array) -> Array:
    """The correlation of normal scores whose rank correlation is ``spearman``: for a normal
    pair, Spearman's rho is (6/pi) asin(r/2), so Iman–Conover aims its scores at 2 sin(pi rho/6)."""
    out: Array = 2.0 * np.sin(np.pi * spearman / 6.0)
    np.fill_diagonal(out, 1.0)
    return out


@functools.cache
def normal_scores(n: int) -> Array:
    """Van der Waerden scores: the normal quantiles of i / (n + 1) for i = 1..n."""
    inverse = NormalDist().inv_cdf
    scores = np.fromiter((inverse(i / (n + 1)) for i in range(1, n + 1)), dtype=float, count=n)
    scores.flags.writeable = False  # cached and shared between calls
    return scores


def _stream(seed: int, keys: Sequence[Key]) -> np.random.Generator:
    """The scores' permutations come from the seed and the group's inputs, so one group's
    reordering stays as it was when inputs outside the group change."""
    text = "\0".join(["correlation", *("\0".join(key) for key in keys)])
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def _groups(correlations: Sequence[Correlation]) -> list[list[Key]]:
    """The inputs linked by correlations, each group sorted so its order never depends on the
    order the correlations were listed in."""
    parent: dict[Key, Key] = {}

    def root(key: Key) -> Key:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    for c in correlations:
        parent[root(c.a)] = root(c.b)
    groups: dict[Key, list[Key]] = {}
    for key in parent:
        groups.setdefault(root(key), []).append(key)
    return sorted(sorted(group) for group in groups.values())


class Repair(NamedTuple):
    """One rank correlation the repair of a matrix that cannot hold moved: between ``a`` and
    ``b``, from what the PM typed (0 where they typed none) to what the simulation uses."""

    a: Key
    b: Key
    old: float
    new: float


def repairs(correlations: Sequence[Correlation]) -> list[Repair]:
    """What the nearest valid matrix changes, group by group of linked inputs (empty when the
    correlations can all hold together)."""
    out: list[Repair] = []
    for keys in _groups(correlations):
        members = set(keys)
        matrix = correlation_matrix(keys, [c for c in correlations if c.a in members])
        _, moved = nearest_correlation(matrix)
        out += [Repair(keys[m.i], keys[m.j], m.old, m.new) for m in moved]
    return out


def iman_conover(samples: Mapping[Key, Array], correlations: Sequence[Correlation],
                 seed: int) -> dict[Key, Array]:
    """``samples`` with each correlated input's values reordered so the inputs' rank
    correlations match the targets (Iman & Conover 1982); every input keeps its values, and an
    input in no correlation is returned as the same array."""
    problems = correlation_problems(correlations, samples)
    if problems:
        raise ValueError(problems[0].rule)
    out = dict(samples)
    for keys in _groups(correlations):
        members = set(keys)
        group = [c for c in correlations if c.a in members]
        out.update(_reorder(keys, [samples[key] for key in keys], group, seed))
    return out


def _reorder(keys: list[Key], values: list[Array], correlations: list[Correlation],
             seed: int) -> dict[Key, Array]:
    n = len(values[0])
    if any(v.ndim != 1 or len(v) != n for v in values):
        raise ValueError("Correlated inputs must each have the same number of samples.")
    if n <= len(keys):
        raise ValueError("Correlating inputs needs more samples than correlated inputs.")
    target, _ = nearest_correlation(correlation_matrix(keys, correlations))
    target, _ = nearest_correlation(normal_correlation(target))
    rng = _stream(seed, keys)
    # One row per input (the transpose of the paper's S), so each input's scores are contiguous.
    scores = np.tile(normal_scores(n), (len(keys), 1))
    rng.permuted(scores, axis=1, out=scores)  # an independent random order per input
    # Iman–Conover: remove the scores' chance correlation (Q) and impose the target's (P), so
    # the rows of T have exactly the target correlation: T = P Q^-1 S, a k x k product first.
    p = np.linalg.cholesky(target)
    q = np.linalg.cholesky(np.corrcoef(scores))
    t = np.linalg.solve(q.T, p.T).T @ scores
    out: dict[Key, Array] = {}
    for row, (key, v) in enumerate(zip(keys, values, strict=True)):
        placed = np.empty_like(v)
        # Ties in T have probability zero, so the sort's kind does not change the order.
        placed[np.argsort(t[row])] = np.sort(v)
        out[key] = placed
    return out
