"""The open project in the window: edits through the undo stack, results kept fresh.

Deterministic results are recomputed at once after every change; Monte Carlo runs on a
worker thread, debounced, and results that arrive after a newer edit are dropped.

The window may show a scenario instead of the base (``switch_scenario``): results are the
scenario's, and an edit of a number a scenario may override becomes that scenario's override.
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

from app.edits import Edit, Insert, Move, Remove, SetField, override_field, override_target
from app.errors import ProjectFileError
from app.labels import field_label
from app.project_state import InvalidValueError, ProjectState, overridable, plain
from app.terminal import one_line
from models.changes import EVERYTHING, Change
from models.engine import PlanResults, TornadoBar, calculate, tornado_for
from models.plan import Plan
from models.problems import PlanInvalid, Problem
from models.scenarios import (
    BASE_NAME,
    PROJECT_FIELDS,
    ScenarioInvalid,
    calculate_scenarios,
    scenario_from_json,
)
from views import dialogs
from views.commands import ReplaceProjectCommand, SetValueCommand, StateCommand, StructureCommand

MC_DELAY_MS = 400
READ_ONLY_REFUSAL = "This project is open read-only: use Save As to edit a copy of your own."
SHARED_NOTE = ("Names and links are shared by every scenario: that change was made to the base plan "
               "and every scenario shows it.")


def _monte_carlo(plan: Plan) -> tuple[object, float]:
    """Runs on the worker thread: pure numpy, no Qt."""
    start = time.perf_counter()
    try:
        results: object = calculate(plan, monte_carlo=True, with_tornado=False)
    except Exception as exc:  # reported in the status bar, never a crash on a worker
        results = exc
    return results, time.perf_counter() - start


def _compare_scenarios(data: dict[str, Any], base: PlanResults | None,
                       progress: Callable[[str], None]) -> tuple[object, float]:
    """Runs on the worker thread: each scenario's Monte Carlo, the base first (``base`` when
    it is already the base's), saying in words how far it got."""
    start = time.perf_counter()
    scenarios = [scenario_from_json(s) for s in data.get("scenarios") or []]
    try:
        progress(f"Monte Carlo: {BASE_NAME} (1 of {len(scenarios) + 1})…")
        out = calculate_scenarios(data, [], monte_carlo=True, with_tornado=False, base=base)
        for n, scenario in enumerate(scenarios, start=2):
            progress(f"Monte Carlo: {one_line(scenario.name, 40)} ({n} of {len(scenarios) + 1})…")
            out.update(calculate_scenarios(data, [scenario], monte_carlo=True, with_tornado=False,
                                           base=out[BASE_NAME]))
        results: object = out
    except (ScenarioInvalid, PlanInvalid) as exc:
        results = exc
    except Exception as exc:  # reported in words, never a crash on a worker
        results = exc
    return results, time.perf_counter() - start


