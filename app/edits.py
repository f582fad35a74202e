"""Granular changes to a project: insert, remove or move one object, set one field.

Each is pure data with an exact inverse, so an undo step holds only the objects it touched (a
cascade is a list of them, e.g. unlinking opportunities before their unit model is removed).
``apply`` performs one on the interchange JSON; the project state writes the same to the
working copy first.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

#: Where the objects of each kind live: the key of their list, and the kind of the object
#: that holds that list (None: the project itself).
LISTS: dict[str, tuple[str, str | None]] = {
    "opportunity": ("opportunities", None),
    "decision": ("decisions", None),
    "unit_model": ("unit_models", None),
    "memo": ("memo", None),
    "log": ("decision_log", None),
    "scenario": ("scenarios", None),
    "correlation": ("correlations", None),
    "route": ("routes", "unit_model"),
    "criterion": ("criteria", "decision"),
    "option": ("options", "decision"),
    "kpi": ("kpis", "opportunity"),
    "launch_check": ("launch_checklist", "opportunity"),
}


@dataclass(frozen=True)
class Insert:
    """``obj`` (with everything it holds) put at ``index`` of its list."""

    kind: str
    parent_id: str | None
    index: int
    obj: Json

    def inverse(self) -> Remove:
        return Remove(self.kind, self.parent_id, self.index, self.obj)


@dataclass(frozen=True)
class Remove:
    """The object at ``index`` (``obj``, kept for the undo) taken out of its list."""

    kind: str
    parent_id: str | None
    index: int
    obj: Json

    def inverse(self) -> Insert:
        return Insert(self.kind, self.parent_id, self.index, self.obj)


@dataclass(frozen=True)
class Move:
    """The object ``object_id`` moved from ``old_index`` to ``new_index`` of its list."""

    kind: str
    parent_id: str | None
    object_id: str
    old_index: int
    new_index: int

    def inverse(self) -> Move:
        return Move(self.kind, self.parent_id, self.object_id, self.new_index, self.old_index)


@dataclass(frozen=True)
class SetField:
    """One field of one object (``scores.ID`` and ``notes.NAME`` as the fields address them);
    ``None`` for a score or a note means it is absent."""

    kind: str
    object_id: str
    field: str
    old: Any
    new: Any

    def inverse(self) -> SetField:
        return SetField(self.kind, self.object_id, self.field, self.new, self.old)


Edit = Insert | Remove | Move | SetField


def plain(number: float) -> int | float:
    """A number as an export writes it: integral values as integers (0, not 0.0)."""
    return int(number) if float(number).is_integer() else number


def changes(kind: str, object_id: str, before: Json, after: Json) -> list[Edit]:
    """The fields (notes and scores one by one) in which ``after`` differs from ``before``."""
    out: list[Edit] = []
    for key in dict.fromkeys([*before, *after]):
        if key in ("id", "routes", "criteria", "options", "kpis", "launch_checklist"):
            continue
        old, new = before.get(key), after.get(key)
        if key == "overrides":  # one SetField per input overridden
            olds = {override_key(o): o["value"] for o in old or []}
            news = {override_key(o): o["value"] for o in new or []}
            out += [SetField(kind, object_id, override_field(*k), olds.get(k), news.get(k))
                    for k in dict.fromkeys([*olds, *news]) if olds.get(k) != news.get(k)]
        elif key in ("notes", "scores"):
            old, new = old or {}, new or {}
            out += [SetField(kind, object_id, f"{key}.{name}", old.get(name), new.get(name))
                    for name in dict.fromkeys([*old, *new]) if old.get(name) != new.get(name)]
        elif old != new:
            out.append(SetField(kind, object_id, key, old, new))
    return out


def inverse(edits: list[Edit]) -> list[Edit]:
    """The edits that undo ``edits``: each inverted, last first."""
    return [e.inverse() for e in reversed(edits)]


def object_list(data: Json, kind: str, parent_id: str | None) -> list[Json]:
    """The list that holds objects of ``kind`` (inside ``parent_id`` for routes, criteria and
    options)."""
    key, parent_kind = LISTS[kind]
    if parent_kind is None:
        return data[key]  # type: ignore[no-any-return]
    parent = next(p for p in data[LISTS[parent_kind][0]] if p["id"] == parent_id)
    return parent.setdefault(key, [])  # type: ignore[no-any-return]


def holder_of(data: Json, kind: str, object_id: str) -> str:
    """The id of the object whose list holds ``object_id`` (a route's unit model, a KPI's
    opportunity, …); KeyError when no list of that kind holds it."""
    key, parent_kind = LISTS[kind]
    assert parent_kind is not None, kind
    for parent in data[LISTS[parent_kind][0]]:
        if any(o["id"] == object_id for o in parent.get(key) or ()):
            return str(parent["id"])
    raise KeyError((kind, object_id))


def find(data: Json, kind: str, object_id: str) -> Json:
    """One object of ``data`` by kind and id (``project`` for the project's settings)."""
    if kind == "project":
        return data["project"]  # type: ignore[no-any-return]
    key, parent_kind = LISTS[kind]
    if parent_kind is None:
        return next(o for o in data[key] if o["id"] == object_id)
    for parent in data[LISTS[parent_kind][0]]:
        for o in parent.get(key) or []:
            if o["id"] == object_id:
                return o  # type: ignore[no-any-return]
    raise KeyError((kind, object_id))


def override_field(kind: str, object_id: str, field: str) -> str:
    """The field of a scenario that holds its override of one input (``overrides.[...]``)."""
    return "overrides." + json.dumps([kind, object_id, field], ensure_ascii=False)


def override_target(field: str) -> tuple[str, str, str]:
    """The input an ``override_field`` names: (kind, object id, field)."""
    kind, object_id, name = json.loads(field.partition(".")[2])
    return str(kind), str(object_id), str(name)


def override_key(override: Json) -> tuple[str, str, str]:
    """The input an override replaces, (kind, object id, field): also the order the file and
    the app keep a scenario's overrides in."""
    return (str(override["kind"]), str(override.get("id") or ""), str(override["field"]))


def _put_override(scenario: Json, field: str, value: Any) -> None:
    """Set (or with None remove) one override, keeping the file's order: kind, id, field."""
    key = override_target(field)
    overrides = [o for o in scenario.get("overrides") or [] if override_key(o) != key]
    if value is not None:
        overrides.append({"kind": key[0], "id": key[1], "field": key[2], "value": value})
        overrides.sort(key=override_key)
    scenario["overrides"] = overrides


def put_value(obj: Json, field: str, value: Any) -> None:
    """One field of one object, as an export of the stored row reads it."""
    head, _, tail = field.partition(".")
    if head == "overrides" and tail:
        _put_override(obj, field, value)
        return
    if head in ("scores", "notes") and tail:
        values = obj.setdefault(head, {})
        if value is None or (head == "notes" and not value):
            values.pop(tail, None)
        else:
            values[tail] = value
    else:
        obj[field] = value


def value_of(obj: Json, field: str) -> Any:
    head, _, tail = field.partition(".")
    if head == "overrides" and tail:
        key = override_target(field)
        return next((o["value"] for o in obj.get("overrides") or [] if override_key(o) == key), None)
    if tail:
        return (obj.get(head) or {}).get(tail)
    return obj.get(field)


def apply(data: Json, edit: Edit) -> None:
    """Perform one edit on ``data`` in place (objects inserted are copies)."""
    if isinstance(edit, SetField):
        put_value(find(data, edit.kind, edit.object_id), edit.field, copy.deepcopy(edit.new))
        return
    items = object_list(data, edit.kind, edit.parent_id)
    if isinstance(edit, Insert):
        items.insert(edit.index, copy.deepcopy(edit.obj))
    elif isinstance(edit, Remove):
        assert items[edit.index]["id"] == edit.obj["id"], (edit.kind, edit.obj["id"])
        del items[edit.index]
    else:
        assert items[edit.old_index]["id"] == edit.object_id, (edit.kind, edit.object_id)
        items.insert(edit.new_index, items.pop(edit.old_index))


def index_of(items: list[Json], object_id: str) -> int:
    return next(i for i, o in enumerate(items) if o["id"] == object_id)


def removal(data: Json, kind: str, object_id: str, parent_id: str | None = None) -> Remove:
    """Taking one object out of its list (a copy of it kept for the undo)."""
    items = object_list(data, kind, parent_id)
    index = index_of(items, object_id)
    return Remove(kind, parent_id, index, copy.deepcopy(items[index]))


def move(data: Json, kind: str, object_id: str, new_index: int, parent_id: str | None = None) -> list[Edit]:
    """Moving one object to ``new_index`` of its list (nothing when it is there already)."""
    items = object_list(data, kind, parent_id)
    old_index = index_of(items, object_id)
    new_index = max(0, min(new_index, len(items) - 1))
    return [] if new_index == old_index else [Move(kind, parent_id, object_id, old_index, new_index)]


def dependants(data: Json, kind: str, object_id: str) -> list[Edit]:
    """Taking out the scenarios' overrides and the correlations that name an object (or an
    object it holds, or for a criterion the options' scores on it): they go with the object in
    the same undo step, so no scenario or correlation is left pointing at nothing."""
    obj = find(data, kind, object_id)
    held = {(kind, object_id)}
    held |= {("route", r["id"]) for r in obj.get("routes") or []} if kind == "unit_model" else set()
    if kind == "decision":
        held |= {("criterion", c["id"]) for c in obj.get("criteria") or []}
        held |= {("option", o["id"]) for o in obj.get("options") or []}
    score = f"scores.{object_id}" if kind == "criterion" else None

    def names(ref: Json) -> bool:
        return ((ref["kind"], ref.get("id") or "") in held
                or (ref["kind"] == "option" and ref["field"] == score))

    out: list[Edit] = []
    for scenario in data.get("scenarios") or []:
        out += [SetField("scenario", scenario["id"], override_field(*override_key(o)), o["value"], None)
                for o in scenario.get("overrides") or [] if names(o)]
    correlations = data.get("correlations") or []
    out += [Remove("correlation", None, i, copy.deepcopy(c))  # last first: the indices stay right
            for i, c in reversed(list(enumerate(correlations))) if names(c["a"]) or names(c["b"])]
    return out


def unlinks(data: Json, kind: str, field: str, target_id: str) -> list[Edit]:
    """Clearing ``field`` of every object of ``kind`` that points at ``target_id``."""
    key = LISTS[kind][0]
    return [SetField(kind, o["id"], field, target_id, None)
            for o in data[key] if o.get(field) == target_id]
