"""File > Import from Another Project: pick objects of another project and copy them in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import interchange
from app.commands import load_project
from app.errors import ProjectFileError
from app.merge import KINDS, Item, importable, merge, summary, with_links, word
from views import dialogs
from views.controller import ProjectController

TITLE = "Import from another project"


def _quoted(names: list[str]) -> str:
    return ", ".join(f"“{n}”" for n in names)


def link_text(item: Item) -> str:
    """What an object links to (an opportunity) or what links it (a decision or unit model)."""
    if item.kind == "opportunity":
        if not item.links:
            return "no decision or unit model"
        return "; ".join(f"{word(link.kind)} “{link.name}”" for link in item.links)
    if not item.used_by:
        return "no opportunity uses it"
    return f"used by {_quoted([u.name for u in item.used_by])}"


class ImportDialog(QDialog):
    """The other project's opportunities, decisions and unit models, grouped by kind, to pick."""

    def __init__(self, other: dict[str, Any], source_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.other = other
        self.source_name = source_name
        self.items = importable(other)
        intro = QLabel(
            f"Pick what to copy from “{source_name}” into this project. The copies get ids of "
            "their own; an opportunity brings along the decision and unit model it uses.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Object", "Links"])
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.rows: dict[tuple[str, str], QTreeWidgetItem] = {}
        self.groups: dict[str, QTreeWidgetItem] = {}
        self._links: dict[tuple[str, str], str] = {}
        for kind in KINDS:
            of_kind = [i for i in self.items if i.kind == kind]
            if not of_kind:
                continue
            group = QTreeWidgetItem(self.tree, [f"{word(kind, 2).capitalize()} ({len(of_kind)})"])
            # The group's tick is kept in step by hand (not Qt's auto-tristate, which reports
            # every row it changes): one update per click, however many objects there are.
            group.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            group.setCheckState(0, Qt.CheckState.Unchecked)
            self.groups[kind] = group
            for item in of_kind:
                row = QTreeWidgetItem(group, [item.name or "(no name)", link_text(item)])
                row.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                             | Qt.ItemFlag.ItemIsSelectable)
                row.setCheckState(0, Qt.CheckState.Unchecked)
                row.setToolTip(1, link_text(item))
                self._links[item.kind, item.id] = link_text(item)
                self.rows[item.kind, item.id] = row
            group.setExpanded(True)
        self.tree.resizeColumnToContents(0)
        self.tree.setColumnWidth(0, min(self.tree.columnWidth(0) + 24, 360))
        self.tree.setMinimumSize(620, 320)

        self.select_all = QPushButton("Select &all")
        self.select_all.setToolTip("Pick every object of the other project")
        self.select_none = QPushButton("Select &none")
        self.select_none.setToolTip("Pick nothing")
        self.select_all.setAutoDefault(False)
        self.select_none.setAutoDefault(False)
        self.select_all.clicked.connect(lambda: self._set_all(Qt.CheckState.Checked))
        self.select_none.clicked.connect(lambda: self._set_all(Qt.CheckState.Unchecked))
        self.summary = QLabel()
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        # Room for two lines up front: a wrapped label is not given more height on resize.
        self.summary.setMinimumHeight(2 * self.summary.fontMetrics().lineSpacing() + 4)
        picking = QHBoxLayout()
        picking.addWidget(self.select_all)
        picking.addWidget(self.select_none)
        picking.addStretch(1)

        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton("&Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setToolTip("Copy the picked objects into this project (one step to undo)")
        self.import_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addLayout(picking)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)
        self._kind_of = {id(group): kind for kind, group in self.groups.items()}
        self._syncing = False
        self._coming: set[tuple[str, str]] = set()
        self.tree.itemChanged.connect(self._item_changed)
        self.resize(820, 560)
        self._update()

    # --- picking ------------------------------------------------------------------------

    def picks(self) -> set[tuple[str, str]]:
        return {key for key, row in self.rows.items()
                if row.checkState(0) == Qt.CheckState.Checked}

    def _set_all(self, state: Qt.CheckState) -> None:
        self._syncing = True
        try:
            for row in self.rows.values():
                if row.checkState(0) != state:
                    row.setCheckState(0, state)
            for group in self.groups.values():
                group.setCheckState(0, state)
        finally:
            self._syncing = False
        self._update()

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 0 or self._syncing:
            return
        self._syncing = True
        try:
            kind = self._kind_of.get(id(item))
            if kind is not None:  # a group: its tick goes to every object in it
                state = item.checkState(0)
                if state == Qt.CheckState.PartiallyChecked:
                    state = Qt.CheckState.Checked
                    item.setCheckState(0, state)
                for i in range(item.childCount()):
                    if item.child(i).checkState(0) != state:
                        item.child(i).setCheckState(0, state)
            else:
                self._sync_group(item.parent())
        finally:
            self._syncing = False
        self._update()

    @staticmethod
    def _sync_group(group: QTreeWidgetItem | None) -> None:
        if group is None:
            return
        ticked = sum(group.child(i).checkState(0) == Qt.CheckState.Checked
                     for i in range(group.childCount()))
        state = (Qt.CheckState.Unchecked if ticked == 0 else Qt.CheckState.Checked
                 if ticked == group.childCount() else Qt.CheckState.PartiallyChecked)
        if group.checkState(0) != state:
            group.setCheckState(0, state)

    def _update(self) -> None:
        picks = self.picks()
        coming = with_links(self.other, picks) - picks
        self._syncing = True
        try:
            # Only rows whose state changed are touched: cheap for a project of thousands.
            for key in coming ^ self._coming:
                # An object copied only because a picked opportunity uses it reads differently.
                row, along = self.rows[key], key in coming
                font = row.font(0)
                font.setItalic(along)
                row.setFont(0, font)
                row.setText(1, ("copied too, " if along else "") + self._links[key])
                row.setToolTip(0, "Copied too, because a picked opportunity uses it"
                               if along else "")
        finally:
            self._syncing = False
        self._coming = coming
        self.summary.setText(summary(self.other, picks))
        self.import_button.setEnabled(bool(picks))


