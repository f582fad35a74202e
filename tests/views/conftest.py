"""Fixtures for widget tests: a controller on a fresh working copy of the sample plan."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from app.document import ProjectDocument
from app.project_state import ProjectState


@pytest.fixture
def controller(qtbot: Any, sample_json: dict[str, Any]) -> Iterator[Any]:
    from views.controller import ProjectController

    data = dict(sample_json)
    data["project"] = dict(data["project"], mc_samples=2000)  # quick Monte Carlo in tests
    document = ProjectDocument.from_data(data)
    controller = ProjectController(ProjectState(document))
    yield controller
    controller.wait_for_monte_carlo()
    document.close()


def numbers(results: Any) -> Any:
    """Every deterministic number of a result set, for exact before/after comparisons."""
    from models.engine import results_json

    out = results_json(results)
    for o in out["opportunities"]:
        o.pop("mc", None)
    return out


__all__ = ["dataclasses", "numbers"]
