"""Running exports: one calculation of the project, then each requested file written safely."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from app.errors import ProjectFileError, ProjectSaveError
from models.engine import PlanResults, calculate
from models.plan import plan_from_json


class NoExportRequestedError(ProjectFileError):
    def sentence(self) -> str:
        return "Say which export to write: --memo OUT.pdf, --xlsx OUT.xlsx or --deck OUT.pdf|OUT.pptx."


class UnsupportedExportError(ProjectFileError):
    def sentence(self) -> str:
        return f"{self.name} cannot be written: {self.detail}."


def _memo(data: dict[str, Any], results: PlanResults, out: Path) -> list[str]:
    from app.exports.memo_pdf import write_memo

    return list(write_memo(data, results, out) or [])


def _xlsx(data: dict[str, Any], results: PlanResults, out: Path) -> list[str]:
    from app.exports.workbook import write_workbook

    write_workbook(data, results, out)
    return []


def _deck(data: dict[str, Any], results: PlanResults, out: Path) -> list[str]:
    from app.exports import deck

    slides = deck.build_slides(data, results)
    if out.suffix.lower() == ".pptx":
        deck.write_deck_pptx(slides, out, data)
    elif out.suffix.lower() == ".pdf":
        deck.write_deck_pdf(slides, out, data)
    else:
        raise UnsupportedExportError(out, "a deck is written as .pdf or .pptx")
    return []


Exporter = Callable[[dict[str, Any], PlanResults, Path], list[str]]
EXPORTERS: dict[str, Exporter] = {"memo": _memo, "xlsx": _xlsx, "deck": _deck}


def write_exports(data: dict[str, Any], requested: dict[str, Path]) -> Iterator[tuple[Path, list[str]]]:
    """Write each requested export (kind -> path); yields each path with its warnings."""
    results = calculate(plan_from_json(data))
    for kind, out in requested.items():
        try:
            warnings = EXPORTERS[kind](data, results, out)
        except OSError as exc:
            from app.errors import os_reason

            raise ProjectSaveError(out, os_reason(exc)) from None
        yield out, warnings
