"""Opening a project from the window: the questions a lock or a side file asks, and the notices
the open document deserves (read-only, a copy, no lock, a sync folder)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from app import places
from app.errors import FileLockedError, SideFilesError
from views import dialogs

if TYPE_CHECKING:  # the ORM loads when a file is opened, not with the window
    from app.document import ProjectDocument


def open_document(parent: QWidget, path: Path) -> ProjectDocument | None:
    """The document for ``path``, or None when the user chose not to open it.

    A lock held by someone else asks: read-only, a copy, or anyway. A ``-journal`` or ``-wal``
    file beside it asks whether to open the file as it is. Other file errors propagate.
    """
    from app import interchange
    from app.document import ProjectDocument

    if path.suffix.lower() == ".json":
        return ProjectDocument.from_data(interchange.read_json(path), path)
    force = allow_side_files = False
    while True:
        try:
            return ProjectDocument.open(path, for_editing=True, force=force,
                                        allow_side_files=allow_side_files)
        except FileLockedError as exc:
            choice = dialogs.ask_locked(parent, str(exc))
            if choice == "read_only":
                return ProjectDocument.open(path, read_only=True, allow_side_files=allow_side_files)
            if choice == "copy":
                return ProjectDocument.open_copy(path, allow_side_files=allow_side_files)
            if choice != "anyway":
                return None
            force = True
        except SideFilesError as exc:
            if not dialogs.ask_open_anyway(parent, str(exc)):
                return None
            allow_side_files = True


@dataclass(frozen=True)
class Notice:
    key: str
    text: str
    kind: str = "info"
    #: Offer Save As beside the text (the way out of read-only and copies).
    save_as: bool = False


def notices(document: ProjectDocument) -> list[Notice]:
    """What the user should know about how this document is open."""
    found = []
    path = document.path
    if document.read_only and path is not None:
        holder = document.lock_holder
        who = f"{holder.describe()} has it open for editing" if holder else "it was opened read-only"
        found.append(Notice("read_only", f"Read-only: {who}. You can look around and export; "
                            "use Save As to keep changes in a file of your own.", "warning", True))
    if document.copied_from is not None:
        found.append(Notice("copy", f"This is a copy of “{document.copied_from.name}”, not the file "
                            "itself. Save As to keep it.", "info", True))
    if document.lock_problem and path is not None and not document.read_only:
        found.append(Notice("no_lock", f"“{path.name}” could not be marked as open "
                            f"({document.lock_problem}), so others who open it now are not "
                            "warned. Saving stays safe: a file someone else changed is never "
                            "overwritten."))
    shown = path or document.copied_from
    sync = places.sync_notice(shown) if shown is not None else None
    if sync:
        found.append(Notice("sync", sync))
    return found
