"""JSON interchange (docs/file-format.md 4.5): lossless export, strict validation, import."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import cache
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from app.edits import override_key
from app.errors import (
    InvalidProjectDataError,
    UnreadableProjectFileError,
    os_reason,
)
from app.paths import schema_path
from app.terminal import one_line
from models.estimate import estimate_from_json, estimate_json, plain_number
from models.kpis import kpi_problems
from models.plan import price_source
from models.schema import (
    SCHEMA_VERSION,
    Base,
    Correlation,
    Criterion,
    Decision,
    DecisionLogEntry,
    KpiTarget,
    LaunchCheck,
    LaunchGate,
    MemoSection,
    Opportunity,
    Option,
    OptionScore,
    Project,
    Route,
    Scenario,
    ScenarioOverride,
    UnitModel,
)

FORMAT = "aiplan"
#: The interchange format's version: the schema version it was written from.
FORMAT_VERSION = SCHEMA_VERSION
#: Shown when a list of problems is cut short.
MAX_PROBLEMS = 25

if TYPE_CHECKING:
    import jsonschema

Json = dict[str, Any]

# --- export ------------------------------------------------------------------------------


_num = plain_number  # integral values print as integers, so files diff cleanly


def _inputs_out(row: Base) -> Json:
    return {field: estimate_json(getattr(row, field)) for field in row.ESTIMATES}


def _notes_out(row: Base, extra: Json | None = None) -> Json:
    notes = {field: row.note(field) for field in row.ESTIMATES if row.note(field)}
    notes.update(extra or {})
    return notes


def export_project(session: Session) -> Json:
    """The whole project as the canonical JSON object (keys in a fixed order)."""
    project = session.execute(select(Project)).scalar_one()
    kpis, checks, gates = _launch_out(session)
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "project": {
            "name": project.name,
            "author": project.author,
            "description": project.description,
            "currency": project.currency,
            "horizon_years": project.horizon_years,
            "discount_rate": _num(project.discount_rate),
            "mc_samples": project.mc_samples,
            "mc_seed": project.mc_seed,
            "budget": None if project.budget is None else _num(project.budget),
            "price_date": project.price_date,
        },
        "opportunities": [
            {
                "id": o.id,
                "name": o.name,
                "description": o.description,
                "status": o.status,
                "decision_id": o.decision_id,
                "unit_model_id": o.unit_model_id,
                **_inputs_out(o),
                "notes": _notes_out(o),
                "kpis": kpis.get(o.id, []),
                "launch_checklist": checks.get(o.id, []),
                "gate": gates.get(o.id),
            }
            for o in _ordered(session, Opportunity)
        ],
        "decisions": [_decision_out(d) for d in _ordered(session, Decision)],
        "unit_models": [
            {
                "id": u.id,
                "name": u.name,
                "description": u.description,
                **_inputs_out(u),
                "routes": [
                    {
                        "id": r.id,
                        "model": r.model,
                        "provider": r.provider,
                        "price_source": r.price_source,
                        "price_date": r.price_date,
                        "price_since": r.price_since,
                        "batch": r.batch,
                        "cache_ttl": r.cache_ttl,
                        "tiers": json.loads(r.tiers) if r.tiers else [],  # stored in this order
                        **_inputs_out(r),
                        "notes": _notes_out(r),
                    }
                    for r in u.routes
                ],
                "notes": _notes_out(u),
            }
            for u in _ordered(session, UnitModel)
        ],
        "memo": [
            {"id": m.id, "title": m.title, "body": m.body}
            for m in _ordered(session, MemoSection)
        ],
        "decision_log": [
            {
                "id": e.id,
                "date": e.date,
                "decision": e.decision,
                "rationale": e.rationale,
                "alternatives": e.alternatives,
                "owner": e.owner,
            }
            for e in _ordered(session, DecisionLogEntry)
        ],
        "scenarios": [scenario_out(s) for s in _ordered(session, Scenario)],
        "correlations": [correlation_out(c) for c in _ordered(session, Correlation)],
    }


def _launch_out(session: Session) -> tuple[dict[str, list[Json]], dict[str, list[Json]], dict[str, Json]]:
    """Every opportunity's KPI targets, checklist and gate, by opportunity id (one query each,
    not one per opportunity)."""
    kpis: dict[str, list[Json]] = {}
    for k in session.execute(select(KpiTarget).order_by(KpiTarget.opportunity_id, KpiTarget.position,
                                                        KpiTarget.id)).scalars():
        kpis.setdefault(k.opportunity_id, []).append(kpi_out(k))
    checks: dict[str, list[Json]] = {}
    for c in session.execute(select(LaunchCheck).order_by(LaunchCheck.opportunity_id, LaunchCheck.position,
                                                          LaunchCheck.id)).scalars():
        checks.setdefault(c.opportunity_id, []).append(check_out(c))
    gates = {g.opportunity_id: gate_out(g) for g in session.execute(select(LaunchGate)).scalars()}
    return kpis, checks, gates


def kpi_out(k: KpiTarget) -> Json:
    return {"id": k.id, "metric": k.metric, "name": k.name, "unit": k.unit, "direction": k.direction,
            "target": _num(k.target), "window": k.window, "eval_set": k.eval_set,
            "measured": None if k.measured is None else _num(k.measured), "measured_on": k.measured_on,
            "note": k.note_text}


def check_out(c: LaunchCheck) -> Json:
    return {"id": c.id, "text": c.text, "owner": c.owner, "status": c.status, "evidence": c.evidence}


def gate_out(g: LaunchGate) -> Json:
    return {"decision": g.decision, "approvers": g.approvers, "date": g.date, "conditions": g.conditions,
            "log_entry_id": g.log_entry_id}


def scenario_out(s: Scenario) -> Json:
    """A scenario as the interchange writes it: overrides in the order of kind, id, field."""
    return {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "probability": s.probability,
        "overrides": [{"kind": o.kind, "id": o.object_id, "field": o.field, "value": estimate_json(o.value)}
                      for o in s.overrides],
    }


def correlation_out(c: Correlation) -> Json:
    return {
        "id": c.id,
        "a": {"kind": c.a_kind, "id": c.a_id, "field": c.a_field},
        "b": {"kind": c.b_kind, "id": c.b_id, "field": c.b_field},
        "rho": c.rho,
        "note": c.reason,
    }


def _decision_out(d: Decision) -> Json:
    return {
        "id": d.id,
        "name": d.name,
        "description": d.description,
        "chosen_option_id": d.chosen_option_id,
        **_inputs_out(d),
        "criteria": [
            {
                "id": c.id,
                "name": c.name,
                "kind": c.kind,
                "unit": c.unit,
                "higher_is_better": c.higher_is_better,
                **_inputs_out(c),
                "notes": _notes_out(c),
            }
            for c in d.criteria
        ],
        "options": [
            {
                "id": o.id,
                "name": o.name,
                "kind": o.kind,
                **_inputs_out(o),
                "scores": {s.criterion_id: estimate_json(s.value) for s in o.scores},
                "notes": _notes_out(
                    o, {f"scores.{s.criterion_id}": s.value_note for s in o.scores if s.value_note}
                ),
            }
            for o in d.options
        ],
        "notes": _notes_out(d),
    }


def _ordered(session: Session, table: type[Any]) -> list[Any]:
    return list(session.execute(select(table).order_by(table.position, table.id)).scalars())


def dumps(data: Json) -> str:
    """Canonical JSON text: export -> import -> export is byte-identical."""
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


# --- reading and validating --------------------------------------------------------------


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def loads(text: str, source: Path | None = None) -> Json:
    """Parse JSON text; a syntax error names its line and column, a repeated key its path."""
    repeated: list[tuple[Json, str]] = []

    def unique(pairs: list[tuple[str, Any]]) -> Json:
        # json keeps the last of two equal keys without a word (a list of opportunities
        # would vanish): an object whose dict is shorter than its pairs is noted here, and
        # its path looked for only then, so a sound file pays one length comparison.
        obj = dict(pairs)
        if len(obj) < len(pairs):
            repeated.append((obj, _first_repeat(pairs)))
        return obj

    try:
        data = json.loads(text, parse_constant=_reject_constant, object_pairs_hook=unique)
    except json.JSONDecodeError as exc:
        raise InvalidProjectDataError(
            source, [f"line {exc.lineno}, column {exc.colno}: {exc.msg} (this is not valid JSON)"]
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InvalidProjectDataError(source, [f"(file): {exc}"]) from None
    if repeated:
        obj, key = repeated[0]
        where = one_line(json_path([*_path_of(data, obj), key]), 200)
        raise InvalidProjectDataError(source, [
            f"{where}: is given more than once in the same object; keep only one"])
    if not isinstance(data, dict):
        raise InvalidProjectDataError(source, ["(top level): must be a JSON object"])
    return data


def _first_repeat(pairs: list[tuple[str, Any]]) -> str:
    seen: set[str] = set()
    for key, _value in pairs:
        if key in seen:
            return key
        seen.add(key)
    return ""


def _path_of(data: Any, target: Json) -> list[Any]:
    """The JSON path (keys and indexes) of the object ``target`` inside ``data``."""
    stack: list[tuple[Any, list[Any]]] = [(data, [])]
    while stack:
        value, path = stack.pop()
        if value is target:
            return path
        if isinstance(value, dict):
            stack.extend((item, [*path, key]) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, [*path, i]) for i, item in enumerate(value))
    return []


# Bounds on a .json import: a 2,000-opportunity export is about 4 MB, nests 6 levels and
# holds about 15,000 objects and lists.
MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_JSON_CONTAINERS = 250_000
# The scan before parsing keeps only quotes and brackets; it reads the text in slices of this
# many bytes, so what it holds at once stays small whatever the file.
_SCAN_DROP = bytes(b for b in range(256) if b not in b'"[]{}')
_SCAN_SLICE = 1024 * 1024
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def _shape_problem(raw: bytes) -> str | None:
    """Why the arrays and objects in the JSON text ``raw`` go beyond any project's, or None.

    Checked before parsing, in one pass of time proportional to the length: deep nesting would
    exhaust the parser's recursion, and millions of tiny objects its memory (gigabytes for a
    64 MB file). bytes methods only, so no Python object is made per string or bracket.
    """
    # With escaped backslashes and quotes removed (left to right, as JSON reads them) and all
    # but quotes and brackets dropped, every string is "..." with no quote inside: a bracket is
    # in a string when an odd number of quotes comes before it.
    marks = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _SCAN_DROP)
    containers = depth = 0
    in_string = False
    for start in range(0, len(marks), _SCAN_SLICE):
        pieces = marks[start:start + _SCAN_SLICE].split(b'"')
        outside = b"".join(pieces[1 if in_string else 0::2])
        in_string ^= len(pieces) % 2 == 0  # an odd number of quotes in this slice
        openers = outside.count(b"[") + outside.count(b"{")
        containers += openers
        if containers > MAX_JSON_CONTAINERS:
            return (f"(file): it holds more than {MAX_JSON_CONTAINERS:,} objects and lists, "
                    "and a project export holds far fewer")
        if max(accumulate(map(_STEP.__getitem__, outside), initial=depth)) > MAX_JSON_DEPTH:
            return (f"(file): its values are nested more than {MAX_JSON_DEPTH} levels deep, "
                    "and a project nests only a few")
        depth += 2 * openers - len(outside)
        if depth < 0:
            return None  # more closers than openers: not JSON from here, the parser says where
    return None


def _read_bounded(path: Path) -> bytes:
    """The bytes of the JSON file at ``path``: a regular file, at most ``MAX_JSON_BYTES``."""
    from app.projectfile import open_regular  # the same plain errors as opening a project

    source, info = open_regular(path)
    with source:
        try:
            # At most one byte past the bound: the file may have grown since fstat.
            raw = b"" if info.st_size > MAX_JSON_BYTES else source.read(MAX_JSON_BYTES + 1)
        except OSError as exc:
            raise UnreadableProjectFileError(path, os_reason(exc)) from None
    if max(info.st_size, len(raw)) > MAX_JSON_BYTES:
        limit = MAX_JSON_BYTES // (1024 * 1024)
        raise InvalidProjectDataError(path, [
            f"(file): it is over {limit} MB, and no project export is larger than that"])
    return raw


def read_json(path: Path) -> Json:
    """The JSON data in the file at ``path``, refused in one sentence when it cannot be a project."""
    raw = _read_bounded(path)
    # Before the text is decoded or parsed: a refused file never costs more than its bytes.
    problem = _shape_problem(raw)
    if problem:
        raise InvalidProjectDataError(path, [problem])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidProjectDataError(
            path, [f"byte {exc.start}: the file is not UTF-8 text"]
        ) from None
    del raw  # the text alone is parsed
    return loads(text, path)


@cache
def _schema() -> dict[str, Any]:
    return json.loads(schema_path().read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema  # slow to import: only when something is validated

    return jsonschema.Draft202012Validator(_schema())


@cache
def _fast_check() -> Callable[[Any], Any]:
    """The schema compiled to Python by fastjsonschema: a quick yes for valid data.

    The schema uses only keywords fastjsonschema implements the same way (draft 7's set;
    a test checks), so "valid" means the same to both; jsonschema words the problems.
    """
    import fastjsonschema

    return fastjsonschema.compile(_schema())


def _schema_problems(data: Json) -> list[str]:
    try:
        _fast_check()(data)
        return []
    except Exception:  # any doubt goes to jsonschema, which explains it
        pass
    return sorted(_schema_problem(e) for e in _validator().iter_errors(data))


def json_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


_TYPE_WORDS = {
    "number": "a number",
    "object": "an estimate {base, low, high, dist}",
    "string": "text",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "null": "null",
}


def _schema_problem(error: jsonschema.ValidationError) -> str:
    path = list(error.absolute_path)
    rule = error.validator
    value = error.validator_value
    if rule == "required":
        missing = [name for name in value if name not in error.instance]
        return f"{json_path([*path, missing[0]])}: is required"
    if rule == "additionalProperties":
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        return f"{json_path([*path, extra[0]])}: is not a field this format knows"
    where = json_path(path)
    if rule == "type":
        types = [value] if isinstance(value, str) else list(value)
        words = [_TYPE_WORDS.get(t, t) for t in types if t != "null"]
        if "object" in types and "number" in types:
            words = ["a number or an estimate {base, low, high, dist}"]
        elif "object" in types:
            words = ["an object" if t == "object" else _TYPE_WORDS.get(t, t) for t in types
                     if t != "null"]
        return f"{where}: must be {' or '.join(words)}"
    # The bounds are the plan's limits (models.limits); a test keeps the two the same.
    if rule == "minimum":
        return f"{where}: must be at least {_num(float(value)):,}"
    if rule == "maximum":
        return f"{where}: must be at most {_num(float(value)):,}"
    if rule == "multipleOf":  # months: 2.5 is refused, not rounded (models.limits)
        return f"{where}: must be a whole number"
    if rule == "enum":
        return f"{where}: must be one of {', '.join(str(v) for v in value if v is not None)}"
    if rule == "const":
        return f"{where}: must be {json.dumps(value)}"
    if rule == "pattern":
        if path and path[-1] == "currency":
            return f"{where}: must be a three-letter currency code such as USD or EUR"
        return f"{where}: must be a date written YYYY-MM-DD"
    if rule == "minLength":
        return f"{where}: must not be empty"
    if rule == "maxLength":
        return f"{where}: must be at most {value} characters"
    return f"{where}: {error.message}"


def _estimates(data: Json) -> Iterator[tuple[list[Any], Base | type[Base], Json]]:
    """Every object that carries estimate fields, with its path and its table."""
    for i, o in enumerate(data.get("opportunities") or []):
        yield ["opportunities", i], Opportunity, o
    for i, d in enumerate(data.get("decisions") or []):
        yield ["decisions", i], Decision, d
        for j, c in enumerate(d.get("criteria") or []):
            yield ["decisions", i, "criteria", j], Criterion, c
        for j, o in enumerate(d.get("options") or []):
            yield ["decisions", i, "options", j], Option, o
    for i, u in enumerate(data.get("unit_models") or []):
        yield ["unit_models", i], UnitModel, u
        for j, r in enumerate(u.get("routes") or []):
            yield ["unit_models", i, "routes", j], Route, r


def _estimate_problems(path: list[Any], value: Any) -> list[str]:
    if not isinstance(value, dict):
        return []
    base, low, high, dist = (value.get(k) for k in ("base", "low", "high", "dist"))
    out = []
    if low is not None and low > base:
        out.append(f"{json_path([*path, 'low'])}: must not exceed base")
    if high is not None and high < base:
        out.append(f"{json_path([*path, 'high'])}: must not be below base")
    if dist not in (None, "fixed") and low is not None and high is not None and not low < high:
        out.append(f"{json_path([*path, 'high'])}: must be above low for a {dist} estimate")
    if dist == "lognormal" and low is not None and low <= 0:
        out.append(f"{json_path([*path, 'low'])}: must be above 0 for a lognormal estimate")
    return out


def _text_problems(value: Any, path: list[Any]) -> Iterator[str]:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            yield f"{json_path(path)}: contains a character that is not valid Unicode"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _text_problems(key, path)
            yield from _text_problems(item, [*path, key])
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _text_problems(item, [*path, i])


def problems(data: Json) -> list[str]:
    """Everything wrong with ``data`` as a project, each as ``path: rule``."""
    found = _schema_problems(data)
    if found:
        return found
    found = list(_text_problems(data, []))
    if data["version"] > FORMAT_VERSION:
        found.append(
            f"version: this file is format version {data['version']}; "
            f"this app reads up to version {FORMAT_VERSION}. Update the app to import it"
        )
    seen: dict[str, str] = {}

    def claim(identifier: str, path: list[Any]) -> None:
        where = json_path(path)
        if identifier in seen:
            found.append(f"{where}: “{identifier}” is already the id of {seen[identifier]}")
        else:
            seen[identifier] = where.removesuffix(".id")

    for path, table, obj in _estimates(data):
        claim(obj["id"], [*path, "id"])
        for field in table.ESTIMATES:
            found.extend(_estimate_problems([*path, field], obj.get(field)))
        extra_notes = {f"scores.{k}" for k in (obj.get("scores") or {})} if table is Option else set()
        for key in obj.get("notes") or {}:
            if key not in table.ESTIMATES and key not in extra_notes:
                found.append(f"{json_path([*path, 'notes', key])}: is not an input of this object")
    for name in ("memo", "decision_log", "scenarios", "correlations"):
        for i, item in enumerate(data.get(name) or []):
            claim(item["id"], [name, i, "id"])
    log_ids = {e["id"] for e in data.get("decision_log") or []}
    for i, o in enumerate(data.get("opportunities") or []):
        for j, k in enumerate(o.get("kpis") or []):
            claim(k["id"], ["opportunities", i, "kpis", j, "id"])
            found.extend(f"{json_path(['opportunities', i, 'kpis', j])}: {rule}" for rule in kpi_problems(k))
        for j, c in enumerate(o.get("launch_checklist") or []):
            claim(c["id"], ["opportunities", i, "launch_checklist", j, "id"])
        gate = o.get("gate")
        if gate and gate.get("log_entry_id") is not None and gate["log_entry_id"] not in log_ids:
            found.append(f"{json_path(['opportunities', i, 'gate', 'log_entry_id'])}: no decision-log "
                         f"entry has the id “{gate['log_entry_id']}”")

    decisions = {d["id"]: d for d in data.get("decisions") or []}
    unit_models = {u["id"] for u in data.get("unit_models") or []}
    for i, o in enumerate(data.get("opportunities") or []):
        if o.get("decision_id") is not None and o["decision_id"] not in decisions:
            found.append(f"opportunities[{i}].decision_id: no decision has the id “{o['decision_id']}”")
        if o.get("unit_model_id") is not None and o["unit_model_id"] not in unit_models:
            found.append(
                f"opportunities[{i}].unit_model_id: no unit model has the id “{o['unit_model_id']}”"
            )
    for i, d in enumerate(data.get("decisions") or []):
        options = [o["id"] for o in d.get("options") or []]
        if d.get("chosen_option_id") is not None and d["chosen_option_id"] not in options:
            found.append(
                f"decisions[{i}].chosen_option_id: “{d['chosen_option_id']}” is not an option "
                "of this decision"
            )
        kinds = {c["id"]: c.get("kind") or "score" for c in d.get("criteria") or []}
        for j, o in enumerate(d.get("options") or []):
            for criterion_id, value in (o.get("scores") or {}).items():
                where = json_path(["decisions", i, "options", j, "scores", criterion_id])
                found.extend(_estimate_problems(["decisions", i, "options", j, "scores",
                                                 criterion_id], value))
                if criterion_id not in kinds:
                    found.append(f"{where}: is not a criterion of this decision")
                elif kinds[criterion_id] == "tco":
                    found.append(f"{where}: a TCO criterion is computed, so it takes no value")
                elif kinds[criterion_id] == "score":
                    numbers = [value] if not isinstance(value, dict) else [
                        value[k] for k in ("base", "low", "high") if value.get(k) is not None]
                    if any(not 1 <= n <= 5 for n in numbers):
                        found.append(f"{where}: a score must be between 1 and 5")
    found.extend(_correlation_problems(data))
    if data.get("scenarios") and not found:  # the scenarios' rules read a plan that is valid
        from models.scenarios import scenario_from_json, scenario_problems

        found.extend(scenario_problems(data, [scenario_from_json(s) for s in data["scenarios"]]))
    return found


def _objects(data: Json) -> set[tuple[str, str]]:
    """(kind, id) of every object that has inputs."""
    kinds = {Opportunity: "opportunity", Decision: "decision", Criterion: "criterion", Option: "option",
             UnitModel: "unit_model", Route: "route"}
    return {(kinds[table], obj["id"]) for _, table, obj in _estimates(data)}  # type: ignore[index]


def _correlation_problems(data: Json) -> Iterator[str]:
    """A correlation naming an object the plan does not have (the rest are the model's rules)."""
    objects = _objects(data) if data.get("correlations") else set()
    for i, c in enumerate(data.get("correlations") or []):
        for end in ("a", "b"):
            ref = c[end]
            if (ref["kind"], ref["id"]) not in objects:
                yield (f"{json_path(['correlations', i, end])}: no {ref['kind'].replace('_', ' ')} has "
                       f"the id “{ref['id']}”")


def validate(data: Json, source: Path | None = None) -> None:
    found = problems(data)
    if found:
        raise InvalidProjectDataError(source, found[:MAX_PROBLEMS])


# --- import ------------------------------------------------------------------------------


def _fill(row: Base, obj: Json) -> None:
    notes = obj.get("notes") or {}
    for field, default in row.ESTIMATES.items():
        setattr(row, field, estimate_from_json(obj.get(field), default))
        row.set_note(field, notes.get(field) or "")


def _text(obj: Json, key: str, default: str = "") -> str:
    value = obj.get(key)
    return default if value is None else str(value)


def replace_content(session: Session, data: Json, source: Path | None = None, *,
                    trusted: bool = False) -> None:
    """Replace everything in the project with ``data`` (validated first, unless it is our own
    tested data; nothing is written on error)."""
    if not trusted:
        validate(data, source)
    for table in (KpiTarget, LaunchCheck, LaunchGate, OptionScore, Route, Criterion, Option, Opportunity,
                  Decision, UnitModel, MemoSection, DecisionLogEntry, ScenarioOverride, Scenario,
                  Correlation, Project):
        session.execute(delete(table))
    p = data["project"]
    defaults = Project.__table__.c
    session.add(
        Project(
            id=1,
            name=_text(p, "name"),
            author=_text(p, "author"),
            description=_text(p, "description"),
            currency=p.get("currency") or defaults.currency.default.arg,
            horizon_years=p.get("horizon_years") or defaults.horizon_years.default.arg,
            discount_rate=float(_or(p.get("discount_rate"), defaults.discount_rate.default.arg)),
            mc_samples=p.get("mc_samples") or defaults.mc_samples.default.arg,
            mc_seed=_or(p.get("mc_seed"), defaults.mc_seed.default.arg),
            budget=None if p.get("budget") is None else float(p["budget"]),
            price_date=_text(p, "price_date"),
        )
    )
    for i, d in enumerate(data.get("decisions") or []):
        session.add(new_row("decision", d, i))
    for i, u in enumerate(data.get("unit_models") or []):
        session.add(new_row("unit_model", u, i))
    for i, scenario in enumerate(data.get("scenarios") or []):
        session.add(new_row("scenario", scenario, i))
    for i, c in enumerate(data.get("correlations") or []):
        session.add(new_row("correlation", c, i))
    session.flush()
    # The long flat lists go in as plain rows, a chunk at a time: an ORM object per row would
    # cost gigabytes for a few hundred thousand log entries.
    _insert_rows(session, Opportunity, (
        {"id": o["id"], "position": i, "name": _text(o, "name"),
         "description": _text(o, "description"), "status": o.get("status") or "proposed",
         "decision_id": o.get("decision_id"), "unit_model_id": o.get("unit_model_id"),
         **_estimate_columns(Opportunity, o)}
        for i, o in enumerate(data.get("opportunities") or [])))
    opportunities = data.get("opportunities") or []
    _insert_rows(session, KpiTarget, (
        _as_columns(kpi_columns(k, o["id"], j))
        for o in opportunities for j, k in enumerate(o.get("kpis") or [])))
    _insert_rows(session, LaunchCheck, (
        check_columns(c, o["id"], j) for o in opportunities
        for j, c in enumerate(o.get("launch_checklist") or [])))
    _insert_rows(session, LaunchGate, (
        gate_columns(o["gate"], o["id"]) for o in opportunities if o.get("gate")))
    _insert_rows(session, MemoSection, (
        {"id": m["id"], "position": i, "title": _text(m, "title"), "body": _text(m, "body")}
        for i, m in enumerate(data.get("memo") or [])))
    _insert_rows(session, DecisionLogEntry, (
        {"id": e["id"], "position": i, "date": _text(e, "date"), "decision": _text(e, "decision"),
         "rationale": _text(e, "rationale"), "alternatives": _text(e, "alternatives"),
         "owner": _text(e, "owner")}
        for i, e in enumerate(data.get("decision_log") or [])))


def kpi_columns(k: Json, opportunity_id: str, position: int) -> Json:
    """The columns of one KPI target's row."""
    measured = k.get("measured")
    return {"id": k["id"], "opportunity_id": opportunity_id, "position": position,
            "metric": k.get("metric") or "custom", "name": _text(k, "name"), "unit": _text(k, "unit"),
            "direction": k.get("direction") or "at_least", "target": float(k.get("target") or 0.0),
            "window": _text(k, "window"), "eval_set": _text(k, "eval_set"),
            "measured": None if measured is None else float(measured),
            "measured_on": _text(k, "measured_on"), "note_text": _text(k, "note")}


def _as_columns(values: Json) -> Json:
    """A KPI's values by the table's column names (the ORM calls its note ``note_text``)."""
    out = dict(values)
    out["note"] = out.pop("note_text")
    return out


def check_columns(c: Json, opportunity_id: str, position: int) -> Json:
    """The columns of one checklist item's row."""
    return {"id": c["id"], "opportunity_id": opportunity_id, "position": position,
            "text": _text(c, "text"), "owner": _text(c, "owner"), "status": c.get("status") or "todo",
            "evidence": _text(c, "evidence")}


def gate_columns(g: Json, opportunity_id: str) -> Json:
    """The columns of one gate decision's row."""
    return {"opportunity_id": opportunity_id, "decision": g["decision"], "approvers": _text(g, "approvers"),
            "date": _text(g, "date"), "conditions": _text(g, "conditions"),
            "log_entry_id": g.get("log_entry_id")}


def new_row(kind: str, obj: Json, position: int) -> Base:
    """The row of one object of the interchange JSON (``kind`` as the app names it), with the
    rows it holds: what an import writes, and what an undoable insert puts back."""
    row: Base
    if kind == "opportunity":
        row = Opportunity(id=obj["id"], position=position, name=_text(obj, "name"),
                          description=_text(obj, "description"), status=obj.get("status") or "proposed",
                          decision_id=obj.get("decision_id"), unit_model_id=obj.get("unit_model_id"))
        opportunity = row
        opportunity.kpis.extend(KpiTarget(**kpi_columns(k, obj["id"], j))
                                for j, k in enumerate(obj.get("kpis") or []))
        opportunity.launch_checks.extend(LaunchCheck(**check_columns(c, obj["id"], j))
                                         for j, c in enumerate(obj.get("launch_checklist") or []))
        if obj.get("gate"):
            opportunity.gate = LaunchGate(**gate_columns(obj["gate"], obj["id"]))
    elif kind == "kpi":
        return KpiTarget(**kpi_columns(obj, str(obj.get("opportunity_id") or ""), position))
    elif kind == "launch_check":
        return LaunchCheck(**check_columns(obj, str(obj.get("opportunity_id") or ""), position))
    elif kind == "memo":
        return MemoSection(id=obj["id"], position=position, title=_text(obj, "title"),
                           body=_text(obj, "body"))
    elif kind == "log":
        return DecisionLogEntry(id=obj["id"], position=position, date=_text(obj, "date"),
                                decision=_text(obj, "decision"), rationale=_text(obj, "rationale"),
                                alternatives=_text(obj, "alternatives"), owner=_text(obj, "owner"))
    elif kind == "scenario":
        probability = obj.get("probability")
        scenario = Scenario(id=obj["id"], position=position, name=_text(obj, "name"),
                            description=_text(obj, "description"),
                            probability=None if probability is None else float(probability))
        for o in obj.get("overrides") or []:
            scenario.overrides.append(override_row(o))
        return scenario
    elif kind == "correlation":
        a, b = obj["a"], obj["b"]
        return Correlation(id=obj["id"], position=position, a_kind=a["kind"], a_id=str(a.get("id") or ""),
                           a_field=a["field"], b_kind=b["kind"], b_id=str(b.get("id") or ""),
                           b_field=b["field"], rho=float(obj["rho"]), reason=_text(obj, "note"))
    elif kind == "unit_model":
        row = UnitModel(id=obj["id"], position=position, name=_text(obj, "name"),
                        description=_text(obj, "description"))
        for j, r in enumerate(obj.get("routes") or []):
            row.routes.append(new_row("route", r, j))  # type: ignore[arg-type]
    elif kind == "route":
        row = Route(id=obj["id"], position=position, model=_text(obj, "model"),
                    provider=_text(obj, "provider"), price_date=_text(obj, "price_date"),
                    price_source=price_source(obj), price_since=_text(obj, "price_since"),
                    batch=bool(obj.get("batch")), cache_ttl=_text(obj, "cache_ttl", "5m"),
                    tiers=tiers_text(obj.get("tiers")))
    elif kind == "decision":
        row = Decision(id=obj["id"], position=position, name=_text(obj, "name"),
                       description=_text(obj, "description"),
                       chosen_option_id=obj.get("chosen_option_id"))
        for j, c in enumerate(obj.get("criteria") or []):
            row.criteria.append(new_row("criterion", c, j))  # type: ignore[arg-type]
        for j, o in enumerate(obj.get("options") or []):
            row.options.append(new_row("option", o, j))  # type: ignore[arg-type]
    elif kind == "criterion":
        row = Criterion(id=obj["id"], position=position, name=_text(obj, "name"),
                        kind=obj.get("kind") or "score", unit=_text(obj, "unit"),
                        higher_is_better=_or(obj.get("higher_is_better"), True))
    elif kind == "option":
        row = Option(id=obj["id"], position=position, name=_text(obj, "name"),
                     kind=obj.get("kind") or "build")
        notes = obj.get("notes") or {}
        for k, (criterion_id, value) in enumerate((obj.get("scores") or {}).items()):
            row.scores.append(OptionScore(criterion_id=criterion_id, position=k,
                                          value=estimate_from_json(value, 0.0),
                                          value_note=notes.get(f"scores.{criterion_id}") or ""))
    else:
        raise ValueError(kind)
    _fill(row, obj)
    return row


def override_row(override: Json) -> ScenarioOverride:
    """The row of one override (its scenario sets ``scenario_id``)."""
    kind, object_id, field = override_key(override)
    return ScenarioOverride(kind=kind, object_id=object_id, field=field,
                            value=estimate_from_json(override["value"], 0.0))


#: Rows per INSERT of a long list: bounded memory, few round trips.
INSERT_CHUNK = 2_000


def _insert_rows(session: Session, table: type[Base], rows: Iterator[Json]) -> None:
    chunk: list[Json] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == INSERT_CHUNK:
            session.execute(insert(table.__table__), chunk)
            chunk = []
    if chunk:
        session.execute(insert(table.__table__), chunk)


def _estimate_columns(table: type[Base], obj: Json) -> Json:
    """The four columns and the note of each estimate field, as ``_fill`` sets them on a row."""
    notes = obj.get("notes") or {}
    out: Json = {}
    for field, default in table.ESTIMATES.items():
        est = estimate_from_json(obj.get(field), default)
        out.update({f"{field}_base": est.base, f"{field}_low": est.low, f"{field}_high": est.high,
                    f"{field}_dist": est.dist, f"{field}_note": notes.get(field) or ""})
    return out


TIER_KEYS = ("above", "price_in_mtok", "price_out_mtok", "price_cached_in_mtok", "price_cache_write_mtok")


def tiers_text(tiers: Any) -> str:
    """A route's price tiers as its column stores them: JSON, each tier's prices in a fixed order and
    complete (a cache price it lacks is its input price, docs/file-format.md 4.5), "" for none."""
    if not tiers:
        return ""
    out = []
    for tier in tiers:
        price_in = plain_number(float(tier["price_in_mtok"]))
        full = {"above": int(tier["above"]), "price_in_mtok": price_in,
                "price_out_mtok": plain_number(float(tier["price_out_mtok"]))}
        for key in TIER_KEYS[3:]:
            full[key] = price_in if tier.get(key) is None else plain_number(float(tier[key]))
        out.append(full)
    return json.dumps(out, separators=(",", ":"))


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def sample_data() -> Json:
    """The embedded sample plan."""
    from app.paths import sample_path

    return read_json(sample_path())


