"""A save killed with SIGKILL at any moment leaves either the old or the new file, whole."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app import interchange
from app.document import ProjectDocument

# The child opens the file, replaces its content with a bigger plan, says "ready", saves.
CHILD = """
import json, sys
from app.document import ProjectDocument
from app import interchange
path, new_json = sys.argv[1], sys.argv[2]
doc = ProjectDocument.open(__import__("pathlib").Path(path))
doc.replace_content(interchange.read_json(__import__("pathlib").Path(new_json)))
print("ready", flush=True)
doc.save()
print("saved", flush=True)
"""


def _bigger_plan(sample: dict[str, Any], copies: int) -> dict[str, Any]:
    data = json.loads(json.dumps(sample))
    template = data["opportunities"][0]
    for n in range(copies):
        clone = dict(template, id=f"opp-clone-{n}", name=f"Variant {n} of {template['name']}")
        data["opportunities"].append(clone)
    return data


def _kill_saves(tmp_path: Path, sample: dict[str, Any], runs: int, seed: int) -> dict[str, int]:
    target = tmp_path / "plan.aiplan"
    with ProjectDocument.from_data(sample) as doc:
        doc.save_as(target)
    old = target.read_bytes()
    new_data = _bigger_plan(sample, 400)
    new_json = tmp_path / "new.json"
    new_json.write_text(interchange.dumps(new_data), encoding="utf-8")
    with ProjectDocument.from_data(new_data) as doc:  # how long a save of it takes here
        start = time.perf_counter()
        doc.save_as(tmp_path / "timing.aiplan")
        save_seconds = time.perf_counter() - start
    (tmp_path / "timing.aiplan").unlink()

    rng = random.Random(seed)
    outcomes = {"old": 0, "new": 0}
    env = dict(os.environ)
    for _ in range(runs):
        target.write_bytes(old)
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(target), str(new_json)],
                                 stdout=subprocess.PIPE, env=env, text=True)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, save_seconds * 1.3))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        with ProjectDocument.open(target) as doc:  # opens: header, integrity, checksum
            content = doc.to_json()
        assert content in (sample, new_data)
        outcomes["old" if content == sample else "new"] += 1
        for leftover in tmp_path.glob(".plan.aiplan.*.saving"):
            leftover.unlink()  # an interrupted save may leave its temp file, never the target
    return outcomes


def test_killed_saves_leave_old_or_new(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    outcomes = _kill_saves(tmp_path, sample_json, runs=50, seed=1)
    assert sum(outcomes.values()) == 50


@pytest.mark.slow
def test_killed_saves_many(tmp_path: Path, sample_json: dict[str, Any]) -> None:
    outcomes = _kill_saves(tmp_path, sample_json, runs=400, seed=2)
    assert outcomes["old"] and outcomes["new"]
