"""Runs the whole model for a plan: links, deterministic results, Monte Carlo, tornado.

One arithmetic (models.sizing) serves every case: the deterministic results are every
opportunity's base values at once, as arrays over opportunities (each element the number it
would have evaluated alone); the Monte Carlo run is arrays over samples; the tornado a batch
whose samples move one input to its low or high at a time.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from statistics import NormalDist
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from models import finance, information, kpis, portfolio, sizing
from models.correlation import Repair, iman_conover, repairs
from models.decision import DecisionResult, chosen_option, evaluate_decision
from models.estimate import Estimate
from models.finance import Array
from models.kpis import Kpi
from models.limits import FIELDS
from models.plan import FRACTIONS, INTEGERS, Opportunity, Option, Plan, UnitModel, estimate_names
from models.problems import PlanInvalid
from models.uncertainty import Summary, sample
from models.unit_economics import RouteInputs, UnitCosts, UnitInputs, unit_costs
from models.validation import plan_problems

Key = tuple[str, str, str]  # (object kind, object id, field)

OPTION_FIELDS = ("upfront_cost", "annual_cost", "cost_per_task", "launch_months")
#: Opportunity inputs that a linked decision's option replaces (docs/formulas.md 3.4).
FROM_OPTION = {"build_cost": "upfront_cost", "run_cost_annual": "annual_cost",
               "launch_month": "launch_months"}
#: Inputs the model reads at their base value only (docs/formulas.md 3.2, 3.3), so never sampled.
BASE_ONLY = frozenset({"volume_tasks_month", "annual_volume"})


@functools.cache
def _estimate_names(cls: type) -> tuple[str, ...]:
    return estimate_names(cls)


def _estimate_fields(obj: object) -> tuple[str, ...]:
    cls: type = type(obj)
    return _estimate_names(cls)


def estimate_inputs(plan: Plan) -> dict[Key, Estimate]:
    """Every input the model can sample, in the fixed order draws are made."""
    out = _linked_estimates(plan)
    for o in plan.opportunities:
        for name in _estimate_fields(o):
            out["opportunity", o.id, name] = getattr(o, name)
    return out


def estimates_of(plan: Plan, keys: Collection[Key]) -> dict[Key, Estimate]:
    """The estimates of those ``keys`` that are inputs the model samples (as estimate_inputs
    has them), without reading every opportunity's inputs."""
    wanted = {key[1] for key in keys if key[0] == "opportunity"}
    out = {key: est for key, est in _linked_estimates(plan).items() if key in keys}
    for o in plan.opportunities:
        if o.id in wanted:
            fields = _estimate_fields(o)
            out.update(((kind, object_id, name), getattr(o, name)) for kind, object_id, name in keys
                       if kind == "opportunity" and object_id == o.id and name in fields)
    return out


def _linked_estimates(plan: Plan) -> dict[Key, Estimate]:
    """The inputs of the objects opportunities link to: unit models, their routes, options."""
    out: dict[Key, Estimate] = {}
    for u in plan.unit_models:
        for name in _estimate_fields(u):
            if name not in BASE_ONLY:
                out["unit_model", u.id, name] = getattr(u, name)
        for r in u.routes:
            for name in _estimate_fields(r):
                out["route", r.id, name] = getattr(r, name)
    for d in plan.decisions:
        for option in d.options:
            for name in OPTION_FIELDS:
                out["option", option.id, name] = getattr(option, name)
    return out


def prepare(name: str, values: Array) -> Array:
    """docs/formulas.md 2: integers rounded, fractions clamped to [0, 1], everything else to >= 0; and
    every input kept within its field's limits, so a long normal or lognormal tail never
    reaches a size the model's products would overflow."""
    if name in INTEGERS:
        values = np.rint(values)
    kind = FIELDS.get(name)
    if kind is not None:  # minimum of maximum: np.clip costs more on the one-value arrays of base
        return np.minimum(np.maximum(values, kind.low), kind.high)
    if name in FRACTIONS:
        return np.clip(values, 0.0, 1.0)
    return np.maximum(values, 0.0)


def base_values(plan: Plan) -> dict[Key, Array]:
    return _prepared_bases(estimate_inputs(plan))


def _prepared_bases(estimates: Mapping[Key, Estimate]) -> dict[Key, Array]:
    """Each input's base value as a one-value array, prepared; one call to prepare per field
    name (the same arithmetic element by element as one call per input)."""
    by_name: dict[str, list[Key]] = {}
    for key in estimates:
        by_name.setdefault(key[2], []).append(key)
    out: dict[Key, Array] = {}
    for name, keys in by_name.items():
        values = prepare(name, np.array([estimates[key].base for key in keys]))
        out.update((key, values[i:i + 1]) for i, key in enumerate(keys))
    return {key: out[key] for key in estimates}


def stream(seed: int, key: Key) -> np.random.Generator:
    """The random stream of one input: from the project's seed and the input's identity.

    Each input draws from its own stream, so the same file and seed give the same numbers
    whatever order inputs are drawn in, and editing one input leaves every other input's
    draws as they were (results move only where the PM changed something).
    """
    digest = hashlib.sha256("\0".join(key).encode("utf-8")).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def _draw(seed: int, n: int, key: Key, est: Estimate) -> Array:
    shared = _Shared.draws
    if shared is None:
        return _draw_from(stream(seed, key), n, key, est)
    # An input's draws depend only on these four: a scenario that leaves it alone reuses them.
    # Drawn outside the lock, so the pool's threads still draw side by side.
    identity = (seed, n, key, est)
    with _Shared.lock:
        if identity in shared.items:
            return shared.get(identity, None)
    values = _read_only(_draw_from(stream(seed, key), n, key, est))
    with _Shared.lock:
        return shared.get(identity, lambda: values)


def _read_only(values: Array) -> Array:
    values.flags.writeable = False  # shared between runs: nobody may change them in place
    return values


#: Draws kept while several plans that share inputs are simulated one after another.
SHARED_DRAW_BYTES = 256 * 2**20


T = TypeVar("T")


class _Shared:
    """The draws shared between runs (scenarios of one plan), while ``shared_draws`` is open,
    and what is made from shared draws alone (their reordering, their bins), kept beside them."""

    lock = threading.Lock()
    users = 0
    draws: _Recent | None = None
    made: OrderedDict[Any, tuple[Any, int]] | None = None  # identity -> (value, bytes)
    made_bytes = 0


