"""The project file's schema: SQLAlchemy 2 typed models for everything in docs/formulas.md 3."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import (
    Composite,
    DeclarativeBase,
    Mapped,
    MappedColumn,
    composite,
    mapped_column,
    relationship,
)

from models.estimate import Estimate, plain_number
from models.fileformat import APPLICATION_ID, SCHEMA_VERSION

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION"]  # re-exported: what the file's tables belong to



def estimate_column(name: str, default: float = 0.0, *, added: bool = False) -> Composite[Estimate]:
    """Four columns holding a plain number or an estimate (base, low, high, dist); ``added`` for a
    field a later schema version added (its base has a server default, so old rows get one)."""
    server_default = str(plain_number(default)) if added else None
    return composite(
        Estimate,
        mapped_column(f"{name}_base", Float, nullable=False, default=default, server_default=server_default),
        mapped_column(f"{name}_low", Float, nullable=True),
        mapped_column(f"{name}_high", Float, nullable=True),
        mapped_column(f"{name}_dist", String(16), nullable=True),
    )


def note_column(*, added: bool = False) -> MappedColumn[str]:
    """The PM's source or evidence for one input (``added`` as for estimate_column)."""
    return mapped_column(Text, nullable=False, default="", server_default="" if added else None)


class Base(DeclarativeBase):
    #: Names of the estimate fields of a table, in the order of docs/formulas.md 3.1-3.3,
    #: with their default value.
    ESTIMATES: dict[str, float] = {}

    def note(self, field: str) -> str:
        return str(getattr(self, f"{field}_note"))

    def set_note(self, field: str, text: str) -> None:
        setattr(self, f"{field}_note", text)


class Project(Base):
    """Project settings (one row)."""

    __tablename__ = "project"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    author: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="USD")
    horizon_years: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    discount_rate: Mapped[float] = mapped_column(Float, nullable=False, default=0.1)
    mc_samples: Mapped[int] = mapped_column(Integer, nullable=False, default=10_000)
    mc_seed: Mapped[int] = mapped_column(Integer, nullable=False, default=42)
    budget: Mapped[float | None] = mapped_column(Float, nullable=True)
    #: Added in schema version 5: the date whose catalog prices routes are priced at ("" today's).
    price_date: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    #: SHA-256 of the canonical content, written at save and checked at open, so damage
    #: SQLite cannot see (a flipped bit inside a number or a name) is never read as data.
    content_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Opportunity(Base):
    """An AI opportunity, sized (docs/formulas.md 3.1)."""

    __tablename__ = "opportunities"
    ESTIMATES = {
        "eligible_users": 0.0,
        "adoption_target": 0.0,
        "ramp_months": 0.0,
        "tasks_per_user_month": 0.0,
        "success_rate": 1.0,
        "value_per_success": 0.0,
        "launch_month": 0.0,
        "build_cost": 0.0,
        "run_cost_annual": 0.0,
        "cost_per_task": 0.0,
        "p_success": 1.0,
        "effort_person_months": 0.0,
        "impact": 1.0,
        "confidence": 1.0,
    }

    id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(32), nullable=False, default="proposed")
    decision_id: Mapped[str | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL"), nullable=True, index=True
    )
    unit_model_id: Mapped[str | None] = mapped_column(
        ForeignKey("unit_models.id", ondelete="SET NULL"), nullable=True, index=True
    )

    eligible_users: Mapped[Estimate] = estimate_column("eligible_users")
    eligible_users_note: Mapped[str] = note_column()
    adoption_target: Mapped[Estimate] = estimate_column("adoption_target")
    adoption_target_note: Mapped[str] = note_column()
    ramp_months: Mapped[Estimate] = estimate_column("ramp_months")
    ramp_months_note: Mapped[str] = note_column()
    tasks_per_user_month: Mapped[Estimate] = estimate_column("tasks_per_user_month")
    tasks_per_user_month_note: Mapped[str] = note_column()
    success_rate: Mapped[Estimate] = estimate_column("success_rate", 1.0)
    success_rate_note: Mapped[str] = note_column()
    value_per_success: Mapped[Estimate] = estimate_column("value_per_success")
    value_per_success_note: Mapped[str] = note_column()
    launch_month: Mapped[Estimate] = estimate_column("launch_month")
    launch_month_note: Mapped[str] = note_column()
    build_cost: Mapped[Estimate] = estimate_column("build_cost")
    build_cost_note: Mapped[str] = note_column()
    run_cost_annual: Mapped[Estimate] = estimate_column("run_cost_annual")
    run_cost_annual_note: Mapped[str] = note_column()
    cost_per_task: Mapped[Estimate] = estimate_column("cost_per_task")
    cost_per_task_note: Mapped[str] = note_column()
    p_success: Mapped[Estimate] = estimate_column("p_success", 1.0)
    p_success_note: Mapped[str] = note_column()
    effort_person_months: Mapped[Estimate] = estimate_column("effort_person_months")
    effort_person_months_note: Mapped[str] = note_column()
    impact: Mapped[Estimate] = estimate_column("impact", 1.0)
    impact_note: Mapped[str] = note_column()
    confidence: Mapped[Estimate] = estimate_column("confidence", 1.0)
    confidence_note: Mapped[str] = note_column()

    # Added in schema version 4: the opportunity's definition of done (docs/formulas.md 3.10).
    kpis: Mapped[list[KpiTarget]] = relationship(
        order_by="KpiTarget.position", cascade="all, delete-orphan", passive_deletes=True)
    launch_checks: Mapped[list[LaunchCheck]] = relationship(
        order_by="LaunchCheck.position", cascade="all, delete-orphan", passive_deletes=True)
    gate: Mapped[LaunchGate | None] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class Decision(Base):
    """A build / partner / buy decision with weighted criteria (docs/formulas.md 3.2)."""

    __tablename__ = "decisions"
    ESTIMATES = {"annual_volume": 0.0}

    id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The option the PM chose; None means the winner of the weighted score.
    chosen_option_id: Mapped[str | None] = mapped_column(String, nullable=True)
    annual_volume: Mapped[Estimate] = estimate_column("annual_volume")
    annual_volume_note: Mapped[str] = note_column()

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="decision",
        order_by="Criterion.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    options: Mapped[list[Option]] = relationship(
        back_populates="decision",
        order_by="Option.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Criterion(Base):
    """A weighted criterion of a decision: kind ``score`` (1..5), ``value`` or ``tco``."""

    __tablename__ = "criteria"
    ESTIMATES = {"weight": 1.0}

    id: Mapped[str] = mapped_column(String, primary_key=True)
    decision_id: Mapped[str] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(8), nullable=False, default="score")
    unit: Mapped[str] = mapped_column(Text, nullable=False, default="")
    higher_is_better: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    weight: Mapped[Estimate] = estimate_column("weight", 1.0)
    weight_note: Mapped[str] = note_column()

    decision: Mapped[Decision] = relationship(back_populates="criteria")


