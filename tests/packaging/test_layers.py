"""Layers hold in a fresh interpreter: models loads no Qt and no app; the CLI and exports load no widgets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Imports every module of the named packages (not the Alembic scripts, which Alembic loads from
# their files), runs the given statements, then prints the names of every module loaded.
_PROBE = """
import importlib, json, pkgutil, sys
for package in {packages!r}:
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        if ".migrations" not in module.name and module.name not in {skip!r}:
            importlib.import_module(module.name)
{run}
print(json.dumps(sorted(sys.modules)))
"""


def _modules_loaded(packages: list[str], skip: tuple[str, ...] = (), run: str = "") -> list[str]:
    code = _PROBE.format(packages=packages, skip=skip, run=run)
    env = {key: value for key, value in os.environ.items() if key != "QT_QPA_PLATFORM"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def _in(packages: tuple[str, ...], loaded: list[str]) -> list[str]:
    return [name for name in loaded if name.split(".")[0] in packages]


def test_every_models_module_loads_without_qt_or_the_layers_above() -> None:
    loaded = _modules_loaded(["models"])
    assert "models.engine" in loaded and "models.schema" in loaded  # the probe really imported them
    assert _in(("PySide6", "shiboken6", "app", "views"), loaded) == []


def test_every_app_module_but_the_window_and_the_cli_at_work_load_no_qt_widgets(
        sample_file: Path, tmp_path: Path) -> None:
    # The commands run here import what they need on the way (exports, charts, the engine).
    out = tmp_path / "out"
    run = (
        "from app.main import main\n"
        f"assert main(['calc', {str(sample_file)!r}, '--json']) == 0\n"
        f"assert main(['export', {str(sample_file)!r}, '--memo', {str(out / 'memo.pdf')!r},"
        f" '--xlsx', {str(out / 'plan.xlsx')!r}, '--deck', {str(out / 'deck.pptx')!r}]) == 0\n"
    )
    out.mkdir()
    loaded = _modules_loaded(["app"], skip=("app.gui", "app.__main__"), run=run)
    assert {"app.main", "app.calc", "app.exports.memo_pdf", "app.exports.workbook",
            "app.exports.deck"} <= set(loaded)
    assert sorted(p.name for p in out.iterdir()) == ["deck.pptx", "memo.pdf", "plan.xlsx"]
    widgets = [name for name in loaded if name.startswith(("PySide6.QtWidgets", "views"))]
    assert widgets == []
