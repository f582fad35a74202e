"""The errors a user can cause with a project file, each one plain sentence."""

from __future__ import annotations

import errno
from pathlib import Path


class ProjectFileError(Exception):
    """A problem the user can act on. ``str()`` is a plain sentence naming the file."""

    def __init__(self, path: str | Path | None, detail: str = "") -> None:
        self.path = Path(path) if path is not None else None
        self.detail = detail
        super().__init__(self.sentence())

    @property
    def name(self) -> str:
        return f"“{self.path.name}”" if self.path is not None else "The project"

    def sentence(self) -> str:
        return f"{self.name} could not be used. {self.detail}".strip()


class ProjectFileMissingError(ProjectFileError):
    def sentence(self) -> str:
        return f"There is no file {self.name} in {self.path.parent if self.path else '?'}."


class UnreadableProjectFileError(ProjectFileError):
    def sentence(self) -> str:
        return f"{self.name} cannot be read: {self.detail}. Check that you may open it, and try again."


class NotARegularFileError(UnreadableProjectFileError):
    """A named pipe, device or socket under a project's or an export's name: never read."""

    def sentence(self) -> str:
        return (f"{self.name} is {self.detail}, not a regular file, so nothing was read from it. "
                "Choose the file itself.")


class EmptyProjectFileError(ProjectFileError):
    def sentence(self) -> str:
        return (f"{self.name} is empty (0 bytes): it holds no project. It may not have finished "
                "copying; ask for the file again.")


class NotAProjectFileError(ProjectFileError):
    def sentence(self) -> str:
        what = f" it looks like {self.detail}" if self.detail else ""
        return (f"{self.name} is not an AI Product Planner project;{what or ' it is not a project file'}. "
                "Open a .aiplan file, or use Import JSON for a .json export.")


class ForeignDatabaseError(ProjectFileError):
    def sentence(self) -> str:
        return (f"{self.name} is an SQLite database from another program, not an AI Product "
                "Planner project, so it was not opened.")


class DamagedProjectFileError(ProjectFileError):
    def sentence(self) -> str:
        return (f"{self.name} is damaged ({self.detail}), so it was not opened and was left as it "
                "is. Ask for another copy, or open your last saved version.")


class NewerVersionError(ProjectFileError):
    def __init__(self, path: str | Path, file_version: int, app_version: int) -> None:
        self.file_version = file_version
        self.app_version = app_version
        super().__init__(path)

    def sentence(self) -> str:
        return (f"{self.name} was saved by a newer AI Product Planner (file version "
                f"{self.file_version}; this app reads up to version {self.app_version}). "
                "Update the app to open it.")


class UnexpectedSchemaError(ProjectFileError):
    def sentence(self) -> str:
        return (f"{self.name} contains database objects this app never creates ({self.detail}); "
                "for your safety it was not opened. Ask the sender for a clean copy or a JSON export.")


class ProjectSaveError(ProjectFileError):
    """A write that did not happen; the file on disk is unchanged.

    ``kept_work`` says whether an open document still holds the work (the window's Save and
    exports); the command line sets it to False, as nothing is kept once it exits, and
    ``str()`` follows it. ``advice`` is what to do about this cause; by default it follows from
    ``detail`` when that is one of ``os_reason``'s reasons.
    """

    def __init__(self, path: str | Path | None, detail: str = "", *, advice: str | None = None,
                 kept_work: bool = True) -> None:
        self.advice = _ADVICE.get(detail, "") if advice is None else advice
        self.kept_work = kept_work
        super().__init__(path, detail)

    @classmethod
    def from_os_error(cls, path: str | Path | None, exc: OSError, *,
                      kept_work: bool = True) -> ProjectSaveError:
        return cls(path, os_reason(exc), kept_work=kept_work)

    def __str__(self) -> str:
        return self.sentence()  # follows ``kept_work`` when a caller changes it

    def sentence(self) -> str:
        kept = " and your work is kept" if self.kept_work else ""
        advice = f" {self.advice}" if self.advice else ""
        return f"{self.name} was not saved: {self.detail}. The file on disk is unchanged{kept}.{advice}"