def _shared_made(identity: Any, make: Callable[[], T], size: Callable[[T], int]) -> T:
    """``make()`` once per identity while ``shared_draws`` is open (every time otherwise);
    the least recently used are dropped past half the draws' budget."""
    made = _Shared.made
    if made is None:
        return make()
    with _Shared.lock:
        if identity in made:
            made.move_to_end(identity)
            return made[identity][0]  # type: ignore[no-any-return]
    value = make()
    with _Shared.lock:
        made[identity] = (value, size(value))
        _Shared.made_bytes += size(value)
        while _Shared.made_bytes > SHARED_DRAW_BYTES // 2 and len(made) > 1:
            _, (_, dropped) = made.popitem(last=False)
            _Shared.made_bytes -= dropped
    return value


@contextmanager
def shared_draws() -> Iterator[None]:
    """Within it, an input drawn with the same seed, count and estimate as before is not drawn
    again (docs/formulas.md 3.7: every scenario uses the same per-input streams), so runs of
    several scenarios cost little more than the inputs they change."""
    with _Shared.lock:
        _Shared.users += 1
        if _Shared.draws is None:
            _Shared.draws = _Recent(SHARED_DRAW_BYTES)
            _Shared.made, _Shared.made_bytes = OrderedDict(), 0
    try:
        yield
    finally:
        with _Shared.lock:
            _Shared.users -= 1
            if _Shared.users == 0:
                _Shared.draws = _Shared.made = None


def _draw_from(rng: np.random.Generator, n: int, key: Key, est: Estimate) -> Array:
    # Drawn in parts from one stream, the values are those of one draw of the whole length
    # (numpy fills arrays sample by sample; a test checks): what lets memory be chunked.
    values = sample(est, rng, n)
    # Bounded distributions stay inside validated bounds; only the unbounded ones need clamping.
    if est.dist in ("normal", "lognormal") or key[2] in INTEGERS:
        values = prepare(key[2], values)
    return values


def draw_values(plan: Plan, n: int, seed: int) -> dict[Key, Array]:
    """``n`` independent draws of every estimate with a range; plain numbers stay one value."""
    estimates = estimate_inputs(plan)
    out = base_values(plan)
    ranged = [(key, est) for key, est in estimates.items() if est.is_range]
    # numpy's generators release the GIL while they fill arrays: use both cores.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        for (key, _), values in zip(ranged, pool.map(lambda item: _draw(seed, n, *item), ranged),
                                    strict=True):
            out[key] = values
    return out


@dataclass(frozen=True)
class Structure:
    """What the numbers hang on, fixed at base values: decisions, chosen options, volumes."""

    decisions: dict[str, DecisionResult]
    chosen: dict[str, Option]
    unit_volume: dict[str, float]
    #: Per opportunity, the inputs each effective input is made of (see effective_sources).
    sources: dict[str, dict[str, list[Key]]] = field(default_factory=dict)


class _Sources(dict[str, dict[str, list[Key]]]):
    """Each opportunity's sources, worked out the first time they are asked for: the
    deterministic results need them only for a handful of distinct links."""

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.st: Structure | None = None
        self.by_id: dict[str, Opportunity] | None = None

    def __missing__(self, opportunity_id: str) -> dict[str, list[Key]]:
        if self.by_id is None:
            self.by_id = {o.id: o for o in self.plan.opportunities}
        assert self.st is not None
        out = self[opportunity_id] = effective_sources(self.plan, self.st, self.by_id[opportunity_id])
        return out


def structure(plan: Plan) -> Structure:
    decisions = {d.id: evaluate_decision(d, plan) for d in plan.decisions}
    chosen = {d.id: chosen_option(d, decisions[d.id]) for d in plan.decisions}
    linked: dict[str, list[Opportunity]] = {u.id: [] for u in plan.unit_models}
    for o in plan.opportunities:
        if o.unit_model_id in linked:
            linked[o.unit_model_id].append(o)
    volume: dict[str, float] = {}
    for u in plan.unit_models:
        volume[u.id] = (sum(o.eligible_users.base * o.adoption_target.base
                            * o.tasks_per_user_month.base for o in linked[u.id])
                        if linked[u.id] else u.volume_tasks_month.base)
    sources = _Sources(plan)
    st = Structure(decisions, chosen, volume, sources)
    sources.st = st
    return st


def _unit_inputs(u: UnitModel, values: Mapping[Key, Array]) -> UnitInputs:
    def v(name: str) -> Array:
        return values["unit_model", u.id, name]

    routes = tuple(
        RouteInputs(**{name: values["route", r.id, name] for name in _estimate_fields(r)}, tiers=r.tiers)
        for r in u.routes
    )
    return UnitInputs(
        revenue_per_task=v("revenue_per_task"), retry_rate=v("retry_rate"),
        embed_tokens_per_task=v("embed_tokens_per_task"), embed_price_mtok=v("embed_price_mtok"),
        vector_queries_per_task=v("vector_queries_per_task"),
        vector_price_per_1k=v("vector_price_per_1k"), tool_cost_per_task=v("tool_cost_per_task"),
        escalation_rate=v("escalation_rate"),
        human_cost_per_escalation=v("human_cost_per_escalation"),
        fixed_monthly=v("fixed_monthly"), routes=routes,
    )


def effective_sources(plan: Plan, st: Structure, o: Opportunity) -> dict[str, list[Key]]:
    """For each effective input, the inputs it is made of (docs/formulas.md 3.4), in order."""
    option = st.chosen.get(o.decision_id) if o.decision_id else None
    unit = plan.unit_model(o.unit_model_id)
    out: dict[str, list[Key]] = {}
    for name in _estimate_fields(o):
        if option is not None and name in FROM_OPTION:
            out[name] = [("option", option.id, FROM_OPTION[name])]
        else:
            out[name] = [("opportunity", o.id, name)]
    if unit is not None:
        out["cost_per_task"] = [("unit_model", unit.id, "variable_cost_per_task")]
    elif option is not None and (option.cost_per_task.base != 0 or option.cost_per_task.is_range):
        out["cost_per_task"] = [("option", option.id, "cost_per_task")]
    if unit is not None:
        out["run_cost_annual"] = [*out["run_cost_annual"], ("unit_model", unit.id, "fixed_monthly")]
    return out


def source_label(keys: list[Key]) -> str:
    """Where an effective input came from: ``own``, ``option:ID``, ``unit_model:ID`` or a sum."""
    return " + ".join("own" if kind == "opportunity" else f"{kind}:{oid}" for kind, oid, _ in keys)


@dataclass
class Evaluation:
    """Arrays over samples for the opportunities and unit models evaluated."""

    units: dict[str, UnitCosts] = field(default_factory=dict)
    flows: dict[str, sizing.Flows] = field(default_factory=dict)
    effective: dict[str, dict[str, Array]] = field(default_factory=dict)
    p_success: dict[str, Array] = field(default_factory=dict)


