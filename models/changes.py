"""What an edit changed (kind, id, field), and the one rule of which changes move results."""

from __future__ import annotations

from dataclasses import dataclass

#: Object kinds that only hold the PM's prose: no result reads them.
TEXT_KINDS = frozenset({"memo", "log"})
#: KPI targets and checklist items: every field counts towards launch readiness.
GATE_KINDS = frozenset({"kpi", "launch_check"})
#: Fields of the other kinds that no result reads (notes are ``notes.NAME``).
TEXT_FIELDS = frozenset({"description", "status", "owner"})


def moves_results(kind: str, field: str) -> bool:
    """Whether a change of ``field`` of an object of ``kind`` can move any result.

    Adding, removing or moving an object (a blank field) moves results unless the object is
    prose; so does every field the model reads, names included (results carry them).
    """
    if kind in TEXT_KINDS:
        return False
    if kind in GATE_KINDS:
        return True  # readiness is read from the results' plan: its words follow every field
    return not (field in TEXT_FIELDS or field.startswith("notes."))


@dataclass(frozen=True)
class Change:
    """One thing an edit changed. ``field`` is blank when the object came, went or moved;
    ``kind`` is ``*`` for a whole new project (an import)."""

    kind: str
    object_id: str = ""
    field: str = ""

    @property
    def moves_results(self) -> bool:
        return self.kind == "*" or moves_results(self.kind, self.field)

    def concerns(self, kinds: frozenset[str] | None) -> bool:
        """Whether a page that shows objects of ``kinds`` (None: every kind) shows this change."""
        return kinds is None or self.kind == "*" or self.kind in kinds


EVERYTHING = Change("*")
