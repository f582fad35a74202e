"""What changed between two versions of a plan: its objects, inputs, settings and results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.edits import override_key
from app.formatting import money, month, number, percent, text_range
from app.labels import FIELDS, field_label, problem_text
from app.launch_words import gate_words, value_words
from app.terminal import one_line
from models import schema
from models.decision import DecisionResult, names_and
from models.estimate import Estimate, estimate_from_json
from models.kpis import gate_from_json, kpi_from_json

Json = dict[str, Any]

#: The top-level parts of the interchange JSON, in the order a diff reads them, with headings.
SECTIONS: dict[str, str] = {
    "project": "Project settings",
    "opportunities": "Opportunities",
    "decisions": "Build / partner / buy decisions",
    "unit_models": "Unit economics",
    "memo": "Memo",
    "decision_log": "Decision log",
    "scenarios": "Scenarios",
    "correlations": "Correlations",
}
RESULTS_HEADING = "Results (base values)"
NO_DIFFERENCES = "No differences."
#: How each kind of object reads in a sentence.
KIND_WORDS = {"project": "Project", "opportunity": "Opportunity", "decision": "Decision",
              "criterion": "Criterion", "option": "Option", "unit_model": "Unit model",
              "route": "Route", "memo": "Memo section", "log": "Decision-log entry",
              "portfolio": "Portfolio", "scenario": "Scenario", "correlation": "Correlation",
              "kpi": "KPI", "launch_check": "Checklist item"}
#: Settings and text fields that section 3 names but labels.FIELDS does not format.
OWN_FORMATS = {"discount_rate": "percent", "horizon_years": "years", "mc_samples": "count",
               "mc_seed": "seed", "budget": "money", "weight": "number"}
OWN_LABELS = {"description": "Description", "status": "Status", "title": "Title", "body": "Text",
              "date": "Date", "decision": "Decision", "rationale": "Rationale",
              "alternatives": "Alternatives", "owner": "Owner", "author": "Author",
              "currency": "Currency", "name": "Name", "model": "Model", "provider": "Provider",
              "price_date": "Price date", "unit": "Unit", "higher_is_better": "Direction",
              "mc_seed": "Monte Carlo seed", "note": "Note", "probability": "Probability",
              "price_source": "Prices from", "price_since": "Price in force since", "batch": "Batch prices",
              "cache_ttl": "Cache writes kept"}
#: Results compared, with their labels and how they are written.
UNIT_RESULTS = {"variable_cost_per_task": "Variable cost per task",
                "loaded_cost_per_task": "Loaded cost per task", "gross_margin": "Gross margin"}
#: Fields whose change moves no deterministic result: words, and the Monte Carlo settings.
WORDS_ONLY = frozenset({"name", "title", "description", "status", "author", "model", "provider",
                        "price_date", "unit", "currency", "mc_samples", "mc_seed", "note", "price_source",
                        "price_since", "batch", "cache_ttl"})
#: Text longer than this is shown as an excerpt around the edit.
SHORT_TEXT = 60


def _label(name: str) -> str:
    return OWN_LABELS.get(name) or field_label(name)


def _q(text: str) -> str:
    return f"“{text}”"


# --- the objects compared ---------------------------------------------------------------


@dataclass(frozen=True)
class _Shape:
    """One kind of object in the interchange JSON and how its fields compare."""

    kind: str
    name_field: str | None  # the field that names it; a change of it is a rename
    texts: tuple[str, ...] = ()  # free text
    choices: tuple[tuple[str, Any], ...] = ()  # (field, default) compared as values
    links: tuple[str, ...] = ()
    estimates: dict[str, float] = field(default_factory=dict)
    children: tuple[tuple[str, _Shape], ...] = ()
    notes: bool = True
    scores: bool = False


def _estimates(table: type[schema.Base]) -> dict[str, float]:
    return dict(table.ESTIMATES)


CRITERION = _Shape("criterion", "name", texts=("unit",),
                   choices=(("kind", "score"), ("higher_is_better", True)),
                   estimates=_estimates(schema.Criterion))
OPTION = _Shape("option", "name", choices=(("kind", "build"),),
                estimates=_estimates(schema.Option), scores=True)
ROUTE = _Shape("route", None, texts=("model", "provider", "price_date", "price_since"),
               choices=(("price_source", "manual"), ("batch", False), ("cache_ttl", "5m")),
               estimates=_estimates(schema.Route))
#: KPI targets and checklist items of an opportunity (docs/formulas.md 3.10); a KPI's target
#: and measurement are compared by their own method (numbers in the metric's unit).
KPI = _Shape("kpi", None, texts=("name", "unit", "window", "eval_set", "measured_on", "note"),
             choices=(("metric", "custom"), ("direction", "at_least")), notes=False)
CHECK = _Shape("launch_check", None, texts=("text", "owner", "evidence"), choices=(("status", "todo"),),
               notes=False)
SHAPES: dict[str, _Shape] = {
    "opportunities": _Shape("opportunity", "name", texts=("description",),
                            choices=(("status", "proposed"),), links=("decision_id", "unit_model_id"),
                            estimates=_estimates(schema.Opportunity),
                            children=(("kpis", KPI), ("launch_checklist", CHECK))),
    "decisions": _Shape("decision", "name", texts=("description",), links=("chosen_option_id",),
                        estimates=_estimates(schema.Decision),
                        children=(("criteria", CRITERION), ("options", OPTION))),
    "unit_models": _Shape("unit_model", "name", texts=("description",),
                          estimates=_estimates(schema.UnitModel), children=(("routes", ROUTE),)),
    "memo": _Shape("memo", "title", texts=("body",), notes=False),
    "decision_log": _Shape("log", None,
                           texts=("date", "decision", "rationale", "alternatives", "owner"),
                           notes=False),
    # Overrides, probability and the two inputs of a correlation are compared by their own
    # methods below (they are neither estimates of the object nor plain text).
    "scenarios": _Shape("scenario", "name", texts=("description",), notes=False),
    "correlations": _Shape("correlation", None, texts=("note",), notes=False),
}
_PROJECT_COLUMNS = schema.Project.__table__.c
PROJECT_TEXTS = ("name", "author", "description", "price_date")
PROJECT_SETTINGS: dict[str, Any] = {
    "currency": _PROJECT_COLUMNS.currency.default.arg,
    "horizon_years": _PROJECT_COLUMNS.horizon_years.default.arg,
    "discount_rate": _PROJECT_COLUMNS.discount_rate.default.arg,
    "budget": None,
    "mc_samples": _PROJECT_COLUMNS.mc_samples.default.arg,
    "mc_seed": _PROJECT_COLUMNS.mc_seed.default.arg,
}


def _text(obj: Json, key: str) -> str:
    value = obj.get(key)
    return "" if value is None else str(value)


def display_name(shape: _Shape, obj: Json, names: dict[tuple[str, str], str] | None = None) -> str:
    if shape.kind == "correlation":
        return f"{input_words(obj['a'], names or {})} ↔ {input_words(obj['b'], names or {})}"
    if shape.kind == "route":
        return _text(obj, "model") or obj["id"]
    if shape.kind == "kpi":
        return kpi_from_json(obj).label
    if shape.kind == "launch_check":
        return _shorten(_text(obj, "text"), 60) or obj["id"]
    if shape.kind == "log":
        words = f"{_text(obj, 'date')} {_text(obj, 'decision')}".strip()
        return _shorten(words, 60) or obj["id"]
    return _text(obj, shape.name_field or "name") or obj["id"]


def input_words(ref: Json, names: dict[tuple[str, str], str]) -> str:
    """An input named as a PM reads it: "Support copilot · adoption target"."""
    kind, oid, fld = ref["kind"], ref.get("id") or "", ref["field"]
    label = _label(fld) if not fld.startswith("scores.") else "score"
    if kind == "project":
        return _label(fld)
    return f"{names.get((kind, oid)) or oid} · {label[:1].lower()}{label[1:]}"


# --- numbers and text in words ----------------------------------------------------------


def _digits(value: float, most: int) -> int:
    """The fewest decimals (up to ``most``) that write ``value`` exactly."""
    for d in range(most + 1):
        if abs(round(value, d) - value) <= 1e-9 * max(1.0, abs(value)):
            return d
    return most


def _value_text(value: float, how: str, currency: str, bare: bool = False) -> str:
    """One number as the field is written: money in ``currency``, fractions as percents."""
    if how == "percent":
        return percent(value, _digits(value * 100, 2))
    if how == "money":
        return money(value, currency, cents=not float(value).is_integer() and abs(value) < 1000)
    if how == "price":
        return money(value, currency, cents=True)
    if how == "seed":
        return str(int(value)) if float(value).is_integer() else repr(value)
    text = number(value, _digits(value, 4))
    if bare:
        return text
    if how in ("months", "years"):
        unit = how[:-1] if value == 1 else how
        return f"{text} {unit}"
    if how == "month":
        return month(int(value)) if float(value).is_integer() else f"month {text}"
    return text


def _how(name: str) -> str:
    return OWN_FORMATS.get(name) or FIELDS.get(name, ("", "number"))[1]


def _estimate_text(est: Estimate, how: str, currency: str) -> str:
    base = _value_text(est.base, how, currency)
    if est.dist is None:
        return base
    bare = how in ("months", "month", "years")
    if est.low is None or est.high is None:
        return f"{base} ({est.dist})"
    low = _value_text(est.low, how, currency, bare)
    high = _value_text(est.high, how, currency, bare)
    return f"{base} ({text_range(low, high)}, {est.dist})"


def _precise(est: Estimate) -> str:
    parts = [repr(est.base)] + [repr(v) for v in (est.low, est.high) if v is not None]
    return " / ".join(parts) + (f" {est.dist}" if est.dist else "")


def _pair(old: str, new: str, fallback: Callable[[], tuple[str, str]]) -> str:
    """``old → new``; when rounding would show the same words, exact figures instead."""
    if old == new:
        old, new = fallback()
    return f"{old} → {new}"


def _shorten(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _text_change(old: str, new: str) -> str:
    """A text edit in a few words: both sides when short, else an excerpt around the edit."""
    if not old:
        return f"added {_q(_shorten(new, SHORT_TEXT))}"
    if not new:
        return f"cleared (was {_q(_shorten(old, SHORT_TEXT))})"
    if len(old) <= SHORT_TEXT and len(new) <= SHORT_TEXT and "\n" not in old + new:
        return f"{_q(old)} → {_q(new)}"
    shortest = min(len(old), len(new))
    start = 0
    while start < shortest and old[start] == new[start]:
        start += 1
    end = 0
    while end < shortest - start and old[-1 - end] == new[-1 - end]:
        end += 1
    # Start a few words before the edit, at a word boundary, so the excerpt reads.
    before = old.rfind(" ", 0, max(0, start - 15)) + 1 if start > 20 else 0

    def excerpt(text: str) -> str:
        middle = text[before:len(text) - end]
        if len(middle) > 50:
            inner = middle[:49].rstrip() + "…"
        else:
            tail = text[len(text) - end:]
            cut = tail.find(" ", 15)
            inner = middle + (tail if cut < 0 else tail[:cut] + "…")
        return _q(("…" if before else "") + " ".join(inner.split()))

    return f"edited: {excerpt(old)} → {excerpt(new)}"


# --- the diff ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One difference in the plan's data."""

    path: str  # "/opportunities/<id>/adoption_target": ids, not positions (ids are stable)
    change: str  # added, removed, renamed, changed or reordered
    kind: str  # the object changed: project, opportunity, criterion, option, route, memo, log, ...
    id: str
    name: str
    field: str | None
    old: Any
    new: Any
    text: str  # the change in words, without the top-level object it belongs to
    section: str  # the top-level key of the JSON
    owner_id: str = ""  # the top-level object it belongs to ("" for the project)
    owner_name: str = ""
    sub: str = ""  # the criterion, option or route changed inside the owner, in words
    #: True when the change cannot move a deterministic result (words, notes, Monte Carlo settings).
    words_only: bool = False

    def sentence(self) -> str:
        """The change in one line that stands on its own."""
        if not self.owner_id:
            head = "Project" if self.section == "project" else SECTIONS[self.section]
            return f"{head}: {self.text}"
        kind = KIND_WORDS[SHAPES[self.section].kind]
        if self.id == self.owner_id and self.change in ("added", "removed"):
            return f"{kind} {_q(self.name)} {self.change}"
        if self.id == self.owner_id and self.change == "renamed":
            return f"{kind} {_q(self.old)} renamed to {_q(self.new)}"
        if self.sub and self.change == "renamed":
            return (f"{kind} {_q(self.owner_name)}: {KIND_WORDS[self.kind].lower()} {_q(self.old)} "
                    f"renamed to {_q(self.new)}")
        if self.sub:
            return f"{kind} {_q(self.owner_name)}, {self.sub[:1].lower()}{self.sub[1:]}: {self.text}"
        return f"{kind} {_q(self.owner_name)}: {self.text.removeprefix('+ ').removeprefix('− ')}"

    def as_json(self) -> Json:
        return {"path": self.path, "change": self.change, "object": self.kind, "id": self.id,
                "name": self.name, "field": self.field, "old": self.old, "new": self.new,
                "text": self.sentence()}


