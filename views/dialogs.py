"""Every question the window asks, in one place, so tests can answer them without a dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

PROJECT_FILTER = "AI Product Planner projects (*.aiplan);;JSON exports (*.json);;All files (*)"
JSON_FILTER = "JSON (*.json)"


def ask_open_path(parent: QWidget, start: str = "") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", start, PROJECT_FILTER)
    return Path(path) if path else None


def ask_save_path(parent: QWidget, suggested: str, json: bool = False) -> Path | None:
    title = "Export as JSON" if json else "Save project as"
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested,
                                          JSON_FILTER if json else "AI Product Planner projects (*.aiplan)")
    if not path:
        return None
    result = Path(path)
    suffix = ".json" if json else ".aiplan"
    return result if result.suffix.lower() == suffix else result.with_name(result.name + suffix)


def ask_save_changes(parent: QWidget, name: str) -> str:
    """'save', 'discard' or 'cancel'."""
    answer = QMessageBox.question(
        parent, "Unsaved changes", f"Save the changes to “{name}” before closing?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")


def show_error(parent: QWidget, text: str) -> None:
    QMessageBox.warning(parent, "AI Product Planner", text)


def show_info(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.information(parent, title, text)


def ask_export_path(parent: QWidget, title: str, suggested: str, file_filter: str,
                    suffix: str) -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
    if not path:
        return None
    result = Path(path)
    return result if result.suffix.lower() == suffix else result.with_name(result.name + suffix)


def ask_open_export(parent: QWidget, path: Path, note: str = "") -> bool:
    """After an export: open the file now?"""
    answer = QMessageBox.question(parent, "Export finished", f"Wrote “{path.name}”.{note}\n\nOpen it now?",
                                  QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close,
                                  QMessageBox.StandardButton.Open)
    return answer == QMessageBox.StandardButton.Open


def ask_locked(parent: QWidget, sentence: str) -> str:
    """Someone else has the file open: 'read_only', 'copy', 'anyway' or 'cancel'."""
    box = QMessageBox(QMessageBox.Icon.Warning, "The project is open elsewhere", sentence,
                      QMessageBox.StandardButton.Cancel, parent)
    choices = {
        box.addButton("Open Read-Only", QMessageBox.ButtonRole.AcceptRole): "read_only",
        box.addButton("Open a Copy", QMessageBox.ButtonRole.AcceptRole): "copy",
        box.addButton("Open Anyway", QMessageBox.ButtonRole.DestructiveRole): "anyway",
    }
    box.setDefaultButton(next(iter(choices)))  # type: ignore[arg-type]
    box.exec()
    return choices.get(box.clickedButton(), "cancel")  # type: ignore[call-overload]


def ask_open_anyway(parent: QWidget, sentence: str) -> bool:
    """A warning about the file (a side file beside it): open it as it is?"""
    box = QMessageBox(QMessageBox.Icon.Warning, "Open this project?", sentence,
                      QMessageBox.StandardButton.Cancel, parent)
    anyway = box.addButton("Open Anyway", QMessageBox.ButtonRole.AcceptRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is anyway


def ask_conflict(parent: QWidget, sentence: str, summary: str) -> bool:
    """Save went to a conflict copy: True when the user wants to compare the two now."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Saved as a conflict copy", sentence,
                      QMessageBox.StandardButton.Close, parent)
    if summary:
        box.setInformativeText(f"How the file on disk differs from your work:\n{summary}")
    compare = box.addButton("Compare…", QMessageBox.ButtonRole.AcceptRole)
    box.exec()
    return box.clickedButton() is compare


def ask_confirm(parent: QWidget, title: str, text: str, action: str) -> bool:
    """A yes/no question whose yes is ``action`` (a verb such as "Discard")."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent)
    yes = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes


def ask_compare_path(parent: QWidget, start: str = "") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Compare with another plan", start, PROJECT_FILTER)
    return Path(path) if path else None


def ask_import_path(parent: QWidget, start: str = "") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Import from another project", start, PROJECT_FILTER)
    return Path(path) if path else None
