"""The Memo workspace: the PM's sections, an editor, and a live preview of the strategy memo."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QShowEvent, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import memo_edits
from app.briefing import brief, fill_references
from app.formatting import money, money_range, percent
from app.memo_text import blocks, inline_markup
from models.decision import recommendation_sentence, recommendations
from models.engine import PlanResults
from models.problems import Problem
from views.controller import InvalidValueError, ProjectController
from views.table_model import ObjectTableModel
from views.text_undo import commit_on_leave, commit_pending
from views.workspace import Workspace, heading, problems_banner, show_problems

Index = QModelIndex | QPersistentModelIndex

# --- light formatting (Qt-free): what the PM types -> safe HTML --------------------------

def inline_markup_to_html(text: str) -> str:
    """One line: escaped first (user text is never markup), then **bold** and *italic*."""
    return inline_markup(text, quote=True)


def light_markup_to_html(text: str) -> str:
    """The memo's plain text as HTML: blank lines split paragraphs, "- " starts a bullet.

    Everything the user typed is escaped, so ``<script>``, ``<img src=…>`` or ``<a href=…>`` are
    shown as the characters typed and never become tags that run or fetch anything.
    """
    parts = []
    for kind, lines in blocks(text):
        if kind == "p":
            parts.append("<p>" + "<br/>".join(inline_markup_to_html(x) for x in lines) + "</p>")
        else:
            parts.append("<ul>" + "".join(f"<li>{inline_markup_to_html(x)}</li>" for x in lines)
                         + "</ul>")
    return "\n".join(parts)


def word_count(text: str) -> int:
    return len(re.findall(r"\w+(?:['’-]\w+)*", text))


# --- the preview (Qt-free): what the strategy memo export will contain --------------------

_GREY = "#777777"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _range(summary: Any, currency: str) -> str:
    """The range as the exported memo prints it: the preview keeps the export's fixed number format."""
    return f"NPV P10–P90 {money_range(summary.p10, summary.p90, currency)}"


def _chance(summary: Any) -> str:
    if summary.p_positive is None or not math.isfinite(summary.p_positive):
        return ""
    return f"{percent(summary.p_positive)} chance of a positive NPV"


def _mc_text(summary: Any, currency: str, stale: bool) -> str:
    """NPV range and chance of a positive NPV; greyed with "updating…" while a newer run is due."""
    if summary is None:
        return f'<span style="color:{_GREY}">ranges updating…</span>' if stale else ""
    text = _e(f"{_range(summary, currency)}; {_chance(summary)}")
    if stale:
        return f'<span style="color:{_GREY}">{text} (updating…)</span>'
    return text


