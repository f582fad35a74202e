"""The scenario switcher of the toolbar, the strip that says a scenario is shown, and the Scenarios menu."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QWidget,
)

from app import scenario_edits
from app.terminal import one_line
from models.changes import Change
from models.scenarios import BASE_NAME
from views import dialogs
from views.read_only import SAFE

if TYPE_CHECKING:
    from views.controller import ProjectController

#: Switches scenario from anywhere in the window (Ctrl+Shift+S is Save As).
SWITCH_SHORTCUT = "Ctrl+Alt+S"
#: The hue that means "a scenario's numbers", on the strip and on every overridden field.
SCENARIO_COLOUR = "#5b3fa8"
STRIP_STYLE = f"background: #efe9fb; color: {SCENARIO_COLOUR}; border-bottom: 2px solid {SCENARIO_COLOUR};"


def ask_scenario_name(parent: QWidget, title: str, label: str, text: str) -> str | None:
    """A name typed by the PM, or None when cancelled (tests replace this)."""
    name, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    return name.strip() if ok and name.strip() else None


def _name(controller: ProjectController, scenario_id: str) -> str:
    return one_line(str(controller.state.base_object("scenario", scenario_id).get("name") or scenario_id), 60)


class ScenarioBar(QWidget):
    """"Scenario: Base / Downside / Upside …" in the toolbar; choosing one shows it everywhere."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller: ProjectController | None = None
        self.label = QLabel("&Scenario:")
        self.combo = QComboBox()
        self.combo.setObjectName("scenarioSwitcher")
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setToolTip(f"Show the plan under a scenario: every page and result follows "
                              f"({QKeySequence(SWITCH_SHORTCUT).toString(QKeySequence.SequenceFormat.NativeText)})")
        self.combo.setProperty(SAFE, True)  # switching edits nothing
        self.label.setBuddy(self.combo)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.combo)
        self.combo.activated.connect(self._chosen)

    def set_controller(self, controller: ProjectController) -> None:
        self.controller = controller
        controller.data_changed.connect(self._data_changed)
        controller.scenario_switched.connect(self.refresh)
        self.refresh()

    def _data_changed(self, changes: tuple[Change, ...]) -> None:
        if any(c.kind in ("scenario", "*") and not c.field.startswith("overrides.") for c in changes):
            self.refresh()

    def refresh(self) -> None:
        """The base and every scenario by name, the one shown selected."""
        if self.controller is None:
            return
        state = self.controller.state
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItem(BASE_NAME, None)
        for s in state.data.get("scenarios") or []:
            self.combo.addItem(_name(self.controller, s["id"]), s["id"])
        self.combo.setCurrentIndex(max(0, self.combo.findData(state.active_scenario)))
        self.combo.blockSignals(False)

    def _chosen(self, index: int) -> None:
        if self.controller is not None:
            self.controller.switch_scenario(self.combo.itemData(index))

    def focus_switcher(self) -> None:
        self.combo.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.combo.showPopup()