@dataclass(frozen=True)
class ResultChange:
    """One result of the engine that moved."""

    path: str  # "/results/opportunities/<id>/npv"
    kind: str  # opportunity, decision, unit_model or portfolio
    id: str
    name: str
    measure: str  # npv, enpv, winner, variable/loaded_cost_per_task, gross_margin, total_enpv, selected
    old: Any
    new: Any
    difference: float | None
    text: str

    def as_json(self) -> Json:
        return {"path": self.path, "object": self.kind, "id": self.id, "name": self.name,
                "measure": self.measure, "old": self.old, "new": self.new,
                "difference": self.difference, "text": self.text}


@dataclass
class PlanDiff:
    """Every difference from an old version of a plan to a new one."""

    old_label: str
    new_label: str
    changes: list[Change] = field(default_factory=list)
    results: list[ResultChange] = field(default_factory=list)
    #: False when the engine could not calculate one side (``results_reason`` says why) or when
    #: results were not asked for.
    results_compared: bool = False
    results_reason: str | None = None
    old_currency: str = "USD"
    new_currency: str = "USD"

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.results

    def blocks(self) -> list[tuple[str, list[tuple[int, str]]]]:
        """The diff as headed sections of (indent level, line), in reading order."""
        out: list[tuple[str, list[tuple[int, str]]]] = []
        for section, heading in SECTIONS.items():
            lines = _section_lines([c for c in self.changes if c.section == section])
            if lines:
                out.append((heading, lines))
        if self.results or (self.changes and (self.results_compared or self.results_reason)):
            out.append((RESULTS_HEADING, self._result_lines()))
        return out

    def _result_lines(self) -> list[tuple[int, str]]:
        if not self.results_compared:
            return [(1, f"Results could not be compared: {self.results_reason}.")]
        if not self.results:
            return [(1, "No change in NPV, eNPV, decision winners, unit costs or the portfolio "
                        "selection.")]
        lines: list[tuple[int, str]] = []
        group: tuple[str, str] | None = None
        for r in self.results:
            key = (r.kind, "" if r.kind == "portfolio" else r.id)
            if key != group:
                title = (_q(r.name) if r.kind == "opportunity" else
                         "Portfolio" if r.kind == "portfolio" else f"{KIND_WORDS[r.kind]} {_q(r.name)}")
                lines.append((1, title))
                group = key
            lines.append((2, r.text))
        return lines

    def text(self) -> str:
        """The diff as plain text: a heading, then each section with its changes."""
        if self.is_empty:
            return NO_DIFFERENCES + "\n"
        out = [f"Changes from {self.old_label} to {self.new_label}"]
        for heading, lines in self.blocks():
            out += ["", heading]
            out += ["  " * depth + line for depth, line in lines]
        # Names, ids, keys and text come from the files: each line is printed with its control
        # characters escaped, so a name can neither drive a terminal nor forge a line.
        return "\n".join(one_line(line) for line in out) + "\n"

    def to_json(self) -> Json:
        return {
            "format": "aiplan-diff",
            "version": 1,
            "old": {"label": self.old_label, "currency": self.old_currency},
            "new": {"label": self.new_label, "currency": self.new_currency},
            "identical": self.is_empty,
            "changes": [c.as_json() for c in self.changes],
            "results": {
                "compared": self.results_compared,
                "reason": self.results_reason,
                "changes": [r.as_json() for r in self.results],
            },
        }


