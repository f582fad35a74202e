"""The open project in the window: edits through the undo stack, results kept fresh.

Deterministic results are recomputed at once after every change; Monte Carlo runs on a
worker thread, debounced, and results that arrive after a newer edit are dropped.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QWidget

from app.edits import Edit, Insert, Move, Remove, SetField
from app.errors import ProjectFileError
from app.project_state import InvalidValueError, ProjectState
from app.terminal import one_line
from models.changes import EVERYTHING, Change
from models.engine import PlanResults, TornadoBar, calculate, tornado_for
from models.plan import Plan
from models.problems import PlanInvalid, Problem
from views import dialogs
from views.commands import ReplaceProjectCommand, SetValueCommand, StateCommand, StructureCommand

MC_DELAY_MS = 400
READ_ONLY_REFUSAL = "This project is open read-only: use Save As to edit a copy of your own."


def _monte_carlo(plan: Plan) -> tuple[object, float]:
    """Runs on the worker thread: pure numpy, no Qt."""
    start = time.perf_counter()
    try:
        results: object = calculate(plan, monte_carlo=True, with_tornado=False)
    except Exception as exc:  # reported in the status bar, never a crash on a worker
        results = exc
    return results, time.perf_counter() - start


class ProjectController(QObject):
    data_changed = Signal(object)  # inputs changed: a tuple of the Changes (models.changes)
    results_changed = Signal()  # deterministic results (or problems) changed
    mc_changed = Signal()  # Monte Carlo results arrived or went stale
    document_changed = Signal()  # file name or modified mark changed
    status = Signal(str)
    _mc_done = Signal(int, object, float)  # emitted on the worker thread, delivered queued

    def __init__(self, state: ProjectState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.undo_stack = QUndoStack(self)
        #: Work the document held when it was opened and that is not in its file yet.
        self.unsaved_since_open = False
        self.results: PlanResults | None = None
        self.problems: list[Problem] = []
        self.mc_results: PlanResults | None = None
        self.mc_stale = True
        self.mc_error = ""
        self.recalc_ms = 0.0
        self.mc_ms = 0.0
        self._generation = 0
        self._tornadoes: dict[str, tuple[TornadoBar, ...]] = {}
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="monte-carlo")
        self._running = 0
        self._mc_done.connect(self._monte_carlo_done, Qt.ConnectionType.QueuedConnection)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(MC_DELAY_MS)
        self._timer.timeout.connect(self._start_monte_carlo)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self.recalculate()

    @Slot(bool)
    def _clean_changed(self, _clean: bool) -> None:
        self.document_changed.emit()

    # --- edits ------------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        """Opened read-only (someone else's lock): every edit is refused until Save As."""
        return self.state.document.read_only

    def set_value(self, kind: str, object_id: str, field: str, value: Any, label: str = "") -> bool:
        """Store one field and push its undo step; InvalidValueError when it may not be stored.

        The working copy takes the change first: when that commit fails (a full disk) nothing
        changes, no undo step is pushed, the sentence is shown and False is returned.
        """
        old = copy.deepcopy(self.state.value(kind, object_id, field))
        if old == value:
            return True
        if self.read_only:
            self.status.emit(READ_ONLY_REFUSAL)
            raise InvalidValueError(READ_ONLY_REFUSAL)
        self.state.check_value(kind, object_id, field, value)
        try:
            self.apply_value(kind, object_id, field, value)
        except ProjectFileError as exc:
            self._report_failed_commit(exc)
            return False
        self.undo_stack.push(SetValueCommand(self, kind, object_id, field, old, value,
                                             label or field.replace("_", " ")))
        return True

    def edit_structure(self, edits: list[Edit], label: str) -> bool:
        """Add, remove or move objects (edits from the pure functions of ``app``) as one undo
        step; a failed commit changes nothing, is said in one sentence and returns False."""
        if not edits:
            return True
        if self.read_only:
            self.status.emit(READ_ONLY_REFUSAL)
            return False
        try:
            self.apply_edits(edits)
        except ProjectFileError as exc:
            self._report_failed_commit(exc)
            return False
        self.undo_stack.push(StructureCommand(self, edits, label))
        return True

    def change_project(self, after: dict[str, Any], label: str) -> None:
        """Push an undoable replacement of the whole project (an import)."""
        if self.read_only:
            self.status.emit(READ_ONLY_REFUSAL)
            return
        self.undo_stack.push(ReplaceProjectCommand(self, self.state.snapshot(), after, label))

    def run_step(self, command: StateCommand, step: Callable[[], None], *, undoing: bool) -> None:
        """Run an undo or redo; when its commit fails, say so and put the stack back where the
        project still is (the step did not happen, so it stays to be tried again)."""
        try:
            step()
        except ProjectFileError as exc:
            self._report_failed_commit(exc)
            index = self.undo_stack.index() + (1 if undoing else -1)
            if undoing:
                command.skip_redo = True
            else:
                command.skip_undo = True
            # The stack cannot be moved from inside its own undo or redo: just after.
            QTimer.singleShot(0, lambda: self.undo_stack.setIndex(index))

    def _report_failed_commit(self, exc: ProjectFileError) -> None:
        sentence = f"That change was not made: {one_line(exc.sentence())}"
        self.status.emit(sentence)
        self.data_changed.emit((EVERYTHING,))  # fields that showed the attempt show the stored value
        parent = self.parent()
        dialogs.show_error(parent if isinstance(parent, QWidget) else None, sentence)  # type: ignore[arg-type]

    def apply_value(self, kind: str, object_id: str, field: str, value: Any) -> None:
        self.state.set_value(kind, object_id, field, value)
        self._changed((Change(kind, object_id, field),))

    def apply_edits(self, edits: list[Edit]) -> None:
        self.state.apply_edits(edits)
        self._changed(tuple(_change_of(edit) for edit in edits))

    def apply_project(self, data: dict[str, Any]) -> None:
        self.state.replace(copy.deepcopy(data))
        self._changed((EVERYTHING,))

    def _changed(self, changes: tuple[Change, ...]) -> None:
        """Tell the pages what changed; recalculate only when a change can move a result
        (prose leaves the results, and the Monte Carlo run, as they are)."""
        self.data_changed.emit(changes)
        if any(change.moves_results for change in changes):
            self.recalculate()
        self.document_changed.emit()

    @property
    def modified(self) -> bool:
        """Unsaved edits: the undo stack is away from where it was last saved, or the project
        came with work never saved to its file (recovered after a crash)."""
        return self.unsaved_since_open or not self.undo_stack.isClean()

    def mark_saved(self) -> None:
        self.unsaved_since_open = False
        self.undo_stack.setClean()
        self.document_changed.emit()

    # --- results ----------------------------------------------------------------------

    def recalculate(self) -> None:
        start = time.perf_counter()
        try:
            self.results = self.state.calculate(monte_carlo=False, with_tornado=False)
            self.problems = []
        except PlanInvalid as exc:
            self.results = None
            self.problems = exc.problems
        self.recalc_ms = (time.perf_counter() - start) * 1000
        self._tornadoes = {}
        self.mc_stale = True
        self._generation += 1
        self.results_changed.emit()
        self.mc_changed.emit()
        if self.results is not None:
            self._timer.start()

    @Slot()
    def _start_monte_carlo(self) -> None:
        generation = self._generation
        self._running += 1
        future = self._worker.submit(_monte_carlo, self.state.plan())
        future.add_done_callback(lambda f: self._mc_done.emit(generation, *f.result()))

    @Slot(int, object, float)
    def _monte_carlo_done(self, generation: int, results: object, seconds: float) -> None:
        self._running -= 1
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
        """Block until fresh Monte Carlo results are in, or nothing is left to run."""
        deadline = time.monotonic() + timeout_ms / 1000
        while time.monotonic() < deadline:
            if self._timer.isActive():
                self._timer.stop()
                self._start_monte_carlo()
            if not self._running and (not self.mc_stale or self.results is None):
                break
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            time.sleep(0.005)
        return not self.mc_stale

    def shutdown(self) -> None:
        """Stop taking work and wait for a running Monte Carlo (before the document closes)."""
        self._timer.stop()
        self._worker.shutdown(wait=True)

    def tornado(self, opportunity_id: str) -> tuple[TornadoBar, ...]:
        """The tornado of one opportunity, computed when first asked for after each change."""
        if self.results is None:
            return ()
        if opportunity_id not in self._tornadoes:
            self._tornadoes[opportunity_id] = tornado_for(self.results.plan, opportunity_id)
        return self._tornadoes[opportunity_id]

    def mc_state_text(self) -> str:
        if self.results is None:
            return "Monte Carlo: waiting for valid inputs"
        if self.mc_error:
            return f"Monte Carlo failed: {self.mc_error}"
        if self.mc_stale:
            return "Monte Carlo: running…"
        n = self.mc_results.samples if self.mc_results else 0
        return f"Monte Carlo: {n:,} samples in {self.mc_ms:.0f} ms"


def _change_of(edit: Edit) -> Change:
    if isinstance(edit, SetField):
        return Change(edit.kind, edit.object_id, edit.field)
    if isinstance(edit, Move):
        return Change(edit.kind, edit.object_id)
    assert isinstance(edit, (Insert, Remove))
    return Change(edit.kind, str(edit.obj.get("id", "")))


__all__ = ["InvalidValueError", "ProjectController"]
