"""Undoable changes to the project: QUndoCommands that call the project state, never widgets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

if TYPE_CHECKING:
    from views.controller import ProjectController

_SET_VALUE_ID = 1001


class SetValueCommand(QUndoCommand):
    """One field set to a new value; consecutive typing in the same field merges."""

    def __init__(self, controller: ProjectController, kind: str, object_id: str, field: str,
                 old: Any, new: Any, label: str) -> None:
        super().__init__(f"Change {label}")
        self.controller = controller
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

    def redo(self) -> None:
        self.controller.apply_value(*self.target, self.new)

    def undo(self) -> None:
        self.controller.apply_value(*self.target, self.old)


class ReplaceProjectCommand(QUndoCommand):
    """A structural change (add, remove, reorder) kept as the project before and after."""

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