def _section_lines(changes: list[Change]) -> list[tuple[int, str]]:
    """Lines of one section: additions and removals on one line each, other changes under the
    name of the object they belong to (and of the criterion, option or route inside it)."""
    lines: list[tuple[int, str]] = []
    groups: dict[str, list[Change]] = {}
    for c in changes:
        groups.setdefault(c.owner_id, []).append(c)
    for owner, group in groups.items():
        if not owner:  # the project's settings and the order of a whole list
            lines += [(1, c.text) for c in group]
            continue
        whole = [c for c in group if c.id == owner and c.change in ("added", "removed")]
        if whole:
            lines.append((1, whole[0].text))
            continue
        renamed = {c.sub: c for c in group if c.change == "renamed"}
        title = _q(group[0].owner_name)
        if "" in renamed:
            title += f" (renamed from {_q(renamed[''].old)})"
        lines.append((1, title))
        current = ""
        for c in group:
            if not c.sub:
                if c is not renamed.get(""):
                    lines.append((2, c.text))
                current = ""
                continue
            if c.sub != current:
                current = c.sub
                was = f" (renamed from {_q(renamed[c.sub].old)})" if c.sub in renamed else ""
                lines.append((2, c.sub + was))
            if c.change != "renamed":
                lines.append((3, c.text))
    return lines


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _path(*parts: str) -> str:
    return "/" + "/".join(_escape(p) for p in parts)


