"""Start-up benchmark (DESIGN 7): process start to a usable main window with the sample's
results, beside a bare PySide6 window started the same way, as a ratio.

Run: uv run python -m tests.benchmarks.bench_startup
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

BARE = """
import os, sys
from app.gui import process_age
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.resize(1360, 860); w.show(); app.processEvents()
print(process_age())
"""


def run(command: list[str]) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    last = out.strip().splitlines()[-1]
    return float(json.loads(last)["startup_s"]) if last.startswith("{") else float(last)


def main(repeat: int = 5) -> None:
    bare = [run([sys.executable, "-c", BARE]) for _ in range(repeat)]
    ours = [run([sys.executable, "-m", "app", "--self-test"]) for _ in range(repeat)]
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"{'what':<52} {'ours s':>7} {'bare s':>7} {'ratio':>6}  budget")
    print(f"{'start to a usable window with the sample':<52} {o:7.2f} {b:7.2f} {o / b:6.1f}  <= 3x")


if __name__ == "__main__":
    main()