def evaluate(plan: Plan, st: Structure, values: Mapping[Key, Array], df: Array,
             opportunities: tuple[Opportunity, ...] | None = None,
             monthly: bool = False, unit_variable: Mapping[str, Array] | None = None) -> Evaluation:
    """The model for the given input values (arrays over samples); ``unit_variable`` holds unit
    models' variable cost per task computed already (the Monte Carlo computes it in chunks)."""
    chosen = plan.opportunities if opportunities is None else opportunities
    result = Evaluation()
    needed = {o.unit_model_id for o in chosen} if opportunities is not None else None
    for u in plan.unit_models:
        if unit_variable is not None and u.id in unit_variable:
            continue
        if needed is None or u.id in needed:
            result.units[u.id] = unit_costs(_unit_inputs(u, values), st.unit_volume[u.id])
    for o in chosen:
        eff: dict[str, Array] = {}
        for name, keys in (st.sources.get(o.id) or effective_sources(plan, st, o)).items():
            total: Array = np.zeros(1)
            for kind, oid, part in keys:
                if kind == "unit_model" and part == "variable_cost_per_task":
                    total = total + (result.units[oid].variable_cost_per_task if oid in result.units
                                     else unit_variable[oid])  # type: ignore[index]
                elif kind == "unit_model" and part == "fixed_monthly":
                    total = total + 12 * values[kind, oid, part]
                else:
                    total = total + values[kind, oid, part]
            eff[name] = total
        result.effective[o.id] = eff
        result.p_success[o.id] = eff["p_success"]
        inputs = sizing.OpportunityInputs(
            **{f.name: eff[f.name] for f in fields(sizing.OpportunityInputs)})
        result.flows[o.id] = sizing.flows(inputs, df, monthly=monthly)
    return result


@dataclass(frozen=True)
class _Deterministic:
    """Base-value results of every opportunity at once, as arrays over opportunities."""

    names: tuple[str, ...]  # the effective inputs, in the order results list them
    effective: Array  # (inputs x opportunities)
    labels: list[tuple[str, ...]]  # per opportunity, where each effective input came from
    flows: sizing.Flows  # arrays over opportunities; monthly series (opportunities x months)
    units: dict[str, UnitCosts]
    rice: Array  # NaN or infinite where there is none (no effort)


def _deterministic(plan: Plan, st: Structure, df: Array) -> _Deterministic:
    """What ``evaluate`` gives at base values, one opportunity at a time, computed for all at
    once: the same arithmetic element by element, so the same numbers to the last bit."""
    opportunities = plan.opportunities
    names = _estimate_names(Opportunity)
    linked = _prepared_bases(_linked_estimates(plan))
    units = {u.id: unit_costs(_unit_inputs(u, linked), st.unit_volume[u.id]) for u in plan.unit_models}
    own = np.array([[getattr(o, name).base for name in names] for o in opportunities],
                   dtype=float).reshape(len(opportunities), len(names))
    own_prepared = [prepare(name, own[:, j]) for j, name in enumerate(names)]
    # Opportunities with the same links take their effective inputs from the same places.
    groups: dict[tuple[str | None, str | None], list[int]] = {}
    for row, o in enumerate(opportunities):
        groups.setdefault((o.decision_id or None, o.unit_model_id), []).append(row)
    effective = np.empty((len(names), len(opportunities)))
    labels: list[tuple[str, ...]] = [()] * len(opportunities)
    for rows in groups.values():
        sources = st.sources[opportunities[rows[0]].id]
        index = np.array(rows)
        for j, name in enumerate(names):
            total: Array = np.zeros(len(rows))
            for kind, oid, part in sources[name]:
                if kind == "opportunity":
                    total = total + own_prepared[j][index]
                elif kind == "unit_model" and part == "variable_cost_per_task":
                    total = total + units[oid].variable_cost_per_task
                elif kind == "unit_model" and part == "fixed_monthly":
                    total = total + 12 * linked[kind, oid, part]
                else:
                    total = total + linked[kind, oid, part]
            effective[j, index] = total
        label = tuple(source_label(sources[name]) for name in names)
        for row in rows:
            labels[row] = label
    position = {name: j for j, name in enumerate(names)}
    inputs = sizing.OpportunityInputs(
        **{f.name: effective[position[f.name]] for f in fields(sizing.OpportunityInputs)})
    # RICE reads the opportunity's own base values, as typed (docs/formulas.md 3.1).
    rice = sizing.rice_many(*(own[:, position[name]] for name in (
        "eligible_users", "adoption_target", "impact", "confidence", "effort_person_months")))
    return _Deterministic(names, effective, labels, sizing.flows(inputs, df, monthly=True, each=True),
                          units, rice)


class _MonthlyRow(Mapping[str, Array]):
    """One opportunity's monthly series: its rows of the (opportunities x months) arrays, taken
    when read (most results are never drawn month by month)."""

    __slots__ = ("_arrays", "_row")

    def __init__(self, arrays: Mapping[str, Array], row: int) -> None:
        self._arrays, self._row = arrays, row

    def __getitem__(self, name: str) -> Array:
        row: Array = self._arrays[name][self._row]
        return row

    def __iter__(self) -> Any:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        return repr(dict(self))


class _EffectiveRow(Mapping[str, tuple[float, str]]):
    """One opportunity's effective inputs, each (value, where it came from), read from the rows
    of all opportunities' values and sources when asked for."""

    __slots__ = ("_position", "_values", "_labels")

    def __init__(self, position: dict[str, int], values: list[float], labels: tuple[str, ...]) -> None:
        self._position, self._values, self._labels = position, values, labels

    def __getitem__(self, name: str) -> tuple[float, str]:
        j = self._position[name]
        return self._values[j], self._labels[j]

    def __iter__(self) -> Any:
        return iter(self._position)

    def __len__(self) -> int:
        return len(self._position)

    def __repr__(self) -> str:
        return repr(dict(self))


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TornadoBar:
    key: Key
    low: float
    high: float
    npv_low: float
    npv_high: float

    @property
    def swing(self) -> float:
        return abs(self.npv_high - self.npv_low)


@dataclass(frozen=True)
class OpportunityResult:
    id: str
    name: str
    npv: float
    enpv: float
    irr: float | None
    roi: float | None
    payback_month: int | None
    pv_benefit: float
    pv_cost: float
    pv_build: float
    annual_benefit_ss: float
    annual_cost_ss: float
    rice: float | None
    effective: Mapping[str, tuple[float, str]]
    monthly: Mapping[str, Array]
    mc: Summary | None = None
    npv_samples: Array | None = None
    tornado: tuple[TornadoBar, ...] = ()
    #: Value of information (docs/formulas.md 3.9), from the Monte Carlo run (None without one):
    #: what learning everything before committing is worth, each ranged input (and launch
    #: success, ("opportunity", id, "launch_success")) ranked by EVPPI, and the noise floor
    #: below which an EVPPI is not told apart from nothing.
    evpi: float | None = None
    evppi: tuple[information.Worth[Key], ...] = ()
    evppi_floor: float = 0.0
    kpis: tuple[KpiResult, ...] = ()


