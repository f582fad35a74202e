"""What every workspace shares: the controller, refresh hooks and a few small widgets."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from app.labels import problem_text
from models.changes import Change
from views.controller import ProjectController

#: The refresh hooks, in the order a page that was hidden catches up.
_PARTS = ("data", "results", "mc")


class Workspace(QWidget):
    """A page of the main window. Subclasses set ``title`` and override the refresh hooks.

    A page refreshes only what it shows: input changes of the object ``kinds`` it displays
    (None: every kind), and results. A page that is not on screen refreshes nothing; it
    catches up, once, when it is shown again.
    """

    title = ""
    kinds: frozenset[str] | None = None

    def __init__(self, controller: ProjectController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._behind: set[str] = set()
        #: The input changes the coming ``refresh_data`` shows (gathered while hidden).
        self.changes: tuple[Change, ...] = ()
        controller.data_changed.connect(self._data_changed)
        controller.results_changed.connect(lambda: self._due("results"))
        controller.mc_changed.connect(lambda: self._due("mc"))

    def _data_changed(self, changes: tuple[Change, ...]) -> None:
        if any(change.concerns(self.kinds) for change in changes):
            self.changes = (*self.changes, *changes) if "data" in self._behind else changes
            self._due("data")

    def _due(self, part: str) -> None:
        # isHidden, not isVisible: the page the stack shows counts as shown even while the
        # window itself is not (yet) on screen.
        if self.isHidden():
            self._behind.add(part)
        else:
            getattr(self, f"refresh_{part}")()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShowToParent and self._behind:
            behind, self._behind = self._behind, set()
            for part in _PARTS:
                if part in behind:
                    getattr(self, f"refresh_{part}")()
        return super().event(event)

    @property
    def currency(self) -> str:
        return str(self.controller.state.data["project"].get("currency") or "USD")

    def refresh_data(self) -> None:
        """Inputs changed: show the new values."""

    def refresh_results(self) -> None:
        """Deterministic results changed (or the plan became invalid)."""

    def refresh_mc(self) -> None:
        """Monte Carlo results arrived or went stale."""

    def refresh_all(self) -> None:
        self.refresh_data()
        self.refresh_results()
        self.refresh_mc()


def scrolled_column(page_of: QWidget) -> QVBoxLayout:
    """A column of widgets that scrolls when the window is short: the layout to fill."""
    outer = QVBoxLayout(page_of)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    outer.addWidget(scroll)
    page = QWidget()
    scroll.setWidget(page)
    layout = QVBoxLayout(page)
    layout.setContentsMargins(12, 8, 12, 12)
    return layout


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    label.setStyleSheet("font-weight: 600; font-size: 13px; margin-top: 6px;")
    return label


def problems_banner() -> QLabel:
    """A banner for plan-level problems: results wait until they are fixed."""
    label = QLabel()
    label.setObjectName("problems")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setStyleSheet("background: #fff4e5; color: #7a4500; padding: 6px;")
    label.hide()
    return label


def show_problems(banner: QLabel, controller: ProjectController) -> None:
    problems = controller.problems
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        banner.setText(f"Results are on hold until this is fixed: {problem_text(problems[0])}{more}.")
    banner.setVisible(bool(problems))


def button(text: str, tip: str, slot: Callable[[], object]) -> QPushButton:
    """A push button with its tooltip, connected to ``slot``."""
    widget = QPushButton(text)
    widget.setToolTip(tip)
    widget.clicked.connect(slot)
    return widget


def delete_key(view: QWidget, slot: Callable[[], object]) -> QShortcut:
    """Delete removes the selected row of ``view`` (only while it has focus, not while editing)."""
    shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), view)
    shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
    shortcut.activated.connect(slot)
    return shortcut


def reference_tip(kind: str, object_id: str, field: str) -> str:
    """A tooltip that gives an object's id and how the memo quotes one of its figures."""
    return f"Id {object_id}: a memo section quotes its figures as {{{kind}:{object_id}.{field}}}"
