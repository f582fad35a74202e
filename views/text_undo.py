"""One undo for the whole window: Ctrl+Z in a text field undoes the project, and typing stores on leave."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QMainWindow, QPlainTextEdit, QTextEdit, QWidget

TEXT_WIDGETS = (QLineEdit, QPlainTextEdit, QTextEdit)
_HOOK = "commitOnLeave"
_REDO_KEYS = (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"))
_WATCHED = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress, QEvent.Type.Shortcut)


class _CommitHook(QObject):
    """Child of a text editor: stores its entry when the editor loses focus or the window asks."""

    def __init__(self, editor: QWidget, store: Callable[[], bool | None]) -> None:
        super().__init__(editor)
        self.setObjectName(_HOOK)
        self.store = store
        #: What a line showed before the user typed (Esc brings it back).
        self.shown = editor.text() if isinstance(editor, QLineEdit) else ""

    def commit(self) -> bool:
        """Store what the editor holds; False when it was refused (the editor says why)."""
        stored = self.store() is not False
        editor = self.parent()
        if stored and isinstance(editor, QLineEdit):
            editor.setModified(False)
            self.shown = editor.text()
        return stored

    def shown_changed(self, text: str) -> None:
        editor = self.parent()
        if isinstance(editor, QLineEdit) and not editor.isModified():  # set by the page, not typed
            self.shown = text

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.FocusOut and not isinstance(watched, QLineEdit):
            self.commit()
        elif (isinstance(watched, QLineEdit) and isinstance(event, QKeyEvent)
              and event.type() in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)
              and event.key() == Qt.Key.Key_Escape and watched.isModified()):
            event.accept()  # this Esc is the field's: no dialog or window closes on it
            if event.type() == QEvent.Type.KeyPress:
                watched.setText(self.shown)  # the typing undone; nothing was stored
            return True
        return False


def commit_on_leave(editor: QLineEdit | QPlainTextEdit | QTextEdit,
                    store: Callable[[], bool | None], *, escape_restores: bool = True) -> None:
    """Call ``store`` when the entry in ``editor`` is done: Enter, Tab or leaving a line, leaving
    a text box, and just before the window's undo, redo or any shortcut runs. In a line, Esc
    puts back what the line showed before the typing (unless the editor handles Esc itself).

    ``store`` returns False when it refused the entry (and showed why): an undo then waits, so
    the refused text is not lost under a change the user did not mean to undo.
    """
    hook = _CommitHook(editor, store)
    if isinstance(editor, QLineEdit):
        editor.editingFinished.connect(hook.commit)
        if escape_restores:
            editor.textChanged.connect(hook.shown_changed)
            editor.installEventFilter(hook)
    else:
        editor.installEventFilter(hook)


def commit_pending(widget: QWidget | None) -> bool:
    """Store the entry of ``widget`` if it is a text editor that stores on leave; False if refused."""
    if widget is None:
        return True
    hook = widget.findChild(QObject, _HOOK, Qt.FindChildOption.FindDirectChildrenOnly)
    return hook.commit() if isinstance(hook, _CommitHook) else True


def _is_undo(event: QKeyEvent) -> bool:
    return event.matches(QKeySequence.StandardKey.Undo)


def _is_redo(event: QKeyEvent) -> bool:
    if event.matches(QKeySequence.StandardKey.Redo):
        return True
    pressed = QKeySequence(event.keyCombination())
    return any(pressed.matches(key) == QKeySequence.SequenceMatch.ExactMatch for key in _REDO_KEYS)


class TextUndoRouter(QObject):
    """Sends Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y typed in any text field of ``window`` to the window's
    undo and redo actions (the project's undo stack), never to the field's own history, and
    stores a field's pending entry before any shortcut acts (Save must save what was typed)."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._listening = False
        # The filter on the whole application starts when the window is first painted or
        # activated, whichever comes first: no key reaches a field before either. Once it runs,
        # PySide gives it every event and finds the Python class of every object they concern;
        # started before the first paint, that alone cost about 20 ms of start-up.
        window.installEventFilter(self)

    def _listen(self) -> None:
        self._listening = True
        self.window.removeEventFilter(self)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)  # removed by Qt when this object goes with its window

    def _action(self, name: str) -> QAction | None:
        action = getattr(self.window, name, None)
        return action if isinstance(action, QAction) else None

    def _text_widget_of_window(self, obj: QObject) -> QWidget | None:
        if isinstance(obj, TEXT_WIDGETS) and obj.window() is self.window:
            return obj
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if not self._listening:
            if kind in (QEvent.Type.Paint, QEvent.Type.WindowActivate):
                self._listen()
            return False
        if kind not in _WATCHED:
            return False
        if kind == QEvent.Type.Shortcut:
            focus = QApplication.focusWidget()
            if focus is not None and focus.window() is self.window:
                commit_pending(focus)
            return False
        widget = self._text_widget_of_window(watched)
        if widget is None or not isinstance(event, QKeyEvent):
            return False
        name = "undo_action" if _is_undo(event) else "redo_action" if _is_redo(event) else ""
        if not name:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            event.accept()  # the key comes to this filter as a key press, not to a shortcut
            return True
        action = self._action(name)
        # What is being typed becomes its own step first, so undo takes it back as one step.
        if commit_pending(widget) and action is not None and action.isEnabled():
            action.trigger()
        return True