@dataclass(frozen=True)
class KpiResult:
    """A KPI target and what the plan says of it (docs/formulas.md 3.10): its status from the
    measurement; for a metric the model computes, the plan's own value (its base), whether
    that meets the target, and the share of Monte Carlo samples that meet it."""

    kpi: Kpi
    planned: float | None = None
    plan_meets: bool | None = None
    p_meets: float | None = None

    @property
    def status(self) -> str:
        return self.kpi.status


@dataclass(frozen=True)
class UnitModelResult:
    id: str
    name: str
    volume_tasks_month: float
    costs: dict[str, float | None]
    mc: dict[str, Summary] | None = None


@dataclass(frozen=True)
class PortfolioResult:
    ranking: tuple[str, ...]
    total_enpv: float
    budget: float | None
    selected: tuple[str, ...]
    selected_enpv: float
    selected_build_cost: float
    mc: Summary | None = None
    selected_mc: Summary | None = None
    npv_samples: Array | None = None  # the whole plan's total NPV, one value per simulation
    selected_samples: Array | None = None  # the funded set's total NPV, per simulation
    #: The plan's value of information, each opportunity decided on its own (no budget).
    evpi: float | None = None
    evppi: tuple[information.Worth[Key], ...] = ()
    evppi_floor: float = 0.0


@dataclass(frozen=True)
class PlanResults:
    plan: Plan
    opportunities: tuple[OpportunityResult, ...]
    decisions: tuple[DecisionResult, ...]
    unit_models: tuple[UnitModelResult, ...]
    portfolio: PortfolioResult
    samples: int = 0
    #: Correlations the simulation could not use as typed (they cannot all hold together) and
    #: the values it used instead (docs/formulas.md 3.8).
    correlation_repairs: tuple[Repair, ...] = ()


def _number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _tornado_keys(plan: Plan, st: Structure, o: Opportunity,
                  estimates: dict[Key, Estimate]) -> list[Key]:
    """The ranged inputs that reach an opportunity's success-case NPV, in a stable order."""
    keys = [key for parts in st.sources[o.id].values() for key in parts]
    if o.unit_model_id is not None:
        unit = plan.unit_model(o.unit_model_id)
        assert unit is not None
        routes = {r.id for r in unit.routes}
        keys += [k for k in estimates if (k[0] == "unit_model" and k[1] == unit.id)
                 or (k[0] == "route" and k[1] in routes)]
    return list(dict.fromkeys(k for k in keys if k in estimates and estimates[k].is_range
                              and k[2] != "p_success"))


def tornadoes(plan: Plan, st: Structure, base: dict[Key, Array], estimates: dict[Key, Estimate],
              df: Array, only: tuple[Opportunity, ...] | None = None) -> dict[str, tuple[TornadoBar, ...]]:
    """Success-case NPV with each ranged input at its low and its high (others at base).

    Per opportunity, one batched evaluation: sample 2i moves its i-th input to low, sample
    2i + 1 to high; every other input stays at base, except the inputs correlated with it,
    which move with it to their median given it (docs/formulas.md 3.8).
    """
    out: dict[str, tuple[TornadoBar, ...]] = {}
    partners = _partners(plan)
    for o in plan.opportunities if only is None else only:
        keys = _tornado_keys(plan, st, o, estimates)
        if not keys:
            out[o.id] = ()
            continue
        moved: dict[Key, Array] = {}
        for i, key in enumerate(keys):
            column = np.repeat(base[key], 2 * len(keys))
            est = estimates[key]
            column[2 * i] = prepare(key[2], np.array([est.low]))[0]
            column[2 * i + 1] = prepare(key[2], np.array([est.high]))[0]
            moved[key] = column
        for i, key in enumerate(keys):  # then the partners that reach this NPV follow it
            for other in sorted(partners.get(key, set()) & moved.keys()):
                followed = _follow(plan, estimates, key, other)
                if followed is not None:
                    moved[other][2 * i], moved[other][2 * i + 1] = followed
        # the moved inputs over the base values, without copying a large plan's base each time
        values = _Layered(moved, base)
        npv = np.broadcast_to(evaluate(plan, st, values, df, opportunities=(o,)).flows[o.id].npv,
                              (2 * len(keys),))
        bars = [TornadoBar(key, float(estimates[key].low), float(estimates[key].high),  # type: ignore[arg-type]
                           float(npv[2 * i]), float(npv[2 * i + 1])) for i, key in enumerate(keys)]
        out[o.id] = tuple(sorted(bars, key=lambda b: -b.swing))
    return out


#: Where a tornado's low and high sit in their input's distribution, for moving the inputs
#: correlated with it: a normal or lognormal range is its 5th to 95th percentile (2), and a
#: bounded range's ends are read as its 10th and 90th (its very ends would drag a partner to its
#: own ends, further than any draw of a P10-P90 reading goes).
TORNADO_QUANTILES = {"normal": (0.05, 0.95), "lognormal": (0.05, 0.95)}
BOUNDED_TORNADO_QUANTILES = (0.1, 0.9)
#: Draws of a partner from which its conditional median is read (its own stream, so stable).
_FOLLOW_DRAWS = 4001


def _follow(plan: Plan, estimates: dict[Key, Estimate], key: Key,
            other: Key) -> tuple[float, float] | None:
    """The median of ``other`` given ``key`` at its low and at its high, under the normal-score
    reading of Iman-Conover: the quantile Phi(r z) with z = Phi^-1(q), r = 2 sin(pi rho / 6).
    None for a correlation of 0: ``other`` stays at its base, as with no correlation at all."""
    rho = next(c.rho for c in plan.correlations if {c.a, c.b} == {key, other})
    if rho == 0.0:
        return None
    r = 2.0 * math.sin(math.pi * rho / 6.0)
    unit = NormalDist()
    draws = np.sort(_draw(plan.settings.mc_seed, _FOLLOW_DRAWS, other, estimates[other]))
    out = []
    for q in TORNADO_QUANTILES.get(estimates[key].dist or "", BOUNDED_TORNADO_QUANTILES):
        level = unit.cdf(r * unit.inv_cdf(q))
        out.append(float(prepare(other[2], np.quantile(draws, [level]))[0]))
    return out[0], out[1]


