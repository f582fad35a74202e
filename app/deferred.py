"""The sample plan as the window first shows it: its JSON read directly, with the working copy
(and the ORM behind it) made right after the first paint or at the first thing that needs it.

A stand-in for ``ProjectDocument``: what the window reads before its first paint (the data, no
path, not read-only, not modified) it answers itself; anything else makes the real document
and is passed to it, so from then on it behaves exactly as the document does.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from app.paths import sample_path

if TYPE_CHECKING:
    from pathlib import Path

    from app.document import ProjectDocument

#: Attributes kept on the stand-in itself; every other one belongs to the real document.
_OWN = frozenset({"_data", "_document"})


class DeferredSample:
    def __init__(self) -> None:
        # The bundled sample is checked by the test suite (valid and canonical), as
        # ProjectDocument.sample trusts it too.
        self._data: dict[str, Any] | None = json.loads(sample_path().read_text(encoding="utf-8"))
        self._document: ProjectDocument | None = None

    @property
    def ready(self) -> bool:
        """Whether the working copy exists yet."""
        return self._document is not None

    def materialize(self) -> ProjectDocument:
        """The real document (made once): a fresh working copy of the sample."""
        if self._document is None:
            from app.document import ProjectDocument

            self._document = ProjectDocument.sample()
            self._data = None
        return self._document

    def to_json(self) -> dict[str, Any]:
        if self._document is None and self._data is not None:
            data, self._data = self._data, None  # handed over once: the caller keeps it
            return data
        return self.materialize().to_json()

    # What the window reads while it builds, answered without the working copy.

    @property
    def path(self) -> Path | None:
        return None if self._document is None else self._document.path

    @property
    def read_only(self) -> bool:
        return False if self._document is None else self._document.read_only

    @property
    def modified(self) -> bool:
        return False if self._document is None else self._document.modified

    @property
    def display_name(self) -> str:
        return "Untitled" if self._document is None else self._document.display_name

    @property
    def copied_from(self) -> Path | None:
        return None if self._document is None else self._document.copied_from

    @property
    def lock_holder(self) -> Any:
        return None if self._document is None else self._document.lock_holder

    @property
    def lock_problem(self) -> str | None:
        return None if self._document is None else self._document.lock_problem

    def close(self) -> None:
        if self._document is not None:
            self._document.close()

    def __getattr__(self, name: str) -> Any:  # everything else is the real document's
        return getattr(self.materialize(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _OWN:
            object.__setattr__(self, name, value)
        else:
            setattr(self.materialize(), name, value)
