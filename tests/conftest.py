"""Shared fixtures: an isolated data folder per test and a saved sample built once."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

settings.register_profile("ci", max_examples=40, deadline=None)
settings.register_profile("slow", max_examples=400, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Working copies and backups of each test live in a temporary folder of their own."""
    folder = tmp_path_factory.mktemp("appdata")
    monkeypatch.setenv("AIPLAN_DATA_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def sample_json() -> dict[str, Any]:
    from app.interchange import sample_data

    return sample_data()


@pytest.fixture
def sample(sample_json: dict[str, Any]) -> dict[str, Any]:
    """A copy of the sample plan's JSON that a test may change."""
    return copy.deepcopy(sample_json)


@pytest.fixture(scope="session")
def sample_file_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from app.document import ProjectDocument

    folder = tmp_path_factory.mktemp("template")
    os.environ["AIPLAN_DATA_DIR"] = str(folder / "appdata")
    path = folder / "sample.aiplan"
    with ProjectDocument.sample() as doc:
        doc.save_as(path)
    return path


@pytest.fixture
def sample_file(sample_file_template: Path, tmp_path: Path) -> Path:
    """A saved copy of the sample plan, fresh for each test."""
    path = tmp_path / "plan.aiplan"
    shutil.copyfile(sample_file_template, path)
    return path