def tornado_for(plan: Plan, opportunity_id: str) -> tuple[TornadoBar, ...]:
    """The tornado of one opportunity (what the app draws for the one on screen)."""
    s = plan.settings
    o = next(x for x in plan.opportunities if x.id == opportunity_id)
    # Only this opportunity's inputs and those of what it links to can reach its NPV.
    estimates = _linked_estimates(plan)
    estimates.update((("opportunity", o.id, name), getattr(o, name)) for name in _estimate_fields(o))
    bars = tornadoes(plan, structure(plan), _prepared_bases(estimates), estimates,
                     finance.discount_factors(s.discount_rate, s.horizon_years), only=(o,))
    return bars[o.id]


# --- Monte Carlo in bounded memory ------------------------------------------------------

#: Arrays over samples a batch of opportunities may hold while it is evaluated: about
#: _ARRAYS_PER_OPPORTUNITY per opportunity (its inputs, effective inputs, cash-flow parts).
MC_BATCH_BYTES = 256 * 2**20
_ARRAYS_PER_OPPORTUNITY = 40
#: The opportunities' NPV samples kept for their histograms: all of them while they fit, else
#: every k-th (independent samples, so a stride is a fair subsample). Summaries use all.
MC_KEPT_BYTES = 64 * 2**20
#: Unit models' sampled variable cost per task kept between batches (recomputed if dropped).
MC_UNIT_CACHE_BYTES = 96 * 2**20
#: Samples per chunk of a unit model's costs: its routes, each with eight inputs, may be many.
MC_UNIT_CHUNK = 1 << 16
_UNIT_SUMMARIES = ("variable_cost_per_task", "loaded_cost_per_task", "gross_margin")


@dataclass(frozen=True)
class MonteCarlo:
    """What the results keep of a Monte Carlo run: summaries, kept samples, portfolio totals."""

    npv: dict[str, Summary]
    npv_samples: dict[str, Array]
    units: dict[str, dict[str, Summary]]
    total: Array
    selected_total: Array
    ranked: dict[str, information.Ranked[Key]] = field(default_factory=dict)  # value of information
    plan_ranked: information.Ranked[Key] | None = None
    #: (opportunity id, KPI id) -> the share of samples whose value meets the KPI's target.
    kpi_meets: dict[tuple[str, str], float] = field(default_factory=dict)


