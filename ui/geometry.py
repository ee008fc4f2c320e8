"""Every window and dialog fits the screen it opens on (the available area: taskbar excluded).

``fit_to_screen(widget, preferred, saved)`` is the one helper the main window and every dialog
call before they are shown: a remembered geometry (``saveGeometry()`` bytes) is restored only
where it fits, and is otherwise clamped to the screen; without one the window takes its
preferred size, or less when the screen is smaller, centred on the screen.
"""
from __future__ import annotations

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication

MARGIN = 8          # room left for the window frame (title bar and borders are outside geometry())
TITLE_BAR = 32


def available_geometry(widget=None) -> QRect:
    """The available area of the screen *widget* is on (or will open on: its parent's, else the primary)."""
    screen = None
    if widget is not None:
        parent = widget.parentWidget()
        screen = (parent.window().screen() if parent is not None else None) or widget.screen()
    screen = screen or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)


def usable(avail: QRect) -> QRect:
    """The part of *avail* a window's client area may take (its frame drawn around it)."""
    return avail.adjusted(MARGIN, MARGIN + TITLE_BAR, -MARGIN, -MARGIN)


def clamp(rect: QRect, avail: QRect) -> QRect:
    """*rect* shrunk to fit *avail* and moved inside it."""
    room = usable(avail)
    w, h = min(rect.width(), room.width()), min(rect.height(), room.height())
    x = min(max(rect.x(), room.x()), room.right() - w + 1)
    y = min(max(rect.y(), room.y()), room.bottom() - h + 1)
    return QRect(x, y, w, h)


def fits(rect: QRect, avail: QRect) -> bool:
    return usable(avail).contains(rect)


def fit_to_screen(widget, preferred: QSize | tuple[int, int], saved: QByteArray | None = None) -> QRect:
    """Size and place *widget* inside its screen's available area; returns the geometry set.

    *saved*: remembered ``saveGeometry()`` bytes, restored when they fit, clamped when they do not.
    The widget's minimum size is lowered to what the screen allows, so a layout never pushes it out."""
    avail = available_geometry(widget)
    room = usable(avail)
    if isinstance(preferred, tuple):
        preferred = QSize(*preferred)
    minimum = widget.minimumSize()
    widget.setMinimumSize(min(minimum.width(), room.width()), min(minimum.height(), room.height()))
    if saved is not None and not saved.isEmpty() and widget.restoreGeometry(saved):
        rect = widget.geometry()
        was_maximised = widget.isMaximized()
        if fits(rect, avail) or was_maximised:
            return rect
        rect = clamp(rect, avail)
    else:
        size = preferred.boundedTo(room.size())
        centre = room.center()
        rect = QRect(QPoint(centre.x() - size.width() // 2, centre.y() - size.height() // 2), size)
        rect = clamp(rect, avail)
    widget.setGeometry(rect)
    return rect


def column_room(view) -> int:
    """The width a table *view*'s columns have beside its frame, its row numbers (when shown) and a vertical scroll
    bar, counted as shown (it may come with the next rows): what 导入历史 and 指标 fit their columns into."""
    from PySide6.QtWidgets import QStyle  # noqa: PLC0415  (only the panels that fit columns)
    header = view.verticalHeader()
    numbers = 0 if header.isHidden() else header.width()
    return view.width() - 2 * view.frameWidth() - numbers - view.style().pixelMetric(QStyle.PM_ScrollBarExtent,
                                                                                       None, view)
