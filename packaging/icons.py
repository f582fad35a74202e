"""Render the app's SVG icon into the platform formats installers want: PNG sizes, .ico, .icns.

Run at build time (``python packaging/icons.py OUT_DIR``) so no generated image is committed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
MASTER_SIZE = 1024  # .icns wants a 1024 px image for its largest (retina 512@2x) entry


def make_icons(svg: Path, out_dir: Path) -> dict[str, Path]:
    """Write ``aiplan-N.png`` for each size, ``aiplan.ico`` and ``aiplan.icns``; return them by name."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (QPainter needs it)
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ValueError(f"{svg} is not an SVG image Qt can draw")
    out_dir.mkdir(parents=True, exist_ok=True)
    made: dict[str, Path] = {}

    def render(size: int) -> Path:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"aiplan-{size}.png"
        if not image.save(str(path)):
            raise OSError(f"could not write {path}")
        return path

    # Each size drawn from the vector, so small icons stay sharp rather than shrunk.
    for size in PNG_SIZES:
        made[f"aiplan-{size}.png"] = render(size)
    master = render(MASTER_SIZE)
    with Image.open(master) as big:
        smaller = [Image.open(made[f"aiplan-{size}.png"]) for size in ICO_SIZES]
        smaller[-1].save(out_dir / "aiplan.ico", sizes=[(s, s) for s in ICO_SIZES],
                         append_images=smaller[:-1])
        big.save(out_dir / "aiplan.icns")
        for image in smaller:
            image.close()
    made["aiplan.ico"] = out_dir / "aiplan.ico"
    made["aiplan.icns"] = out_dir / "aiplan.icns"
    master.unlink()
    return made


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python packaging/icons.py OUT_DIR")
    here = Path(__file__).resolve().parent
    for name, path in make_icons(here.parent / "resources" / "icons" / "aiplan.svg",
                                 Path(sys.argv[1])).items():
        print(f"{name}: {path}")
