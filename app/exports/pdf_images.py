"""Charts in PDFs: drawn once at the export resolution, compressed once, placed as often as needed.

reportlab's own image path wants a PNG: matplotlib encodes it, reportlab decodes it, splits
off the alpha channel and compresses the pixels again on every layout pass (the memo's table
of contents needs two). That was most of the memo's time. Here the figure's raw pixels are
compressed once and each PDF document gets the same image object.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

from matplotlib.figure import Figure
from reportlab.pdfbase.pdfdoc import PDFImageXObject
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from app import charts


class RasterChart:
    """A figure's pixels as a Flate-compressed PDF image, ready for any canvas."""

    def __init__(self, fig: Figure, dpi: float) -> None:
        self.pixel_width, self.pixel_height, rgb = charts.figure_rgb(fig, dpi)
        # Level 6 is zlib's default and what reportlab itself uses; charts are mostly flat
        # colour, so this costs ~30 ms a chart and keeps the memo small.
        self._stream = zlib.compress(rgb, 6)
        self._name = hashlib.md5(self._stream, usedforsecurity=False).hexdigest()

    @property
    def aspect(self) -> float:
        """Height over width."""
        return self.pixel_height / self.pixel_width

    def _image_object(self) -> PDFImageXObject:
        image = PDFImageXObject(self._name)  # reportlab's placeholder, then our pixels
        image.width, image.height = self.pixel_width, self.pixel_height
        image.bitsPerComponent = 8
        image.colorSpace = "DeviceRGB"
        image._filters = ("FlateDecode",)
        image.streamContent = self._stream
        image.mask = None
        return image

    def draw(self, canvas: Canvas, x: float, y: float, width: float, height: float) -> None:
        """Place the image with its lower left corner at (x, y), in points."""
        # The same registration Canvas.drawImage does for a new image, minus the re-encoding;
        # reportlab is pinned below 5, where these internals are stable.
        doc: Any = canvas._doc
        ref = doc.getXObjectName(self._name)
        if doc.idToObject.get(ref) is None:
            image = self._image_object()
            canvas._setXObjects(image)
            doc.Reference(image, ref)
            doc.addForm(self._name, image)
        canvas._currentPageHasImages = 1
        canvas.saveState()
        canvas.translate(x, y)
        canvas.scale(width, height)
        canvas.doForm(self._name)  # public: draws it and lists it in the page's resources
        canvas.restoreState()


class ChartFlowable(Flowable):
    """A chart at a fixed width in a platypus story."""

    def __init__(self, fig: Figure, width: float, dpi: float) -> None:
        super().__init__()
        self.raster = RasterChart(fig, dpi)
        self.width = width
        self.height = width * self.raster.aspect

    def wrap(self, _avail_width: float, _avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.raster.draw(self.canv, 0, 0, self.width, self.height)
