"""The open project as the app edits it: the document plus its interchange form in memory.

Views read ``data`` (the interchange JSON of DESIGN 4) and change it only through
``set_value`` (one field, written to the working copy at once) or ``replace`` (a whole new
version, for adding, removing and reordering objects). Both are what undo commands call.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app import interchange
from app.document import ProjectDocument
from models import engine
from models.estimate import Estimate, estimate_from_json
from models.limits import FIGURE, SCORE
from models.plan import Plan, plan_from_json
from models.problems import PlanInvalid, Problem
from models.schema import (
    Base,
    Criterion,
    Decision,
    DecisionLogEntry,
    MemoSection,
    Opportunity,
    Option,
    OptionScore,
    Project,
    Route,
    UnitModel,
)
from models.validation import estimate_rules, value_rules

#: Object kinds the views address, their table and where they live in the JSON.
TABLES: dict[str, type[Base]] = {
    "project": Project, "opportunity": Opportunity, "decision": Decision, "criterion": Criterion,
    "option": Option, "unit_model": UnitModel, "route": Route, "memo": MemoSection,
    "log": DecisionLogEntry,
}


class InvalidValueError(ValueError):
    """A value a field must not hold; the message is the plain rule it breaks."""


class ProjectState:
    def __init__(self, document: ProjectDocument) -> None:
        self.document = document
        self.data: dict[str, Any] = document.to_json()
        self._index: dict[tuple[str, str], dict[str, Any]] = {}
        self._reindex()

    # --- reading ----------------------------------------------------------------------

    def _reindex(self) -> None:
        index: dict[tuple[str, str], dict[str, Any]] = {("project", ""): self.data["project"]}
        for o in self.data["opportunities"]:
            index["opportunity", o["id"]] = o
        for d in self.data["decisions"]:
            index["decision", d["id"]] = d
            for c in d["criteria"]:
                index["criterion", c["id"]] = c
            for o in d["options"]:
                index["option", o["id"]] = o
        for u in self.data["unit_models"]:
            index["unit_model", u["id"]] = u
            for r in u["routes"]:
                index["route", r["id"]] = r
        for m in self.data["memo"]:
            index["memo", m["id"]] = m
        for e in self.data["decision_log"]:
            index["log", e["id"]] = e
        self._index = index

    def object(self, kind: str, object_id: str) -> dict[str, Any]:
        return self._index[kind, object_id]

    def value(self, kind: str, object_id: str, field: str) -> Any:
        """A field's JSON value; ``notes.NAME`` for a note, ``scores.CRITERION`` for a score."""
        obj = self.object(kind, object_id)
        head, _, tail = field.partition(".")
        if tail:
            return (obj.get(head) or {}).get(tail)
        return obj.get(field)

    def plan(self) -> Plan:
        return plan_from_json(self.data)

    def problems(self) -> list[Problem]:
        from models.validation import plan_problems

        return plan_problems(self.plan())

    def calculate(self, *, monte_carlo: bool = False, with_tornado: bool = True,
                  samples: int | None = None) -> engine.PlanResults:
        """Results for the current inputs; raises PlanInvalid when a plan-level rule is broken."""
        return engine.calculate(self.plan(), monte_carlo=monte_carlo, with_tornado=with_tornado,
                                samples=samples)

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)

    @property
    def modified(self) -> bool:
        return self.document.modified

    @property
    def path(self) -> Path | None:
        return self.document.path

    # --- changing ---------------------------------------------------------------------

    def check_value(self, kind: str, object_id: str, field: str, value: Any) -> None:
        """Raise InvalidValueError with the plain rule when ``value`` may not be stored."""
        if kind == "log" and field == "date" and value:
            try:
                datetime.date.fromisoformat(str(value))
            except ValueError:
                raise InvalidValueError("must be a date written YYYY-MM-DD") from None
            if len(str(value)) != 10:
                raise InvalidValueError("must be a date written YYYY-MM-DD")
        if isinstance(value, (int, float, dict)) and not isinstance(value, bool):
            if field.startswith("scores."):
                self._check_score(field.split(".", 1)[1], value)
                return
            # Each number against the field's limits before anything converts it to a float
            # (an integer of 400 digits has no float).
            for number in _numbers(value):
                for rule in value_rules(field, number):
                    raise InvalidValueError(rule)
            for rule in estimate_rules(estimate_from_json(value), field):
                raise InvalidValueError(rule)

    def _check_score(self, criterion_id: str, value: Any) -> None:
        criterion = self.object("criterion", criterion_id)
        kind = SCORE if (criterion.get("kind") or "score") == "score" else FIGURE
        for number in _numbers(value):
            for rule in kind.problems(number):
                raise InvalidValueError("a score must be between 1 and 5" if kind is SCORE else rule)
        est = estimate_from_json(value)
        for rule in estimate_rules(est, "scores"):
            if not rule.startswith("must"):  # the order of low, base and high
                raise InvalidValueError(rule)

    def set_value(self, kind: str, object_id: str, field: str, value: Any) -> None:
        """Store one field (after check_value): committed to the working copy first, then put
        in ``data``; a commit that fails (``DataFolderError``) leaves ``data`` as it was."""
        self.check_value(kind, object_id, field, value)
        obj = self.object(kind, object_id)
        with self.document.edit() as session:
            _write_value(session, kind, object_id, field, value, obj)
        _put_value(obj, field, value)

    def replace(self, data: dict[str, Any]) -> None:
        """Replace the whole project (validated first; on error nothing changes)."""
        self.document.replace_content(data)
        self.data = copy.deepcopy(data)
        self._reindex()

    def iter_objects(self, kind: str) -> Iterator[dict[str, Any]]:
        for (k, _), obj in self._index.items():
            if k == kind:
                yield obj

    def export_json(self) -> str:
        return interchange.dumps(self.data)


