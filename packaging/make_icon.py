"""Draw 星图's icon with Qt and write resources/xingtu.png (256 px) and resources/xingtu.ico (16–256 px).

Run once when the design changes (``python packaging/make_icon.py``); the files are committed.
The .ico holds PNG-compressed images (Windows Vista and later read them), written here by hand
so no image library beyond Qt is needed.
"""
from __future__ import annotations

import math
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
    from PySide6.QtGui import QBrush, QColor, QImage, QLinearGradient, QPainter, QPainterPath, QPolygonF

    img = QImage(size, size, QImage.Format_ARGB32)
    img.fill(Qt.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    grad = QLinearGradient(0, 0, 0, size)
    grad.setColorAt(0, QColor("#2f5fa8"))
    grad.setColorAt(1, QColor("#16305e"))
    frame = QPainterPath()
    margin = size * 0.04
    frame.addRoundedRect(QRectF(margin, margin, size - 2 * margin, size - 2 * margin), size * 0.2, size * 0.2)
    p.fillPath(frame, QBrush(grad))
    # a five-pointed star (星) and three small ones (图: the map of stars)
    def star(cx, cy, r, colour):
        pts = []
        for i in range(10):
            radius = r if i % 2 == 0 else r * 0.42
            a = -math.pi / 2 + i * math.pi / 5
            pts.append(QPointF(cx + radius * math.cos(a), cy + radius * math.sin(a)))
        p.setPen(Qt.NoPen)
        p.setBrush(QColor(colour))
        p.drawPolygon(QPolygonF(pts))
    star(size * 0.46, size * 0.54, size * 0.34, "#ffd34d")
    if size >= 32:
        star(size * 0.78, size * 0.24, size * 0.09, "#ffffff")
        star(size * 0.22, size * 0.2, size * 0.06, "#cfe0ff")
        star(size * 0.8, size * 0.8, size * 0.06, "#cfe0ff")
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    img.save(buf, "PNG")
    return bytes(data)


def ico(images: dict[int, bytes]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(images))
    entries, blobs = b"", b""
    offset = 6 + 16 * len(images)
    for size, png in sorted(images.items()):
        dim = 0 if size >= 256 else size          # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset + len(blobs))
        blobs += png
    return header + entries + blobs


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841  (QImage text/paint needs it)
    images = {s: render(s) for s in SIZES}
    (ROOT / "resources" / "xingtu.png").write_bytes(images[256])
    (ROOT / "resources" / "xingtu.ico").write_bytes(ico(images))
    print("已生成 resources/xingtu.png 与 resources/xingtu.ico")
    return 0


if __name__ == "__main__":
    sys.exit(main())
