"""The frozen app (packaging/aiplan.spec): what it carries, and that the built program works.

The tests of the built program run when AIPLAN_FROZEN names a bundle (CI builds one first with
packaging/build.sh); a checkout without one skips them.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

from app._version import __version__
from models.migrate import revision_of
from models.schema import SCHEMA_VERSION

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "packaging" / "aiplan.spec"


def _bundle_files() -> ModuleType:
    # packaging/ is no Python package (the name belongs to PyPI's "packaging"): load by path.
    spec = importlib.util.spec_from_file_location("bundle_files", REPO / "packaging" / "bundle_files.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bundle_files = _bundle_files()


# --- what the spec bundles from the repository -------------------------------------------


def test_the_spec_bundles_the_shared_list_of_files() -> None:
    text = SPEC.read_text(encoding="utf-8")
    ast.parse(text)  # a syntax error would only show in a build
    assert "datas=bundle_files.datas()" in text


@pytest.mark.parametrize(("pattern", "folder"), bundle_files.DATA_PATTERNS)
def test_every_bundled_pattern_names_files_that_exist(pattern: str, folder: str) -> None:
    files = bundle_files.matches(pattern)
    assert files, f"{pattern} matches nothing: the frozen app would ship without it"
    for path in files:
        # Each file lands where the code looks for it in a checkout (migrate.py's own folder,
        # paths.resources_dir()), so the same lookups work frozen.
        assert path.relative_to(REPO).parent.as_posix() == folder


def test_the_required_files_are_bundled() -> None:
    bundled = {Path(source).relative_to(REPO).as_posix() for source, _ in bundle_files.datas()}
    assert set(bundle_files.REQUIRED) <= bundled
    assert bundle_files.ICON_SVG in bundled


def test_every_migration_up_to_the_current_schema_is_bundled() -> None:
    revisions = set()
    for source, _ in bundle_files.datas():
        match = re.search(r'''^revision = ["'](\d+)["']''', Path(source).read_text(encoding="utf-8"), re.M)
        if match:
            revisions.add(match.group(1))
    assert revisions == {revision_of(version) for version in range(1, SCHEMA_VERSION + 1)}


# --- the built program ---------------------------------------------------------------------


def _frozen_program() -> Path | None:
    setting = os.environ.get("AIPLAN_FROZEN")
    if not setting:
        return None
    path = Path(setting)
    program = path / ("aiplan.exe" if sys.platform == "win32" else "aiplan") if path.is_dir() else path
    # Set but wrong is a failure, not a skip: CI must really test the bundle it built.
    assert program.is_file(), f"AIPLAN_FROZEN={setting} holds no built aiplan program"
    return program


needs_bundle = pytest.mark.skipif(
    not os.environ.get("AIPLAN_FROZEN"),
    reason="no frozen app to test: build one (bash packaging/build.sh) and set AIPLAN_FROZEN to it")


@pytest.fixture(scope="module")
def frozen(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    program = _frozen_program()
    assert program is not None
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "AIPLAN_DATA_DIR": str(tmp_path_factory.mktemp("frozen-appdata"))}
    return program, env


def run(frozen: tuple[Path, dict[str, str]], *args: str | Path, cwd: Path | None = None,
        timeout: float = 120) -> subprocess.CompletedProcess[str]:
    program, env = frozen
    return subprocess.run([str(program), *map(str, args)], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def frozen_sample(frozen: tuple[Path, dict[str, str]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("frozen") / "s.aiplan"
    done = run(frozen, "new", path, "--sample")
    assert done.returncode == 0, done.stderr
    return path


@needs_bundle
def test_the_frozen_app_reports_the_version_of_the_source(frozen: tuple[Path, dict[str, str]]) -> None:
    done = run(frozen, "--version")
    assert done.returncode == 0 and done.stdout.strip() == f"aiplan {__version__}"


@needs_bundle
def test_the_frozen_app_starts_and_visits_every_workspace(frozen: tuple[Path, dict[str, str]]) -> None:
    done = run(frozen, "--self-test")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["results"] is True
    assert report["catalog_models"] > 100  # the bundled price catalog loads in the frozen app
    assert "Portfolio" in report["workspaces"] and len(report["workspaces"]) >= 5
    assert "Traceback" not in done.stderr


@needs_bundle
def test_the_frozen_app_writes_memo_workbook_and_decks(
        frozen: tuple[Path, dict[str, str]], frozen_sample: Path, tmp_path: Path) -> None:
    done = run(frozen, "export", frozen_sample, "--memo", "m.pdf", "--xlsx", "w.xlsx",
               "--deck", "d.pptx", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = run(frozen, "export", frozen_sample, "--deck", "d.pdf", cwd=tmp_path)
    assert done.returncode == 0, done.stderr

    from pptx import Presentation
    from pypdf import PdfReader

    memo, deck_pdf = PdfReader(tmp_path / "m.pdf"), PdfReader(tmp_path / "d.pdf")
    assert len(memo.pages) >= 3 and len(deck_pdf.pages) >= 3
    # The memo's text is set in the DejaVu fonts the bundle carries from matplotlib.
    fonts = {str(font["/BaseFont"]) for page in memo.pages[:2]
             for font in page["/Resources"]["/Font"].values()}
    assert any("DejaVu" in font for font in fonts), fonts
    assert "Larkspur FY2027 AI portfolio" in memo.metadata.title
    with zipfile.ZipFile(tmp_path / "w.xlsx") as workbook:
        assert "xl/workbook.xml" in workbook.namelist()
    assert len(Presentation(str(tmp_path / "d.pptx")).slides) == len(deck_pdf.pages)


@needs_bundle
def test_the_frozen_app_calculates_what_the_source_calculates(
        frozen: tuple[Path, dict[str, str]], frozen_sample: Path) -> None:
    done = run(frozen, "calc", frozen_sample, "--json")
    assert done.returncode == 0, done.stderr
    source = subprocess.run([sys.executable, "-m", "app", "calc", str(frozen_sample), "--json"],
                            env=frozen[1], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert source.returncode == 0, source.stderr
    assert json.loads(done.stdout) == json.loads(source.stdout)


@needs_bundle
def test_the_frozen_app_migrates_an_older_file(frozen: tuple[Path, dict[str, str]], tmp_path: Path) -> None:
    from tests.models.test_migrations import make_version_1_file

    path = tmp_path / "legacy.aiplan"
    make_version_1_file(path)
    done = run(frozen, "check", path)  # opening migrates the working copy with Alembic
    assert done.returncode == 0, done.stderr
    assert "1 opportunities" in done.stdout and "1 unit models" in done.stdout


@needs_bundle
def test_the_frozen_app_carries_its_resources_and_not_unused_qt(frozen: tuple[Path, dict[str, str]]) -> None:
    program, _ = frozen
    internal = program.parent / "_internal"
    inside = {path.relative_to(internal).as_posix() for path in internal.rglob("*")}
    for _, folder in bundle_files.DATA_PATTERNS:
        assert folder in inside
    assert "pptx/templates/default.pptx" in inside
    assert "matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf" in inside
    # genai-prices asks its installed metadata for its version on import: without it the
    # model catalog (unit economics) fails to load in the frozen app.
    assert any(re.fullmatch(r"genai_prices-[\d.]+\.dist-info/METADATA", name) for name in inside)
    unused = [name for name in inside
              if re.search(r"translations/|libqgtk3|Qt6?(WebEngine|Quick|Qml|Pdf|Network)", name)]
    assert not unused
