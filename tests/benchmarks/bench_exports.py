"""Export benchmarks (docs/architecture.md 7): memo, workbook and both decks for the sample and for a
200-opportunity plan, beside the anchor of writing the same results as JSON.

Run: uv run python -m tests.benchmarks.bench_exports [--quick]   (--quick: the sample only)
The sample's times are the median of five runs; the large plan's, of one.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from app.exports import deck
from app.exports.memo_pdf import write_memo
from app.exports.workbook import write_workbook
from app.interchange import sample_data
from models.engine import calculate, results_json
from models.plan import plan_from_json
from tests.benchmarks.plans import scaled_sample


def timed(fn: object, repeat: int = 1) -> float:
    """The median wall time of ``repeat`` runs (this machine is a VM with noisy neighbours)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(label: str, data: dict[str, Any], folder: Path, repeat: int) -> None:
    results = calculate(plan_from_json(data))
    anchor = timed(lambda: (folder / "r.json").write_text(json.dumps(results_json(results))), repeat)
    rows = [
        ("memo PDF", timed(lambda: write_memo(data, results, folder / "m.pdf"), repeat), "<= 2 s"),
        ("workbook", timed(lambda: write_workbook(data, results, folder / "w.xlsx"), repeat), "<= 1 s"),
        ("deck PDF", timed(lambda: deck.write_deck_pdf(deck.build_slides(data, results),
                                                       folder / "d.pdf", data), repeat), "—"),
        ("deck PPTX", timed(lambda: deck.write_deck_pptx(deck.build_slides(data, results),
                                                         folder / "d.pptx", data), repeat), "—"),
    ]
    for what, ours, budget in rows:
        shown = budget if label == "sample" else "—"
        print(f"{what + ', ' + label:<34} {ours:7.2f} {anchor:7.3f} {ours / anchor:6.0f}  {shown}")


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    plans = [("sample", sample_data())]
    if "--quick" not in sys.argv:
        plans.append(("200 opportunities", scaled_sample(200)))
    print(f"{'what':<34} {'ours s':>7} {'json s':>7} {'ratio':>6}  budget")
    for label, data in plans:
        measure(label, data, folder, repeat=5 if label == "sample" else 1)


if __name__ == "__main__":
    main()
