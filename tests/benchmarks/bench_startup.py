"""Start-up benchmark (docs/architecture.md 7): process start to the first paint of the main window with the
sample's results, beside a bare PySide6 window started the same way, as a ratio.

The anchor is a fresh interpreter that imports nothing of ours: PySide6, one QMainWindow the
size of ours, and the process's age read from the OS when that window is first painted, which
is what ``aiplan --self-test`` reports for ours.

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
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow

def process_age():
    with open("/proc/self/stat", encoding="ascii") as stat:
        start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime", encoding="ascii") as uptime:
        return float(uptime.read().split()[0]) - start_ticks / os.sysconf("SC_CLK_TCK")

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print(process_age(), flush=True)
            app.quit()
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1360, 860)
window.installEventFilter(FirstPaint(window))
window.show()
app.exec()
"""


def run(command: list[str]) -> tuple[float, list[str]]:
    """The process's age at first paint, and the heavy libraries it had loaded by then."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True,
                         timeout=120).stdout
    last = out.strip().splitlines()[-1]
    if last.startswith("{"):
        report = json.loads(last)
        return float(report["startup_s"]), list(report["loaded_at_first_paint"])
    return float(last), []


def main(repeat: int = 7) -> None:
    bare = [run([sys.executable, "-c", BARE])[0] for _ in range(repeat)]
    ours_runs = [run([sys.executable, "-m", "app", "--self-test"]) for _ in range(repeat)]
    b = statistics.median(bare)
    o = statistics.median(age for age, _ in ours_runs)
    print(f"{'what':<44} {'ours ms':>8} {'bare ms':>8} {'ratio':>6}  budget")
    print(f"{'first paint of the window with the sample':<44} {o * 1000:8.0f} {b * 1000:8.0f} "
          f"{o / b:6.1f}  <= 3x")
    print(f"loaded before first paint: {', '.join(ours_runs[-1][1]) or 'none of the heavy libraries'}")


if __name__ == "__main__":
    main()
