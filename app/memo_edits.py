"""Adding, removing and moving memo sections and decision-log entries, as granular edits
(``app.edits``). Pure data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from app.edits import Edit, Insert, SetField, index_of, move, removal
from app.ids import new_id


def add_section(data: dict[str, Any], after_id: str | None = None) -> tuple[list[Edit], str]:
    """A new section just after ``after_id`` (else last), and its id."""
    sections = data["memo"]
    index = index_of(sections, after_id) + 1 if after_id is not None else len(sections)
    object_id = new_id(data, "memo-section")
    return [Insert("memo", None, index, {"id": object_id, "title": "New section", "body": ""})], object_id


def remove_section(data: dict[str, Any], section_id: str) -> list[Edit]:
    return [removal(data, "memo", section_id)]


def move_section(data: dict[str, Any], section_id: str, new_index: int) -> list[Edit]:
    return move(data, "memo", section_id, new_index)


def add_log_entry(data: dict[str, Any], today: dt.date | None = None) -> tuple[list[Edit], str]:
    """A new entry, last, dated today and owned by the project's author."""
    day = (today or dt.date.today()).isoformat()
    object_id = new_id(data, f"log-{day}")
    entry = {"id": object_id, "date": day, "decision": "", "rationale": "", "alternatives": "",
             "owner": data["project"].get("author") or ""}
    return [Insert("log", None, len(data["decision_log"]), entry)], object_id


def remove_log_entries(data: dict[str, Any], entry_ids: Iterable[str]) -> list[Edit]:
    """The entries, last first: each removal's index holds when it runs, and undo restores
    them in their places."""
    doomed = set(entry_ids)
    entries = data["decision_log"]
    # A gate decision that names an entry removed keeps its decision, no longer its entry.
    unlinked: list[Edit] = [
        SetField("opportunity", o["id"], "gate", o["gate"], {**o["gate"], "log_entry_id": None})
        for o in data["opportunities"] if (o.get("gate") or {}).get("log_entry_id") in doomed]
    return [*unlinked, *(removal(data, "log", e["id"]) for e in reversed(entries) if e["id"] in doomed)]
