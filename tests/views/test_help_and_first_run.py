"""First run and Help: the sample banner, how the numbers are computed, shortcuts, About."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from app.about import KNOWN_LICENCES, bundled_libraries
from app.document import ProjectDocument
from views import dialogs
from views.main_window import MainWindow


@pytest.fixture
def first_run(show_window: Any) -> MainWindow:
    """The window as `aiplan` with no file opens it: a working copy of the sample."""
    return show_window(ProjectDocument.sample(), sample=True)


def _menu_action(win: MainWindow, text: str) -> Any:
    for action in win.menuBar().actions():
        for item in action.menu().actions():
            if item.text().replace("&", "") == text:
                return item
    raise AssertionError(f"no menu item {text!r}")


def test_first_run_shows_the_sample_banner_until_saved(first_run: MainWindow, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    bar = first_run.messages
    assert bar.isVisible()
    assert bar.text("sample") == ("This is a sample plan. Save As to keep your own, or start a "
                                  "new plan.")
    assert set(bar.buttons("sample")) == {"Save As…", "New Plan"}
    target = tmp_path / "mine.aiplan"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a, **k: target)
    bar.buttons("sample")["Save As…"].click()
    assert target.exists()
    assert "sample" not in bar.keys() and not bar.isVisible()


def test_new_plan_from_the_banner_and_no_banner_for_a_file(first_run: MainWindow,
                                                           sample_file: Path) -> None:
    first_run.messages.buttons("sample")["New Plan"].click()
    assert first_run.controller is not None
    assert first_run.controller.state.data["opportunities"] == []
    assert "sample" not in first_run.messages.keys()
    _menu_action(first_run, "Open the sample plan").trigger()
    assert "sample" in first_run.messages.keys()
    assert first_run.open_path(sample_file)
    assert "sample" not in first_run.messages.keys()


def test_numbers_page_states_the_definitions(first_run: MainWindow) -> None:
    _menu_action(first_run, "How the Numbers Are Computed").trigger()
    page = first_run.help_windows["numbers"]
    assert page.isVisible()
    text = re.sub(r"\s+", " ", page.text())
    for term in ("NPV", "eNPV", "IRR", "Payback month", "RICE", "TCO", "Flip point",
                 "Loaded cost per task", "Gross margin", "Break-even", "P10", "tornado"):
        assert term in text, term
    assert "P(success) × NPV − (1 − P(success)) × PV of the build cost" in text


def test_shortcuts_are_read_from_the_menus(first_run: MainWindow) -> None:
    _menu_action(first_run, "Keyboard Shortcuts").trigger()
    text = first_run.help_windows["shortcuts"].text()
    for line in ("Ctrl+S", "Save", "Ctrl+O", "Open", "Ctrl+Z", "Undo", "F1",
                 "How the Numbers Are Computed", "Ctrl+3", "Build / partner / buy"):
        assert line in text, line


def test_about_names_version_catalog_date_and_licences(first_run: MainWindow) -> None:
    from app._version import __version__
    from models.catalog import catalog_date

    _menu_action(first_run, "About AI Product Planner").trigger()
    text = first_run.help_windows["about"].text()
    assert f"AI Product Planner {__version__}" in text
    assert catalog_date() in text
    for name in ("PySide6", "SQLAlchemy", "reportlab", "openpyxl", "matplotlib", "numpy",
                 "genai-prices", "DejaVu"):
        assert name.lower() in text.lower(), name
    assert "LGPL" in text


def test_every_runtime_dependency_has_a_known_licence() -> None:
    """A frozen build may lack package metadata: the fallback must list every dependency."""
    import tomllib

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    names = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0] for d in pyproject["project"]["dependencies"]}
    assert names == set(KNOWN_LICENCES)
    def key(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    libraries = {key(lib.name): lib for lib in bundled_libraries()}
    for name in names:
        assert key(name) in libraries, name
        assert libraries[key(name)].licence and libraries[key(name)].version