class _Recent:
    """Arrays reused between batches; the least recently used are dropped past a byte budget."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.items: OrderedDict[Any, Array] = OrderedDict()
        self.size = 0

    def get(self, key: Any, make: Any) -> Array:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value: Array = make()
        self.items[key] = value
        self.size += value.nbytes
        while self.size > self.budget and len(self.items) > 1:
            _, dropped = self.items.popitem(last=False)
            self.size -= dropped.nbytes
        return value


def _unit_keys(u: UnitModel) -> list[Key]:
    keys = [("unit_model", u.id, name) for name in _estimate_fields(u) if name not in BASE_ONLY]
    return keys + [("route", r.id, name) for r in u.routes for name in _estimate_fields(r)]


def _unit_costs_sampled(st: Structure, u: UnitModel, estimates: dict[Key, Estimate],
                        base: dict[Key, Array], n: int, seed: int, pool: ThreadPoolExecutor,
                        fixed: Mapping[Key, Array] | None = None) -> UnitCosts:
    """A unit model's costs over ``n`` samples, in chunks of samples: each input keeps one stream
    across chunks, and unit costs are per sample, so the numbers are those of one pass.
    ``fixed``: inputs already drawn whole (the correlated ones, reordered), used as they are."""
    keys = _unit_keys(u)
    fixed = {key: fixed[key] for key in keys if key in fixed} if fixed else {}
    streams = {key: stream(seed, key) for key in keys if estimates[key].is_range and key not in fixed}
    if not streams and not fixed:
        return unit_costs(_unit_inputs(u, base), st.unit_volume[u.id])
    out = {f.name: np.empty(n) for f in fields(UnitCosts)}
    for start in range(0, n, MC_UNIT_CHUNK):
        size = min(MC_UNIT_CHUNK, n - start)
        # numpy's generators release the GIL while they fill arrays: use both cores.
        drawn = pool.map(lambda key, size=size: _draw_from(streams[key], size, key, estimates[key]),
                         streams)
        chunk = dict(zip(streams, drawn, strict=True))
        chunk.update((key, values[start:start + size]) for key, values in fixed.items())
        costs = unit_costs(_unit_inputs(u, _Layered(chunk, base)), st.unit_volume[u.id])
        for name, array in out.items():
            array[start:start + size] = np.broadcast_to(getattr(costs, name), (size,))
    return UnitCosts(**out)


class _Layered(Mapping[Key, Array]):
    """One chunk's draws over the base values, without copying a large plan's base per chunk."""

    def __init__(self, top: dict[Key, Array], under: dict[Key, Array]) -> None:
        self.top, self.under = top, under

    def __getitem__(self, key: Key) -> Array:
        return self.top[key] if key in self.top else self.under[key]

    def __iter__(self) -> Any:
        return iter({**self.under, **self.top})

    def __len__(self) -> int:
        return len(self.under.keys() | self.top.keys())


def monte_carlo_run(plan: Plan, st: Structure, df: Array, n: int, seed: int,
                    selected: set[str], with_information: bool = True) -> MonteCarlo:
    """docs/formulas.md 3.5 with memory bounded whatever the plan's size: unit models one at a time in
    chunks of samples, then opportunities in batches; each input is drawn once per batch from
    its own stream, so the numbers are those of a single pass over the whole plan."""
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return _monte_carlo(plan, st, df, n, seed, selected, pool, with_information)


def _monte_carlo(plan: Plan, st: Structure, df: Array, n: int, seed: int, selected: set[str],
                 pool: ThreadPoolExecutor, with_information: bool = True) -> MonteCarlo:
    estimates = estimate_inputs(plan)
    base = base_values(plan)
    correlated = _correlated_draws(plan, estimates, n, seed, pool)
    units: dict[str, dict[str, Summary]] = {}
    recent = _Recent(MC_UNIT_CACHE_BYTES)
    kpi_meets: dict[tuple[str, str], float] = {}
    tied_to_unit = _kpis_tied_to_units(plan)

    def sampled(key: Key) -> Array:
        """An input's samples as the simulation uses them (a plain number: its one value)."""
        if key in correlated:
            return correlated[key]
        return _draw(seed, n, key, estimates[key]) if estimates[key].is_range else base[key]

    for u in plan.unit_models:
        costs = _unit_costs_sampled(st, u, estimates, base, n, seed, pool, correlated)
        units[u.id] = {name: Summary.of(np.broadcast_to(getattr(costs, name), (n,)).astype(float))
                       for name in _UNIT_SUMMARIES}
        for o, kpi in tied_to_unit.get(u.id, ()):
            values = (sampled(("unit_model", u.id, "escalation_rate")) if kpi.tied == "escalation_rate"
                      else getattr(costs, str(kpi.tied)))
            kpi_meets[o.id, kpi.id] = _share_meeting(kpi, values)
        recent.get(("unit", u.id), lambda costs=costs: costs.variable_cost_per_task)
        del costs

    def variable(unit_id: str) -> Array:
        u = plan.unit_model(unit_id)
        assert u is not None
        return recent.get(("unit", unit_id), lambda: _unit_costs_sampled(
            st, u, estimates, base, n, seed, pool, correlated).variable_cost_per_task)

    def unit_draws(unit_id: str) -> dict[Key, Array]:
        """A unit model's ranged inputs drawn whole, for value of information (kept while they fit)."""
        u = plan.unit_model(unit_id)
        assert u is not None
        keys = [key for key in _unit_keys(u) if estimates[key].is_range]
        return {key: correlated[key] if key in correlated else recent.get(
            ("draw", key), lambda key=key: _draw(seed, n, key, estimates[key])) for key in keys}

    partners = _partners(plan)
    voi = _Information(n)

    total, selected_total = np.zeros(n), np.zeros(n)
    npv_summary: dict[str, Summary] = {}
    kept: dict[str, Array] = {}
    stride = max(1, math.ceil(len(plan.opportunities) * n * 8 / MC_KEPT_BYTES))
    per_batch = max(1, MC_BATCH_BYTES // (n * 8 * _ARRAYS_PER_OPPORTUNITY))
    for first in range(0, len(plan.opportunities), per_batch):
        batch = plan.opportunities[first:first + per_batch]
        keys = list(dict.fromkeys(
            key for o in batch for parts in st.sources[o.id].values() for key in parts
            if key in estimates and estimates[key].is_range))
        fresh = [key for key in keys if key not in correlated]
        # numpy's generators release the GIL while they fill arrays: use both cores.
        draws = dict(zip(fresh, pool.map(lambda key: _draw(seed, n, key, estimates[key]), fresh),
                         strict=True))
        draws.update((key, correlated[key]) for key in keys if key in correlated)
        linked = {o.unit_model_id for o in batch if o.unit_model_id is not None}
        evaluation = evaluate(plan, st, _Layered(draws, base), df, opportunities=batch,
                              unit_variable={uid: variable(uid) for uid in linked})
        for o in batch:  # launch success, drawn per sample
            for kpi in o.kpis:
                if kpi.tied in kpis.OPPORTUNITY_TIES:
                    key = ("opportunity", o.id, str(kpi.tied))
                    kpi_meets[o.id, kpi.id] = _share_meeting(kpi, draws.get(key, base[key]))
            flows = evaluation.flows[o.id]
            success = stream(seed, ("launch", o.id, "success")).random(n) < evaluation.p_success[o.id]
            npv = np.where(success, np.broadcast_to(flows.npv, (n,)),
                           -np.broadcast_to(flows.pv_build, (n,)))
            if with_information:
                inputs: dict[Key, NDArray[Any]] = {
                    key: draws[key] for parts in st.sources[o.id].values() for key in parts if key in draws}
                if o.unit_model_id is not None:
                    inputs.update(unit_draws(o.unit_model_id))
                for key in list(inputs):  # an input correlated with one of these tells about it too
                    inputs.update((other, correlated[other]) for other in partners.get(key, ()))
                inputs["opportunity", o.id, "launch_success"] = success
                voi.add(o.id, npv, inputs)
            npv_summary[o.id] = Summary.of(npv)
            kept[o.id] = npv if stride == 1 else npv[::stride].copy()
            total = total + npv
            if o.id in selected:
                selected_total = selected_total + npv
        del evaluation, draws
    return MonteCarlo(npv_summary, kept, units, total, selected_total, voi.ranked,
                      voi.plan() if with_information else None, kpi_meets)


def _kpi_results(plan: Plan, o: Opportunity, r: OpportunityResult, det: _Deterministic,
                 mc: MonteCarlo | None) -> tuple[KpiResult, ...]:
    """Each KPI of ``o`` with the plan's base value of its metric, where the model has one:
    its adoption and task success, or its unit model's loaded cost per task, gross margin and
    escalation rate."""
    out = []
    for kpi in o.kpis:
        planned: float | None = None
        if kpi.tied in kpis.OPPORTUNITY_TIES:
            planned = r.effective[str(kpi.tied)][0]
        elif kpi.tied in kpis.UNIT_TIES and o.unit_model_id in det.units:
            if kpi.tied == "escalation_rate":
                u = plan.unit_model(o.unit_model_id)
                assert u is not None
                planned = float(prepare("escalation_rate", np.array([u.escalation_rate.base]))[0])
            else:
                planned = float(np.asarray(getattr(det.units[o.unit_model_id], str(kpi.tied))).reshape(-1)[0])
        plan_meets = None
        if planned is not None and math.isfinite(planned):
            plan_meets = kpis.meets(kpi.direction, kpi.target, planned)
        elif planned is not None:
            planned = None  # no such value here (a margin without revenue): nothing to compare
        p_meets = mc.kpi_meets.get((o.id, kpi.id)) if mc is not None and kpi.tied else None
        out.append(KpiResult(kpi, planned, plan_meets, p_meets))
    return tuple(out)


def _kpi_json(k: KpiResult) -> dict[str, Any]:
    """One KPI as calc --json gives it: the target, its status, and the plan's own value."""
    return {"id": k.kpi.id, "metric": k.kpi.metric, "label": k.kpi.label, "direction": k.kpi.direction,
            "target": k.kpi.target, "measured": k.kpi.measured, "status": k.status,
            "planned": k.planned, "plan_meets": k.plan_meets, "p_meets": k.p_meets}


def _kpis_tied_to_units(plan: Plan) -> dict[str, list[tuple[Opportunity, Kpi]]]:
    """Unit model id -> the KPIs of the opportunities linked to it whose value it computes."""
    out: dict[str, list[tuple[Opportunity, Kpi]]] = {}
    for o in plan.opportunities:
        if o.unit_model_id is not None and plan.unit_model(o.unit_model_id) is not None:
            out.setdefault(o.unit_model_id, []).extend(
                (o, k) for k in o.kpis if k.tied in kpis.UNIT_TIES)
    return out


def _share_meeting(kpi: Kpi, values: Array) -> float:
    """The share of samples whose value meets ``kpi``'s target (a value that is not a number,
    such as a margin without revenue, meets nothing)."""
    x = np.asarray(values, dtype=float)
    met = x >= kpi.target if kpi.direction == kpis.AT_LEAST else x <= kpi.target
    return float(np.mean(met))


def _correlated_draws(plan: Plan, estimates: dict[Key, Estimate], n: int, seed: int,
                      pool: ThreadPoolExecutor) -> dict[Key, Array]:
    """The inputs named by correlations, each drawn whole from its own stream (the values of
    docs/formulas.md 3.5) and then reordered by Iman-Conover (3.8): the same values, permuted."""
    if not plan.correlations:
        return {}
    keys = sorted({key for c in plan.correlations for key in (c.a, c.b)})

    def reordered() -> dict[Key, Array]:
        drawn = dict(zip(keys, pool.map(lambda key: _draw(seed, n, key, estimates[key]), keys),
                         strict=True))
        out = iman_conover(drawn, plan.correlations, seed)
        return out if _Shared.made is None else {key: _read_only(x) for key, x in out.items()}

    # Scenarios that leave the correlated inputs and the correlations alone reorder them once.
    identity = ("correlated", seed, n, tuple((key, estimates[key]) for key in keys), plan.correlations)
    return _shared_made(identity, reordered, lambda out: sum(x.nbytes for x in out.values()))


def simulated_inputs(plan: Plan, samples: int | None = None) -> dict[Key, Array]:
    """Every ranged input's samples as the Monte Carlo uses them (correlated ones reordered):
    what a PM, or a test, reads to see the correlations the simulation realised."""
    n = samples or plan.settings.mc_samples
    estimates = estimate_inputs(plan)
    ranged = [key for key, est in estimates.items() if est.is_range]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        correlated = _correlated_draws(plan, estimates, n, plan.settings.mc_seed, pool)
        fresh = [key for key in ranged if key not in correlated]
        drawn = pool.map(lambda key: _draw(plan.settings.mc_seed, n, key, estimates[key]), fresh)
        return {**dict(zip(fresh, drawn, strict=True)), **correlated}


def _partners(plan: Plan) -> dict[Key, set[Key]]:
    """Each correlated input and the inputs it is correlated with."""
    out: dict[Key, set[Key]] = {}
    for c in plan.correlations:
        out.setdefault(c.a, set()).add(c.b)
        out.setdefault(c.b, set()).add(c.a)
    return out


class _Information:
    """Value of information gathered opportunity by opportunity (docs/formulas.md 3.9): each
    input is sorted into its bins once per run, and the plan's figures are sums over opportunities."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.ranked: dict[str, information.Ranked[Key]] = {}
        self.partitions: dict[Key, information.Partition] = {}
        self.kept = 0  # bytes of the partitions kept
        self.evpi = 0.0
        self.floor = 0.0
        self.evppi: dict[Key, float] = {}

    def add(self, opportunity_id: str, y: Array, inputs: Mapping[Key, NDArray[Any]]) -> None:
        go = float(np.sum(y)) > 0.0
        evpi = information.evpi(y)
        floor = information.noise_floor(y)
        worth: dict[Key, float] = {}
        for key, x in inputs.items():
            if evpi == 0.0:  # nothing to learn: no sample would reverse the decision
                worth[key] = 0.0
                continue
            part = self.partitions.get(key)
            if part is None:  # one sort per input per run: an input shared by several is sorted once
                part = _bins(x)
                if self.kept < MC_UNIT_CACHE_BYTES // 4:
                    self.partitions[key] = part
                    self.kept += part.order.nbytes
            worth[key] = information.evppi_partitioned(y, part, go=go, limit=evpi)
        self.ranked[opportunity_id] = information.Ranked.of(evpi, worth, floor)
        self.evpi += evpi
        self.floor += floor
        for key, value in worth.items():
            self.evppi[key] = self.evppi.get(key, 0.0) + value

    def plan(self) -> information.Ranked[Key]:
        return information.Ranked.of(self.evpi, self.evppi, self.floor)


def _bins(x: NDArray[Any]) -> information.Partition:
    """An input's bins for value of information; draws shared between scenarios (read-only,
    the same array in every run that uses them) are sorted once for all of them."""
    if x.flags.writeable or _Shared.made is None:
        return information.partition(np.asarray(x, dtype=float))
    # Keyed by the array itself, kept alive beside its bins so its id cannot be reused meanwhile.
    kept: tuple[NDArray[Any], information.Partition] = _shared_made(
        ("bins", id(x)), lambda: (x, information.partition(np.asarray(x, dtype=float))),
        lambda made: made[0].nbytes + made[1].order.nbytes + made[1].starts.nbytes)
    return kept[1] if kept[0] is x else information.partition(np.asarray(x, dtype=float))


def calculate(plan: Plan, *, monte_carlo: bool = True, with_tornado: bool = True,
              samples: int | None = None, with_information: bool = True) -> PlanResults:
    """Every result of docs/formulas.md 3; raises PlanInvalid instead of using invalid input."""
    problems = plan_problems(plan)
    if problems:
        raise PlanInvalid(problems)
    s = plan.settings
    df = finance.discount_factors(s.discount_rate, s.horizon_years)
    st = structure(plan)
    det = _deterministic(plan, st, df)
    bars: dict[str, tuple[TornadoBar, ...]] = {}
    if with_tornado:
        estimates = estimate_inputs(plan)
        bars = tornadoes(plan, st, _prepared_bases(estimates), estimates, df)

    n = samples or s.mc_samples
    f = det.flows
    monthly = f.monthly or {}
    nets = monthly["net"]
    irrs = (finance.irr_many(nets) if plan.opportunities else np.zeros(0)).tolist()
    paybacks = finance.payback_months(nets)
    enpv = sizing.enpv(det.effective[det.names.index("p_success")], f.npv, f.pv_build).tolist()
    npvs, pv_costs, pv_builds = f.npv.tolist(), f.pv_cost.tolist(), f.pv_build.tolist()
    pv_benefits = f.pv_benefit.tolist()
    benefits_ss, costs_ss = f.annual_benefit_ss.tolist(), f.annual_cost_ss.tolist()
    effective = det.effective.T.tolist()
    position = {name: j for j, name in enumerate(det.names)}
    rices = det.rice.tolist()
    opportunities = []
    for row, o in enumerate(plan.opportunities):
        npv, pv_cost = npvs[row], pv_costs[row]
        opportunities.append(OpportunityResult(
            id=o.id, name=o.name, npv=npv, enpv=enpv[row],
            # A ratio over a vanishingly small cost has no meaningful size: null, as over zero.
            irr=_number(irrs[row]), roi=None if pv_cost == 0 else _number(npv / pv_cost),
            payback_month=paybacks[row],
            pv_benefit=pv_benefits[row], pv_cost=pv_cost, pv_build=pv_builds[row],
            annual_benefit_ss=benefits_ss[row], annual_cost_ss=costs_ss[row],
            rice=_number(rices[row]),  # none without effort: x / 0 is not finite
            effective=_EffectiveRow(position, effective[row], det.labels[row]),
            monthly=_MonthlyRow(monthly, row),
            tornado=bars.get(o.id, ()),
        ))

    ids = [r.id for r in opportunities]
    enpvs = [r.enpv for r in opportunities]
    build_costs = [r.effective["build_cost"][0] for r in opportunities]
    selected: list[int] = []
    if s.budget is not None:
        selected = portfolio.select_within_budget(enpvs, build_costs, s.budget)
    mc = (monte_carlo_run(plan, st, df, n, s.mc_seed, {ids[i] for i in selected}, with_information)
          if monte_carlo else None)
    if mc is not None:
        opportunities = [dataclasses.replace(r, mc=mc.npv[r.id], npv_samples=mc.npv_samples[r.id],
                                             **_information_fields(mc.ranked.get(r.id)))
                         for r in opportunities]
    if any(o.kpis for o in plan.opportunities):
        opportunities = [dataclasses.replace(r, kpis=_kpi_results(plan, o, r, det, mc))
                         if o.kpis else r for o, r in zip(plan.opportunities, opportunities, strict=True)]

    units = []
    for u in plan.unit_models:
        costs = det.units[u.id]
        units.append(UnitModelResult(
            id=u.id, name=u.name, volume_tasks_month=st.unit_volume[u.id],
            costs={f.name: _number(float(getattr(costs, f.name)[0])) for f in fields(costs)},
            mc=mc.units[u.id] if mc is not None else None))

    total_mc = selected_mc = None
    total_samples = selected_samples = None
    if mc is not None:
        total_samples = mc.total
        total_mc = Summary.of(total_samples)
        if s.budget is not None:
            selected_samples = mc.selected_total
            selected_mc = Summary.of(selected_samples)
    result_portfolio = PortfolioResult(
        ranking=tuple(portfolio.rank(ids, enpvs)),
        total_enpv=float(sum(enpvs)),
        budget=s.budget,
        selected=tuple(ids[i] for i in selected),
        selected_enpv=float(sum(enpvs[i] for i in selected)),
        selected_build_cost=math.fsum(build_costs[i] for i in selected),  # as the budget check sums
        mc=total_mc, selected_mc=selected_mc, npv_samples=total_samples,
        selected_samples=selected_samples,
        **_information_fields(mc.plan_ranked if mc is not None else None),
    )
    return PlanResults(plan, tuple(opportunities), tuple(st.decisions.values()), tuple(units),
                       result_portfolio, samples=n if monte_carlo else 0,
                       correlation_repairs=tuple(repairs(plan.correlations)))


def _information_fields(ranked: information.Ranked[Key] | None) -> dict[str, Any]:
    if ranked is None:
        return {}
    return {"evpi": ranked.evpi, "evppi": ranked.inputs, "evppi_floor": ranked.noise_floor}


# --- the JSON of ``aiplan calc --json`` (docs/architecture.md 5) -----------------------------


def summary_json(summary: Summary | None, prefix: str) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {f"{prefix}_mean": _number(summary.mean), f"{prefix}_p10": _number(summary.p10),
            f"{prefix}_p50": _number(summary.p50), f"{prefix}_p90": _number(summary.p90),
            f"p_{prefix}_positive": _number(summary.p_positive)}


def results_json(results: PlanResults) -> dict[str, Any]:
    s = results.plan.settings
    return {
        "project": {"name": s.name, "currency": s.currency, "horizon_years": s.horizon_years,
                    "discount_rate": s.discount_rate, "mc_samples": results.samples,
                    "mc_seed": s.mc_seed, "budget": s.budget},
        "opportunities": [
            {
                "id": r.id, "name": r.name, "npv": r.npv, "enpv": r.enpv, "irr": r.irr,
                "roi": r.roi, "payback_month": r.payback_month, "pv_benefit": r.pv_benefit,
                "pv_cost": r.pv_cost, "pv_build": r.pv_build,
                "annual_benefit_ss": r.annual_benefit_ss, "annual_cost_ss": r.annual_cost_ss,
                "rice": r.rice,
                "effective": {k: {"value": v, "source": src} for k, (v, src) in r.effective.items()},
                "mc": summary_json(r.mc, "npv"),
                "tornado": [
                    {"object": b.key[0], "id": b.key[1], "input": b.key[2], "low": b.low,
                     "high": b.high, "npv_low": b.npv_low, "npv_high": b.npv_high,
                     "swing": b.swing}
                    for b in r.tornado
                ],
                "evpi": r.evpi,
                "evppi": _evppi_json(r.evppi),
                "kpis": [_kpi_json(k) for k in r.kpis],
            }
            for r in results.opportunities
        ],
        "decisions": [
            {
                "id": d.decision_id, "annual_volume": d.annual_volume, "scores": d.scores,
                "tco": d.tco, "winner": d.winner, "robust": d.robust,
                "flips": [{"criterion": f.criterion, "share_now": f.share_now,
                           "share_flip": f.share_flip, "new_winner": f.new_winner}
                          for f in d.flips],
            }
            for d in results.decisions
        ],
        "unit_models": [
            {
                "id": u.id, "name": u.name, "volume_tasks_month": u.volume_tasks_month, **u.costs,
                "mc": None if u.mc is None else {
                    name: {"mean": _number(m.mean), "p10": _number(m.p10), "p50": _number(m.p50),
                           "p90": _number(m.p90)}
                    for name, m in u.mc.items()},
            }
            for u in results.unit_models
        ],
        "portfolio": {
            "ranking": list(results.portfolio.ranking),
            "total_enpv": results.portfolio.total_enpv,
            "budget": results.portfolio.budget,
            "selected": list(results.portfolio.selected),
            "selected_enpv": results.portfolio.selected_enpv,
            "selected_build_cost": results.portfolio.selected_build_cost,
            "mc": summary_json(results.portfolio.mc, "npv"),
            "selected_mc": summary_json(results.portfolio.selected_mc, "npv"),
            "evpi": results.portfolio.evpi,
            "evppi": _evppi_json(results.portfolio.evppi),
        },
        "correlation_repairs": [
            {"a": _input_json(r.a), "b": _input_json(r.b), "rho": r.old, "used": r.new}
            for r in results.correlation_repairs
        ],
    }


def _input_json(key: Key) -> dict[str, str]:
    return {"object": key[0], "id": key[1], "input": key[2]}


def _evppi_json(worths: tuple[information.Worth[Key], ...]) -> list[dict[str, Any]]:
    """The inputs ranked by EVPPI, largest first (docs/formulas.md 3.9)."""
    return [{**_input_json(w.key), "evppi": w.evppi} for w in worths]