def portfolio_summary_html(results: PlanResults | None, mc_results: PlanResults | None, mc_stale: bool,
                           problems: list[Problem], currency: str, top: int = 3) -> str:
    """The generated "Portfolio at a glance": top bets by eNPV with their ranges, and decisions."""
    if results is None:
        first = _e(problems[0]) if problems else "the plan has a problem"
        return (f'<p style="color:{_GREY}">The numbers are on hold until this is fixed: {first}.</p>')
    c = currency
    parts: list[str] = []
    ops = {r.id: r for r in results.opportunities}
    mc_ops = {r.id: r.mc for r in mc_results.opportunities} if mc_results is not None else {}
    if not ops:
        parts.append(f'<p style="color:{_GREY}">No opportunities in the plan yet.</p>')
    else:
        p = results.portfolio
        years = results.plan.settings.horizon_years
        text = (f"Across {len(ops)} {'opportunity' if len(ops) == 1 else 'opportunities'}, the portfolio is "
                f"worth <b>{_e(money(p.total_enpv, c, short=True))}</b> in risk-adjusted NPV (eNPV) over "
                f"{years} year{'s' if years != 1 else ''}")
        portfolio_mc = mc_results.portfolio.mc if mc_results is not None else None
        mc_text = _mc_text(portfolio_mc, c, mc_stale)
        text += f"; {mc_text}." if mc_text else "."
        if p.budget is not None:
            chosen = [ops[i].name for i in p.selected if i in ops]
            if chosen:
                names = chosen[0] if len(chosen) == 1 else ", ".join(chosen[:-1]) + " and " + chosen[-1]
                count = "1 opportunity" if len(chosen) == 1 else f"{len(chosen)} opportunities"
                text += (f" Within the {_e(money(p.budget, c, short=True))} build budget the best set "
                         f"({count}, {_e(money(p.selected_build_cost, c, short=True))} to build, eNPV "
                         f"{_e(money(p.selected_enpv, c, short=True))}) is {_e(names)}.")
            else:
                text += f" Nothing with a positive eNPV fits the {_e(money(p.budget, c, short=True))} budget."
        parts.append(f"<p>{text}</p>")
        ranked = [ops[i] for i in p.ranking if i in ops][:top]
        items = []
        for r in ranked:
            line = f"<b>{_e(r.name)}</b>: eNPV {_e(money(r.enpv, c, short=True))}"
            mc_text = _mc_text(mc_ops.get(r.id), c, mc_stale)
            items.append(f"<li>{line}; {mc_text}</li>" if mc_text else f"<li>{line}</li>")
        label = "Top opportunity" if len(ranked) == 1 else f"Top {len(ranked)} opportunities"
        parts.append(f"<p>{label} by eNPV:</p><ul>{''.join(items)}</ul>")
    items = []
    for rec in recommendations(results.plan.decisions, results.decisions):
        # The PDF's own wording (ties said as ties), with the names escaped for the preview.
        sentence = recommendation_sentence(rec, mark=lambda name: f"<b>{_e(name)}</b>", text=_e)
        items.append(f"<li><b>{_e(rec.decision.name or rec.decision.id)}</b>: {sentence}</li>")
    if items:
        parts.append(f"<p>Build, partner or buy:</p><ul>{''.join(items)}</ul>")
    return "\n".join(parts)


def section_anchor(row: int) -> str:
    return f"memo-section-{row}"


def memo_preview_html(data: dict[str, Any], results: PlanResults | None, mc_results: PlanResults | None,
                      mc_stale: bool, problems: list[Problem]) -> str:
    """The strategy memo as the export lays it out: title, executive summary, the generated
    portfolio summary, then the PM's other sections."""
    project = data["project"]
    currency = str(project.get("currency") or "USD")
    parts = [f"<h1>{_e(project.get('name') or 'Untitled plan')}</h1>"]
    if project.get("author"):
        parts.append(f'<p style="color:{_GREY}">Prepared by {_e(project["author"])}</p>')
    sections = list(data.get("memo") or [])
    # Live figures ({portfolio.funded_enpv}, …) filled as the export fills them.
    latest = mc_results if mc_results is not None and not mc_stale else results
    figures = brief(data, latest) if latest is not None else None

    def section(row: int, title: str) -> None:
        text = sections[row].get("body") or ""
        if figures is not None:
            text = fill_references(text, figures)[0]
            title = fill_references(title, figures)[0]
        body = light_markup_to_html(text)
        parts.append(f'<a name="{section_anchor(row)}"></a><h2>{_e(title)}</h2>')
        parts.append(body or f'<p style="color:{_GREY}"><i>(nothing written yet)</i></p>')

    if sections:
        section(0, sections[0].get("title") or "Executive summary")
    else:
        parts.append("<h2>Executive summary</h2>"
                     f'<p style="color:{_GREY}"><i>Add a section: the first one is the executive '
                     "summary.</i></p>")
    parts.append("<h2>Portfolio at a glance</h2>")
    parts.append(portfolio_summary_html(results, mc_results, mc_stale, problems, currency))
    for row in range(1, len(sections)):
        section(row, sections[row].get("title") or "Untitled section")
    return "\n".join(parts)


# --- editing helpers shared with the decision log --------------------------------------


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # QTextDocument positions count UTF-16 units


