"""The Decision log workspace: dated decisions with rationale, alternatives and owner."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import memo_edits
from views.controller import InvalidValueError, ProjectController
from views.memo_view import TypedText, show_text
from views.table_model import ObjectTableModel
from views.workspace import Workspace, heading, problems_banner, show_problems

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_RULE = "Write the date as YYYY-MM-DD, for example 2027-01-15."


def date_rule(text: str) -> str | None:
    """None when ``text`` is a real calendar date written YYYY-MM-DD, else the rule in plain words."""
    if not _DATE.match(text):
        return DATE_RULE
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return f"{text} is not a date on the calendar. {DATE_RULE}"
    return None


class DecisionLogModel(ObjectTableModel):
    """One row per log entry, in the order they were entered; every cell editable in place."""

    DATE, DECISION, RATIONALE, ALTERNATIVES, OWNER = range(5)
    LIST = "decision_log"
    KIND = "log"
    FIELDS = ("date", "decision", "rationale", "alternatives", "owner")
    HEADERS = ("Date", "Decision", "Rationale", "Alternatives", "Owner")
    LONG = (DECISION, RATIONALE, ALTERNATIVES)

    #: An edit that was refused: the entry's id, the text refused and the rule it broke.
    rejected = Signal(str, str, str)

    def __init__(self, controller: ProjectController, parent: QObject | None = None) -> None:
        super().__init__(controller, parent)
        self.refresh()

    def refresh(self) -> None:
        self.sync_ids()

    def entry(self, row: int) -> dict[str, Any] | None:
        return self.object_at(row)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entry(index.row())
        if entry is None or not 0 <= index.column() < len(self.FIELDS):
            return None
        text = str(entry.get(self.FIELDS[index.column()]) or "")
        if role == Qt.ItemDataRole.DisplayRole:
            return " ".join(text.split())  # paragraphs run on in a row; the panel shows them
        if role == Qt.ItemDataRole.EditRole:
            return text
        if role == Qt.ItemDataRole.ToolTipRole and index.column() in self.LONG and text:
            # Rich text with the user's words escaped, so nothing typed is read as markup.
            return "<p>" + html.escape(text).replace("\n", "<br/>") + "</p>"
        if role == SORT_ROLE:
            if index.column() == self.DATE:
                # Same-day entries: the one entered later counts as newer.
                return f"{text or '0000-00-00'}#{index.row():07d}"
            return text.casefold()
        if role == ID_ROLE:
            return entry["id"]
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or self.entry(index.row()) is None:
            return False
        entry_id, field = self.ids[index.row()], self.FIELDS[index.column()]
        text = str(value)
        if field == "date":
            text = text.strip()
            rule = date_rule(text)
            if rule is not None:
                self.rejected.emit(entry_id, text, rule)
                return False
        try:
            self.controller.set_value("log", entry_id, field, text, f"log {field}")
        except InvalidValueError as exc:
            self.rejected.emit(entry_id, text, str(exc))
            return False
        return True


class LongTextDelegate(QStyledItemDelegate):
    """Edits the long fields in a taller multi-line box, so line breaks survive in-place edits."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:  # noqa: N802
        editor = QPlainTextEdit(parent)
        editor.setTabChangesFocus(True)
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QPlainTextEdit)
        editor.setPlainText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QPlainTextEdit)
        model.setData(index, editor.toPlainText(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,  # noqa: N802
                             index: Index) -> None:
        # Larger than the cell, kept inside the table, so a few lines are readable while editing.
        rect = option.rect  # type: ignore[attr-defined]
        area = editor.parentWidget().rect() if editor.parentWidget() else rect
        rect.setWidth(max(rect.width(), min(340, area.width())))
        rect.setHeight(max(rect.height(), min(120, area.height())))
        rect.moveLeft(max(0, min(rect.left(), area.right() - rect.width())))
        rect.moveTop(max(0, min(rect.top(), area.bottom() - rect.height())))
        editor.setGeometry(rect)


class DecisionLogWorkspace(Workspace):
    title = "Decision log"

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self._current_id: str | None = None
        self._shown_id: str | None = None  # the entry the detail panel shows
        self._loading = False
        self.banner = problems_banner()

        self.model = DecisionLogModel(controller, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setDynamicSortFilter(True)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(DecisionLogModel.DATE, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.setAlternatingRowColors(True)
        # Three wrapped lines per entry: enough to read the log at a glance; the panel has the rest.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.table.fontMetrics().lineSpacing() * 3 + 10)
        self.table.setMinimumWidth(300)
        self.long_delegate = LongTextDelegate(self.table)
        for column in DecisionLogModel.LONG:
            self.table.setItemDelegateForColumn(column, self.long_delegate)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DecisionLogModel.DATE, QHeaderView.ResizeMode.ResizeToContents)
        for column in DecisionLogModel.LONG:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(DecisionLogModel.OWNER, 130)
        self.remove_action = QAction("Remove", self.table)
        self.remove_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.remove_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.remove_action.triggered.connect(self.remove_selected)
        self.table.addAction(self.remove_action)

        self.add_button = QPushButton("Add entry")
        self.add_button.setToolTip("Log a new decision, dated today")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected entries (Delete)")
        self.empty_note = QLabel("No decisions logged yet. “Add entry” starts one dated today.")
        self.empty_note.setStyleSheet("color: #777777;")
        self.empty_note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.empty_note, 1)
        buttons.addStretch(0)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(heading("Decisions, newest first"))
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.table, 1)

        # Detail panel for the selected entry
        self.date_edit = QLineEdit()
        self.date_edit.setPlaceholderText("YYYY-MM-DD")
        self.date_edit.setMaximumWidth(140)
        self.date_edit.setToolTip("The day the decision was made, written YYYY-MM-DD")
        self.date_error = QLabel()
        self.date_error.setObjectName("fieldError")
        self.date_error.setStyleSheet("color: #b00020;")
        self.date_error.setWordWrap(True)
        self.date_error.hide()
        self.owner_edit = QLineEdit()
        self.owner_edit.setPlaceholderText("Who made or owns the decision")
        self.decision_edit = QPlainTextEdit()
        self.decision_edit.setPlaceholderText("What was decided")
        self.rationale_edit = QPlainTextEdit()
        self.rationale_edit.setPlaceholderText("Why: the evidence and the trade-off")
        self.alternatives_edit = QPlainTextEdit()
        self.alternatives_edit.setPlaceholderText("What else was considered, and why not")
        for editor, lines in ((self.decision_edit, 3), (self.rationale_edit, 5), (self.alternatives_edit, 4)):
            editor.setTabChangesFocus(True)
            editor.setMinimumHeight(editor.fontMetrics().lineSpacing() * lines + 12)
            editor.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.typing = TypedText(lambda: self._loading, self)
        self.typing.watch(self.date_edit, self._store_date)
        self.typing.watch(self.owner_edit, lambda text: self._store("owner", text))
        for field, editor in self._long_editors().items():
            self.typing.watch(editor, lambda text, f=field: self._store(f, text))
        date_row = QWidget()
        date_layout = QVBoxLayout(date_row)
        date_layout.setContentsMargins(0, 0, 0, 0)
        date_layout.setSpacing(2)
        date_layout.addWidget(self.date_edit)
        date_layout.addWidget(self.date_error)
        # A grid rather than a form: the long fields share the height, the rationale most.
        form = QGridLayout()
        form.setContentsMargins(0, 0, 0, 0)
        rows = (("&Date:", self.date_edit, date_row, 0), ("&Owner:", self.owner_edit, None, 0),
                ("De&cision:", self.decision_edit, None, 2), ("&Rationale:", self.rationale_edit, None, 3),
                ("&Alternatives\nconsidered:", self.alternatives_edit, None, 2))
        for row, (text, editor, widget, stretch) in enumerate(rows):
            label = QLabel(text)
            label.setBuddy(editor)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            form.addWidget(label, row, 0)
            form.addWidget(widget or editor, row, 1)
            form.setRowStretch(row, stretch)
        self.detail = QWidget()
        detail_layout = QVBoxLayout(self.detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(heading("Entry"))
        detail_layout.addLayout(form, 1)
        self.detail.setMinimumWidth(280)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.detail)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([780, 480])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        QWidget.setTabOrder(self.table, self.date_edit)
        QWidget.setTabOrder(self.date_edit, self.owner_edit)
        QWidget.setTabOrder(self.owner_edit, self.decision_edit)
        QWidget.setTabOrder(self.decision_edit, self.rationale_edit)
        QWidget.setTabOrder(self.rationale_edit, self.alternatives_edit)
        QWidget.setTabOrder(self.alternatives_edit, self.add_button)
        QWidget.setTabOrder(self.add_button, self.remove_button)

        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.rejected.connect(self._rejected)
        self.add_button.clicked.connect(self.add_entry)
        self.remove_button.clicked.connect(self.remove_selected)
        self.date_edit.textEdited.connect(lambda _text: self.date_error.hide())

        if self.proxy.rowCount():
            self._current_id = str(self.proxy.index(0, 0).data(ID_ROLE))
        self.refresh_all()

    def _long_editors(self) -> dict[str, QPlainTextEdit]:
        return {"decision": self.decision_edit, "rationale": self.rationale_edit,
                "alternatives": self.alternatives_edit}

    # --- refresh ----------------------------------------------------------------------

    def refresh_data(self) -> None:
        self.model.refresh()
        ids = self.model.ids
        if self._current_id not in ids:
            self._current_id = str(self.proxy.index(0, 0).data(ID_ROLE)) if ids else None
        self._select(self._current_id)
        self._load_details()
        self.empty_note.setVisible(not ids)
        self._update_buttons()

    def refresh_results(self) -> None:
        show_problems(self.banner, self.controller)

    def _proxy_row(self, entry_id: str) -> int:
        return self.proxy.mapFromSource(self.model.index(self.model.ids.index(entry_id), 0)).row()

    def _select(self, entry_id: str | None) -> None:
        selection = self.table.selectionModel()
        if entry_id is None:
            selection.clear()
            return
        index = self.proxy.index(self._proxy_row(entry_id), 0)
        if selection.currentIndex().row() != index.row() or not selection.isRowSelected(index.row()):
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)

    def _load_details(self) -> None:
        entry_id = self._current_id
        new_entry = entry_id != self._shown_id
        self._shown_id = entry_id
        self.detail.setEnabled(entry_id is not None)
        entry = self.controller.state.object("log", entry_id) if entry_id is not None else {}
        if new_entry:
            self.typing.forget()  # a date refused in the entry left behind is not kept
        self._loading = True
        try:
            # A refused date stays in its field beside its rule until the user fixes or leaves it.
            if new_entry or not self.date_error.isVisible():
                self.date_error.hide()
                show_text(self.date_edit, entry.get("date") or "", keep_cursor=not new_entry)
            for field, editor in (("owner", self.owner_edit), *self._long_editors().items()):
                if new_entry or not self.typing.is_typed(editor):  # never overwrite what is being typed
                    show_text(editor, entry.get(field) or "", keep_cursor=not new_entry)
        finally:
            self._loading = False

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        entry_id = str(current.siblingAtColumn(0).data(ID_ROLE))
        if entry_id != self._current_id:
            self._current_id = entry_id
            self.typing.flush()  # what was typed belongs to the entry it was typed in
            self._load_details()

    # --- edits ------------------------------------------------------------------------

    def _store(self, field: str, text: str) -> bool:
        """Store a field of the entry the panel shows (the one it was typed in)."""
        if self._shown_id is None:
            return True
        try:
            return self.controller.set_value("log", self._shown_id, field, text, f"log {field}")
        except InvalidValueError:
            return True  # text fields have no rule today; never store what the state refuses

    def _store_date(self, text: str) -> bool:
        """A date that breaks its rule stays in its field beside the rule, and is not stored."""
        if self._shown_id is None:
            return True
        text = text.strip()
        rule = date_rule(text)
        if rule is not None:
            self._show_date_error(rule)
            return False
        self.date_error.hide()
        try:
            return self.controller.set_value("log", self._shown_id, "date", text, "log date")
        except InvalidValueError as exc:
            self._show_date_error(str(exc))
            return False

    def _show_date_error(self, rule: str) -> None:
        self.date_error.setText(rule)
        self.date_error.show()

    def _rejected(self, entry_id: str, text: str, rule: str) -> None:
        """A date refused in the table: shown in the panel's date field, beside its rule."""
        if entry_id != self._current_id:
            self._current_id = entry_id
            self._select(entry_id)
            self._load_details()
        self._loading = True
        try:
            show_text(self.date_edit, text, keep_cursor=False)
        finally:
            self._loading = False
        self._show_date_error(rule)

    def selected_ids(self) -> list[str]:
        return [str(index.data(ID_ROLE)) for index in self.table.selectionModel().selectedRows()]

    def add_entry(self) -> None:
        self.typing.flush()
        edits, entry_id = memo_edits.add_log_entry(self.controller.state.data)
        previous, self._current_id = self._current_id, entry_id
        if not self.controller.edit_structure(edits, "Add decision-log entry"):
            self._current_id = previous
            return
        self._load_details()
        self.decision_edit.setFocus()

    def remove_selected(self) -> None:
        self.typing.flush()
        doomed = set(self.selected_ids()) or ({self._current_id} if self._current_id else set())
        if not doomed:
            return
        # The entry shown next: the nearest one below the removed ones in the table.
        rows = sorted(self._proxy_row(i) for i in doomed)
        after = [str(self.proxy.index(r, 0).data(ID_ROLE)) for r in range(self.proxy.rowCount())]
        keep = [i for i in after[rows[-1] + 1:] + after[:rows[0]][::-1] if i not in doomed]
        edits = memo_edits.remove_log_entries(self.controller.state.data, doomed)
        previous, self._current_id = self._current_id, keep[0] if keep else None
        label = "Remove decision-log entry" if len(doomed) == 1 else f"Remove {len(doomed)} log entries"
        if not self.controller.edit_structure(edits, label):
            self._current_id = previous
        self._load_details()
