"""A widget that shows a matplotlib Figure made by a chart builder in app/charts.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:  # matplotlib loads on the first chart, not at start-up
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure


class ChartView(QWidget):
    """Holds one figure at a time; ``set_figure`` swaps in a freshly built one."""

    #: A figure more than this far (as a fraction) from the widget's size is built again.
    RESIZE_TOLERANCE = 0.06

    def __init__(self, height: int = 260, parent: QWidget | None = None,
                 redraw: Callable[[], object] | None = None) -> None:
        super().__init__(parent)
        self.figure: Figure | None = None
        self.canvas: FigureCanvasQTAgg | None = None
        # Builders lay out titles and labels in points for one size; a canvas stretched to
        # another size misplaces them, so after a resize settles the owner builds it again.
        self.redraw = redraw
        self._resize_timer = QTimer(self)
        self._resize_timer.setSingleShot(True)
        self._resize_timer.setInterval(150)
        self._resize_timer.timeout.connect(self._resized)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.setMinimumHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def figsize(self, default: tuple[float, float] = (6.4, 4.0), dpi: float = 100) -> tuple[float, float]:
        """The size in inches that fills this widget, so a builder lays out titles to fit."""
        if self.width() < 150 or self.height() < 100:
            return default
        return (self.width() / dpi, self.height() / dpi)

    def set_figure(self, figure: Figure) -> None:
        """Show ``figure`` (a new canvas each time: builders return new figures)."""
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

        self.figure = figure
        canvas = FigureCanvasQTAgg(figure)
        canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        if self.canvas is not None:
            self._layout.replaceWidget(self.canvas, canvas)
            self.canvas.setParent(None)
            self.canvas.deleteLater()
        else:
            self._layout.addWidget(canvas)
        self.canvas = canvas
        canvas.draw_idle()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.redraw is not None and self.figure is not None:
            self._resize_timer.start()

    def _resized(self) -> None:
        if self.figure is None or self.redraw is None or not self.isVisible():
            return
        built_w, built_h = self.figure.get_size_inches() * self.figure.dpi
        want_w, want_h = self.figsize(dpi=self.figure.dpi)
        want_w, want_h = want_w * self.figure.dpi, want_h * self.figure.dpi
        if (abs(want_w - built_w) > self.RESIZE_TOLERANCE * built_w
                or abs(want_h - built_h) > self.RESIZE_TOLERANCE * built_h):
            self.redraw()
