"""Where a command may write: the checks before any file is replaced, and the one write path of exports.

Every command that writes refuses to overwrite a project file, its own input or a file someone
holds a lock on; any other existing file is replaced only when the user said so (``--force``
for exports, ``--replace`` for an import, which may replace a project file), and never
without saying what it was.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app import locks
from app.errors import (
    DamagedProjectFileError,
    EmptyProjectFileError,
    ForeignDatabaseError,
    NotAProjectFileError,
    ProjectFileError,
    ProjectSaveError,
)
from app.projectfile import check_header, write_atomically
from app.terminal import one_line

PROJECT_SUFFIX = ".aiplan"
A_PROJECT = "an AI Product Planner project"
#: How each kind of export starts: the read-back after writing checks it, with the length.
PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"  # xlsx and pptx are zip archives
JSON_MAGIC = b"{"
#: Enough of a file's start to tell a project from anything else (and name what else it is).
_HEAD_BYTES = 4096


class OutputError(ProjectFileError):
    """A write refused or failed; names in the sentence are made safe for one line."""

    @property
    def name(self) -> str:
        return f"“{one_line(self.path.name, 120)}”" if self.path is not None else "The file"


class ProjectTargetError(OutputError):
    def sentence(self) -> str:
        return (f"{self.name} is {A_PROJECT}, so the {self.detail} was not written over it. "
                "Choose another file name.")


class OwnInputError(OutputError):
    """The output would replace the file it is made from; ``role`` says which that is."""

    def __init__(self, path: Path, noun: str, role: str) -> None:
        self.role = role
        super().__init__(path, noun)

    def sentence(self) -> str:
        return (f"{self.name} is {self.role}, so the {self.detail} was not written over it. "
                "Choose another file name.")


class SameOutputError(OutputError):
    def sentence(self) -> str:
        return f"{self.name} is named for two exports ({self.detail}); give each export its own file."


class LockedTargetError(OutputError):
    def sentence(self) -> str:
        return (f"{self.name} is open for editing by {self.detail}, so it was not overwritten. "
                "Choose another file name, or wait until they close it.")


class TargetExistsError(OutputError):
    """An existing file and no permission to replace it; ``detail`` says what it is."""

    def __init__(self, path: Path, what: str, flag: str | None) -> None:
        self.flag = flag
        super().__init__(path, what)

    def sentence(self) -> str:
        if self.flag is None:
            return f"{self.name} already exists ({self.detail}). Choose another file name."
        return (f"{self.name} already exists ({self.detail}). Choose another file name, or pass "
                f"{self.flag} to overwrite it.")


class ForeignTargetError(OutputError):
    def sentence(self) -> str:
        return (f"{self.name} is not {A_PROJECT} (it looks like {self.detail}), so --replace will "
                "not overwrite it. Choose another file name.")


class MissingFolderError(OutputError):
    def sentence(self) -> str:
        folder = one_line(self.path.parent if self.path is not None else "?", 200)
        return (f"The folder “{folder}” does not exist, so {self.name} was not written. "
                "Create the folder, or choose another one.")


class NotAFileTargetError(OutputError):
    def sentence(self) -> str:
        return (f"{self.name} already exists and is {self.detail}, so nothing was written there. "
                "Choose a file name.")


class SuffixError(OutputError):
    """A name with the wrong ending; ``detail`` is what to type instead."""

    def sentence(self) -> str:
        return f"{self.name} {self.detail}"


class NotWrittenError(OutputError):
    """A write that failed for a cause found only while writing; nothing was changed."""

    def __init__(self, path: Path | None, reason: str, advice: str, existed: bool) -> None:
        self.advice = advice
        self.existed = existed
        super().__init__(path, reason)

    def sentence(self) -> str:
        kept = "The file on disk is unchanged." if self.existed else "No file was created."
        return f"{self.name} was not written: {self.detail}. {kept} {self.advice}".strip()


def not_written(exc: ProjectSaveError | OSError, target: Path, existed: bool) -> NotWrittenError:
    """The command line's sentence for a failed write: its cause and what to do, nothing kept."""
    if isinstance(exc, OSError):
        exc = ProjectSaveError.from_os_error(target, exc)
    # The save's advice for its cause, worded for a command run again rather than a Save.
    advice = (exc.advice or "Choose another folder or name, then try again.").replace(
        "save again", "try again")
    return NotWrittenError(target, exc.detail, advice, existed)


# --- what is at the target ----------------------------------------------------------------


@dataclass(frozen=True)
class Existing:
    """A file already at the target: whether it is a project, and what it is in words."""

    is_project: bool
    what: str


