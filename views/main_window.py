"""The main window: workspaces in a sidebar, menus, toolbar, status bar and file handling."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from app import paths
from app.errors import FileLockedError, ProjectFileError, SaveConflictError
from app.labels import problem_text
from app.project_state import ProjectState
from app.terminal import one_line
from views import dialogs
from views.controller import ProjectController
from views.message_bar import MessageBar
from views.opening import notices, open_document
from views.read_only import make_read_only
from views.scenario_bar import SWITCH_SHORTCUT, ScenarioActions, ScenarioBar, ScenarioStrip
from views.text_undo import TextUndoRouter, commit_pending
from views.workspace import Workspace

if TYPE_CHECKING:
    from app.document import ProjectDocument

#: The workspaces, in sidebar order: (module, class, title).
WORKSPACES = (
    ("views.portfolio_view", "PortfolioWorkspace", "Portfolio"),
    ("views.opportunities_view", "OpportunitiesWorkspace", "Opportunities"),
    ("views.decisions_view", "DecisionsWorkspace", "Build / partner / buy"),
    ("views.unit_economics_view", "UnitEconomicsWorkspace", "Unit economics"),
    ("views.memo_view", "MemoWorkspace", "Memo"),
    ("views.decision_log_view", "DecisionLogWorkspace", "Decision log"),
    ("views.launch_view", "LaunchWorkspace", "Launch readiness"),
    ("views.scenarios_view", "ScenariosWorkspace", "Scenarios"),
)
MAX_RECENT = 8
#: After the window is up and has its results: the price catalog takes a moment to load.
OLD_PRICES_DELAY_MS = 1500


def _documents() -> type[ProjectDocument]:
    """The project documents (the ORM loads once the window is up, not before it shows)."""
    from app.document import ProjectDocument

    return ProjectDocument
OPENABLE = (".aiplan", ".json")


def settings() -> QSettings:
    """Preferences beside the working copies (so a test's data folder isolates them too)."""
    return QSettings(str(paths.data_dir() / "settings.ini"), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    document_replaced = Signal()

    def __init__(self, document: ProjectDocument, *, sample: bool = False) -> None:
        super().__init__()
        self.setAcceptDrops(True)
        self.resize(1360, 860)
        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setMaximumWidth(200)
        self.sidebar.addItems([title for _, _, title in WORKSPACES])
        self.stack = QStackedWidget()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        splitter.setSizes([190, 1170])
        self.messages = MessageBar()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.messages)
        self.scenario_strip = ScenarioStrip()
        column.addWidget(self.scenario_strip)
        column.addWidget(splitter, 1)
        self.setCentralWidget(central)
        self.recalc_label = QLabel()
        self.mc_label = QLabel()
        self.statusBar().addWidget(self.recalc_label)
        self.statusBar().addPermanentWidget(self.mc_label)
        self.undo_view: QUndoView | None = None
        self.controller: ProjectController | None = None
        self.workspaces: dict[int, Workspace] = {}
        self.sidebar.currentRowChanged.connect(self.show_workspace)
        self.help_windows: dict[str, QWidget] = {}
        self._build_actions()
        self.text_undo = TextUndoRouter(self)  # Ctrl+Z in any field undoes the project
        self.set_document(document, sample=sample)

    # --- actions ----------------------------------------------------------------------

    def _action(self, text: str, slot: object, shortcut: object = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence.StandardKey
        self.new_action = self._action("&New", self.new_project, key.New, "Start an empty plan")
        self.open_action = self._action("&Open…", self.open_dialog, key.Open, "Open a project file")
        self.save_action = self._action("&Save", self.save, key.Save, "Save the project")
        self.save_as_action = self._action("Save &As…", self.save_as, key.SaveAs)
        self.import_action = self._action("&Import JSON…", self.import_json)
        self.import_objects_action = self._action(
            "Import from Another &Project…", self.import_from_project, "Ctrl+Shift+I",
            "Copy opportunities, decisions or unit models from another project into this one")
        self.compare_action = self._action(
            "Co&mpare with Another Plan…", self.compare_with_file, "Ctrl+Shift+D",
            "What changed between this plan and another file (inputs and results)")
        self.export_json_action = self._action("Export as &JSON…", self.export_json)
        self.close_action = self._action("&Close", self.close_project, key.Close)
        self.quit_action = self._action("&Quit", self.close, key.Quit)
        self.sample_action = self._action("Open the &sample plan", self.open_sample)
        self.settings_action = self._action(
            "Plan Se&ttings…", self.show_plan_settings, "Ctrl+,",
            "Name the plan and set its currency, discount rate, horizon, Monte Carlo and budget")
        self.settings_action.setMenuRole(QAction.MenuRole.NoRole)  # the plan's, not the app's
        file_menu = self.menuBar().addMenu("&File")
        for action in (self.new_action, self.open_action):
            file_menu.addAction(action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        for action in (self.save_action, self.save_as_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.import_objects_action)
        file_menu.addAction(self.export_json_action)
        file_menu.addAction(self.compare_action)
        file_menu.addSeparator()
        file_menu.addAction(self.close_action)
        file_menu.addAction(self.quit_action)

        self.edit_menu = self.menuBar().addMenu("&Edit")
        self.view_menu = self.menuBar().addMenu("&View")
        for row, (_, _, title) in enumerate(WORKSPACES):
            self.view_menu.addAction(self._action(
                title, lambda _=False, r=row: self.sidebar.setCurrentRow(r), f"Ctrl+{row + 1}"))
        self.view_menu.addSeparator()
        self.view_menu.addAction(self._action("Undo &History", self.show_undo_history, "Ctrl+H"))
        self.scenario_bar = ScenarioBar()
        self.scenario_actions = ScenarioActions(self)
        self.switch_scenario_action = self._action(
            "&Switch Scenario…", self.scenario_bar.focus_switcher, SWITCH_SHORTCUT,
            "Show the plan under another scenario (or the base)")
        self.scenario_menu = self.menuBar().addMenu("Sce&narios")
        self.scenario_actions.fill(self.scenario_menu, self.switch_scenario_action)
        self.correlations_action = self._action(
            "&Correlations Between Inputs…", self.show_correlations, "Ctrl+Alt+R",
            "Say which uncertain inputs move together (a rank correlation), so ranges are not too narrow")
        self.scenario_menu.addSeparator()
        self.scenario_menu.addAction(self.correlations_action)
        from views.exports import EXPORTS, ExportRunner

        self.exporter = ExportRunner(self)
        export_menu = self.menuBar().addMenu("E&xport")
        self.export_actions: dict[str, QAction] = {}
        for kind, (text, *_rest) in EXPORTS.items():
            action = self._action(text, lambda _=False, k=kind: self.export(k))
            export_menu.addAction(action)
            self.export_actions[kind] = action
        export_menu.addSeparator()
        export_menu.addAction(self.export_json_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self._action("&How the Numbers Are Computed", self.show_numbers, "F1"))
        help_menu.addAction(self._action("&Keyboard Shortcuts", self.show_shortcuts, "Ctrl+/"))
        help_menu.addSeparator()
        help_menu.addAction(self.sample_action)
        help_menu.addSeparator()
        help_menu.addAction(self._action("&About AI Product Planner", self.show_about))

        self.toolbar = self.addToolBar("Main")
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (self.new_action, self.open_action, self.save_action):
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.scenario_bar)
        self.toolbar.addSeparator()
        self.undo_action: QAction | None = None
        self.redo_action: QAction | None = None
        self._refresh_recent()

    def _connect_undo(self, controller: ProjectController) -> None:
        for action in (self.undo_action, self.redo_action):
            if action is not None:
                self.edit_menu.removeAction(action)
                self.toolbar.removeAction(action)
        self.undo_action = controller.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = controller.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.edit_menu.clear()
        self.edit_menu.addAction(self.undo_action)
        self.edit_menu.addAction(self.redo_action)
        self.toolbar.addAction(self.undo_action)
        self.toolbar.addAction(self.redo_action)
        if self.undo_view is not None:
            self.undo_view.setStack(controller.undo_stack)

    # --- the document -----------------------------------------------------------------

    @property
    def document(self) -> ProjectDocument:
        assert self.controller is not None
        return self.controller.state.document

    def set_document(self, document: ProjectDocument, *, sample: bool = False) -> None:
        """Show ``document``; the previous one is closed (its working copy released)."""
        old = self.controller
        self.controller = ProjectController(ProjectState(document), self)
        self.controller.document_changed.connect(self._update_title)
        self.controller.results_changed.connect(self._update_status)
        self.controller.mc_changed.connect(self._update_status)
        self.controller.status.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.controller.scenario_switched.connect(self._update_title)
        self.controller.data_changed.connect(lambda _changes: self._update_title())
        for part in (self.scenario_bar, self.scenario_strip, self.scenario_actions):
            part.set_controller(self.controller)
        self._connect_undo(self.controller)
        while self.stack.count():
            widget = self.stack.widget(0)
            self.stack.removeWidget(widget)
            widget.deleteLater()
        self.workspaces = {}
        for _ in WORKSPACES:  # placeholders: each workspace is built on its first visit
            self.stack.addWidget(QWidget())
        if old is not None:
            old.shutdown()
            old.state.document.close()
            old.deleteLater()
        row = max(self.sidebar.currentRow(), 0)
        self.sidebar.setCurrentRow(row)
        self.show_workspace(row)
        self._update_title()
        self._update_status()
        self._show_notices(sample)
        self.document_replaced.emit()

    def _show_notices(self, sample: bool) -> None:
        """The notices that belong to the document now shown (others go with the old one)."""
        for key in self.messages.keys():
            self.messages.remove(key)
        if sample:
            self.messages.show_message(
                "sample", "This is a sample plan. Save As to keep your own, or start a new plan.",
                [("Save As…", self.save_as), ("New Plan", self.new_project)])
        for notice in notices(self.document):
            self.messages.show_message(notice.key, notice.text,
                                       [("Save As…", self.save_as)] if notice.save_as else [],
                                       kind=notice.kind, closable=notice.key != "read_only")
        self.save_action.setEnabled(not self.document.read_only)
        self.import_objects_action.setEnabled(not self.document.read_only)
        # The price catalog loads after the window is up: a plan's old prices are said then.
        QTimer.singleShot(OLD_PRICES_DELAY_MS, self, self._say_old_prices)

    def _say_old_prices(self) -> None:
        if self.controller is None:
            return
        from app.reprice import STALE_DAYS, stale_routes
        from models.catalog import catalog_date

        count = stale_routes(self.controller.state.data)
        if count:
            self.messages.show_message(
                "old_prices", f"{count} route{'s use' if count != 1 else ' uses'} catalog prices more than "
                f"{STALE_DAYS} days older than the bundled catalog ({catalog_date()}). Check prices "
                "compares them and changes nothing until you apply.",
                [("Check prices…", self.check_prices)])

    def check_prices(self) -> None:
        """Unit economics' Check prices… dialog."""
        self.workspace("Unit economics").check_prices()  # type: ignore[attr-defined]

    def _rebuild_workspaces(self) -> None:
        """Build the workspaces afresh (after read-only mode ends), keeping the one shown."""
        row = max(self.sidebar.currentRow(), 0)
        for index in list(self.workspaces):
            workspace = self.workspaces.pop(index)
            self.stack.insertWidget(index, QWidget())
            self.stack.removeWidget(workspace)
            workspace.deleteLater()
        self.show_workspace(row)

    def show_workspace(self, row: int) -> None:
        if row < 0 or self.controller is None:
            return
        if row not in self.workspaces:
            module, name, _ = WORKSPACES[row]
            cls = getattr(importlib.import_module(module), name)
            workspace: Workspace = cls(self.controller)
            placeholder = self.stack.widget(row)
            self.stack.insertWidget(row, workspace)
            self.stack.removeWidget(placeholder)
            placeholder.deleteLater()
            self.workspaces[row] = workspace
            if self.controller.read_only:
                make_read_only(workspace)
        self.stack.setCurrentIndex(row)

    def workspace(self, title: str) -> Workspace:
        row = [t for _, _, t in WORKSPACES].index(title)
        self.sidebar.setCurrentRow(row)
        self.show_workspace(row)
        return self.workspaces[row]

    def _update_title(self) -> None:
        if self.controller is None:
            return
        name = one_line(self.controller.state.data["project"].get("name") or "Untitled plan", 80)
        mode = " (read-only)" if self.document.read_only else ""
        state = self.controller.state
        scenario = f" — {one_line(state.active_name(), 40)}" if state.active_scenario is not None else ""
        self.setWindowTitle(f"{name}{scenario} — {self.document.display_name}{mode}[*] — AI Product Planner")
        self.setWindowModified(self.controller.modified)

    def _update_status(self) -> None:
        c = self.controller
        if c is None:
            return
        if c.results is None:
            self.recalc_label.setText(f"Not calculated: {problem_text(c.problems[0])}" if c.problems else "")
        else:
            self.recalc_label.setText(f"Recalculated in {c.recalc_ms:.0f} ms")
        self.mc_label.setText(c.mc_state_text())

    # --- files ------------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, discarded or unchanged)."""
        if self.controller is None or not self.controller.modified:
            return True
        answer = dialogs.ask_save_changes(self, self.document.display_name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_project(self) -> None:
        if self.maybe_save():
            self.set_document(_documents().new())

    def open_sample(self) -> None:
        if self.maybe_save():
            self.set_document(_documents().sample(), sample=True)

    def open_dialog(self) -> None:
        start = str(self.document.path.parent) if self.document.path else ""
        path = dialogs.ask_open_path(self, start)
        if path is not None:
            self.open_path(path)

    def open_path(self, path: Path) -> bool:
        if self.controller is not None and self.document.path is not None and \
                path.absolute() == self.document.path:
            self.statusBar().showMessage(f"{path.name} is already open", 4000)
            return True  # opening it again would hand its lock to a copy about to close
        if not self.maybe_save():
            return False
        try:
            document = open_document(self, path)
        except ProjectFileError as exc:
            dialogs.show_error(self, str(exc))
            return False
        if document is None:
            return False
        self.set_document(document)
        if path.suffix.lower() != ".json":
            self._remember(path)
        return True

    def import_json(self) -> None:
        path = dialogs.ask_open_path(self)
        if path is not None:
            self.open_path(path)

    def save(self) -> bool:
        if not self._commit_typing():
            return False
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        if not self._commit_typing():
            return False
        name = self.controller.state.data["project"].get("name") if self.controller else ""
        suggested = str(self.document.path or Path.home() / f"{name or 'plan'}.aiplan")
        path = dialogs.ask_save_path(self, suggested)
        return path is not None and self._save_to(path)

    def _commit_typing(self) -> bool:
        """Store what is being typed before a file is written: a toolbar button takes no focus,
        so the field would not have been left. False when the entry is refused (it says why)."""
        return commit_pending(QApplication.focusWidget())

    def _save_to(self, path: Path) -> bool:
        assert self.controller is not None
        was_read_only = self.document.read_only
        force = False
        while True:
            try:
                self.document.save_as(path, force=force)
                break
            except FileLockedError as exc:
                holder = getattr(exc.lock, "describe", lambda: "someone else")()
                if force or not dialogs.ask_confirm(
                        self, "The file is open elsewhere",
                        f"“{path.name}” is open for editing by {holder}. Replacing it may throw "
                        "away their work when they save. Replace it with your plan anyway?",
                        "Replace"):
                    return False
                force = True
            except SaveConflictError as exc:
                self._saved(was_read_only)
                if dialogs.ask_conflict(self, str(exc), exc.summary) and exc.path is not None:
                    self._compare(exc.path)
                return True
            except ProjectFileError as exc:
                dialogs.show_error(self, str(exc))
                return False
        self._saved(was_read_only)
        return True

    def _saved(self, was_read_only: bool) -> None:
        """After a save (to the file asked for, or to a conflict copy beside it)."""
        assert self.controller is not None and self.document.path is not None
        self.controller.mark_saved()
        self._show_notices(sample=False)  # saved under its own name: no longer the sample
        if was_read_only and not self.document.read_only:
            self._rebuild_workspaces()
        self._remember(self.document.path)
        self._update_title()
        self.statusBar().showMessage(f"Saved {self.document.path.name}", 4000)

    def export_json(self) -> None:
        assert self.controller is not None
        name = self.document.path.stem if self.document.path else "plan"
        path = dialogs.ask_save_path(self, str(Path.home() / f"{name}.json"), json=True)
        if path is None:
            return
        data = self.controller.state.export_json().encode("utf-8")
        inputs = [self.document.path] if self.document.path else []
        from app import outputs  # the write guards (locks, hashing) load when first needed

        try:
            # The save dialog asked before replacing a file; a project or a locked file never is.
            outputs.check_export_targets({"JSON export": path}, inputs, force=True, flag=None)
            outputs.write_export(path, data, outputs.JSON_MAGIC, "JSON export")
        except ProjectFileError as exc:
            dialogs.show_error(self, str(exc))
            return
        self.statusBar().showMessage(f"Exported {path.name}", 4000)

    def export(self, kind: str) -> None:
        """Write the memo, workbook or deck of the project as it is now (off the UI thread)."""
        assert self.controller is not None
        stem = str(self.document.path.with_suffix("")) if self.document.path else str(
            Path.home() / (self.controller.state.data["project"].get("name") or "plan"))
        self.exporter.ask_and_run(kind, self.controller.state.snapshot(), stem)

    def offer_recovery(self) -> bool:
        """At start-up: offer work a crashed app left unsaved; True when one was recovered."""
        from app.recovery import remove_stray_temps
        from views.recovery_dialog import offer_recovery

        # Temp files of saves a crash cut short, beside recent files: on a thread, because a
        # folder on a network share that is gone can take a minute to answer.
        recent = [Path(p) for p in self.recent_files()]
        threading.Thread(target=lambda: [remove_stray_temps(p) for p in recent], daemon=True,
                         name="stray-temps").start()
        document = offer_recovery(self)
        if document is None:
            return False
        if not self.maybe_save():
            document.close(keep_working_copy=True)  # offered again at the next start
            return False
        self.set_document(document)
        assert self.controller is not None
        self.controller.unsaved_since_open = True
        self._update_title()
        self.statusBar().showMessage("Recovered your unsaved work: save it to keep it", 8000)
        return True

    def compare_with_file(self) -> None:
        start = str(self.document.path.parent) if self.document.path else ""
        path = dialogs.ask_compare_path(self, start)
        if path is not None:
            self._compare(path)

    def _compare(self, other: Path) -> None:
        from views.compare_dialog import compare_with_file

        assert self.controller is not None
        self.compare_dialog = compare_with_file(self, self.controller.state.data,
                                                self.document.display_name, other)

    def import_from_project(self) -> None:
        from views.import_dialog import ask_and_import

        assert self.controller is not None
        start = str(self.document.path.parent) if self.document.path else ""
        ask_and_import(self, self.controller, start)

    def close_project(self) -> None:
        """Close the file and show an empty plan (the window stays open)."""
        if self.maybe_save():
            self.set_document(_documents().new())

    # --- recent files -----------------------------------------------------------------

    def recent_files(self) -> list[str]:
        return [str(p) for p in settings().value("recent", [], type=list)]

    def _remember(self, path: Path) -> None:
        recent = [str(path.absolute())] + [p for p in self.recent_files()
                                           if p != str(path.absolute())]
        settings().setValue("recent", recent[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        recent = self.recent_files()
        for number, name in enumerate(recent, start=1):
            action = self.recent_menu.addAction(f"&{number} {Path(name).name}")
            action.setToolTip(name)
            action.triggered.connect(lambda _=False, n=name: self.open_path(Path(n)))
        self.recent_menu.setEnabled(bool(recent))

    # --- window events ----------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if self.maybe_save():
            if self.controller is not None:
                self.controller.shutdown()
            self.exporter.wait()
            event.accept()
        else:
            event.ignore()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        urls = event.mimeData().urls()
        if urls and all(Path(u.toLocalFile()).suffix.lower() in OPENABLE for u in urls[:1]):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        urls = event.mimeData().urls()
        if urls:
            event.acceptProposedAction()
            path = Path(urls[0].toLocalFile())
            QTimer.singleShot(0, lambda: self.open_path(path))

    # --- help -------------------------------------------------------------------------

    def show_correlations(self) -> None:
        """The correlation editor: pairs of ranged inputs that move together."""
        from views.correlations_dialog import show_correlations

        assert self.controller is not None
        show_correlations(self, self.controller)

    def show_plan_settings(self) -> QWidget:
        """The plan's settings; read-only when the document is (its fields show, nothing saves)."""
        from views.plan_settings import edit_plan_settings

        assert self.controller is not None
        self.plan_settings_dialog = edit_plan_settings(self, self.controller)
        return self.plan_settings_dialog

    def show_undo_history(self) -> None:
        assert self.controller is not None
        if self.undo_view is None:
            self.undo_view = QUndoView(self.controller.undo_stack)
            self.undo_view.setWindowTitle("Undo history")
            self.undo_view.setEmptyLabel("The project as opened")
            self.undo_view.resize(320, 400)
        self.undo_view.show()
        self.undo_view.raise_()

    def _help_window(self, key: str, make: Callable[[], QWidget]) -> QWidget:
        """One window per help page: shown again (not rebuilt) on the next request."""
        window = self.help_windows.get(key)
        if window is None:
            window = self.help_windows[key] = make()
        window.show()
        window.raise_()
        return window

    def show_numbers(self) -> QWidget:
        from views.help import numbers_page

        return self._help_window("numbers", lambda: numbers_page(self))

    def show_shortcuts(self) -> QWidget:
        from views.help import shortcuts_page

        actions = [a for menu in self.menuBar().findChildren(QMenu) for a in menu.actions()]
        if self.undo_action is not None and self.redo_action is not None:
            actions += [self.undo_action, self.redo_action]
        seen: set[int] = set()
        unique = [a for a in actions if not (id(a) in seen or seen.add(id(a)))]
        extra = ["Tab and Shift+Tab move between fields; Enter commits a value; Escape undoes "
                 "the typing in a field; Delete removes the selected row.",
                 "In any number field: type 1200, a range 900 – 1500, 30%, or 250k; the … "
                 "button opens the full estimate (base, low, high, distribution)."]
        return self._help_window("shortcuts", lambda: shortcuts_page(self, unique, extra))

    def show_about(self) -> QWidget:
        from views.help import about_page

        return self._help_window("about", lambda: about_page(self))