class _Differ:
    """Walks two plans side by side and collects their differences."""

    def __init__(self, old: Json, new: Json) -> None:
        self.old, self.new = old, new
        self.old_currency = (old.get("project") or {}).get("currency") or "USD"
        self.new_currency = (new.get("project") or {}).get("currency") or "USD"
        self.changes: list[Change] = []
        self.names_old = _names(old)
        self.names_new = _names(new)
        self.criteria_old = _criteria(old)
        self.criteria_new = _criteria(new)
        self.section = ""
        self.owner: tuple[str, str] = ("", "")

    def add(self, path: str, change: str, kind: str, oid: str, name: str, fld: str | None,
            old: Any, new: Any, text: str, sub: str = "", words_only: bool = False) -> None:
        words_only = words_only or self.section in ("memo", "decision_log")
        self.changes.append(Change(path, change, kind, oid, name, fld, old, new, text,
                                   self.section, *self.owner, sub, words_only))

    # -- project ------------------------------------------------------------------------

    def project(self) -> None:
        self.section = "project"
        self.owner = ("", "")
        old, new = self.old.get("project") or {}, self.new.get("project") or {}
        for name in PROJECT_TEXTS:
            a, b = _text(old, name), _text(new, name)
            if a != b:
                self.add(_path("project", name), "changed", "project", "", _text(new, "name"), name,
                         a, b, f"{_label(name)}: {_text_change(a, b)}", words_only=True)
        for name, default in PROJECT_SETTINGS.items():
            a = default if old.get(name) is None else old[name]
            b = default if new.get(name) is None else new[name]
            if a == b:
                continue
            self.add(_path("project", name), "changed", "project", "", _text(new, "name"), name, a, b,
                     f"{_label(name)}: {self._setting(name, a, self.old_currency)} → "
                     f"{self._setting(name, b, self.new_currency)}", words_only=name in WORDS_ONLY)

    def _setting(self, name: str, value: Any, currency: str) -> str:
        if value is None:
            return "none"
        if name == "currency":
            return str(value)
        return _value_text(float(value), _how(name), currency)

    # -- lists of objects matched by id ----------------------------------------------------

    def lists(self) -> None:
        for key, shape in SHAPES.items():
            self.section = key
            self.owner = ("", "")
            self.objects(self.old.get(key) or [], self.new.get(key) or [], shape, (key,), top=True)

    def objects(self, old_list: list[Json], new_list: list[Json], shape: _Shape,
                where: tuple[str, ...], top: bool, parent: str = "") -> None:
        olds = {o["id"]: o for o in old_list}
        news = {o["id"]: o for o in new_list}
        word = KIND_WORDS[shape.kind]
        prefix = "" if top else f"{word} "
        for o in old_list:
            if o["id"] not in news:
                name = display_name(shape, o, self.names_old)
                if top:
                    self.owner = (o["id"], name)
                self.add(_path(*where, o["id"]), "removed", shape.kind, o["id"], name, None, o, None,
                         f"− {prefix}{_q(name)} removed")
        for o in new_list:
            before = olds.get(o["id"])
            name = display_name(shape, o, self.names_new)
            if top:
                self.owner = (o["id"], name)
            if before is None:
                self.add(_path(*where, o["id"]), "added", shape.kind, o["id"], name, None, None, o,
                         f"+ {prefix}{_q(name)} added")
            else:
                self.fields(before, o, shape, (*where, o["id"]), "" if top else f"{word} {_q(name)}",
                            parent)
        common_old = [o["id"] for o in old_list if o["id"] in news]
        common_new = [o["id"] for o in new_list if o["id"] in olds]
        if common_old != common_new:
            if top:
                self.owner = ("", "")
            plural = {"opportunity": "opportunities", "criterion": "criteria",
                      "memo": "memo sections", "log": "decision-log entries"}.get(
                shape.kind, f"{word.lower()}s")
            self.add(_path(*where), "reordered", shape.kind, "", "", None, common_old, common_new,
                     f"Order of {plural} changed")

    def fields(self, old: Json, new: Json, shape: _Shape, where: tuple[str, ...], sub: str,
               parent: str) -> None:
        oid, name = new["id"], display_name(shape, new, self.names_new)

        def add(fld: str, change: str, a: Any, b: Any, words: str, path: str | None = None,
                note: bool = False) -> None:
            self.add(path or _path(*where, fld), change, shape.kind, oid, name, fld, a, b, words, sub,
                     note or fld in WORDS_ONLY)

        if shape.name_field:
            a, b = _text(old, shape.name_field), _text(new, shape.name_field)
            if a != b:
                add(shape.name_field, "renamed", a, b, f"Renamed from {_q(a)} to {_q(b)}")
        for fld in shape.texts:
            a, b = _text(old, fld), _text(new, fld)
            if a != b:
                add(fld, "changed", a, b, f"{_label(fld)}: {_text_change(a, b)}")
        for fld, default in shape.choices:
            a = default if old.get(fld) is None else old[fld]
            b = default if new.get(fld) is None else new[fld]
            if a != b:
                add(fld, "changed", a, b, f"{_label(fld)}: {_choice(fld, a)} → {_choice(fld, b)}")
        for fld in shape.links:
            a, b = old.get(fld), new.get(fld)
            if a != b:
                add(fld, "changed", a, b,
                    f"{_label(fld)}: {_link(fld, a, self.names_old)} → {_link(fld, b, self.names_new)}")
        for fld, default in shape.estimates.items():
            self.estimate(old.get(fld), new.get(fld), default, fld, _path(*where, fld), add)
        if shape.scores:
            self.scores(old, new, where, add, parent)
        if shape.kind == "scenario":
            self.scenario(old, new, where, add)
        if shape.kind == "correlation":
            self.correlation(old, new, add)
        if shape.kind == "kpi":
            self.kpi(old, new, add)
        if shape.kind == "opportunity" and (old.get("gate") or None) != (new.get("gate") or None):
            before, after = gate_from_json(old.get("gate")), gate_from_json(new.get("gate"))
            add("gate", "changed", old.get("gate"), new.get("gate"),
                f"Gate decision: {gate_words(before)} → {gate_words(after)}")
        if shape.notes:
            a_notes, b_notes = old.get("notes") or {}, new.get("notes") or {}
            for key in dict.fromkeys([*a_notes, *b_notes]):
                a, b = a_notes.get(key) or "", b_notes.get(key) or ""
                if a == b or (key.startswith("scores.") and not self._criterion_in_both(
                        parent, key.removeprefix("scores."))):
                    continue
                what = "added" if not a else "removed" if not b else "edited"
                add(key, "changed", a, b, f"Note on {self._field_words(key, parent)} {what}",
                    _path(*where, "notes", key), note=True)
        for key, child in shape.children:
            self.objects(old.get(key) or [], new.get(key) or [], child, (*where, key), top=False,
                         parent=oid if shape.kind == "decision" else parent)

    def estimate(self, a_raw: Any, b_raw: Any, default: float, fld: str, path: str,
                 add: Callable[..., None], how: str | None = None, label: str | None = None) -> None:
        a, b = estimate_from_json(a_raw, default), estimate_from_json(b_raw, default)
        if a == b:
            return
        how = how or _how(fld)
        a_text = _estimate_text(a, how, self.old_currency)
        b_text = _estimate_text(b, how, self.new_currency)
        words = _pair(a_text, b_text, lambda: (_precise(a), _precise(b)))
        add(fld, "changed", _estimate_json(a), _estimate_json(b),
            f"{label or field_label(fld)}: {words}", path)

    def scores(self, old: Json, new: Json, where: tuple[str, ...], add: Callable[..., None],
               decision: str) -> None:
        a_scores, b_scores = old.get("scores") or {}, new.get("scores") or {}
        for cid in dict.fromkeys([*a_scores, *b_scores]):
            if not self._criterion_in_both(decision, cid):
                continue  # a criterion added or removed says so itself
            a, b = a_scores.get(cid), b_scores.get(cid)
            if a is None or b is None:
                if a != b:
                    add(f"scores.{cid}", "changed", a, b,
                        f"{_upper_first(self._field_words('scores.' + cid, decision))}: "
                        f"{'—' if a is None else _estimate_text(estimate_from_json(a), 'number', '')} → "
                        f"{'—' if b is None else _estimate_text(estimate_from_json(b), 'number', '')}",
                        _path(*where, "scores", cid))
                continue
            self.estimate(a, b, 0.0, f"scores.{cid}", _path(*where, "scores", cid), add, "number",
                          _upper_first(self._field_words("scores." + cid, decision)))

    def scenario(self, old: Json, new: Json, where: tuple[str, ...], add: Callable[..., None]) -> None:
        """Its probability, and each input it overrides: added, dropped (back to the base) or changed."""
        a, b = old.get("probability"), new.get("probability")
        if a != b:
            words = "not given" if a is None else _value_text(float(a), "percent", "")
            after = "not given" if b is None else _value_text(float(b), "percent", "")
            add("probability", "changed", a, b, f"Probability: {words} → {after}", note=True)
        olds = {override_key(o): o["value"] for o in old.get("overrides") or []}
        news = {override_key(o): o["value"] for o in new.get("overrides") or []}
        for key in dict.fromkeys([*olds, *news]):
            va, vb = olds.get(key), news.get(key)
            if va == vb:
                continue
            kind, oid, fld = key
            ref = {"kind": kind, "id": oid, "field": fld}
            what = input_words(ref, self.names_new if vb is not None else self.names_old)
            how = _how(fld)
            path = _path(*where, "overrides", kind, oid, fld)
            if va is None:
                text = f"Overrides {what}: {self._any_text(vb, how, self.new_currency)}"
            elif vb is None:
                text = f"No longer overrides {what} (was {self._any_text(va, how, self.old_currency)})"
            else:
                text = (f"Override of {what}: {self._any_text(va, how, self.old_currency)} → "
                        f"{self._any_text(vb, how, self.new_currency)}")
            add(f"overrides/{kind}/{oid}/{fld}", "changed", va, vb, text, path)

    def _any_text(self, value: Any, how: str, currency: str) -> str:
        return _estimate_text(estimate_from_json(value, 0.0), how, currency)

    def correlation(self, old: Json, new: Json, add: Callable[..., None]) -> None:
        for end in ("a", "b"):
            if old[end] != new[end]:
                add(end, "changed", old[end], new[end], f"Input {end.upper()}: "
                    f"{input_words(old[end], self.names_old)} → {input_words(new[end], self.names_new)}")
        if old.get("rho") != new.get("rho"):
            add("rho", "changed", old.get("rho"), new.get("rho"),
                f"Rank correlation: {number(float(old['rho']), 2)} → {number(float(new['rho']), 2)}")

    def kpi(self, old: Json, new: Json, add: Callable[..., None]) -> None:
        """A KPI's target and measurement, in the metric's unit."""
        a_kpi, b_kpi = kpi_from_json(old), kpi_from_json(new)
        for fld, label in (("target", "Target"), ("measured", "Measured")):
            a, b = old.get(fld), new.get(fld)
            if a != b:
                add(fld, "changed", a, b, f"{label}: {value_words(a_kpi, a, self.old_currency)} → "
                                          f"{value_words(b_kpi, b, self.new_currency)}")

    def _criterion_in_both(self, decision: str, cid: str) -> bool:
        return (decision, cid) in self.criteria_old and (decision, cid) in self.criteria_new

    def _field_words(self, key: str, decision: str) -> str:
        if key.startswith("scores."):
            c = self.criteria_new.get((decision, key.removeprefix("scores."))) or {}
            kind = "score" if (c.get("kind") or "score") == "score" else "value"
            unit = f" ({c['unit']})" if c.get("unit") else ""
            return f"{kind} on {_q(c.get('name') or key.removeprefix('scores.'))}{unit}"
        return field_label(key)