def _what_is(path: Path) -> Existing:
    """Look at the start of the file at ``path`` (a regular file) and say what it is."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        size = os.fstat(fd).st_size
        head = os.read(fd, _HEAD_BYTES)
    finally:
        os.close(fd)
    try:
        check_header(path, head, size)
    except ForeignDatabaseError:
        return Existing(False, "an SQLite database from another program")
    except NotAProjectFileError as exc:
        # The sniffed kind without its advice ("a JSON export (use Import JSON)").
        return Existing(False, exc.detail.split(" (")[0] or "a file of another kind")
    except EmptyProjectFileError:
        return Existing(False, "an empty file")
    except DamagedProjectFileError:
        # Our application id with a damaged header, or a cut-short SQLite file: treated as a
        # project, so an export never writes over it (an import may: that is its purpose).
        return Existing(True, f"a damaged {A_PROJECT[3:]}")
    except ProjectFileError:
        return Existing(True, A_PROJECT)
    return Existing(True, A_PROJECT)


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file: through symlinks, and hard links when both exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def inspect(target: Path, noun: str, inputs: Iterable[Path] = (),
            role: str = "the project being exported") -> Existing | None:
    """The checks every write shares; returns what is at ``target`` now, or None.

    Refuses the command's own input, a folder or special file, a missing folder, a name the
    system cannot take, and a file someone holds a lock on.
    """
    for source in inputs:
        if _same_file(target, source):
            raise OwnInputError(target, noun, role)
    try:
        info = target.stat()
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise MissingFolderError(target) from None
        return None
    except OSError as exc:
        raise not_written(exc, target, existed=False) from None
    if stat.S_ISDIR(info.st_mode):
        raise NotAFileTargetError(target, "a folder")
    if not stat.S_ISREG(info.st_mode):
        raise NotAFileTargetError(target, "not a regular file")
    holder = locks.read_lock(target)
    if holder is not None and not holder.is_stale:
        raise LockedTargetError(target, holder.describe())
    try:
        return _what_is(target)
    except OSError as exc:
        raise not_written(exc, target, existed=True) from None


# --- the policies of each command ---------------------------------------------------------


def check_export_targets(targets: dict[str, Path], inputs: Sequence[Path], *, force: bool,
                         flag: str | None = "--force") -> dict[Path, Existing]:
    """Refuse any export that would overwrite a project, an input, a locked file, another
    export of the same command, or (without ``force``) any existing file.

    ``targets`` maps what each export is in words ("workbook") to its path; returns what each
    will replace. ``flag`` is the option that allows overwriting (None: the user already agreed,
    as in the window's save dialog).
    """
    replacing: dict[Path, Existing] = {}
    seen: list[tuple[str, Path]] = []
    for noun, target in targets.items():
        for other_noun, other in seen:
            if _same_file(target, other):
                raise SameOutputError(target, f"the {other_noun} and the {noun}")
        seen.append((noun, target))
        existing = inspect(target, noun, inputs)
        if existing is not None and existing.is_project:
            raise ProjectTargetError(target, noun)
        if target.suffix.lower() == PROJECT_SUFFIX:
            raise SuffixError(target, f"ends in {PROJECT_SUFFIX}, the ending of project files, so "
                                      f"the {noun} was not written there. Choose another name.")
        if existing is None:
            continue
        if not force:
            raise TargetExistsError(target, existing.what, flag)
        replacing[target] = existing
    return replacing


def check_project_target(target: Path, inputs: Sequence[Path], *, command: str,
                         replace: bool | None) -> Existing | None:
    """Refuse a project file name that is not ``NAME.aiplan``, and any file ``command`` may not
    replace: with ``replace`` (an import's --replace) an unlocked project other than its own
    input; without it, or when ``replace`` is None (``new``), nothing."""
    existing = inspect(target, "project", inputs, role="the file being imported")
    if existing is not None and not replace:
        raise TargetExistsError(target, existing.what, None if replace is None else "--replace")
    if existing is not None and not existing.is_project:
        raise ForeignTargetError(target, existing.what)
    if target.suffix.lower() != PROJECT_SUFFIX:
        stem = one_line(target.with_suffix("").name if target.suffix else target.name, 120)
        raise SuffixError(target, f"is not a project file name: project files end in "
                                  f"{PROJECT_SUFFIX}. Type {command} {stem}{PROJECT_SUFFIX}.")
    return existing


# --- the one write path of exports --------------------------------------------------------


def _verifier(magic: bytes, size: int) -> Callable[[Path], None]:
    """A cheap read-back: the written file has the right length and starts as its kind does."""

    def verify(temp: Path) -> None:
        with temp.open("rb") as written:
            head = written.read(len(magic))
        if head != magic or temp.stat().st_size != size:
            raise ProjectFileError(temp, "it does not read back as it was written")

    return verify


def write_export(target: Path, data: bytes, magic: bytes, noun: str) -> None:
    """Write an export's bytes over ``target`` through the project's atomic write.

    The file is looked at once more just before: a project or a locked file that appeared
    while the export was being made is still never overwritten.
    """
    target = Path(target)
    existing = inspect(target, noun)
    if existing is not None and existing.is_project:
        raise ProjectTargetError(target, noun)
    if not data.startswith(magic):
        raise ProjectFileError(target, f"the {noun} came out malformed")
    try:
        write_atomically(target, data, _verifier(magic, len(data)))
    except ProjectSaveError as exc:
        raise not_written(exc, target, existed=existing is not None) from None
