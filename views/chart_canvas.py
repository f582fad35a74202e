"""A widget that shows a matplotlib Figure made by a chart builder in app/charts.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:  # matplotlib loads on the first chart, not at start-up
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure


class ChartView(QWidget):
    """Holds one figure at a time; ``set_figure`` swaps in a freshly built one."""

    def __init__(self, height: int = 260, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.figure: Figure | None = None
        self.canvas: FigureCanvasQTAgg | None = None
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