class Option(Base):
    """One way to get the capability: build, partner or buy."""

    __tablename__ = "options"
    ESTIMATES = {
        "upfront_cost": 0.0,
        "annual_cost": 0.0,
        "cost_per_task": 0.0,
        "launch_months": 0.0,
    }

    id: Mapped[str] = mapped_column(String, primary_key=True)
    decision_id: Mapped[str] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(8), nullable=False, default="build")
    upfront_cost: Mapped[Estimate] = estimate_column("upfront_cost")
    upfront_cost_note: Mapped[str] = note_column()
    annual_cost: Mapped[Estimate] = estimate_column("annual_cost")
    annual_cost_note: Mapped[str] = note_column()
    cost_per_task: Mapped[Estimate] = estimate_column("cost_per_task")
    cost_per_task_note: Mapped[str] = note_column()
    launch_months: Mapped[Estimate] = estimate_column("launch_months")
    launch_months_note: Mapped[str] = note_column()

    decision: Mapped[Decision] = relationship(back_populates="options")
    scores: Mapped[list[OptionScore]] = relationship(
        back_populates="option",
        order_by="OptionScore.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class OptionScore(Base):
    """An option's value on one criterion (a 1..5 score or a raw figure)."""

    __tablename__ = "option_scores"
    ESTIMATES = {"value": 0.0}

    option_id: Mapped[str] = mapped_column(
        ForeignKey("options.id", ondelete="CASCADE"), primary_key=True
    )
    criterion_id: Mapped[str] = mapped_column(
        ForeignKey("criteria.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    value: Mapped[Estimate] = estimate_column("value")
    value_note: Mapped[str] = note_column()

    option: Mapped[Option] = relationship(back_populates="scores")


class UnitModel(Base):
    """Cost per AI task: routes across models plus retrieval, tools and escalation (3.3)."""

    __tablename__ = "unit_models"
    ESTIMATES = {
        "revenue_per_task": 0.0,
        "retry_rate": 0.0,
        "embed_tokens_per_task": 0.0,
        "embed_price_mtok": 0.0,
        "vector_queries_per_task": 0.0,
        "vector_price_per_1k": 0.0,
        "tool_cost_per_task": 0.0,
        "escalation_rate": 0.0,
        "human_cost_per_escalation": 0.0,
        "fixed_monthly": 0.0,
        "volume_tasks_month": 0.0,
    }

    id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    revenue_per_task: Mapped[Estimate] = estimate_column("revenue_per_task")
    revenue_per_task_note: Mapped[str] = note_column()
    retry_rate: Mapped[Estimate] = estimate_column("retry_rate")
    retry_rate_note: Mapped[str] = note_column()
    embed_tokens_per_task: Mapped[Estimate] = estimate_column("embed_tokens_per_task")
    embed_tokens_per_task_note: Mapped[str] = note_column()
    embed_price_mtok: Mapped[Estimate] = estimate_column("embed_price_mtok")
    embed_price_mtok_note: Mapped[str] = note_column()
    vector_queries_per_task: Mapped[Estimate] = estimate_column("vector_queries_per_task")
    vector_queries_per_task_note: Mapped[str] = note_column()
    vector_price_per_1k: Mapped[Estimate] = estimate_column("vector_price_per_1k")
    vector_price_per_1k_note: Mapped[str] = note_column()
    tool_cost_per_task: Mapped[Estimate] = estimate_column("tool_cost_per_task")
    tool_cost_per_task_note: Mapped[str] = note_column()
    escalation_rate: Mapped[Estimate] = estimate_column("escalation_rate")
    escalation_rate_note: Mapped[str] = note_column()
    human_cost_per_escalation: Mapped[Estimate] = estimate_column("human_cost_per_escalation")
    human_cost_per_escalation_note: Mapped[str] = note_column()
    fixed_monthly: Mapped[Estimate] = estimate_column("fixed_monthly")
    fixed_monthly_note: Mapped[str] = note_column()
    volume_tasks_month: Mapped[Estimate] = estimate_column("volume_tasks_month")
    volume_tasks_month_note: Mapped[str] = note_column()

    routes: Mapped[list[Route]] = relationship(
        back_populates="unit_model",
        order_by="Route.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Route(Base):
    """A share of a unit model's traffic sent to one LLM at its (copied) prices."""

    __tablename__ = "routes"
    ESTIMATES = {
        "share": 1.0,
        "price_in_mtok": 0.0,
        "price_out_mtok": 0.0,
        "price_cached_in_mtok": 0.0,
        "input_tokens": 0.0,
        "output_tokens": 0.0,
        "cached_share": 0.0,
        "calls_per_task": 1.0,
        "cache_write_share": 0.0,
        "price_cache_write_mtok": 0.0,
        "reasoning_tokens": 0.0,
        "price_reasoning_mtok": 0.0,
        "price_per_request": 0.0,
    }

    id: Mapped[str] = mapped_column(String, primary_key=True)
    unit_model_id: Mapped[str] = mapped_column(
        ForeignKey("unit_models.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    model: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Added in schema version 2: where the prices were copied from.
    provider: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    price_date: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    # Added in schema version 5: the prices' source and effective date, batch, cache writes' lifetime
    # and prices by prompt length (a JSON list of tiers, docs/file-format.md).
    price_source: Mapped[str] = mapped_column(String(8), nullable=False, default="manual",
                                              server_default="manual")
    price_since: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    batch: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default="0")
    cache_ttl: Mapped[str] = mapped_column(String(4), nullable=False, default="5m", server_default="5m")
    tiers: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")
    share: Mapped[Estimate] = estimate_column("share", 1.0)
    share_note: Mapped[str] = note_column()
    price_in_mtok: Mapped[Estimate] = estimate_column("price_in_mtok")
    price_in_mtok_note: Mapped[str] = note_column()
    price_out_mtok: Mapped[Estimate] = estimate_column("price_out_mtok")
    price_out_mtok_note: Mapped[str] = note_column()
    price_cached_in_mtok: Mapped[Estimate] = estimate_column("price_cached_in_mtok")
    price_cached_in_mtok_note: Mapped[str] = note_column()
    input_tokens: Mapped[Estimate] = estimate_column("input_tokens")
    input_tokens_note: Mapped[str] = note_column()
    output_tokens: Mapped[Estimate] = estimate_column("output_tokens")
    output_tokens_note: Mapped[str] = note_column()
    cached_share: Mapped[Estimate] = estimate_column("cached_share")
    cached_share_note: Mapped[str] = note_column()
    calls_per_task: Mapped[Estimate] = estimate_column("calls_per_task", 1.0)
    calls_per_task_note: Mapped[str] = note_column()
    cache_write_share: Mapped[Estimate] = estimate_column("cache_write_share", added=True)
    cache_write_share_note: Mapped[str] = note_column(added=True)
    price_cache_write_mtok: Mapped[Estimate] = estimate_column("price_cache_write_mtok", added=True)
    price_cache_write_mtok_note: Mapped[str] = note_column(added=True)
    reasoning_tokens: Mapped[Estimate] = estimate_column("reasoning_tokens", added=True)
    reasoning_tokens_note: Mapped[str] = note_column(added=True)
    price_reasoning_mtok: Mapped[Estimate] = estimate_column("price_reasoning_mtok", added=True)
    price_reasoning_mtok_note: Mapped[str] = note_column(added=True)
    price_per_request: Mapped[Estimate] = estimate_column("price_per_request", added=True)
    price_per_request_note: Mapped[str] = note_column(added=True)

    unit_model: Mapped[UnitModel] = relationship(back_populates="routes")


class MemoSection(Base):
    """One section of the PM's strategy memo (plain text with light formatting)."""

    __tablename__ = "memo_sections"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(Text, nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")


class DecisionLogEntry(Base):
    """A dated entry of the decision log."""

    __tablename__ = "decision_log"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    date: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    decision: Mapped[str] = mapped_column(Text, nullable=False, default="")
    rationale: Mapped[str] = mapped_column(Text, nullable=False, default="")
    alternatives: Mapped[str] = mapped_column(Text, nullable=False, default="")
    owner: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Scenario(Base):
    """A named overlay on the base plan (docs/formulas.md 3.7): its overrides replace inputs."""

    __tablename__ = "scenarios"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    probability: Mapped[float | None] = mapped_column(Float, nullable=True)

    overrides: Mapped[list[ScenarioOverride]] = relationship(
        back_populates="scenario",
        # One canonical order (no position): an override put back by an undo lands where it was.
        order_by="(ScenarioOverride.kind, ScenarioOverride.object_id, ScenarioOverride.field)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class ScenarioOverride(Base):
    """One input of one object replaced in a scenario: a number or an estimate.

    The object is named by kind and id, not by a foreign key: an override may point at any
    kind of object (or the project's settings, kind "project" with id ""), and one whose object
    is gone is reported to the PM rather than silently dropped.
    """

    __tablename__ = "scenario_overrides"
    ESTIMATES = {"value": 0.0}

    scenario_id: Mapped[str] = mapped_column(
        ForeignKey("scenarios.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    object_id: Mapped[str] = mapped_column(String, primary_key=True)
    field: Mapped[str] = mapped_column(String, primary_key=True)
    value: Mapped[Estimate] = estimate_column("value")

    scenario: Mapped[Scenario] = relationship(back_populates="overrides")


class Correlation(Base):
    """A rank correlation between two ranged inputs, each named by (kind, id, field) (3.8)."""

    __tablename__ = "correlations"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    a_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    a_id: Mapped[str] = mapped_column(String, nullable=False)
    a_field: Mapped[str] = mapped_column(String, nullable=False)
    b_kind: Mapped[str] = mapped_column(String(16), nullable=False)
    b_id: Mapped[str] = mapped_column(String, nullable=False)
    b_field: Mapped[str] = mapped_column(String, nullable=False)
    rho: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    #: The PM's reason for the correlation (``note`` in the file; the name ``note`` is
    #: taken by the notes of estimate fields).
    reason: Mapped[str] = mapped_column("note", Text, nullable=False, default="")


class KpiTarget(Base):
    """A KPI target of an opportunity (docs/formulas.md 3.10): a metric of the catalogue or the
    PM's own, its target and direction, and the latest measurement."""

    __tablename__ = "kpis"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    metric: Mapped[str] = mapped_column(String(32), nullable=False, default="custom")
    name: Mapped[str] = mapped_column(Text, nullable=False, default="")
    unit: Mapped[str] = mapped_column(Text, nullable=False, default="")
    direction: Mapped[str] = mapped_column(String(16), nullable=False, default="at_least")
    target: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    window: Mapped[str] = mapped_column(Text, nullable=False, default="")
    eval_set: Mapped[str] = mapped_column(Text, nullable=False, default="")
    measured: Mapped[float | None] = mapped_column(Float, nullable=True)
    measured_on: Mapped[str] = mapped_column(Text, nullable=False, default="")
    #: The PM's note (``note`` in the file; the name is free here: a KPI has no estimates).
    note_text: Mapped[str] = mapped_column("note", Text, nullable=False, default="")


class LaunchCheck(Base):
    """One item of an opportunity's launch checklist."""

    __tablename__ = "launch_checks"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    opportunity_id: Mapped[str] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    owner: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="todo")
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")


class LaunchGate(Base):
    """An opportunity's gate decision: approve, conditional or reject, as recorded (and
    written to the decision log, the entry ``log_entry_id`` names)."""

    __tablename__ = "gates"

    opportunity_id: Mapped[str] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[str] = mapped_column(String(16), nullable=False, default="approve")
    approvers: Mapped[str] = mapped_column(Text, nullable=False, default="")
    date: Mapped[str] = mapped_column(Text, nullable=False, default="")
    conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    log_entry_id: Mapped[str | None] = mapped_column(String, nullable=True)
