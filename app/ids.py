"""Object ids: every object of a project has a string id, unique across the whole project."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Keys whose objects point at others: their "id" is someone else's.
_REFERENCES = frozenset({"overrides", "a", "b"})


def all_ids(node: Any) -> Iterator[str]:
    """Every object id in a project (or any part of one), depth first."""
    if isinstance(node, dict):
        if isinstance(node.get("id"), str):
            yield node["id"]
        for key, value in node.items():
            # Objects sit in lists (or alone, with an id): estimates, notes and scores, which
            # are most of a project's dicts, hold none and are not walked. A scenario's
            # overrides and a correlation's ends name other objects by id: references, not ids.
            if key in _REFERENCES:
                continue
            if isinstance(value, list) or (isinstance(value, dict) and "id" in value):
                yield from all_ids(value)
    elif isinstance(node, list):
        for value in node:
            yield from all_ids(value)


def new_id(data: dict[str, Any], prefix: str, also_taken: set[str] | None = None) -> str:
    """``PREFIX-N`` with the smallest N no object of ``data`` (nor ``also_taken``) holds."""
    taken = set(all_ids(data)) | (also_taken or set())
    n = 1
    while f"{prefix}-{n}" in taken:
        n += 1
    return f"{prefix}-{n}"
