"""Project-file benchmarks against docs/architecture.md 7: open and save a 2,000-opportunity project.

Run: uv run python -m tests.benchmarks.bench_file
The anchor is the least any open must do: copy the file and read every row with sqlite3.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.document import ProjectDocument
from tests.benchmarks.plans import scaled_sample


def median_time(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    folder = Path(tempfile.mkdtemp())
    os.environ.setdefault("AIPLAN_DATA_DIR", str(folder / "appdata"))
    path = folder / "big.aiplan"
    with ProjectDocument.from_data(scaled_sample(2000)) as doc:
        save = median_time(lambda: doc.save_as(path), 3)

    def open_project() -> None:
        with ProjectDocument.open(path) as doc:
            doc.to_json()

    def anchor() -> None:
        copy = folder / "copy.aiplan"
        shutil.copyfile(path, copy)
        con = sqlite3.connect(copy)
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
            con.execute(f'SELECT * FROM "{table}"').fetchall()
        con.close()
        copy.unlink()

    rows = [("open 2,000 opportunities (checks + read all)", median_time(open_project),
             median_time(anchor), "<= 1 s"),
            ("save 2,000 opportunities", save, median_time(anchor), "—")]
    print(f"{'what':<48} {'ours ms':>9} {'anchor ms':>10} {'ratio':>6}  budget")
    for what, ours, base, budget in rows:
        print(f"{what:<48} {ours * 1000:9.1f} {base * 1000:10.1f} {ours / base:6.1f}  {budget}")
    print(f"(file size {path.stat().st_size / 1e6:.1f} MB)")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