def _link(fld: str, target: str | None, names: dict[tuple[str, str], str]) -> str:
    """A link by the name of what it points at (in the version of the plan that holds it)."""
    if target is None:
        return "none (the winner)" if fld == "chosen_option_id" else "none"
    kind = {"decision_id": "decision", "unit_model_id": "unit_model",
            "chosen_option_id": "option"}[fld]
    return _q(names.get((kind, target)) or target)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _choice(fld: str, value: Any) -> str:
    if fld == "higher_is_better":
        return "higher is better" if value else "lower is better"
    if fld == "kind" and value == "tco":
        return "TCO"
    return str(value).capitalize()


def _estimate_json(est: Estimate) -> Any:
    from models.estimate import estimate_json

    return estimate_json(est)


def _criteria(data: Json) -> dict[tuple[str, str], Json]:
    return {(d["id"], c["id"]): c for d in data.get("decisions") or [] for c in d.get("criteria") or []}


def _names(data: Json) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for o in data.get("opportunities") or []:
        out["opportunity", o["id"]] = _text(o, "name") or o["id"]
    for d in data.get("decisions") or []:
        out["decision", d["id"]] = _text(d, "name") or d["id"]
        for c in d.get("criteria") or []:
            out["criterion", c["id"]] = _text(c, "name") or c["id"]
        for o in d.get("options") or []:
            out["option", o["id"]] = _text(o, "name") or o["id"]
    for u in data.get("unit_models") or []:
        out["unit_model", u["id"]] = _text(u, "name") or u["id"]
        for r in u.get("routes") or []:
            out["route", r["id"]] = _text(r, "model") or r["id"]
    return out