class ProjectController(QObject):
    data_changed = Signal(object)  # inputs changed: a tuple of the Changes (models.changes)
    results_changed = Signal()  # deterministic results (or problems) changed
    mc_changed = Signal()  # Monte Carlo results arrived or went stale
    document_changed = Signal()  # file name or modified mark changed
    status = Signal(str)
    scenario_switched = Signal()  # the window shows another scenario (or the base)
    comparison_changed = Signal()  # the scenarios' Monte Carlo arrived, went stale or progressed
    _mc_done = Signal(int, object, float)  # emitted on the worker thread, delivered queued
    _comparison_done = Signal(int, object, float)
    _comparison_progress = Signal(int, str)

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
        #: Every scenario's Monte Carlo results by name, the base first (see ``compare_scenarios``).
        self.comparison: dict[str, PlanResults] | None = None
        self.comparison_error = ""
        self.comparison_progress = ""
        self.comparison_ms = 0.0
        self._comparison_generation = -1  # the results generation the comparison was asked for
        self._comparison_done.connect(self._comparison_arrived, Qt.ConnectionType.QueuedConnection)
        self._comparison_progress.connect(self._comparison_step, Qt.ConnectionType.QueuedConnection)
        self._shared_noted = False
        self._comparing = 0
        self._closed = False
        self._scenario_results: tuple[int, object] | None = None
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
        value = plain(value)
        scenario = self.state.active_scenario
        if scenario is not None and overridable(kind, field):
            return self._set_override(scenario, (kind, object_id, field), value, label)
        old = plain(copy.deepcopy(self.state.value(kind, object_id, field)))
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
        if scenario is not None and kind not in ("scenario", "correlation") and not self._shared_noted:
            self._shared_noted = True
            self.status.emit(SHARED_NOTE)
        return True

    def _set_override(self, scenario_id: str, target: tuple[str, str, str], value: Any, label: str) -> bool:
        """An edit of an input while a scenario is shown: the scenario's override of it."""
        if plain(self.state.value(*target)) == value:
            return True
        if value is None:  # a scenario replaces a value; it cannot take one away (a cleared budget)
            noun = in_sentence(field_label(target[2]))
            self.status.emit(f"A scenario can change the {noun} but not remove it: nothing was changed. "
                             f"Show {BASE_NAME} to remove it.")
            self.data_changed.emit((Change(*target),))  # the field shows the stored value again
            return False
        name = self.state.active_name()
        return self.set_value("scenario", scenario_id, override_field(*target), value,
                              f"{one_line(name, 40)}: {label or in_sentence(field_label(target[2]))}")

    def reset_override(self, kind: str, object_id: str, field: str, scenario_id: str | None = None) -> bool:
        """The scenario (the active one unless named) follows the base again for this input."""
        from app.scenario_edits import set_override

        scenario_id = scenario_id or self.state.active_scenario
        if scenario_id is None:
            return True
        name = one_line(str(self.state.base_object("scenario", scenario_id).get("name") or ""), 40)
        edits = set_override(self.state.data, scenario_id, (kind, object_id, field), None)
        return self.edit_structure(edits, f"{name}: reset {in_sentence(field_label(field))} to the base")

    def switch_scenario(self, scenario_id: str | None) -> None:
        """Show a scenario (None: the base plan) everywhere: every page and result follows."""
        if scenario_id == self.state.active_scenario:
            return
        self.state.active_scenario = scenario_id
        self._shared_noted = False
        self.scenario_switched.emit()
        self._changed((EVERYTHING,))

    def edit_structure(self, edits: list[Edit], label: str) -> bool:
        """Add, remove or move objects (edits from the pure functions of ``app``) as one undo
        step; a failed commit changes nothing, is said in one sentence and returns False.

        While a scenario is shown, a new discount rate or budget (Plan Settings) is its override."""
        edits = self._for_scenario(edits)
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

    def _for_scenario(self, edits: list[Edit]) -> list[Edit]:
        from app.scenario_edits import set_override

        scenario = self.state.active_scenario
        if scenario is None:
            return edits
        out: list[Edit] = []
        for edit in edits:
            if (isinstance(edit, SetField) and edit.kind == "project" and edit.field in PROJECT_FIELDS
                    and isinstance(edit.new, (int, float)) and not isinstance(edit.new, bool)):
                out += set_override(self.state.data, scenario, ("project", "", edit.field), edit.new)
            else:
                out.append(edit)
        return out

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
        shown = self.state.active_scenario
        self.state.set_value(kind, object_id, field, value)
        self._changed(self._shown_changes((Change(kind, object_id, field),), shown))

    def apply_edits(self, edits: list[Edit]) -> None:
        shown = self.state.active_scenario
        self.state.apply_edits(edits)
        self._changed(self._shown_changes(tuple(_change_of(edit) for edit in edits), shown))

    def _shown_changes(self, changes: tuple[Change, ...], shown: str | None) -> tuple[Change, ...]:
        """The changes, and what they change on screen: an override of the scenario shown
        changes the input it overrides; the scenario shown removed, the base is shown again."""
        if shown is None:
            return changes
        if self.state.active_scenario != shown:
            self._shared_noted = False
            self.scenario_switched.emit()
            return (*changes, EVERYTHING)
        extra = tuple(Change(*override_target(c.field)) for c in changes
                      if c.kind == "scenario" and c.object_id == shown and c.field.startswith("overrides."))
        return (*changes, *extra)

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

    # --- scenarios side by side ---------------------------------------------------------

    def scenario_results(self) -> dict[str, PlanResults]:
        """Every scenario's deterministic results by name, the base first (kept until the next
        change); raises ScenarioInvalid or PlanInvalid, whose sentences say what to fix."""
        if self._scenario_results is None or self._scenario_results[0] != self._generation:
            scenarios = [scenario_from_json(s) for s in self.state.data.get("scenarios") or []]
            base = self.results if self.state.active_scenario is None else None
            try:
                found: object = calculate_scenarios(self.state.data, scenarios, monte_carlo=False,
                                                    with_tornado=False, base=base)
            except (ScenarioInvalid, PlanInvalid) as exc:
                found = exc
            self._scenario_results = (self._generation, found)
        found = self._scenario_results[1]
        if isinstance(found, Exception):
            raise found
        return found  # type: ignore[return-value]

    @property
    def comparison_stale(self) -> bool:
        return self.comparison is None or self._comparison_generation != self._generation

    def compare_scenarios(self) -> None:
        """Start every scenario's Monte Carlo on the worker thread, unless it already ran (or
        runs) for the plan as it is; ``comparison_changed`` tells how far it got."""
        if self._comparison_generation == self._generation or self._closed:
            return
        generation = self._comparison_generation = self._generation
        self.comparison = None
        self.comparison_error = ""
        self.comparison_progress = "Monte Carlo: waiting for the current run…"
        # The base's own run, when it is the base's and fresh, is not made again.
        base = self.mc_results if self.state.active_scenario is None and not self.mc_stale else None
        self._comparing += 1
        future = self._worker.submit(_compare_scenarios, self.state.snapshot(), base,
                                     lambda text: self._comparison_progress.emit(generation, text))
        future.add_done_callback(lambda f: self._comparison_done.emit(generation, *f.result()))
        self.comparison_changed.emit()

    @Slot(int, str)
    def _comparison_step(self, generation: int, text: str) -> None:
        if generation == self._generation and self.comparison is None:
            self.comparison_progress = text
            self.comparison_changed.emit()

    @Slot(int, object, float)
    def _comparison_arrived(self, generation: int, results: object, seconds: float) -> None:
        self._comparing -= 1
        if generation != self._generation:
            return  # an edit came after this run started
        self.comparison_ms = seconds * 1000
        if isinstance(results, Exception):
            sentences = getattr(results, "problems", None)
            self.comparison_error = (str(sentences[0]) if sentences else str(results)) or "failed"
            self.comparison_progress = f"Monte Carlo for the scenarios failed: {self.comparison_error}"
        else:
            plans: dict[str, PlanResults] = results  # type: ignore[assignment]
            self.comparison = plans
            n = next(iter(plans.values())).samples if plans else 0
            self.comparison_progress = (f"Monte Carlo: {len(plans)} plans × {n:,} samples in "
                                        f"{self.comparison_ms:,.0f} ms")
        self.comparison_changed.emit()

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
        self._closed = True  # a page's timer may still ask for the scenarios' run
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


def in_sentence(label: str) -> str:
    """A label inside a sentence: "adoption target", but "price per M tokens" keeps its M."""
    return label[:1].lower() + label[1:]


def _change_of(edit: Edit) -> Change:
    if isinstance(edit, SetField):
        return Change(edit.kind, edit.object_id, edit.field)
    if isinstance(edit, Move):
        return Change(edit.kind, edit.object_id)
    assert isinstance(edit, (Insert, Remove))
    return Change(edit.kind, str(edit.obj.get("id", "")))


__all__ = ["InvalidValueError", "ProjectController"]
