"""Validation problems: each names the object, the field and the rule it breaks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    object_kind: str  # "project", "opportunity", "decision", "criterion", "option", ...
    object_id: str
    object_name: str
    field: str
    rule: str

    def __str__(self) -> str:
        name = f"“{self.object_name}”" if self.object_name else f"“{self.object_id}”"
        where = f"{self.object_kind.replace('_', ' ')} {name}"
        return f"{where}, {self.field}: {self.rule}" if self.field else f"{where}: {self.rule}"


class PlanInvalid(Exception):
    """Raised instead of calculating from invalid input."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}" if problems else "invalid plan")
