"""The command-line subcommands of docs/architecture.md 5 (no display needed)."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import interchange, outputs, paths
from app.document import ProjectDocument
from app.errors import ProjectSaveError
from app.projectfile import check_file
from app.terminal import json_safe, one_line

if TYPE_CHECKING:  # loaded by the command that needs it
    from app.reprice import Reprice


def run(args: argparse.Namespace) -> int:
    handler = {
        "new": new,
        "check": check,
        "calc": calc,
        "export": export,
        "export-json": export_json,
        "import-json": import_json,
        "diff": diff,
        "reprice": reprice,
    }[args.command]
    return handler(args)


def new(args: argparse.Namespace) -> int:
    target: Path = args.file
    outputs.check_project_target(target, (), command="aiplan new", replace=None)
    with (ProjectDocument.sample() if args.sample else ProjectDocument.new(target.stem)) as doc:
        _save_as(doc, target, existed=False)
    print(f"Created {one_line(target)}")
    return 0


def _save_as(doc: ProjectDocument, target: Path, existed: bool) -> None:
    """Save a new project file; a failure says its cause, and that nothing was kept."""
    try:
        doc.save_as(target)
    except ProjectSaveError as exc:
        raise outputs.not_written(exc, target, existed) from None


def check(args: argparse.Namespace) -> int:
    path: Path = args.file
    if path.suffix.lower() == ".json":
        data = interchange.read_json(path)
        interchange.validate(data, path)
    else:
        check_file(path, paths.working_dir())
        with ProjectDocument.open(path) as doc:
            data = doc.to_json()
        interchange.validate(data, path)
    print(
        f"{path}: ok — {len(data.get('opportunities') or [])} opportunities, "
        f"{len(data.get('decisions') or [])} decisions, "
        f"{len(data.get('unit_models') or [])} unit models"
    )
    return 0


def load_project(path: Path) -> dict[str, Any]:
    """The project in a .aiplan file, or in a .json export (validated), as JSON data."""
    if path.suffix.lower() == ".json":
        data = interchange.read_json(path)
        interchange.validate(data, path)
        return data
    with ProjectDocument.open(path) as doc:
        return doc.to_json()


def calc(args: argparse.Namespace) -> int:
    from app import calc as calculation
    from app.terminal import one_line

    data = load_project(args.file)
    whole = args.scenario is None  # one scenario's object, or the plan's with every scenario
    shown = data if whole else calculation.pick_scenario(data, args.scenario)
    results = calculation.results_for(shown)
    if args.json:
        print(json_safe(json.dumps(calculation.as_json(results, data if whole else None),
                                   ensure_ascii=False, allow_nan=False, indent=1)))
    else:
        text = calculation.as_text(results, args.file)
        if whole:
            text += "".join(f"{one_line(line)}\n" for line in calculation.scenarios_text(data, results))
        print(text, end="")
    return 0


def diff(args: argparse.Namespace) -> int:
    """What changed from plan A to plan B; exit 0 whether or not they differ."""
    from app.diff import diff_plans

    old, new = load_project(args.old), load_project(args.new)
    result = diff_plans(old, new, old_label=str(args.old), new_label=str(args.new))
    if args.json:
        print(json_safe(json.dumps(result.to_json(), ensure_ascii=False, allow_nan=False, indent=1)))
    else:
        print(result.text(), end="")
    return 0


def export(args: argparse.Namespace) -> int:
    """Write the requested exports from one calculation of the project."""
    from app.exports.run import EXPORTERS, NOUNS, NoExportRequestedError, check_request, write_exports

    requested = {kind: getattr(args, kind) for kind in EXPORTERS if getattr(args, kind, None)}
    if not requested:
        raise NoExportRequestedError(args.file)
    check_request(requested)
    replacing = outputs.check_export_targets({NOUNS[k]: out for k, out in requested.items()},
                                             [args.file], force=getattr(args, "force", False))
    data = load_project(args.file)
    # Library warnings (a glyph a chart font lacks) carry the user's text: printed safely below.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for path, found in write_exports(data, requested):
            for warning in found:
                print(f"aiplan: warning: {one_line(warning)}", file=sys.stderr)
            print(f"Wrote {one_line(path)}{_replaced(replacing.get(path))}")
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"aiplan: warning: {one_line(message)}", file=sys.stderr)
    return 0


def _replaced(existing: outputs.Existing | None) -> str:
    return "" if existing is None else f" (it replaced {existing.what})"


def export_json(args: argparse.Namespace) -> int:
    replacing = outputs.check_export_targets({"JSON export": args.out}, [args.file],
                                             force=getattr(args, "force", False))
    with ProjectDocument.open(args.file) as doc:
        text = interchange.dumps(doc.to_json())
    outputs.write_export(args.out, text.encode("utf-8"), outputs.JSON_MAGIC, "JSON export")
    print(f"Wrote {one_line(args.out)}{_replaced(replacing.get(args.out))}")
    return 0


def import_json(args: argparse.Namespace) -> int:
    target: Path = args.file
    existing = outputs.check_project_target(target, [args.json_file], command="aiplan import-json IN.json",
                                            replace=args.replace)
    data = interchange.read_json(args.json_file)
    interchange.validate(data, args.json_file)
    with ProjectDocument.from_data(data, args.json_file) as doc:
        _save_as(doc, target, existed=existing is not None)
    print(f"{'Replaced' if existing else 'Created'} {one_line(target)} from {one_line(args.json_file)}")
    return 0


def reprice(args: argparse.Namespace) -> int:
    """What re-pricing against the bundled catalog would change; with --apply, make it so."""
    from app.errors import ProjectFileError
    from app.project_state import ProjectState

    path: Path = args.file
    if not args.apply:
        _say_reprice(args, load_project(path), applied=False)
        return 0
    if path.suffix.lower() == ".json":
        raise ProjectFileError(path, "With --apply, reprice writes the new prices into a project file, "
                                     "and this is a JSON export: make a project of it first "
                                     "(aiplan import-json IN.json FILE.aiplan).")
    with ProjectDocument.open(path) as doc:  # read, re-priced and saved in one opening
        state = ProjectState(doc)
        result = _say_reprice(args, state.data, applied=True)
        if result.edits:
            state.apply_edits(result.edits)
            doc.save()
    if result.edits and not args.json:
        print(f"Re-priced {len(result.changed)} route{'s' if len(result.changed) != 1 else ''} in "
              f"{one_line(path)}")
    return 0


def _say_reprice(args: argparse.Namespace, data: dict[str, Any], applied: bool) -> Reprice:
    """Print the re-price of ``data`` (a table or JSON); return it."""
    from app import reprice as repricing

    result = repricing.reprice(data)
    if args.json:
        out = repricing.as_json(result) | {"applied": applied and bool(result.edits)}
        print(json_safe(json.dumps(out, ensure_ascii=False, allow_nan=False, indent=1)))
    else:
        currency = str((data.get("project") or {}).get("currency") or "USD")
        text = repricing.as_text(result, currency)
        print("".join(f"{one_line(line)}\n" for line in text.splitlines()), end="")
    return result
