"""The type-check baseline (packaging/mypy-baseline.py) as CI runs it, on a small tree of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BAD = 'def total() -> int:\n    return "none"\n'


def _tree(tmp_path: Path) -> Path:
    """A checkout with the checker, an app module with one type error and an empty views."""
    (tmp_path / "packaging").mkdir()
    shutil.copy(ROOT / "packaging" / "mypy-baseline.py", tmp_path / "packaging")
    for package in ("app", "views"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "app" / "sums.py").write_text(BAD)
    return tmp_path


def _check(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MYPY_CACHE_DIR=str(tree / ".mypy_cache"))
    return subprocess.run([sys.executable, "packaging/mypy-baseline.py", *args], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_new_error_fails_with_its_place_and_leaves_the_baseline_alone(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    baseline = tree / "packaging" / "mypy-baseline.txt"
    baseline.write_text("# known\n")
    for args in ((), ("--update",)):
        done = _check(tree, *args)
        assert done.returncode == 1, done
        assert "1 new type error(s) in app and views" in done.stdout
        assert "app/sums.py:2: [return-value] Incompatible return value type" in done.stdout
        assert baseline.read_text() == "# known\n"


def test_a_known_error_passes_where_ever_it_moves_and_a_fixed_one_must_leave_the_baseline(
        tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    baseline = tree / "packaging" / "mypy-baseline.txt"
    known = ('app/sums.py: [return-value] Incompatible return value type (got "str", expected "int")\n')
    baseline.write_text(known)
    assert _check(tree).returncode == 0

    (tree / "app" / "sums.py").write_text("\n\n\n" + BAD)  # the same error three lines lower
    done = _check(tree)
    assert done.returncode == 0, done
    assert "no new errors in app and views (1 known)" in done.stdout

    (tree / "app" / "sums.py").write_text('def total() -> int:\n    return 0\n')
    done = _check(tree)
    assert done.returncode == 1
    assert "1 error(s) of the baseline no longer occur; shrink it" in done.stdout
    assert baseline.read_text() == known
    assert _check(tree, "--update").returncode == 0
    assert "app/sums.py" not in baseline.read_text()
    assert _check(tree).returncode == 0
