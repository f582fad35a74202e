"""The ``aiplan`` command: open the app, or work on project files from the command line."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from app._version import __version__

COMMANDS = ("new", "check", "calc", "diff", "export", "export-json", "import-json", "reprice")
EXIT_USAGE = 2
EXIT_BUG = 1


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line, as every other error."""

    def error(self, message: str) -> NoReturn:
        from app.terminal import one_line

        self.exit(EXIT_USAGE, f"aiplan: {one_line(message)} (see 'aiplan --help')\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="aiplan",
        description="AI Product Planner: plan AI products, decide build / partner / buy, "
        "model unit economics. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"aiplan {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    new = commands.add_parser("new", help="create a project file")
    new.add_argument("file", type=Path, metavar="FILE")
    new.add_argument("--sample", action="store_true", help="fill it with the sample plan")

    check = commands.add_parser("check", help="check a project (or JSON) file; exit 0 or 2")
    check.add_argument("file", type=Path, metavar="FILE")

    calc = commands.add_parser("calc", help="every result of the model, as a table or JSON")
    calc.add_argument("file", type=Path, metavar="FILE")
    calc.add_argument("--json", action="store_true", help="print one JSON object")
    calc.add_argument("--scenario", metavar="NAME",
                      help="the results of one scenario (its name; Base is the plan as it is)")

    diff = commands.add_parser(
        "diff", help="what changed from plan A to plan B (exit 0 whether or not they differ)",
        description="List what changed from plan A to plan B (each a .aiplan file or a .json "
        "export): objects added, removed or renamed, every input, setting and link that changed, "
        "then how NPV, eNPV, decision winners, unit costs and the portfolio moved (base values, "
        "no Monte Carlo). Exits 0 whether or not the plans differ; 2 when a file cannot be used.")
    diff.add_argument("old", type=Path, metavar="A", help="the earlier plan")
    diff.add_argument("new", type=Path, metavar="B", help="the later plan")
    diff.add_argument("--json", action="store_true", help="print one JSON object")

    exports = commands.add_parser("export", help="write the strategy memo (PDF), workbook or deck")
    exports.add_argument("file", type=Path, metavar="FILE")
    exports.add_argument("--memo", type=Path, metavar="OUT.pdf", help="the strategy memo (PDF)")
    exports.add_argument("--xlsx", type=Path, metavar="OUT.xlsx", help="the live workbook (Excel)")
    exports.add_argument("--deck", type=Path, metavar="OUT.pdf|OUT.pptx", help="the 16:9 deck")
    exports.add_argument("--force", action="store_true",
                         help="overwrite existing files (never a project, the input or an open file)")

    export = commands.add_parser("export-json", help="write a project as JSON")
    export.add_argument("file", type=Path, metavar="FILE")
    export.add_argument("out", type=Path, metavar="OUT.json")
    export.add_argument("--force", action="store_true",
                        help="overwrite OUT.json if it exists (never a project or an open file)")

    reprice = commands.add_parser(
        "reprice", help="compare the plan's model prices with the bundled catalog; --apply to update",
        description="Compare every route priced from the catalog with the catalog bundled with this "
        "app: old and new prices, and what they change in each unit model's cost per task and margin "
        "and each opportunity's NPV and eNPV. Nothing changes without --apply. Prices typed by hand "
        "are never touched; a model the catalog no longer lists is named and kept.")
    reprice.add_argument("file", type=Path, metavar="FILE")
    reprice.add_argument("--apply", action="store_true", help="write the new prices into FILE (.aiplan)")
    reprice.add_argument("--json", action="store_true", help="print one JSON object")

    imp = commands.add_parser("import-json", help="make a project file from JSON")
    imp.add_argument("json_file", type=Path, metavar="IN.json")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--replace", action="store_true", help="overwrite FILE if it exists")
    return parser


def _gui_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="aiplan", description="Open AI Product Planner.")
    parser.add_argument("--version", action="version", version=f"aiplan {__version__}")
    parser.add_argument("file", type=Path, nargs="?", metavar="FILE",
                        help="a .aiplan or .json file (default: a copy of the sample plan)")
    parser.add_argument("--self-test", action="store_true",
                        help="start offscreen, visit every workspace, print one JSON line, exit")
    return parser


def _looks_like_a_command(word: str) -> bool:
    """Whether ``word``, given where a command or a file may stand, can only be a mistyped
    command: no option, no dot or folder in it, and no such file."""
    return (not word.startswith("-") and "." not in word and "/" not in word
            and os.sep not in word and not Path(word).exists())


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    from app.errors import ProjectFileError
    from app.terminal import escape_warnings, one_line
    from models.problems import PlanInvalid

    escape_warnings()

    try:
        if args_list and _looks_like_a_command(args_list[0]) and args_list[0] not in COMMANDS:
            print(f"aiplan: “{one_line(args_list[0], 60)}” is neither a command nor a file; the "
                  f"commands are {', '.join(COMMANDS)} (see 'aiplan --help')", file=sys.stderr)
            return EXIT_USAGE
        if args_list and args_list[0] in COMMANDS:
            from app import commands

            args = _build_parser().parse_args(args_list)
            return commands.run(args)
        if args_list and args_list[0] in ("-h", "--help"):
            _build_parser().print_help()
            return 0
        args = _gui_parser().parse_args(args_list)
        from app.gui import run_gui

        return run_gui(args.file, self_test=args.self_test)
    except ProjectFileError as exc:
        # Names and keys in the sentence come from the file: shown escaped, on one line.
        print(f"aiplan: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except PlanInvalid as exc:
        from app.labels import problem_text

        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        print(f"aiplan: cannot calculate: {one_line(problem_text(exc.problems[0]))}{more}. "
              "Correct it and try again.", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into a program that stopped reading (head, less)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except SystemExit as exc:  # how argparse ends --help, --version and usage errors: return the code
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else EXIT_BUG
    except Exception as exc:  # a bug: one line for the user, the details in a log
        log = _log_bug()
        print(f"aiplan: unexpected error ({type(exc).__name__}: {one_line(exc, 300)}); details in "
              f"{one_line(log)}", file=sys.stderr)
        return EXIT_BUG


def _log_bug() -> str:
    try:
        from app.paths import data_dir

        log = data_dir() / "errors.log"
        with log.open("a", encoding="utf-8") as out:
            out.write(traceback.format_exc() + "\n")
        return str(log)
    except Exception:
        return "(no log could be written)"


if __name__ == "__main__":
    sys.exit(main())
