"""Start-up: which libraries load before the main window is first painted (docs/architecture.md 7's budget is
a few times a bare window's start; each heavy library is a large share of it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def fresh(code: str) -> str:
    """Run ``code`` in a fresh interpreter; its standard output."""
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          check=True, timeout=120).stdout


@pytest.fixture(scope="module")
def self_test() -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-m", "app", "--self-test"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def test_the_gui_entry_point_loads_no_database_library() -> None:
    loaded = fresh("import sys, app.gui; print(' '.join(m for m in ('sqlalchemy', 'models.schema', "
                   "'alembic') if m in sys.modules))")
    assert loaded.strip() == ""


def test_the_self_test_reports_the_first_paint(self_test: dict[str, object]) -> None:
    assert self_test["results"] is True
    assert isinstance(self_test["startup_s"], float) and self_test["startup_s"] > 0
    assert isinstance(self_test["loaded_at_first_paint"], list)


@pytest.mark.parametrize("library", ["matplotlib", "reportlab", "openpyxl", "pptx", "sqlalchemy",
                                     "models.schema"])
def test_charts_exports_and_the_orm_load_after_the_first_paint(self_test: dict[str, object],
                                                               library: str) -> None:
    assert library not in self_test["loaded_at_first_paint"]  # type: ignore[operator]
