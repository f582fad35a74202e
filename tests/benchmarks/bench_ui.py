"""Desktop benchmarks (docs/architecture.md 7): an edit through the undo stack to fresh deterministic results
for 50 opportunities (alone, and with every workspace of the window built), adding and removing
an opportunity with its undo at 500 opportunities, and opening a 2,000-opportunity project into
the window's state.

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

    from models import finance

    opening = best_of(open_big, 3, setup=finance._SOLVED.clear)  # no IRR kept from the last open
    windowed_edit = _edit_in_window(50)
    structure = _add_remove_in_window(500)
    anchor = best_of(raw_numpy(50, 1, 36))
    print(f"{'what':<58} {'ours ms':>8} {'numpy ms':>9} {'ratio':>6}  budget")
    print(f"{'edit -> undo stack -> working copy -> results, 50 opps':<58} {edit * 1000:8.1f} "
          f"{anchor * 1000:9.1f} {edit / anchor:6.1f}  <= 50 ms")
    print(f"{'edit -> results, every workspace built, 50 opps':<58} {windowed_edit * 1000:8.1f} "
          f"{'—':>9} {'—':>6}  <= 50 ms")
    for what, seconds in structure.items():
        print(f"{what + ', 500 opps':<58} {seconds * 1000:8.1f} {'—':>9} {'—':>6}  <= 50 ms")
    print(f"{'open 2,000 opportunities into the window (incl. results)':<58} {opening * 1000:8.1f} "
          f"{'—':>9} {'—':>6}  <= 1 s (file part)")


def _window(opportunities: int) -> object:
    """The main window on a plan of ``opportunities``, every workspace built once."""
    from PySide6.QtWidgets import QApplication

    from app.document import ProjectDocument
    from tests.benchmarks.plans import scaled_sample
    from views.main_window import WORKSPACES, MainWindow

    window = MainWindow(ProjectDocument.from_data(scaled_sample(opportunities)))
    window.show()
    for row in range(len(WORKSPACES)):
        window.sidebar.setCurrentRow(row)
        QApplication.processEvents()
    window.workspace("Opportunities")
    QApplication.processEvents()
    assert window.controller is not None
    window.controller.wait_for_monte_carlo()
    return window


def _close(window: object) -> None:
    controller = window.controller  # type: ignore[attr-defined]
    controller.undo_stack.setClean()
    controller.shutdown()
    window.close()  # type: ignore[attr-defined]
    controller.state.document.close()


def _timed(step: object, rounds: int = 9, settle: object = None) -> float:
    """The median time of ``step`` and the events it posts; ``settle`` (untimed) before each
    round lets the Monte Carlo run of the previous step finish instead of competing for the CPU."""
    from PySide6.QtWidgets import QApplication

    times = []
    for _ in range(rounds):
        if settle is not None:
            settle()  # type: ignore[operator]
        start = time.perf_counter()
        step()  # type: ignore[operator]
        QApplication.processEvents()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _edit_in_window(opportunities: int) -> float:
    """A typed number stored through the controller until every built workspace has redrawn."""
    window = _window(opportunities)
    controller = window.controller  # type: ignore[attr-defined]
    opp = controller.state.data["opportunities"][7]["id"]
    values = iter(range(1000, 2000))
    seconds = _timed(lambda: controller.set_value("opportunity", opp, "eligible_users", next(values)),
                     settle=controller.wait_for_monte_carlo)
    _close(window)
    return seconds


def _add_remove_in_window(opportunities: int) -> dict[str, float]:
    """Add and remove an opportunity from its workspace, and undo each, with the window up."""
    window = _window(opportunities)
    controller = window.controller  # type: ignore[attr-defined]
    workspace = window.workspace("Opportunities")  # type: ignore[attr-defined]
    middle = controller.state.data["opportunities"][opportunities // 2]["id"]

    def remove() -> None:
        workspace.current_id = middle
        workspace.remove_current()

    adds, add_undos, removes, remove_undos = [], [], [], []
    settle = controller.wait_for_monte_carlo
    for _ in range(9):
        adds.append(_timed(workspace.add_opportunity, 1, settle))
        add_undos.append(_timed(controller.undo_stack.undo, 1, settle))
        removes.append(_timed(remove, 1, settle))
        remove_undos.append(_timed(controller.undo_stack.undo, 1, settle))
    out = {"add an opportunity": statistics.median(adds), "undo the add": statistics.median(add_undos),
           "remove an opportunity": statistics.median(removes),
           "undo the remove": statistics.median(remove_undos)}
    _close(window)
    return out


if __name__ == "__main__":
    main()
