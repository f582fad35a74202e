"""Copying opportunities, decisions, unit models and scenarios from another project into this one."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.edits import override_key
from app.formatting import percent
from app.ids import all_ids
from models.scenarios import BASE_NAME
from models.schema import Project

Json = dict[str, Any]

#: The kinds of object the PM can copy, in the order they are shown, with their list in the JSON.
KINDS: dict[str, str] = {"opportunity": "opportunities", "decision": "decisions",
                         "unit_model": "unit_models", "scenario": "scenarios"}
#: How a kind reads in a sentence: singular and plural.
WORDS: dict[str, tuple[str, str]] = {"opportunity": ("opportunity", "opportunities"),
                                     "decision": ("decision", "decisions"),
                                     "unit_model": ("unit model", "unit models"),
                                     "scenario": ("scenario", "scenarios")}
#: The link fields of an opportunity and the kind each points at.
LINKS: dict[str, str] = {"decision_id": "decision", "unit_model_id": "unit_model"}
#: Ids are at most this long (the interchange schema); a copy's id leaves room for "-NNN".
_ID_ROOM = 190


@dataclass(frozen=True)
class Link:
    kind: str
    id: str
    name: str


@dataclass(frozen=True)
class Item:
    """One object the PM can pick, with the objects it points at and the ones pointing at it."""

    kind: str
    id: str
    name: str
    links: tuple[Link, ...] = ()  # an opportunity's decision and unit model
    used_by: tuple[Link, ...] = ()  # the opportunities that link a decision or unit model


@dataclass
class MergeResult:
    data: Json  # the whole project after the copy (a new dict)
    notes: list[str] = field(default_factory=list)  # plain sentences for the PM
    #: (kind, id in the other project) -> id of the copy, for every copied top-level object.
    copied: dict[tuple[str, str], str] = field(default_factory=dict)


def word(kind: str, count: int = 1) -> str:
    singular, plural = WORDS[kind]
    return singular if count == 1 else plural


def _objects(data: Json, kind: str) -> list[Json]:
    return list(data.get(KINDS[kind]) or [])


def importable(other: Json) -> list[Item]:
    """Every opportunity, decision, unit model and scenario of ``other``, in the order it holds them."""
    names = {(kind, obj["id"]): obj.get("name") or "" for kind in KINDS
             for obj in _objects(other, kind)}
    users: dict[tuple[str, str], list[Link]] = {}
    items: list[Item] = []
    for o in _objects(other, "opportunity"):
        me = Link("opportunity", o["id"], o.get("name") or "")
        links = []
        for key, kind in LINKS.items():
            target = o.get(key)
            if target is not None and (kind, target) in names:
                links.append(Link(kind, target, names[kind, target]))
                users.setdefault((kind, target), []).append(me)
        items.append(Item("opportunity", o["id"], me.name, tuple(links)))
    for kind in ("decision", "unit_model", "scenario"):
        for obj in _objects(other, kind):
            items.append(Item(kind, obj["id"], obj.get("name") or "",
                              used_by=tuple(users.get((kind, obj["id"]), ()))))
    return items


def with_links(other: Json, picks: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The picks plus the decisions and unit models the picked opportunities link: copying an
    opportunity without them would either break its link or silently change its numbers."""
    return _with_links({(i.kind, i.id): i for i in importable(other)}, picks)


def _with_links(items: dict[tuple[str, str], Item], picks: Iterable[tuple[str, str]]
                ) -> set[tuple[str, str]]:
    out = set(picks)
    for key in list(out):
        if key in items:
            out.update((link.kind, link.id) for link in items[key].links)
    return out


def _counted(keys: set[tuple[str, str]]) -> list[str]:
    counts = [(kind, sum(1 for k, _ in keys if k == kind)) for kind in KINDS]
    return [f"{n} {word(kind, n)}" for kind, n in counts if n]


def summary(other: Json, picks: Iterable[tuple[str, str]]) -> str:
    """One line saying what Import will copy, e.g. "3 opportunities, 1 decision will be copied"."""
    picks = set(picks)
    copying = with_links(other, picks)
    if not copying:
        return "Nothing is picked yet."
    line = f"{', '.join(_counted(copying))} will be copied"
    extra = copying - picks
    if extra:
        whose = "opportunity uses" if sum(1 for k, _ in picks if k == "opportunity") == 1 \
            else "opportunities use"
        line += f", including {' and '.join(_counted(extra))} that the picked {whose}"
    return line + "."


# --- ids and names -----------------------------------------------------------------------


