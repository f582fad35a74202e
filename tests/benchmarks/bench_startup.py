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
import time

BARE = """
import os, sys, time
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
            print(process_age(), time.time(), flush=True)
            app.quit()
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.resize(1360, 860)
window.installEventFilter(FirstPaint(window))
window.show()
app.exec()
"""


def run(command: list[str]) -> tuple[float, float, list[str]]:
    """The process's age at first paint (clock ticks of 10 ms), the time from launch to first
    paint (microseconds; launch is just before the process is started, the same for both sides),
    and the heavy libraries it had loaded by then."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    launched = time.time()
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True,
                         timeout=120).stdout
    last = out.strip().splitlines()[-1]
    if last.startswith("{"):
        report = json.loads(last)
        return (float(report["startup_s"]), float(report["first_paint_at"]) - launched,
                list(report["loaded_at_first_paint"]))
    age, painted = (float(word) for word in last.split())
    return age, painted - launched, []


def main(repeat: int = 7) -> None:
    bare = [run([sys.executable, "-c", BARE]) for _ in range(repeat)]
    ours = [run([sys.executable, "-m", "app", "--self-test"]) for _ in range(repeat)]
    print(f"{'first paint of the window with the sample':<48} {'ours ms':>8} {'bare ms':>8} "
          f"{'ratio':>6}  budget")
    for what, index in (("process age (OS clock ticks)", 0), ("launch to paint (wall clock)", 1)):
        b = statistics.median(run[index] for run in bare)
        o = statistics.median(run[index] for run in ours)
        print(f"{'  ' + what:<48} {o * 1000:8.1f} {b * 1000:8.1f} {o / b:6.2f}  <= 3x")
    print(f"loaded before first paint: {', '.join(ours[-1][2]) or 'none of the heavy libraries'}")


if __name__ == "__main__":
    main()