class ReadOnlyDocumentError(ProjectSaveError):
    """Save on a project opened read-only (someone else has the file open for editing)."""

    def sentence(self) -> str:
        return (f"{self.name} is open read-only, so it was not saved; the file is unchanged and "
                "your changes are kept. Use Save As to save them under another name.")


class InvalidProjectDataError(ProjectFileError):
    """JSON that does not describe a valid project; ``problems`` are ``path: rule`` lines."""

    def __init__(self, path: str | Path | None, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(path)

    def sentence(self) -> str:
        # A problem may be a whole sentence already (a scenario's): one full stop at the end.
        first = (self.problems[0] if self.problems else "unknown problem").rstrip(".")
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        subject = self.name if self.path is not None else "The project data"
        return f"{subject} is not a valid project: {first}{more}."


class FileLockedError(ProjectFileError):
    """Someone else has the file open for editing; ``lock`` says who, where and since when."""

    def __init__(self, path: str | Path, lock: object) -> None:
        self.lock = lock
        super().__init__(path)

    def sentence(self) -> str:
        who = getattr(self.lock, "describe", lambda: "someone else")()
        return (f"{self.name} is open for editing by {who}. Open it read-only, open a copy, "
                "or open it anyway if you are sure they are not working on it.")


class SaveConflictError(ProjectFileError):
    """The file changed on disk since it was opened; the work went to ``conflict_path``."""

    def __init__(self, path: str | Path, conflict_path: Path, summary: str = "") -> None:
        self.conflict_path = conflict_path
        self.summary = summary
        super().__init__(path)

    def sentence(self) -> str:
        return (f"{self.name} changed on disk since you opened it, so it was not overwritten. "
                f"Your work was saved beside it as “{self.conflict_path.name}”; compare the two "
                "(File > Compare) and bring the changes together.")


class SideFilesError(ProjectFileError):
    """A ``-journal`` or ``-wal`` file lies beside the project: a write may be under way."""

    def sentence(self) -> str:
        return (f"{self.name} has “{self.detail}” beside it: another program may be writing the "
                "file, or a write was interrupted. Close any other program using it and try "
                "again, or open it in the app and choose Open Anyway to use the file as it is.")


class OversizedProjectFileError(ProjectFileError):
    """Opening would take too long or too much memory (a huge value, or a crafted file)."""

    def sentence(self) -> str:
        return (f"{self.name} was not opened because {self.detail}; a project never needs that "
                "much. It may be damaged or crafted; ask the sender for a JSON export.")


_OS_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission was denied",
    errno.EPERM: "permission was denied",
    errno.EROFS: "the disk or folder is read-only",
    errno.EIO: "the disk reported an input/output error",
    errno.ENOENT: "the folder does not exist",
    errno.EISDIR: "that is a folder, not a file",
    errno.ENOTDIR: "part of the path is not a folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EMFILE: "too many files are open",
}


_SPACE = "Free some space, then save again."
_FOLDER = "Choose another folder, then save again."
_SHORTER = "Choose a shorter name, or a folder nearer the top of the disk, then save again."
# What to do about each cause, keyed by the reason ``os_reason`` gives for it.
_ADVICE = {
    "the disk is full": _SPACE,
    "the disk quota is used up": _SPACE,
    "permission was denied": _FOLDER,
    "the disk or folder is read-only": _FOLDER,
    "the folder does not exist": _FOLDER,
    "the name is too long": _SHORTER,
}


class DataFolderError(ProjectFileError):
    """The app's own data folder (where working copies live) cannot be written."""

    def sentence(self) -> str:
        folder = f" ({self.path})" if self.path is not None else ""
        advice = _ADVICE.get(self.detail, "")
        if advice == _SPACE:
            advice = "Free some space there, then try again."
        elif advice:
            advice = "Check that you may write there, then try again."
        return (f"The app's data folder{folder} cannot hold the project's working copy: "
                f"{self.detail}. {advice}").strip()


def os_reason(exc: OSError) -> str:
    """A plain reason for an operating-system error."""
    if exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    return (exc.strerror or str(exc) or "an operating-system error").lower()
