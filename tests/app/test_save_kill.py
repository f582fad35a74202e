"""A save killed with SIGKILL at any moment leaves either the old or the new file, whole."""

from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from app.document import ProjectDocument

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")


def _bigger_plan(sample: dict[str, Any], copies: int) -> dict[str, Any]:
    data = json.loads(json.dumps(sample))
    template = data["opportunities"][0]
    for n in range(copies):
        clone = dict(template, id=f"opp-clone-{n}", name=f"Variant {n} of {template['name']}",
                     kpis=[], launch_checklist=[], gate=None)  # (their ids are the template's)
        data["opportunities"].append(clone)
    return data


def _save_in_child(doc: ProjectDocument, target: Path) -> int:
    """Fork a process that saves ``doc`` over ``target``; return its pid once it starts."""
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a real process saving, to be killed at a random moment
        try:
            os.close(ready_r)
            os.write(ready_w, b"r")
            doc.save_as(target)
        finally:
            os._exit(0)
    os.close(ready_w)
    assert os.read(ready_r, 1) == b"r"
    os.close(ready_r)
    return pid


def _kill_saves(tmp_path: Path, sample: dict[str, Any], runs: int, seed: int) -> dict[str, int]:
    target = tmp_path / "plan.aiplan"
    with ProjectDocument.from_data(sample) as doc:
        doc.save_as(target)
    old = target.read_bytes()
    new_data = _bigger_plan(sample, 300)
    rng = random.Random(seed)
    outcomes = {"old": 0, "new": 0}
    with ProjectDocument.from_data(new_data) as doc:
        start = time.perf_counter()
        doc.save_as(tmp_path / "timing.aiplan")  # how long one save takes on this machine
        save_seconds = time.perf_counter() - start
        (tmp_path / "timing.aiplan").unlink()
        for _ in range(runs):
            target.write_bytes(old)
            pid = _save_in_child(doc, target)
            time.sleep(rng.uniform(0, save_seconds * 1.2))
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            with ProjectDocument.open(target) as reopened:  # header, integrity, checksum
                content = reopened.to_json()
            assert content in (sample, new_data)
            outcomes["old" if content == sample else "new"] += 1
            for leftover in tmp_path.glob(".~aiplan-*"):
                leftover.unlink()  # a killed save may leave its temp file, never a torn target
    return outcomes


def test_killed_saves_leave_old_or_new(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    outcomes = _kill_saves(tmp_path, sample_json, runs=60, seed=1)
    assert sum(outcomes.values()) == 60
    assert outcomes["old"] > 0  # the kills did land inside saves


@pytest.mark.slow
def test_killed_saves_many(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    outcomes = _kill_saves(tmp_path, sample_json, runs=500, seed=2)
    assert outcomes["old"] and outcomes["new"]
