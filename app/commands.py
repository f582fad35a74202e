"""The command-line subcommands of DESIGN section 5 (no display needed)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app import interchange, paths
from app.document import ProjectDocument
from app.errors import (
    DestinationExistsError,
    ForeignDatabaseError,
    NotAProjectFileError,
    ProjectFileError,
    WillNotReplaceError,
)
from app.projectfile import check_file, check_header, read_file, write_atomically


def run(args: argparse.Namespace) -> int:
    handler = {
        "new": new,
        "check": check,
        "calc": calc,
        "export": export,
        "export-json": export_json,
        "import-json": import_json,
        "diff": diff,
    }[args.command]
    return handler(args)


def new(args: argparse.Namespace) -> int:
    target: Path = args.file
    if target.exists():
        raise DestinationExistsError(target)
    with (ProjectDocument.sample() if args.sample else ProjectDocument.new(target.stem)) as doc:
        doc.save_as(target)
    print(f"Created {target}")
    return 0


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

    results = calculation.results_for(load_project(args.file))
    if args.json:
        print(json.dumps(calculation.as_json(results), ensure_ascii=False, allow_nan=False,
                         indent=1))
    else:
        print(calculation.as_text(results, args.file), end="")
    return 0


def diff(args: argparse.Namespace) -> int:
    """What changed from plan A to plan B; exit 0 whether or not they differ."""
    from app.diff import diff_plans

    old, new = load_project(args.old), load_project(args.new)
    result = diff_plans(old, new, old_label=str(args.old), new_label=str(args.new))
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, allow_nan=False, indent=1))
    else:
        print(result.text(), end="")
    return 0


def export(args: argparse.Namespace) -> int:
    """Write the requested exports from one calculation of the project."""
    from app.exports.run import EXPORTERS, NoExportRequestedError, write_exports

    requested = {kind: getattr(args, kind) for kind in EXPORTERS if getattr(args, kind, None)}
    if not requested:
        raise NoExportRequestedError(args.file)
    for path, warnings in write_exports(load_project(args.file), requested):
        for warning in warnings:
            print(f"aiplan: warning: {warning}", file=sys.stderr)
        print(f"Wrote {path}")
    return 0


def export_json(args: argparse.Namespace) -> int:
    with ProjectDocument.open(args.file) as doc:
        text = interchange.dumps(doc.to_json())
    encoded = text.encode("utf-8")

    def verify(temp: Path) -> None:
        json.loads(temp.read_bytes().decode("utf-8"))

    write_atomically(args.out, encoded, verify)
    print(f"Wrote {args.out}")
    return 0


def import_json(args: argparse.Namespace) -> int:
    target: Path = args.file
    data = interchange.read_json(args.json_file)
    interchange.validate(data, args.json_file)
    if target.exists():
        if not args.replace:
            raise DestinationExistsError(target)
        _refuse_unless_project(target)
    with ProjectDocument.from_data(data, args.json_file) as doc:
        doc.save_as(target)
    print(f"{'Replaced' if args.replace else 'Created'} {target} from {args.json_file}")
    return 0


def _refuse_unless_project(target: Path) -> None:
    """--replace overwrites project files only, never a document named by mistake."""
    try:
        check_header(target, read_file(target))
    except (NotAProjectFileError, ForeignDatabaseError) as exc:
        raise WillNotReplaceError(target) from exc
    except ProjectFileError:
        pass  # a damaged or older project may be replaced: that is what the import is for