def show_text(editor: QLineEdit | QPlainTextEdit, text: str, *, keep_cursor: bool = True) -> None:
    """Show a stored value without moving the user's cursor (nothing happens if it is shown).

    Only the changed middle of the text is replaced, so after an undo the cursor stays where it
    was relative to the text around it. ``keep_cursor=False`` is for showing another object:
    the text starts from the top. The widget's own signals fire, so callers guard them.
    """
    if isinstance(editor, QLineEdit):
        if editor.text() != text:
            position = editor.cursorPosition()
            editor.setText(text)
            if keep_cursor:
                editor.setCursorPosition(min(position, len(text)))
        return
    old = editor.toPlainText()
    if not keep_cursor:
        if old != text:
            editor.setPlainText(text)
        editor.moveCursor(QTextCursor.MoveOperation.Start)
        return
    if old == text:
        return
    prefix = 0
    limit = min(len(old), len(text))
    while prefix < limit and old[prefix] == text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == text[-1 - suffix]:
        suffix += 1
    cursor = QTextCursor(editor.document())
    cursor.setPosition(_utf16_len(old[:prefix]))
    cursor.setPosition(_utf16_len(old[:len(old) - suffix]), QTextCursor.MoveMode.KeepAnchor)
    cursor.insertText(text[prefix:len(text) - suffix])


TextEditor = QLineEdit | QPlainTextEdit
#: The preview follows typing after this pause: rebuilding it per keystroke would make typing lag.
TYPING_PREVIEW_MS = 150


def editor_text(editor: TextEditor) -> str:
    return editor.text() if isinstance(editor, QLineEdit) else editor.toPlainText()