def run_dialog(dialog: ImportDialog) -> bool:
    """Show the dialog modally; True when the PM chose Import. Tests replace this function."""
    return dialog.exec() == QDialog.DialogCode.Accepted


def _counts(copied: dict[tuple[str, str], str]) -> str:
    parts = []
    for kind in KINDS:
        n = sum(1 for k, _ in copied if k == kind)
        if n:
            parts.append(f"{n} {word(kind, n)}")
    return ", ".join(parts)


def import_from_file(parent: QWidget, controller: ProjectController, path: Path) -> bool:
    """Load ``path`` (.aiplan or .json), let the PM pick, copy the picks in as one undoable
    step and show what happened. False when nothing was copied."""
    try:
        other = load_project(Path(path))
    except ProjectFileError as exc:
        dialogs.show_error(parent, str(exc))
        return False
    source = ((other.get("project") or {}).get("name") or "").strip() or Path(path).stem
    if not importable(other):
        dialogs.show_info(parent, TITLE, f"“{Path(path).name}” has no opportunities, decisions "
                                         "or unit models to copy.")
        return False
    dialog = ImportDialog(other, source, parent)
    try:
        if not run_dialog(dialog):
            return False
        picks = dialog.picks()
    finally:
        dialog.deleteLater()
    if not picks:
        return False
    result = merge(controller.state.data, other, picks, source_name=source)
    try:
        # Checked before it goes on the undo stack: a command that fails to apply must not stay.
        interchange.validate(result.data)
    except ProjectFileError as exc:
        dialogs.show_error(parent, str(exc))
        return False
    what = _counts(result.copied)
    controller.change_project(result.data, f"Import {what} from “{source}”")
    text = f"Copied {what} from “{source}”."
    if result.notes:
        text += "\n\n" + "\n\n".join(result.notes)
    dialogs.show_info(parent, TITLE, text)
    return True


def ask_and_import(parent: QWidget, controller: ProjectController, start: str = "") -> bool:
    """Ask which project file to import from, then ``import_from_file``."""
    path = dialogs.ask_import_path(parent, start)
    return path is not None and import_from_file(parent, controller, path)


__all__ = ["ImportDialog", "ask_and_import", "import_from_file", "link_text", "run_dialog"]