# --- results ---------------------------------------------------------------------------


def _calculate(data: Json) -> Any:
    """Deterministic results only: no Monte Carlo and no tornado, so a diff is fast and repeatable."""
    from app.calc import plan_of
    from models.engine import calculate

    return calculate(plan_of(data), monte_carlo=False, with_tornado=False)


def _moved(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is not b
    return abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b))


def _signed_money(value: float, currency: str, cents: bool = False) -> str:
    text = money(value, currency, cents=cents or abs(value) < 10)
    return text if text.startswith("−") else "+" + text


def _result_changes(old: Any, new: Any, old_currency: str, new_currency: str) -> list[ResultChange]:
    out: list[ResultChange] = []
    same_currency = old_currency == new_currency
    old_opps = {r.id: r for r in old.opportunities}
    new_opps = {r.id: r for r in new.opportunities}
    for oid in [*new_opps, *(i for i in old_opps if i not in new_opps)]:
        a, b = old_opps.get(oid), new_opps.get(oid)
        name = (b or a).name
        for measure, label in (("npv", "NPV"), ("enpv", "eNPV")):
            va = None if a is None else getattr(a, measure)
            vb = None if b is None else getattr(b, measure)
            if not _moved(va, vb):
                continue
            diff = vb - va if va is not None and vb is not None and same_currency else None
            words = f"{label}: {money(va, old_currency)} → {money(vb, new_currency)}"
            if diff is not None:
                words += f" ({_signed_money(diff, new_currency)})"
            out.append(ResultChange(_path("results", "opportunities", oid, measure), "opportunity",
                                    oid, name, measure, va, vb, diff, words))
    old_decisions = {d.decision_id: d for d in old.decisions}
    old_names, new_names = _option_names(old.plan), _option_names(new.plan)
    for d in new.decisions:
        before = old_decisions.get(d.decision_id)
        # A tie is a result of its own: "Build" leading and "Build and Partner tie" differ.
        if before is None or _lead(before) == _lead(d):
            continue
        name = next(x.name for x in new.plan.decisions if x.id == d.decision_id)
        out.append(ResultChange(_path("results", "decisions", d.decision_id, "winner"), "decision",
                                d.decision_id, name, "winner", _lead_value(before), _lead_value(d),
                                None, f"Winner: {_lead_words(before, old_names)} → "
                                f"{_lead_words(d, new_names)}"))
    old_units = {u.id: u for u in old.unit_models}
    for u in new.unit_models:
        before = old_units.get(u.id)
        if before is None:
            continue
        for measure, label in UNIT_RESULTS.items():
            va, vb = before.costs.get(measure), u.costs.get(measure)
            if not _moved(va, vb):
                continue
            if measure == "gross_margin":
                diff = vb - va if va is not None and vb is not None else None
                words = f"{label}: {percent(va, 1)} → {percent(vb, 1)}"
                if diff is not None:
                    words += f" ({'+' if diff >= 0 else '−'}{abs(diff) * 100:.1f} points)"
            else:
                diff = vb - va if va is not None and vb is not None and same_currency else None
                words = (f"{label}: {money(va, old_currency, cents=True)} → "
                         f"{money(vb, new_currency, cents=True)}")
                if diff is not None:
                    words += f" ({_signed_money(diff, new_currency, cents=True)})"
            out.append(ResultChange(_path("results", "unit_models", u.id, measure), "unit_model",
                                    u.id, u.name, measure, va, vb, diff, words))
    a_total, b_total = old.portfolio.total_enpv, new.portfolio.total_enpv
    if _moved(a_total, b_total):
        diff = b_total - a_total if same_currency else None
        words = f"Total eNPV: {money(a_total, old_currency)} → {money(b_total, new_currency)}"
        if diff is not None:
            words += f" ({_signed_money(diff, new_currency)})"
        out.append(ResultChange(_path("results", "portfolio", "total_enpv"), "portfolio", "",
                                "Portfolio", "total_enpv", a_total, b_total, diff, words))
    a_sel, b_sel = set(old.portfolio.selected), set(new.portfolio.selected)
    names = {**{r.id: r.name for r in old.opportunities}, **{r.id: r.name for r in new.opportunities}}
    for oid in [*new.portfolio.selected, *old.portfolio.selected]:
        if (oid in a_sel) == (oid in b_sel):
            continue
        inside = oid in b_sel
        words = (f"{_q(names[oid])} now selected within the budget" if inside
                 else f"{_q(names[oid])} no longer selected within the budget")
        out.append(ResultChange(_path("results", "portfolio", "selected", oid), "portfolio", oid,
                                names[oid], "selected", not inside, inside, None, words))
    return out


