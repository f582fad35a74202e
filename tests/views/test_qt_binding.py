"""The Qt binding in use keeps Python alive through a long session of widget updates."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QLabel


def test_qt_calls_do_not_leak_references_to_none(qtbot: Any) -> None:
    """PySide6 6.12.0 on Python 3.11 lost a reference to None on each call returning nothing;
    after a few thousand label updates the interpreter aborted (pyproject pins it out)."""
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(3000):
        label.setText(str(i))
        label.setToolTip("")
    assert abs(sys.getrefcount(None) - before) < 50