class ScenarioStrip(QWidget):
    """A coloured strip across the window while a scenario is shown: the numbers are its."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scenarioStrip")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"#scenarioStrip {{ {STRIP_STYLE} }}")
        self.controller: ProjectController | None = None
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setStyleSheet(f"color: {SCENARIO_COLOUR}; font-weight: 600;")
        self.base_button = QPushButton(f"Show {BASE_NAME}")
        self.base_button.setProperty(SAFE, True)
        self.base_button.clicked.connect(lambda: self.controller and self.controller.switch_scenario(None))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.base_button)
        self.hide()

    def set_controller(self, controller: ProjectController) -> None:
        self.controller = controller
        controller.scenario_switched.connect(self.refresh)
        controller.data_changed.connect(lambda _changes: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        state = self.controller.state if self.controller is not None else None
        if state is None or state.active_scenario is None:
            self.hide()
            return
        count = len(state.base_object("scenario", state.active_scenario).get("overrides") or [])
        self.text.setText(f"Scenario “{one_line(state.active_name(), 60)}”: every number shown is this "
                          f"scenario's ({count} input{'s' if count != 1 else ''} differ from the base; "
                          f"those are marked ↺). Numbers you type go into its overrides.")
        self.show()


class ScenarioActions(QObject):
    """The Scenarios menu: new, duplicate, rename, delete, reset; each one undo step. They act on
    the scenario shown (Duplicate, Rename, Delete and Reset wait for one)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.controller: ProjectController | None = None
        self.new_action = self._action("&New Scenario…", self.new_scenario,
                                       "A scenario that follows the base until you change a number in it")
        self.duplicate_action = self._action("&Duplicate", self.duplicate, "A copy of the scenario shown")
        self.rename_action = self._action("&Rename…", self.rename, "Rename the scenario shown")
        self.delete_action = self._action("De&lete…", self.delete, "Delete the scenario shown")
        self.reset_action = self._action("Reset &All Overrides", self.reset_all,
                                         "The scenario shown follows the base everywhere again")

    def _action(self, text: str, slot: object, tip: str) -> QAction:
        action = QAction(text, self.window)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def fill(self, menu: QMenu, switch: QAction) -> None:
        menu.addAction(switch)
        menu.addSeparator()
        for action in (self.new_action, self.duplicate_action, self.rename_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.reset_action)
        menu.addAction(self.delete_action)
        menu.aboutToShow.connect(self.update_enabled)

    def set_controller(self, controller: ProjectController) -> None:
        self.controller = controller
        controller.scenario_switched.connect(self.update_enabled)
        self.update_enabled()

    def update_enabled(self) -> None:
        c = self.controller
        editable = c is not None and not c.read_only
        shown = c is not None and c.state.active_scenario is not None
        self.new_action.setEnabled(editable)
        for action in (self.duplicate_action, self.rename_action, self.delete_action, self.reset_action):
            action.setEnabled(editable and shown)

    def new_scenario(self) -> str | None:
        """Ask for a name, add the scenario and show it; its id (None if cancelled)."""
        c = self.controller
        if c is None:
            return None
        name = ask_scenario_name(self.window, "New scenario", "Name of the scenario:",
                                 scenario_edits.unused_name(c.state.data, "New scenario"))
        if name is None:
            return None
        edits, scenario_id = scenario_edits.add_scenario(c.state.data, name)
        if not c.edit_structure(edits, f"Add scenario {one_line(name, 40)}"):
            return None
        c.switch_scenario(scenario_id)
        return scenario_id

    def duplicate(self) -> str | None:
        c = self.controller
        if c is None or c.state.active_scenario is None:
            return None
        source = c.state.active_scenario
        edits, scenario_id = scenario_edits.duplicate_scenario(c.state.data, source)
        if not c.edit_structure(edits, f"Duplicate scenario {_name(c, source)}"):
            return None
        c.switch_scenario(scenario_id)
        return scenario_id

    def rename(self) -> None:
        c = self.controller
        if c is None or c.state.active_scenario is None:
            return
        scenario_id = c.state.active_scenario
        old = str(c.state.base_object("scenario", scenario_id).get("name") or "")
        name = ask_scenario_name(self.window, "Rename scenario", "New name:", old)
        if name is None or name == old:
            return
        taken = scenario_edits.unused_name(c.state.data, name)
        if taken.casefold() != name.casefold() and name.casefold() != old.casefold():
            dialogs.show_error(self.window, f"“{one_line(name, 60)}” is already the name of the base plan "
                                            f"or another scenario; choose another name.")
            return
        c.set_value("scenario", scenario_id, "name", name, f"scenario name to {one_line(name, 40)}")

    def delete(self) -> bool:
        c = self.controller
        if c is None or c.state.active_scenario is None:
            return False
        scenario_id = c.state.active_scenario
        name = _name(c, scenario_id)
        count = len(c.state.base_object("scenario", scenario_id).get("overrides") or [])
        if not dialogs.ask_confirm(self.window, "Delete scenario",
                                   f"Delete the scenario “{name}” and its {count} override"
                                   f"{'s' if count != 1 else ''}? The base plan is shown instead "
                                   f"(Undo brings it back).", "Delete"):
            return False
        return c.edit_structure(scenario_edits.remove_scenario(c.state.data, scenario_id),
                                f"Delete scenario {name}")

    def reset_all(self) -> bool:
        c = self.controller
        if c is None or c.state.active_scenario is None:
            return False
        scenario_id = c.state.active_scenario
        return c.edit_structure(scenario_edits.reset_scenario(c.state.data, scenario_id),
                                f"{_name(c, scenario_id)}: reset every override to the base")
