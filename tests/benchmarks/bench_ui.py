"""Desktop benchmarks (DESIGN 7): an edit through the undo stack to fresh deterministic results
for 50 opportunities, and opening a 2,000-opportunity project into the window's state.

Run: QT_QPA_PLATFORM=offscreen uv run python -m tests.benchmarks.bench_ui
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    folder = Path(tempfile.mkdtemp())
    os.environ.setdefault("AIPLAN_DATA_DIR", str(folder / "appdata"))
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    from app.document import ProjectDocument
    from app.project_state import ProjectState
    from tests.benchmarks.bench_engine import best_of, raw_numpy
    from tests.benchmarks.plans import scaled_sample
    from views.controller import ProjectController

    controller = ProjectController(ProjectState(ProjectDocument.from_data(scaled_sample(50))))
    controller.wait_for_monte_carlo()
    opp = controller.state.data["opportunities"][7]["id"]
    times = []
    for n in range(21):
        start = time.perf_counter()
        controller.set_value("opportunity", opp, "eligible_users", 1000 + n)  # write + recalc
        times.append(time.perf_counter() - start)
    edit = statistics.median(times)
    controller.shutdown()
    controller.state.document.close()

    big = folder / "big.aiplan"
    with ProjectDocument.from_data(scaled_sample(2000)) as doc:
        doc.save_as(big)

    def open_big() -> None:
        c = ProjectController(ProjectState(ProjectDocument.open(big)))
        c.shutdown()
        c.state.document.close()

    opening = best_of(open_big, 3)
    anchor = best_of(raw_numpy(50, 1, 36))
    print(f"{'what':<58} {'ours ms':>8} {'numpy ms':>9} {'ratio':>6}  budget")
    print(f"{'edit -> undo stack -> working copy -> results, 50 opps':<58} {edit * 1000:8.1f} "
          f"{anchor * 1000:9.1f} {edit / anchor:6.1f}  <= 50 ms")
    print(f"{'open 2,000 opportunities into the window (incl. results)':<58} {opening * 1000:8.1f} "
          f"{'—':>9} {'—':>6}  <= 1 s (file part)")


if __name__ == "__main__":
    main()
