"""The open project in the window: edits through the undo stack, results kept fresh.

Deterministic results are recomputed at once after every change; Monte Carlo runs on a
worker thread, debounced, and results that arrive after a newer edit are dropped.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack

from app.project_state import InvalidValueError, ProjectState
from models.engine import PlanResults, calculate
from models.plan import Plan
from models.problems import PlanInvalid, Problem
from views.commands import ReplaceProjectCommand, SetValueCommand

MC_DELAY_MS = 400


class _Signals(QObject):
    done = Signal(int, object, float)


class _MonteCarloJob(QRunnable):
    def __init__(self, generation: int, plan: Plan) -> None:
        super().__init__()
        self.generation = generation
        self.plan = plan
        self.signals = _Signals()

    def run(self) -> None:
        start = time.perf_counter()
        try:
            results: object = calculate(self.plan, monte_carlo=True, with_tornado=False)
        except Exception as exc:  # reported in the status bar, never a crash on a worker
            results = exc
        self.signals.done.emit(self.generation, results, time.perf_counter() - start)


class ProjectController(QObject):
    data_changed = Signal()  # inputs changed (refresh fields and tables)
    results_changed = Signal()  # deterministic results (or problems) changed
    mc_changed = Signal()  # Monte Carlo results arrived or went stale
    document_changed = Signal()  # file name or modified mark changed
    status = Signal(str)

    def __init__(self, state: ProjectState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.undo_stack = QUndoStack(self)
        self.results: PlanResults | None = None
        self.problems: list[Problem] = []
        self.mc_results: PlanResults | None = None
        self.mc_stale = True
        self.mc_error = ""
        self.recalc_ms = 0.0
        self.mc_ms = 0.0
        self._generation = 0
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(MC_DELAY_MS)
        self._timer.timeout.connect(self._start_monte_carlo)
        self.undo_stack.cleanChanged.connect(lambda _clean: self.document_changed.emit())
        self.recalculate()

    # --- edits ------------------------------------------------------------------------

    def set_value(self, kind: str, object_id: str, field: str, value: Any, label: str = "") -> None:
        """Push an undoable change of one field; InvalidValueError when it may not be stored."""
        old = copy.deepcopy(self.state.value(kind, object_id, field))
        if old == value:
            return
        self.state.check_value(kind, object_id, field, value)
        self.undo_stack.push(SetValueCommand(self, kind, object_id, field, old, value,
                                             label or field.replace("_", " ")))

    def change_project(self, after: dict[str, Any], label: str) -> None:
        """Push an undoable structural change given as the whole project after it."""
        self.undo_stack.push(ReplaceProjectCommand(self, self.state.snapshot(), after, label))

    def apply_value(self, kind: str, object_id: str, field: str, value: Any) -> None:
        self.state.set_value(kind, object_id, field, value)
        self._changed()

    def apply_project(self, data: dict[str, Any]) -> None:
        self.state.replace(copy.deepcopy(data))
        self._changed()

    def _changed(self) -> None:
        self.data_changed.emit()
        self.recalculate()
        self.document_changed.emit()

    @property
    def modified(self) -> bool:
        """Unsaved edits: the undo stack is away from where it was last saved."""
        return not self.undo_stack.isClean()

    # --- results ----------------------------------------------------------------------

    def recalculate(self) -> None:
        start = time.perf_counter()
        try:
            self.results = self.state.calculate(monte_carlo=False)
            self.problems = []
        except PlanInvalid as exc:
            self.results = None
            self.problems = exc.problems
        self.recalc_ms = (time.perf_counter() - start) * 1000
        self.mc_stale = True
        self._generation += 1
        self.results_changed.emit()
        self.mc_changed.emit()
        if self.results is not None:
            self._timer.start()

    @Slot()
    def _start_monte_carlo(self) -> None:
        job = _MonteCarloJob(self._generation, self.state.plan())
        job.signals.done.connect(self._monte_carlo_done)
        self._pool.start(job)

    @Slot(int, object, float)
    def _monte_carlo_done(self, generation: int, results: object, seconds: float) -> None:
        if generation != self._generation:
            return  # an edit came after this run started: its numbers are stale
        if isinstance(results, Exception):
            self.mc_error = str(results)
            self.mc_results = None
        else:
            self.mc_error = ""
            self.mc_results = results  # type: ignore[assignment]
        self.mc_ms = seconds * 1000
        self.mc_stale = False
        self.mc_changed.emit()

    def wait_for_monte_carlo(self, timeout_ms: int = 30_000) -> bool:
        """Block until fresh Monte Carlo results are in (tests and the self-test)."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer

        deadline = QDeadlineTimer(timeout_ms)
        while self.mc_stale and not deadline.hasExpired():
            if self._timer.isActive():
                self._timer.stop()
                self._start_monte_carlo()
            self._pool.waitForDone(50)
            QCoreApplication.processEvents()
        return not self.mc_stale

    def mc_state_text(self) -> str:
        if self.results is None:
            return "Monte Carlo: waiting for valid inputs"
        if self.mc_error:
            return f"Monte Carlo failed: {self.mc_error}"
        if self.mc_stale:
            return "Monte Carlo: running…"
        n = self.mc_results.samples if self.mc_results else 0
        return f"Monte Carlo: {n:,} samples in {self.mc_ms:.0f} ms"


__all__ = ["InvalidValueError", "ProjectController"]