def _write_value(session: Session, kind: str, object_id: str, field: str, value: Any,
                 obj: dict[str, Any]) -> None:
    """One field of one row, as ``set_value`` stores it (``data`` is not touched here)."""
    if field.startswith("scores."):
        criterion_id = field.split(".", 1)[1]
        score = session.get(OptionScore, (object_id, criterion_id))
        if score is None:
            score = OptionScore(option_id=object_id, criterion_id=criterion_id,
                                position=len(obj.get("scores") or {}))
            session.add(score)
        score.value = estimate_from_json(value)
        return
    row = session.get(TABLES[kind], 1 if kind == "project" else object_id)
    assert row is not None, (kind, object_id)
    if field.startswith("notes."):
        name = field.split(".", 1)[1]
        if name.startswith("scores."):
            score = session.get(OptionScore, (object_id, name.split(".", 1)[1]))
            if score is not None:
                score.value_note = value or ""
        else:
            row.set_note(name, value or "")
        return
    current = getattr(row, field)
    if isinstance(current, Estimate):
        setattr(row, field, estimate_from_json(value, current.base))
    else:
        setattr(row, field, value)


def _put_value(obj: dict[str, Any], field: str, value: Any) -> None:
    """One field of one object of ``data``, as the export of the stored row reads it."""
    head, _, tail = field.partition(".")
    if head == "scores" and tail:
        obj.setdefault("scores", {})[tail] = value
    elif head == "notes" and tail:
        notes = obj.setdefault("notes", {})
        if value:
            notes[tail] = value
        else:
            notes.pop(tail, None)
    else:
        obj[field] = value


def _numbers(value: Any) -> list[Any]:
    """The numbers of a plain number or an estimate object (anything else checks nothing)."""
    parts = [value.get(k) for k in ("base", "low", "high")] if isinstance(value, dict) else [value]
    return [p for p in parts if isinstance(p, (int, float)) and not isinstance(p, bool)]


__all__ = ["InvalidValueError", "PlanInvalid", "ProjectState", "TABLES"]