def _lead(result: DecisionResult) -> tuple[str, ...]:
    """The options at the top of a decision's scores: several when they tie."""
    return result.tied or (result.winner,)


def _lead_value(result: DecisionResult) -> str | list[str]:
    """The winner's id, or the list of the tied options' ids."""
    return list(result.tied) if result.tied else result.winner


def _lead_words(result: DecisionResult, names: dict[str, str]) -> str:
    if result.tied:
        return f"{names_and([_q(names.get(o, o)) for o in result.tied])} tie"
    return _q(names.get(result.winner, result.winner))


def _option_names(plan: Any) -> dict[str, str]:
    return {o.id: o.name or o.id for d in plan.decisions for o in d.options}


def _cannot(side: str, exc: Exception) -> str:
    from models.problems import PlanInvalid

    if isinstance(exc, PlanInvalid) and exc.problems:
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        return f"the {side} plan cannot be calculated: {problem_text(exc.problems[0])}{more}"
    return f"the {side} plan cannot be calculated: {exc}"


# --- entry points ----------------------------------------------------------------------


def diff_plans(old: Json, new: Json, *, old_label: str | None = None, new_label: str | None = None,
               results: bool = True) -> PlanDiff:
    """Every difference from ``old`` to ``new`` (interchange JSON), then the results that moved.

    Objects are matched by id, so a renamed object is the same object with a new name. Results
    are deterministic (base values, no Monte Carlo); when the engine refuses either side, the
    data differences are still listed and ``results_reason`` says why results are not.
    """
    differ = _Differ(old, new)
    differ.project()
    differ.lists()
    old_name = _text(old.get("project") or {}, "name") or "Untitled plan"
    new_name = _text(new.get("project") or {}, "name") or "Untitled plan"
    if old_name == new_name:
        old_name, new_name = f"{old_name} (first)", f"{new_name} (second)"
    diff = PlanDiff(
        old_label=old_label or _q(old_name), new_label=new_label or _q(new_name),
        changes=differ.changes, old_currency=differ.old_currency, new_currency=differ.new_currency,
    )
    if not results or all(c.words_only for c in diff.changes):
        # Only words changed (or nothing): the engine would read the same inputs twice.
        diff.results_compared = results
        return diff
    from models.problems import PlanInvalid

    reasons = []
    calculated = []
    for side, data in (("old", old), ("new", new)):
        try:
            calculated.append(_calculate(data))
        except PlanInvalid as exc:
            reasons.append(_cannot(side, exc))
    if reasons:
        diff.results_reason = "; ".join(reasons)
        return diff
    diff.results = _result_changes(*calculated, differ.old_currency, differ.new_currency)
    diff.results_compared = True
    return diff


def summary(old: Json, new: Json, limit: int = 8) -> str:
    """At most ``limit`` short lines saying what changed in the data (no results), for messages."""
    changes = diff_plans(old, new, results=False).changes
    if not changes:
        return NO_DIFFERENCES
    limit = max(1, limit)
    lines = [one_line(_shorten(c.sentence(), 110)) for c in changes]
    if len(lines) > limit:
        rest = len(lines) - (limit - 1)
        lines = lines[: limit - 1] + [f"… and {rest} more changes"]
    return "\n".join(lines)

