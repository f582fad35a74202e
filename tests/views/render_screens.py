"""Render the main window on every workspace to PNG files, for anyone to look at.

Run: QT_QPA_PLATFORM=offscreen uv run python -m tests.views.render_screens [OUT_DIR]
     QT_QPA_PLATFORM=offscreen uv run python -m tests.views.render_screens --readme
         (the portfolio as a first run shows it, to docs/main-window.png for the README)
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def render(out: Path, width: int = 1440, height: int = 900, first_run: bool = False) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("AIPLAN_DATA_DIR", tempfile.mkdtemp(prefix="aiplan-render-"))
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    from app.gui import use_readable_locale

    use_readable_locale()
    from app.document import ProjectDocument
    from views.main_window import WORKSPACES, MainWindow

    window = MainWindow(ProjectDocument.sample(), sample=first_run)
    window.resize(width, height)
    window.show()
    assert window.controller is not None
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for row, (module, _, _) in enumerate(WORKSPACES[:1] if first_run else WORKSPACES):
        window.sidebar.setCurrentRow(row)
        window.controller.wait_for_monte_carlo()
        QTest.qWait(1200)  # charts redraw shortly after the last change
        path = out / f"{row + 1}-{module.split('.')[-1].removesuffix('_view')}.png"
        window.grab().save(str(path))
        written.append(path)
    window.controller.undo_stack.setClean()
    window.close()
    window.controller.state.document.close()
    return written


if __name__ == "__main__":
    if sys.argv[1:] == ["--readme"]:
        docs = Path(__file__).parents[2] / "docs"
        [shot] = render(Path(tempfile.mkdtemp()), 1360, 860, first_run=True)
        docs.mkdir(exist_ok=True)
        shot.replace(docs / "main-window.png")
        print(docs / "main-window.png")
    else:
        target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("screens")
        for path in render(target):
            print(path)
