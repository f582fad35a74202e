"""Undoable changes to the project: QUndoCommands that call the project state, never widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from app.edits import Edit, inverse

if TYPE_CHECKING:
    from views.controller import ProjectController

_SET_VALUE_ID = 1001


class StateCommand(QUndoCommand):
    """A change already made to the project when it is pushed: the stack's first ``redo`` is
    skipped. A later undo or redo whose commit fails changes nothing and is put back."""

    def __init__(self, controller: ProjectController, label: str) -> None:
        super().__init__(label)
        self.controller = controller
        self.skip_redo = True  # pushed after the controller stored the change itself
        self.skip_undo = False

    def forward(self) -> None:
        raise NotImplementedError

    def backward(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self.skip_redo:
            self.skip_redo = False
            return
        self.controller.run_step(self, self.forward, undoing=False)

    def undo(self) -> None:
        if self.skip_undo:
            self.skip_undo = False
            return
        self.controller.run_step(self, self.backward, undoing=True)


class SetValueCommand(StateCommand):
    """One field set to a new value; consecutive typing in the same field merges."""

    def __init__(self, controller: ProjectController, kind: str, object_id: str, field: str,
                 old: Any, new: Any, label: str) -> None:
        # A scenario's override reads as "Downside: adoption target" (its label names it).
        override = kind == "scenario" and field.startswith("overrides.")
        super().__init__(controller, label if override else f"Change {label}")
        self.target = (kind, object_id, field)
        self.old = old
        self.new = new

    def id(self) -> int:
        return _SET_VALUE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt's name)
        if not isinstance(other, SetValueCommand) or other.target != self.target:
            return False
        self.new = other.new
        return True

    def forward(self) -> None:
        self.controller.apply_value(*self.target, self.new)

    def backward(self) -> None:
        self.controller.apply_value(*self.target, self.old)


class StructureCommand(StateCommand):
    """Objects added, removed or moved (with their cascade): the granular edits and no more."""

    def __init__(self, controller: ProjectController, edits: list[Edit], label: str) -> None:
        super().__init__(controller, label)
        self.edits = edits

    def forward(self) -> None:
        self.controller.apply_edits(self.edits)

    def backward(self) -> None:
        self.controller.apply_edits(inverse(self.edits))


class ReplaceProjectCommand(QUndoCommand):
    """A whole new project (an import), kept as the project before and after."""

    def __init__(self, controller: ProjectController, before: dict[str, Any],
                 after: dict[str, Any], label: str) -> None:
        super().__init__(label)
        self.controller = controller
        self.before = before
        self.after = after

    def redo(self) -> None:
        self.controller.apply_project(self.after)

    def undo(self) -> None:
        self.controller.apply_project(self.before)
