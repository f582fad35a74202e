"""Plain words for the model's inputs and problems, shared by views, charts and exports."""

from __future__ import annotations

from app.terminal import one_line
from models.problems import Problem

#: Input field -> (label a PM reads, how its value is written).
FIELDS: dict[str, tuple[str, str]] = {
    "eligible_users": ("Eligible users", "count"),
    "adoption_target": ("Adoption target", "percent"),
    "ramp_months": ("Ramp-up", "months"),
    "tasks_per_user_month": ("Tasks per user a month", "number"),
    "success_rate": ("Task success rate", "percent"),
    "value_per_success": ("Value per successful task", "price"),
    "launch_month": ("Launch month", "month"),
    "build_cost": ("Build cost", "money"),
    "run_cost_annual": ("Run cost a year", "money"),
    "cost_per_task": ("Cost per task", "price"),
    "p_success": ("Chance of a successful launch", "percent"),
    "effort_person_months": ("Effort (person-months)", "number"),
    "impact": ("Impact", "number"),
    "confidence": ("Confidence", "percent"),
    "upfront_cost": ("Upfront cost", "money"),
    "annual_cost": ("Annual cost", "money"),
    "launch_months": ("Time to launch", "months"),
    "revenue_per_task": ("Revenue per task", "price"),
    "retry_rate": ("Retry rate", "percent"),
    "embed_tokens_per_task": ("Embedding tokens per task", "count"),
    "embed_price_mtok": ("Embedding price per M tokens", "price"),
    "vector_queries_per_task": ("Vector queries per task", "number"),
    "vector_price_per_1k": ("Vector price per 1k queries", "price"),
    "tool_cost_per_task": ("Tool cost per task", "price"),
    "escalation_rate": ("Escalation rate", "percent"),
    "human_cost_per_escalation": ("Human cost per escalation", "price"),
    "fixed_monthly": ("Fixed cost a month", "money"),
    "volume_tasks_month": ("Tasks a month", "count"),
    "variable_cost_per_task": ("Variable cost per task", "price"),
    "annual_volume": ("Tasks a year", "count"),
    "share": ("Traffic share", "percent"),
    "price_in_mtok": ("Input price per M tokens", "price"),
    "price_out_mtok": ("Output price per M tokens", "price"),
    "price_cached_in_mtok": ("Cached input price per M tokens", "price"),
    "input_tokens": ("Input tokens", "count"),
    "output_tokens": ("Output tokens", "count"),
    "cached_share": ("Cached share of input", "percent"),
    "calls_per_task": ("Calls per task", "number"),
}


KINDS = {"project": "Project", "opportunity": "Opportunity", "decision": "Decision",
         "criterion": "Criterion", "option": "Option", "unit_model": "Unit model",
         "route": "Route", "memo": "Memo section", "log": "Decision-log entry"}
OTHER_FIELDS = {"routes.share": "Route shares", "weight": "Weight", "horizon_years": "Horizon",
                "discount_rate": "Discount rate", "mc_samples": "Monte Carlo samples",
                "budget": "Budget", "decision_id": "Linked decision",
                "unit_model_id": "Linked unit model", "chosen_option_id": "Chosen option",
                "options": "Options", "criteria": "Criteria", "kind": "Kind"}


def field_label(field: str) -> str:
    if field in OTHER_FIELDS:
        return OTHER_FIELDS[field]
    if field.startswith("scores."):
        return "Value on a criterion"
    return FIELDS.get(field, (field.replace("_", " ").capitalize(), "number"))[0]


def problem_text(problem: Problem) -> str:
    """One problem in words: ``Opportunity “Triage”: Task success rate must be …``."""
    kind = KINDS.get(problem.object_kind, problem.object_kind.replace("_", " ").capitalize())
    # The name comes from the file and the sentence may reach a terminal or a one-line message.
    name = one_line(problem.object_name or problem.object_id or "")
    where = f"{kind} “{name}”" if name else kind
    if not problem.field:
        return f"{where}: {problem.rule}"
    joiner = " " if problem.rule.startswith(("must", "links", "total")) else ": "
    return f"{where}: {field_label(problem.field)}{joiner}{problem.rule}"