class _Ids:
    """Hands out ids no object of the project holds, derived from the original for recognition."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = set(taken)
        self.here = set(self.taken)  # the objects this project held before the copy
        #: id in the other project -> id of its copy (ids are unique across a project).
        self.copies: dict[str, str] = {}

    def fresh(self, old: str) -> str:
        stem = old[:_ID_ROOM]
        n = 2
        while f"{stem}-{n}" in self.taken:
            n += 1
        new = f"{stem}-{n}"
        self.taken.add(new)
        self.copies[old] = new
        return new

    def target(self, ref: Json) -> str | None:
        """Where an override or a correlation's input points here: the copy of its object, or
        the object itself when this project holds it too (a copy of the same plan), else None."""
        if ref["kind"] == "project":
            return ""
        oid = ref.get("id") or ""
        return self.copies.get(oid) or (oid if oid in self.here else None)


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Names:
    """Gives a copy a name no object of its kind has here yet."""

    def __init__(self, data: Json, source: str) -> None:
        self.source = source
        self.taken = {kind: {_key(o.get("name") or "") for o in _objects(data, kind)}
                      for kind in KINDS}
        self.taken["scenario"].add(_key(BASE_NAME))  # the base plan's name among scenarios

    def unique(self, kind: str, name: str) -> str:
        taken = self.taken[kind]
        result = name
        if name.strip() and _key(name) in taken:
            numbered = (f"{name} ({n})" for n in itertools.count(2))
            first = [f"{name} (from {self.source})"] if self.source else []
            result = next(c for c in itertools.chain(first, numbered) if _key(c) not in taken)
        taken.add(_key(result))
        return result


# --- the copy ----------------------------------------------------------------------------


def _copy_decision(d: Json, ids: _Ids) -> Json:
    new = copy.deepcopy(d)
    new["id"] = ids.fresh(d["id"])
    criteria = {c["id"]: ids.fresh(c["id"]) for c in d.get("criteria") or []}
    options = {o["id"]: ids.fresh(o["id"]) for o in d.get("options") or []}
    for c in new.get("criteria") or []:
        c["id"] = criteria[c["id"]]
    for o in new.get("options") or []:
        o["id"] = options[o["id"]]
        if o.get("scores"):
            o["scores"] = {criteria.get(k, k): v for k, v in o["scores"].items()}
        if o.get("notes"):
            o["notes"] = {_score_note_key(k, criteria): v for k, v in o["notes"].items()}
    if new.get("chosen_option_id") is not None:
        new["chosen_option_id"] = options.get(new["chosen_option_id"])
    return new


def _score_note_key(key: str, criteria: dict[str, str]) -> str:
    head, _, criterion_id = key.partition(".")
    if head == "scores" and criterion_id in criteria:
        return f"scores.{criteria[criterion_id]}"
    return key


def _copy_unit_model(u: Json, ids: _Ids) -> Json:
    new = copy.deepcopy(u)
    new["id"] = ids.fresh(u["id"])
    for r in new.get("routes") or []:
        r["id"] = ids.fresh(r["id"])
    return new


def _quote_list(names: list[str]) -> str:
    quoted = [f"“{n}”" for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def _setting_notes(current: Json, other: Json, source: str) -> list[str]:
    columns = Project.__table__.c
    mine, theirs = current.get("project") or {}, other.get("project") or {}

    def setting(project: Json, name: str) -> Any:
        value = project.get(name)
        return columns[name].default.arg if value is None else value

    where = f"“{source}”" if source else "The other project"
    notes = []
    if setting(mine, "currency") != setting(theirs, "currency"):
        notes.append(
            f"{where} plans in {setting(theirs, 'currency')} and this project in "
            f"{setting(mine, 'currency')}. The copied amounts were kept as they are, not "
            "converted, so check them.")
    horizon = setting(mine, "horizon_years") != setting(theirs, "horizon_years")
    rate = setting(mine, "discount_rate") != setting(theirs, "discount_rate")
    if horizon or rate:
        theirs_text = (f"a {setting(theirs, 'horizon_years')}-year horizon and a "
                       f"{_rate(setting(theirs, 'discount_rate'))} discount rate")
        mine_text = (f"{setting(mine, 'horizon_years')} years and "
                     f"{_rate(setting(mine, 'discount_rate'))}")
        notes.append(f"{where} uses {theirs_text}; the copies are calculated with this "
                     f"project's {mine_text}, so their results differ from the ones there.")
    return notes


def _rate(value: float) -> str:
    return percent(value, 0 if round(value * 100, 6).is_integer() else 1)


def merge(current: Json, other: Json, picks: set[tuple[str, str]], *,
          source_name: str | None = None) -> MergeResult:
    """``current`` with copies of the picked objects of ``other`` (and the decisions and unit
    models the picked opportunities link), every id fresh and every link pointing at the copies.

    ``source_name`` names the other project in notes and renamed copies (default: its name).
    Raises ValueError for a pick ``other`` does not hold.
    """
    items = {(i.kind, i.id): i for i in importable(other)}
    unknown = sorted(set(picks) - items.keys())
    if unknown:
        kind, object_id = unknown[0]
        raise ValueError(f"the other project has no {WORDS.get(kind, (kind,))[0]} “{object_id}”")
    source = (source_name if source_name is not None
              else (other.get("project") or {}).get("name") or "").strip()
    copying = _with_links(items, picks)
    data = copy.deepcopy(current)
    for key in KINDS.values():
        data[key] = list(data.get(key) or [])
    ids = _Ids(all_ids(data))
    names = _Names(data, source)
    result = MergeResult(data, _setting_notes(current, other, source) if copying else [])
    renamed: list[str] = []

    for kind, key in KINDS.items():
        if kind in ("opportunity", "scenario"):
            continue  # after the objects they link, so their links can be rewritten
        for obj in _objects(other, kind):
            if (kind, obj["id"]) not in copying:
                continue
            new = _copy_decision(obj, ids) if kind == "decision" else _copy_unit_model(obj, ids)
            new["name"] = _renamed(kind, obj, names, renamed)
            data[key].append(new)
            result.copied[kind, obj["id"]] = new["id"]
            item = items[kind, obj["id"]]
            if (kind, obj["id"]) not in picks:
                pickers = [u.name for u in item.used_by if ("opportunity", u.id) in picks]
                verb = "uses" if len(pickers) == 1 else "use"
                result.notes.append(f"Also copied {word(kind)} “{obj.get('name') or ''}”, "
                                    f"which {_quote_list(pickers)} {verb}.")
            elif item.used_by and not any(("opportunity", u.id) in picks for u in item.used_by):
                result.notes.append(_alone_note(kind, obj, source))

    for obj in _objects(other, "opportunity"):
        if ("opportunity", obj["id"]) not in copying:
            continue
        new = copy.deepcopy(obj)
        new["id"] = ids.fresh(obj["id"])
        for link, kind in LINKS.items():
            if new.get(link) is not None:
                # A link to an object the other project lacks cannot pass validation there;
                # dropping it keeps the copy valid here.
                new[link] = result.copied.get((kind, new[link]))
        new["name"] = _renamed("opportunity", obj, names, renamed)
        for held in (*(new.get("kpis") or ()), *(new.get("launch_checklist") or ())):
            held["id"] = ids.fresh(held["id"])
        if new.get("gate"):  # its decision-log entry stays in the other project's log
            new["gate"] = {**new["gate"], "log_entry_id": None}
        data["opportunities"].append(new)
        result.copied["opportunity", obj["id"]] = new["id"]
    _copy_scenarios(other, copying, data, ids, names, renamed, result)
    _copy_correlations(other, data, ids, result)
    result.notes.extend(renamed)
    return result


def _copy_scenarios(other: Json, copying: set[tuple[str, str]], data: Json, ids: _Ids, names: _Names,
                    renamed: list[str], result: MergeResult) -> None:
    """Each picked scenario with the overrides whose objects are copied or are here too."""
    data["scenarios"] = list(data.get("scenarios") or [])
    for obj in _objects(other, "scenario"):
        if ("scenario", obj["id"]) not in copying:
            continue
        new = copy.deepcopy(obj)
        new["id"] = ids.fresh(obj["id"])
        new["name"] = _renamed("scenario", obj, names, renamed)
        kept = []
        for o in new.get("overrides") or []:
            target = ids.target(o)
            if target is not None:
                kept.append({**o, "id": target})
        kept.sort(key=override_key)
        left_out = len(new.get("overrides") or []) - len(kept)
        new["overrides"] = kept
        if left_out:
            result.notes.append(
                f"Scenario “{new['name']}” was copied without {left_out} of its overrides: "
                f"{'it names an object' if left_out == 1 else 'they name objects'} this project "
                "does not have.")
        data["scenarios"].append(new)
        result.copied["scenario", obj["id"]] = new["id"]


def _copy_correlations(other: Json, data: Json, ids: _Ids, result: MergeResult) -> None:
    """The other project's correlations between inputs of copied objects come along."""
    data["correlations"] = list(data.get("correlations") or [])
    pairs = {frozenset(((c["a"]["kind"], c["a"]["id"], c["a"]["field"]),
                        (c["b"]["kind"], c["b"]["id"], c["b"]["field"]))) for c in data["correlations"]}
    for c in other.get("correlations") or []:
        a, b = ids.target(c["a"]), ids.target(c["b"])
        copied = c["a"]["id"] in ids.copies or c["b"]["id"] in ids.copies
        if a is None or b is None or not copied:
            continue
        new = copy.deepcopy(c)
        new["id"] = ids.fresh(c["id"])
        new["a"]["id"], new["b"]["id"] = a, b
        pair = frozenset(((new["a"]["kind"], a, new["a"]["field"]), (new["b"]["kind"], b, new["b"]["field"])))
        if pair in pairs:
            continue
        pairs.add(pair)
        data["correlations"].append(new)


def _renamed(kind: str, obj: Json, names: _Names, notes: list[str]) -> str:
    name = obj.get("name") or ""
    new = names.unique(kind, name)
    if new != name:
        notes.append(f"This project already has {_article(kind)} {word(kind)} called “{name}”, "
                     f"so the copy is called “{new}”.")
    return new


def _article(kind: str) -> str:
    return "an" if kind == "opportunity" else "a"


def _alone_note(kind: str, obj: Json, source: str) -> str:
    where = f" in “{source}”" if source else " there"
    uses = ("its TCO counts its own annual volume" if kind == "decision"
            else "its loaded cost per task counts its own monthly volume")
    return (f"{word(kind).capitalize()} “{obj.get('name') or ''}” was copied without the "
            f"opportunities that use it{where}, so {uses} until an opportunity here links it.")


__all__ = ["Item", "KINDS", "Link", "MergeResult", "importable", "merge", "summary",
           "with_links", "word"]
