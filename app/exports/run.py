"""Running exports: one calculation of the project, then each requested file written safely."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from app.errors import ProjectFileError
from app.exports.outlook import ScenarioSet, scenario_set
from app.outputs import PDF_MAGIC, ZIP_MAGIC, write_export
from models.engine import PlanResults, calculate
from models.plan import plan_from_json


class NoExportRequestedError(ProjectFileError):
    def sentence(self) -> str:
        return "Say which export to write: --memo OUT.pdf, --xlsx OUT.xlsx or --deck OUT.pdf|OUT.pptx."


class UnsupportedExportError(ProjectFileError):
    def sentence(self) -> str:
        return f"{self.name} cannot be written: {self.detail}."


def _memo(data: dict[str, Any], results: PlanResults, out: Path,
          scenarios: ScenarioSet | None = None) -> tuple[bytes, list[str]]:
    from app.exports.memo_pdf import build_memo

    return build_memo(data, results, scenarios=scenarios)


def _xlsx(data: dict[str, Any], results: PlanResults, out: Path,
          scenarios: ScenarioSet | None = None) -> tuple[bytes, list[str]]:
    from app.exports.workbook import workbook_bytes

    return workbook_bytes(data, results, scenarios)


def _deck(data: dict[str, Any], results: PlanResults, out: Path,
          scenarios: ScenarioSet | None = None) -> tuple[bytes, list[str]]:
    from app.exports import deck

    slides = deck.build_slides(data, results, scenarios)
    if out.suffix.lower() == ".pptx":
        return deck.deck_pptx_bytes(slides, data), []
    return deck.deck_pdf_bytes(slides, data), []


Exporter = Callable[[dict[str, Any], PlanResults, Path, ScenarioSet | None], tuple[bytes, list[str]]]
EXPORTERS: dict[str, Exporter] = {"memo": _memo, "xlsx": _xlsx, "deck": _deck}
#: What each export is called in messages.
NOUNS = {"memo": "strategy memo", "xlsx": "workbook", "deck": "deck"}


def _magic(kind: str, out: Path) -> bytes:
    return ZIP_MAGIC if kind == "xlsx" or out.suffix.lower() == ".pptx" else PDF_MAGIC


def check_request(requested: dict[str, Path]) -> None:
    """Refuse what cannot be written before any work is done: a deck in a format we do not write."""
    deck = requested.get("deck")
    if deck is not None and deck.suffix.lower() not in (".pdf", ".pptx"):
        raise UnsupportedExportError(deck, "a deck is written as .pdf or .pptx")


def write_exports(data: dict[str, Any], requested: dict[str, Path]) -> Iterator[tuple[Path, list[str]]]:
    """Write each requested export (kind -> path); yields each path with its warnings.

    The targets are checked by the caller (``app.outputs.check_export_targets``); every file is
    written through ``app.outputs.write_export``.
    """
    check_request(requested)
    results = calculate(plan_from_json(data))
    # The scenarios' simulations once for every export, sharing the base's draws and results.
    scenarios = scenario_set(data, results)
    for kind, out in requested.items():
        payload, warnings = EXPORTERS[kind](data, results, out, scenarios)
        write_export(out, payload, _magic(kind, out), NOUNS[kind])
        yield out, warnings
