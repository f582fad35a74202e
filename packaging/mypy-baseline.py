"""Type-check app and views against packaging/mypy-baseline.txt, a list of known errors that only shrinks.

`uv run python packaging/mypy-baseline.py` fails on any error not in the baseline, and on baseline
entries that no longer occur; `--update` then rewrites the baseline without them (it never adds one).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "packaging" / "mypy-baseline.txt"
PACKAGES = ("app", "views")  # models is checked on its own, strict and clean: `uv run mypy`
HEADER = ("# Known mypy errors in app and views: file, [code] message. This list only shrinks:\n"
          "# `uv run python packaging/mypy-baseline.py --update` drops what was fixed.\n")

_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: (?P<message>.*?)  \[(?P<code>[a-z0-9-]+)\]$")
# Line numbers inside a message ("defined on line 12") move with every edit above them.
_LINE_REFERENCE = re.compile(r"\bline \d+\b")


def key(path: str, code: str, message: str) -> str:
    """One error as the baseline lists it: no line numbers, so edits elsewhere leave it unchanged."""
    return f"{path}: [{code}] {_LINE_REFERENCE.sub('line N', message)}"


def parse(report: Iterable[str]) -> dict[str, list[str]]:
    """mypy's report -> baseline key -> the 'path:line' of each occurrence, for app and views only."""
    found: dict[str, list[str]] = {}
    for line in report:
        match = _ERROR.match(line.rstrip("\n"))
        if match and match["path"].replace("\\", "/").split("/")[0] in PACKAGES:
            path = match["path"].replace("\\", "/")
            found.setdefault(key(path, match["code"], match["message"]), []).append(
                f"{path}:{match['line']}")
    return found


def read_baseline(path: Path) -> Counter[str]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return Counter(line for line in lines if line and not line.startswith("#"))


def compare(found: dict[str, list[str]], baseline: Counter[str]) -> tuple[list[str], list[str]]:
    """(new errors with where they are, baseline entries that no longer occur)."""
    current = Counter({k: len(places) for k, places in found.items()})
    new = [f"{found[k][-1]}: {k.split(': ', 1)[1]}" for k in sorted((current - baseline).elements())]
    gone = sorted((baseline - current).elements())
    return new, gone


def run_mypy() -> list[str]:
    from mypy import api

    out, err, status = api.run([*PACKAGES, "--no-error-summary", "--no-pretty", "--no-color-output",
                                "--hide-error-context", "--show-error-codes"])
    if status not in (0, 1):  # 2: mypy itself failed (bad option, crash)
        sys.exit(f"mypy failed:\n{out}{err}")
    return out.splitlines()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="drop baseline entries that no longer occur (never adds any)")
    args = parser.parse_args(argv)
    found = parse(run_mypy())
    baseline = read_baseline(BASELINE)
    new, gone = compare(found, baseline)
    if new:
        print(f"{len(new)} new type error(s) in {' and '.join(PACKAGES)}; fix them:", *new, sep="\n  ")
    if gone and args.update:
        kept = baseline - Counter(gone)
        BASELINE.write_text(HEADER + "".join(f"{k}\n" for k in sorted(kept.elements())), encoding="utf-8")
        print(f"Baseline shrunk by {len(gone)}: {sum(kept.values())} known error(s) left.")
        baseline, gone = kept, []
    elif gone:
        print(f"{len(gone)} error(s) of the baseline no longer occur; shrink it with "
              "`uv run python packaging/mypy-baseline.py --update`:", *gone, sep="\n  ")
    if not new and not gone:
        print(f"mypy: no new errors in {' and '.join(PACKAGES)} ({sum(baseline.values())} known).")
    return 1 if new or gone else 0


if __name__ == "__main__":
    sys.exit(main())