class TypedText(QObject):
    """The text fields of a workspace that store on leave (Enter, Tab, focus out, or before the
    window's undo, redo or a shortcut), and which of them hold typing not stored yet.

    Storing per keystroke wrote the working copy once a character; an entry now makes one
    store, so one undo step. A refresh leaves a field being typed in alone (``is_typed``).
    """

    #: A field's text changed by typing (not by showing a stored value): previews follow it.
    typing = Signal()

    def __init__(self, loading: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._loading = loading
        self._typed: set[TextEditor] = set()

    def watch(self, editor: TextEditor, store: Callable[[str], bool | None]) -> None:
        """Store the text of ``editor`` with ``store(text)`` when the entry is done; ``store``
        returns False when it refused the text (the field keeps it, with the reason shown)."""
        if isinstance(editor, QPlainTextEdit):
            editor.setUndoRedoEnabled(False)  # the project's undo only, never the box's own
            editor.textChanged.connect(lambda: self._typed_in(editor))
        else:
            editor.textEdited.connect(lambda _text: self._typed_in(editor))

        def commit() -> bool:
            if editor not in self._typed:
                return True
            self._typed.discard(editor)  # a store refreshes the workspace: shown as stored
            try:
                stored = store(editor_text(editor)) is not False
            except KeyError:
                return True  # the object went away (removed or undone) while the text waited
            if not stored:
                self._typed.add(editor)
            return stored

        commit_on_leave(editor, commit)

    def _typed_in(self, editor: TextEditor) -> None:
        if not self._loading():
            self._typed.add(editor)
            self.typing.emit()

    def is_typed(self, editor: TextEditor) -> bool:
        return editor in self._typed

    def forget(self) -> None:
        """The fields show another object now: what they held is gone (or was refused)."""
        self._typed.clear()

    def flush(self) -> bool:
        """Store every field holding typing now (before the fields show another object)."""
        return all([commit_pending(editor) for editor in list(self._typed)])


# --- the sections list --------------------------------------------------------------------


class MemoSectionsModel(ObjectTableModel):
    """The memo's sections in order; the title is editable in place."""

    TITLE = 0
    LIST = "memo"
    KIND = "memo"
    HEADERS = ("Section",)
    ID_ROLE = Qt.ItemDataRole.UserRole

    def __init__(self, controller: ProjectController, parent: QObject | None = None) -> None:
        super().__init__(controller, parent)
        self.refresh()

    def refresh(self) -> None:
        self.sync_ids()

    def _section(self, row: int) -> dict[str, Any] | None:
        return self.object_at(row)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        section = self._section(index.row())
        if section is None:
            return None
        title = section.get("title") or ""
        if role == Qt.ItemDataRole.DisplayRole:
            return title or "Untitled section"
        if role == Qt.ItemDataRole.EditRole:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            words = word_count(section.get("body") or "")
            lead = "Executive summary (the first section opens the memo). " if index.row() == 0 else ""
            return f"{lead}{words:,} words"
        if role == Qt.ItemDataRole.ForegroundRole and not title:
            return QBrush(QColor(_GREY))
        if role == self.ID_ROLE:
            return section["id"]
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or role != Qt.ItemDataRole.EditRole or self._section(index.row()) is None:
            return False
        try:
            self.controller.set_value("memo", self.ids[index.row()], "title", str(value), "section title")
        except InvalidValueError:
            return False
        return True


class MemoPreview(QTextBrowser):
    """Read-only preview that never opens links or loads anything named in the text."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setReadOnly(True)
        self.refused: list[str] = []  # resources the document asked for (tests: none)
        self.document().setDocumentMargin(12)
        self.document().setDefaultStyleSheet(
            "h1 { font-size: 20px; } h2 { font-size: 15px; margin-top: 14px; } p { margin-bottom: 6px; }")

    def loadResource(self, kind: int, name: QUrl) -> Any:  # noqa: N802 (Qt's name)
        # Belt and braces: user text is escaped, but nothing in a memo is ever fetched.
        self.refused.append(name.toString())
        return None


# --- the workspace ----------------------------------------------------------------------


class MemoWorkspace(Workspace):
    title = "Memo"

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(controller, parent)
        self._current_id: str | None = None
        self._shown_id: str | None = None  # the section the editors show
        self._current_row = 0
        self._loading = False
        self._preview_dirty = False
        self.banner = problems_banner()

        # Sections list and its buttons
        self.model = MemoSectionsModel(controller, self)
        self.sections = QListView()
        self.sections.setModel(self.model)
        self.sections.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.sections.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                      | QAbstractItemView.EditTrigger.DoubleClicked)
        self.sections.setMinimumWidth(180)
        self.sections.setWordWrap(True)  # long titles wrap rather than scroll sideways
        self.sections.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sections.setSpacing(1)
        self.add_button = QPushButton("Add section")
        self.remove_button = QPushButton("Remove")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.add_button.setToolTip("Add a section after the selected one")
        self.remove_button.setToolTip("Remove the selected section (Delete)")
        self.up_button.setToolTip("Move the selected section up (Alt+Up)")
        self.down_button.setToolTip("Move the selected section down (Alt+Down)")
        for key, slot in ((QKeySequence.StandardKey.Delete, self.remove_section),
                          (QKeySequence("Alt+Up"), lambda: self.move_section(-1)),
                          (QKeySequence("Alt+Down"), lambda: self.move_section(1))):
            action = QAction(self.sections)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.sections.addAction(action)
        buttons = QGridLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button, 0, 0)
        buttons.addWidget(self.remove_button, 0, 1)
        buttons.addWidget(self.up_button, 1, 0)
        buttons.addWidget(self.down_button, 1, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(heading("Sections"))
        left_layout.addWidget(self.sections, 1)
        left_layout.addLayout(buttons)

        # Editor for the selected section
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("Section title")
        self.body_edit = QPlainTextEdit()
        self.body_edit.setPlaceholderText("Write the section here.")
        self.body_edit.setTabChangesFocus(True)
        self.body_edit.setMinimumHeight(200)
        self.editor_note = QLabel()
        self.editor_note.setStyleSheet(f"color: {_GREY};")
        self.editor_note.setWordWrap(True)
        hint = QLabel("Formatting: a blank line starts a new paragraph · a line starting with “- ” "
                      "is a bullet · **bold** · *italic*")
        hint.setWordWrap(True)
        hint.setStyleSheet(f"color: {_GREY};")
        self.typing = TypedText(lambda: self._loading, self)
        self.typing.watch(self.title_edit, lambda text: self._store("title", text, "section title"))
        self.typing.watch(self.body_edit, lambda text: self._store("body", text, "memo text"))
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.addWidget(heading("Section"))
        middle_layout.addWidget(self.editor_note)
        title_label = QLabel("&Title")
        title_label.setBuddy(self.title_edit)
        middle_layout.addWidget(title_label)
        middle_layout.addWidget(self.title_edit)
        body_label = QLabel("Te&xt")
        body_label.setBuddy(self.body_edit)
        middle_layout.addWidget(body_label)
        middle_layout.addWidget(self.body_edit, 1)
        middle_layout.addWidget(hint)
        middle.setMinimumWidth(260)

        # Preview
        self.preview = MemoPreview()
        self.preview.setMinimumWidth(260)
        self.preview_note = QLabel()
        self.preview_note.setStyleSheet(f"color: {_GREY};")
        self.preview_note.setWordWrap(True)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(heading("Preview of the strategy memo"))
        right_layout.addWidget(self.preview_note)
        right_layout.addWidget(self.preview, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(middle)
        splitter.addWidget(right)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 1)
        splitter.setSizes([220, 520, 540])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)

        QWidget.setTabOrder(self.sections, self.title_edit)
        QWidget.setTabOrder(self.title_edit, self.body_edit)
        QWidget.setTabOrder(self.body_edit, self.add_button)
        QWidget.setTabOrder(self.add_button, self.remove_button)
        QWidget.setTabOrder(self.remove_button, self.up_button)
        QWidget.setTabOrder(self.up_button, self.down_button)
        QWidget.setTabOrder(self.down_button, self.preview)

        # Several signals arrive per edit (data, results, Monte Carlo): one rebuild for them all.
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(0)
        self._preview_timer.timeout.connect(self.update_preview)
        # What is being typed shows in the preview as it will print, though nothing is stored yet.
        self._typing_timer = QTimer(self)
        self._typing_timer.setSingleShot(True)
        self._typing_timer.setInterval(TYPING_PREVIEW_MS)
        self._typing_timer.timeout.connect(self.update_preview)
        self.typing.typing.connect(self._typing_timer.start)

        self.sections.selectionModel().currentRowChanged.connect(self._row_changed)
        self.add_button.clicked.connect(self.add_section)
        self.remove_button.clicked.connect(self.remove_section)
        self.up_button.clicked.connect(lambda: self.move_section(-1))
        self.down_button.clicked.connect(lambda: self.move_section(1))

        if self.model.ids:
            self._current_id = self.model.ids[0]
        self.refresh_data()
        self.refresh_results()
        self.update_preview()

    # --- refresh ----------------------------------------------------------------------

    def refresh_data(self) -> None:
        self.model.refresh()
        ids = self.model.ids
        if self._current_id not in ids:
            self._current_id = ids[min(self._current_row, len(ids) - 1)] if ids else None
        self._select(self._current_id)
        self._load_editors()
        self._schedule_preview()

    def refresh_results(self) -> None:
        show_problems(self.banner, self.controller)
        self._schedule_preview()

    def refresh_mc(self) -> None:
        self._schedule_preview()

    def _schedule_preview(self) -> None:
        if not self.isVisible():  # edits elsewhere: rebuild when the memo is next shown
            self._preview_dirty = True
            return
        self._preview_timer.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._preview_dirty:
            self._preview_dirty = False
            self._preview_timer.start()

    def update_preview(self) -> None:
        """Rebuild the preview, keeping where the reader had scrolled to."""
        self._preview_timer.stop()
        self._typing_timer.stop()
        c = self.controller
        data = self._data_as_typed()
        bar = self.preview.verticalScrollBar()
        position = bar.value()
        self.preview.setHtml(memo_preview_html(data, c.results, c.mc_results, c.mc_stale, c.problems))
        bar.setValue(min(position, bar.maximum()))
        words = sum(word_count(m.get("body") or "") + word_count(m.get("title") or "")
                    for m in data["memo"])
        minutes = max(1, round(words / 230))  # a typical reading speed for business prose
        written = f"Your sections: {words:,} words, about a {minutes}-minute read." if words else \
            "Nothing written yet."
        self.preview_note.setText(f"{written} The portfolio summary is generated from the results.")

    def _data_as_typed(self) -> dict[str, Any]:
        """The project with the section being typed in as the editors show it (not stored)."""
        data = self.controller.state.data
        typed = {field: editor_text(editor) for field, editor in
                 (("title", self.title_edit), ("body", self.body_edit)) if self.typing.is_typed(editor)}
        if not typed or self._shown_id is None:
            return data
        return dict(data, memo=[dict(m, **typed) if m["id"] == self._shown_id else m
                                for m in data["memo"]])

    def _select(self, section_id: str | None) -> None:
        selection = self.sections.selectionModel()
        if section_id is None:
            selection.clear()
            return
        row = self.model.ids.index(section_id)
        index = self.model.index(row, MemoSectionsModel.TITLE)
        if selection.currentIndex() != index or not selection.isSelected(index):
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _load_editors(self) -> None:
        section_id = self._current_id
        has = section_id is not None
        for widget in (self.title_edit, self.body_edit):
            widget.setEnabled(has)
        self.remove_button.setEnabled(has)
        row = self.model.ids.index(section_id) if section_id is not None else -1
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < len(self.model.ids) - 1)
        self._loading = True
        try:
            same = section_id == self._shown_id
            self._shown_id = section_id
            if not same:
                self.typing.forget()  # stored by the flush before the section changed
            if section_id is None:
                show_text(self.title_edit, "", keep_cursor=False)
                show_text(self.body_edit, "", keep_cursor=False)
                self.editor_note.setText("No sections yet. Add one: the first section is the memo's "
                                         "executive summary.")
                return
            section = self.controller.state.object("memo", section_id)
            for editor, field in ((self.title_edit, "title"), (self.body_edit, "body")):
                if not self.typing.is_typed(editor):  # never overwrite what is being typed
                    show_text(editor, section.get(field) or "", keep_cursor=same)
            self.editor_note.setText("The first section is the executive summary: it opens the memo, "
                                     "before the portfolio summary." if row == 0 else
                                     f"Section {row + 1} of {len(self.model.ids)}.")
        finally:
            self._loading = False

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        self._current_id = self.model.ids[current.row()]
        self._current_row = current.row()
        self.typing.flush()  # stored in the section the editors still show, where it was typed
        self._load_editors()
        if current.row() == 0:  # the memo's title sits above the first section
            self.preview.verticalScrollBar().setValue(0)
        else:
            self.preview.scrollToAnchor(section_anchor(current.row()))

    # --- edits ------------------------------------------------------------------------

    def _store(self, field: str, text: str, label: str) -> bool:
        """Store a field of the section the editors show (the one it was typed in)."""
        if self._shown_id is None:
            return True
        try:
            return self.controller.set_value("memo", self._shown_id, field, text, label)
        except InvalidValueError:
            return True  # text fields have no rule today; never store what the state refuses

    def add_section(self) -> None:
        self.typing.flush()
        data = self.controller.state.data
        edits, section_id = memo_edits.add_section(data, self._current_id)
        previous = self._current_id, self._current_row
        self._current_id, self._current_row = section_id, edits[0].index  # type: ignore[union-attr]
        if not self.controller.edit_structure(edits, "Add memo section"):
            self._current_id, self._current_row = previous
            return
        self.title_edit.setFocus()
        self.title_edit.selectAll()

    def remove_section(self) -> None:
        if self._current_id is None:
            return
        self.typing.flush()
        data = self.controller.state.data
        edits = memo_edits.remove_section(data, self._current_id)
        sections = [s for s in data["memo"] if s["id"] != self._current_id]
        row = self.model.ids.index(self._current_id)
        previous = self._current_id, self._current_row
        self._current_id = sections[min(row, len(sections) - 1)]["id"] if sections else None
        self._current_row = row
        if not self.controller.edit_structure(edits, "Remove memo section"):
            self._current_id, self._current_row = previous

    def move_section(self, step: int) -> None:
        if self._current_id is None:
            return
        self.typing.flush()
        sections = self.controller.state.data["memo"]
        row = next(i for i, s in enumerate(sections) if s["id"] == self._current_id)
        target = row + step
        if not 0 <= target < len(sections):
            return
        edits = memo_edits.move_section(self.controller.state.data, self._current_id, target)
        previous = self._current_row
        self._current_row = target
        if not self.controller.edit_structure(edits, "Move memo section " + ("up" if step < 0 else "down")):
            self._current_row = previous
