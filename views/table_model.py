"""Bases of the table models: named columns, and rows that follow one list of the project's objects."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from views.controller import ProjectController

Index = QModelIndex | QPersistentModelIndex


class HeaderedTableModel(QAbstractTableModel):
    """Columns are ``HEADERS``, with tooltips from ``TIPS`` (one per column; may be shorter)."""

    HEADERS: tuple[str, ...] = ()
    TIPS: tuple[str, ...] = ()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section < len(self.TIPS):
            return self.TIPS[section] or None
        return None


class ObjectTableModel(HeaderedTableModel):
    """Rows follow ``data[LIST]`` by id; columns are ``HEADERS`` (with optional ``TIPS``)."""

    LIST = ""
    KIND = ""  # the object kind of ProjectState: "memo", "log", ...

    def __init__(self, controller: ProjectController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.ids: list[str] = []

    def object_at(self, row: int) -> dict[str, Any] | None:
        try:
            return self.controller.state.object(self.KIND, self.ids[row])
        except (KeyError, IndexError):
            return None

    def current_ids(self) -> list[str]:
        return [o["id"] for o in self.controller.state.data[self.LIST]]

    def sync_ids(self) -> None:
        """Follow the list: one object added or removed is one row inserted or removed (the
        view keeps its selection and scroll and asks only for what it shows); any other
        reordering resets; otherwise every row is repainted in place."""
        ids = self.current_ids()
        row = _one_apart(self.ids, ids)
        if row is not None and len(ids) > len(self.ids):
            self.beginInsertRows(QModelIndex(), row, row)
            self.ids = ids
            self.endInsertRows()
        elif row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            self.ids = ids
            self.endRemoveRows()
        elif ids != self.ids:
            self.beginResetModel()
            self.ids = ids
            self.endResetModel()
        elif ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(ids) - 1, len(self.HEADERS) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.ids)


def _one_apart(old: list[str], new: list[str]) -> int | None:
    """The row where ``new`` has one id more or one fewer than ``old``, all else in order."""
    longer, shorter = (new, old) if len(new) > len(old) else (old, new)
    if len(longer) != len(shorter) + 1:
        return None
    row = next((i for i, (a, b) in enumerate(zip(longer, shorter, strict=False))
                if a != b), len(shorter))
    return row if longer[row + 1:] == shorter[row:] else None
