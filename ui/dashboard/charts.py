"""Charts of the dashboard (pyqtgraph, imported when the first chart is built).

Every chart keeps the numbers it draws (``values``) and the firm ids behind
each bar or point, and emits ``barClicked(index)`` when a bar is clicked, so
the panel can open exactly those firms. Chinese labels use a CJK font.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.fonts import cjk_families

AHEAD = QColor("#2e8b57")        # on or ahead of 序时进度
BEHIND = QColor("#d9534f")       # behind
NEUTRAL = QColor("#4a7ebb")
LINE = QColor("#f0ad4e")
TITLE_MARGIN = 16                # px kept free beside a one-line title
PALETTE = ["#4a7ebb", "#2e8b57", "#f0ad4e", "#d9534f", "#8e6bbf", "#3fb0ac", "#b0793f", "#7f7f7f", "#c45ca2"]


def cjk_font(size: int = 9) -> QFont:
    """A font that has Chinese glyphs (the first installed of the usual ones)."""
    chosen = cjk_families(QFontDatabase.families())
    if chosen:
        return QFont(chosen[0], size)
    font = QFont()
    font.setPointSize(size)
    return font


def _pg():
    import pyqtgraph as pg  # lazy: the window is up before pyqtgraph loads
    pg.setConfigOptions(antialias=True, background="w", foreground="#333333")
    return pg


def value_ticks(low: float, high: float, most: int = 7) -> list[float]:
    """Round tick values (steps of 1, 2 or 5 times a power of ten) from the first multiple ≥ *low* up to *high*,
    0 among them when it is in range; at most about *most*."""
    import math
    span = high - low
    if span <= 0:
        return [low]
    raw = span / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * 0.9)      # 140.01: steps of 20, not 50
    first = math.ceil(low / step - 1e-9)
    return [round(k * step, 10) for k in range(first, math.floor(high / step + 1e-9) + 1)]


class Chart(QWidget):
    """A titled pyqtgraph plot with category bars (vertical or horizontal) and optional lines."""

    barClicked = Signal(int)

    def __init__(self, title: str = "", parent=None) -> None:
        super().__init__(parent)
        pg = _pg()
        self._pg = pg
        self.font = cjk_font(9)
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.item = self.plot.getPlotItem()
        for name in ("bottom", "left"):
            ax = self.item.getAxis(name)
            ax.setTickFont(self.font)
            ax.setStyle(tickTextOffset=4)
        self.title_detail = self.legend = ""
        self.set_title(title)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot)
        self.values: list[float] = []
        self.labels: list[str] = []
        self.horizontal = False
        self._width = 0.6
        self._bar_item = None
        self._line_item = None
        self._texts: list = []
        self._curves: list = []
        self._placeholder = None            # the text shown instead of an empty plot (``empty``)
        self.reference_value = None
        self.reference_text = ""
        self.shown_labels: list[str] = []
        self.series: list = []
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.item.getViewBox().sigResized.connect(self._resized)

    def set_title(self, title: str, detail: str = "", legend: list[tuple[QColor, str]] | None = None) -> None:
        """*title*，*detail* on one line when it fits the chart's width, else *detail* on a second line (at 125% on a
        1366×768 screen the expiry chart's one line was cut off); *legend*, what each bar colour means, below."""
        self.title, self.title_detail = title, detail
        self.legend = "　".join(f"<span style='color:{c.name()}'>■</span> {text}" for c, text in legend or ())
        self._show_title()

    def _show_title(self) -> None:
        """One line if the drawn title fits the chart's width (measured on the title item itself), else two."""
        span = f"<span style='font-family:{self.font.family()};font-size:11pt'>{{}}</span>"
        lines = [f"{self.title}：{self.title_detail}"] if self.title_detail else [self.title]
        self.item.setTitle(span.format(lines[0]))
        # the title is centred over the plot area: the chart's width less the left axis (not the view box's width,
        # which a one-line title too wide for the chart stretches beyond the chart)
        axis = self.item.getAxis("left")
        room = self.width() - (axis.width() if axis.isVisible() else 0)
        if self.title_detail and self.item.titleLabel.item.boundingRect().width() > room - TITLE_MARGIN:
            lines = [self.title, self.title_detail]
        shown = [span.format(t) for t in lines]
        if self.legend:
            shown.append(f"<span style='font-family:{self.font.family()};font-size:9pt'>{self.legend}</span>")
        if len(shown) > 1:             # the one line measured above is already set
            self.item.setTitle("<br>".join(shown))
        self.shown_title = lines

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._resized()

    def _resized(self) -> None:
        if self.title_detail or self.legend:
            self._show_title()
        self._fit_bar_texts()
        self._texts_beside_line()

    def clear(self) -> None:
        """Hide what is drawn. Items are reused, never removed: removing graphics items under
        PySide6 6.12 drops references to None/True it does not own and crashes the interpreter."""
        for it in self._pool_items():
            it.setVisible(False)
        for side in ("left", "bottom"):
            self.item.showAxis(side)
        self.values, self.labels = [], []

    def empty(self, message: str) -> None:
        """Nothing to draw: *message* in the middle, no axes (an empty axis with ticks reads as a chart of zeros)."""
        self.clear()
        for side in ("left", "bottom"):
            self.item.hideAxis(side)
        if self._placeholder is None:
            self._placeholder = self._pg.TextItem("", color="#666666", anchor=(0.5, 0.5))
            self._placeholder.setFont(cjk_font(11))
            self.item.addItem(self._placeholder)
        self._placeholder.setText(message)
        self._placeholder.setPos(0.5, 0.5)
        self._placeholder.setVisible(True)
        self.item.setXRange(0, 1, padding=0)
        self.item.setYRange(0, 1, padding=0)

    def _pool_items(self):
        items = [x for x in (self._bar_item, self._line_item, self._placeholder) if x is not None]
        return items + self._texts + self._curves

    def _text(self, i: int):
        while len(self._texts) <= i:
            t = self._pg.TextItem("", color="#222222")
            t.setFont(self.font)
            self.item.addItem(t)
            self._texts.append(t)
        return self._texts[i]

    # drawing ---------------------------------------------------------------------------
    def bars(self, labels: list[str], values: list[float], colors=None, *, horizontal: bool = False,
             texts: list[str] | None = None, width: float = 0.6, unit: str = "") -> None:
        """Category bars; *unit* (“%”) is written after every number of the value axis, whose ticks then start
        at 0 (pyqtgraph dropped the 0 at the axis' end)."""
        pg = self._pg
        self.clear()
        self.labels, self.values = list(labels), [float(v) for v in values]
        self.horizontal, self._width = horizontal, width
        n = len(values)
        brushes = [pg.mkBrush(c if c is not None else NEUTRAL) for c in (colors or [None] * n)]
        pos = list(range(n))
        if horizontal:
            pos = [n - 1 - i for i in range(n)]         # first label on top
            opts = dict(x=None, x0=0, x1=None, y=pos, y0=None, y1=None, width=self.values, height=width)
            self.item.getAxis("left").setTicks(
                [[(p, lab) for p, lab in zip(pos, self._fit_labels(labels), strict=False)]]
            )
            self.item.getAxis("bottom").setTicks(None)
        else:
            opts = dict(x=pos, x0=None, x1=None, y=None, y0=0, y1=None, height=self.values, width=width)
            self.item.getAxis("bottom").setTicks([[(p, lab) for p, lab in zip(pos, labels, strict=False)]])
            self.item.getAxis("left").setTicks(None)
        if n:
            if self._bar_item is None:
                self._bar_item = pg.BarGraphItem(brushes=brushes, pen=None, **opts)
                self.item.addItem(self._bar_item)
            else:
                self._bar_item.setOpts(brushes=brushes, pen=None, **opts)
            self._bar_item.setVisible(True)
        texts = texts if texts is not None else [f"{v:g}" for v in self.values]
        for i, (p, v, t) in enumerate(zip(pos, self.values, texts, strict=False)):
            label = self._text(i)
            label.setText(t)
            label.setAnchor((0, 0.5) if horizontal else (0.5, 1))
            label.setPos(max(v, 0), p) if horizontal else label.setPos(p, max(v, 0))
            label.setVisible(True)
        top = max([0.0] + self.values)
        low = min([0.0] + self.values)
        span = (top - low) or 1.0
        self.unit = unit
        self._value_axis(horizontal, low, top + span * (0.3 if horizontal else 0.15), unit)
        if horizontal:
            self.item.setXRange(low, top + span * 0.3, padding=0)
            self.item.setYRange(-0.7, n - 0.3, padding=0)
        else:
            self.item.setYRange(low, top + span * 0.15, padding=0)
            self._fit_bar_texts()

    def _value_axis(self, horizontal: bool, low: float, high: float, unit: str) -> None:
        """The value axis' ticks: pyqtgraph's own without a unit; with one, round steps from 0 each written with it,
        the 0 at the axis' end drawn too (its label may reach past the axis)."""
        axis = self.item.getAxis("bottom" if horizontal else "left")
        if horizontal:
            axis.setStyle(hideOverlappingLabels=not unit)
        if not unit:
            axis.setTicks(None)
            return
        end = high - (high - low) * 0.04           # no label at the far end, where it would be cut in half
        axis.setTicks([[(v, f"{v:g}{unit}") for v in value_ticks(low, high) if v <= end]])

    def _fit_bar_texts(self) -> None:
        """Vertical bars: widen the x range so the first and last bars' labels (“80（续0）”) are not cut at the
        plot's edges; the range is -0.7 … n-0.3 when they fit. A label half as wide as the plot is left as it is."""
        n = len(self.values)
        if self.horizontal or not n or self._bar_item is None or not self._bar_item.isVisible():
            return
        width = self.item.getViewBox().width()
        left, right = 0.7, 0.3              # the room beside the first and the last bar's centre, in bar units
        right += self._reference_room(n, width)
        if width > 0:
            span = n - 1 + left + right
            for i, edge in ((0, "left"), (n - 1, "right")):
                half = self._text(i).boundingRect().width() / 2 + 2 if self._text(i).isVisible() else 0
                if not 0 < half < width / 2:
                    continue
                room = left if edge == "left" else right
                extra = max(0.0, (half * span / width - room) / (1 - half / width))
                span += extra
                left, right = (left + extra, right) if edge == "left" else (left, right + extra)
        self.item.setXRange(-left, n - 1 + right, padding=0)

    def _texts_beside_line(self) -> None:
        """A bar's value label that would be drawn across the 序时进度 line (目标完成 early in the year: “0%（0/60）”
        of a bar left of the line; 街道: “83.3%” atop a bar just below it) starts just past the line instead."""
        line, n = self._line_item, len(self.values)
        if line is None or not line.isVisible() or not n or (line.angle % 180 == 90) != self.horizontal:
            return
        box = self.item.getViewBox()
        (x0, x1), (y0, y1) = box.viewRange()
        extent = box.width() if self.horizontal else box.height()
        low, high = (x0, x1) if self.horizontal else (y0, y1)
        if extent <= 0 or high <= low:
            return
        per_px, ref = (high - low) / extent, float(self.reference_value)
        for i, v in enumerate(self.values):
            label, start = self._text(i), max(v, 0.0)
            rect, margin = label.boundingRect(), label.textItem.document().documentMargin()   # the text's own box
            size = ((rect.width() if self.horizontal else rect.height()) - margin) * per_px
            at = ref + 2 * per_px if start < ref and start + size > ref else start
            label.setPos(at, n - 1 - i) if self.horizontal else label.setPos(i, at)

    def _reference_room(self, n: int, width: float) -> float:
        """Bar units right of the last bar for the label of a level line across vertical bars (序时进度 100.0%),
        which is drawn there, above the line, rather than on the last bar."""
        line = self._line_item
        if line is None or not line.isVisible() or line.angle % 180 != 0 or width <= 0:
            return 0.0
        from PySide6.QtGui import QFontMetrics
        label = QFontMetrics(self.font).horizontalAdvance(self.reference_text) + 8
        if label >= width / 2:
            return 0.0
        return label * (n + 0.3) / (width - label)

    def _fit_labels(self, labels: list[str]) -> list[str]:
        """Make the left axis wide enough for whole category names (indicator names are never cut); only a
        name wider than half the chart is elided, and the full names are then in the chart's tooltip."""
        from PySide6.QtGui import QFontMetrics
        metrics = QFontMetrics(self.font)
        room = max(160, (self.width() or 900) // 2)
        widest = max((metrics.horizontalAdvance(lab) for lab in labels), default=0)
        self.item.getAxis("left").setWidth(min(widest, room) + 16)
        shown = [metrics.elidedText(lab, Qt.ElideMiddle, room) for lab in labels]
        self.setToolTip("\n".join(labels) if shown != labels else "")
        self.shown_labels = shown
        return shown

    def reference(self, value: float, text: str, *, horizontal: bool | None = None) -> None:
        """A dashed line across the bars (序时进度)."""
        pg = self._pg
        vertical = self.horizontal if horizontal is None else horizontal
        if self._line_item is None:
            self._line_item = pg.InfiniteLine(pos=value, angle=90 if vertical else 0,
                                              pen=pg.mkPen(LINE, width=2, style=Qt.DashLine),
                                              label=text, labelOpts={"color": "#b36b00", "position": 0.95})
            self._line_item.label.setFont(self.font)
            self.item.addItem(self._line_item)
        self._line_item.setAngle(90 if vertical else 0)
        self._line_item.setValue(value)
        self._line_item.label.setFormat(text)
        self._line_item.label.setText(text)     # setFormat skips the text while the chart is hidden
        self._line_item.setVisible(True)
        self.reference_value = value
        self.reference_text = text
        if vertical and self.horizontal and self.values:
            # a band above the first bar for the line's label, which otherwise sat on the top bar
            self.item.setYRange(-0.7, len(self.values) + 0.6, padding=0)
            self._line_item.label.anchors = [(-0.03, 0.5), (-0.03, 0.5)]    # beside the line, not across it
            self._line_item.label.setPosition(1 - 0.5 / (len(self.values) + 1.3))
            self._texts_beside_line()
        elif not vertical and not self.horizontal and self.values:
            # across vertical bars: the label right of the last bar, above the line (it sat on the last bar)
            self._line_item.label.anchors = [(1, 1), (1, 1)]
            self._line_item.label.setPosition(1.0)
            self._fit_bar_texts()
            self._texts_beside_line()

    def lines(self, x_labels: list[str], series: list[tuple[str, list[float]]], every: int = 12) -> None:
        """Line series over categories (month ends); ticks every *every* points; legend in the title."""
        pg = self._pg
        self.clear()
        while len(self._curves) < len(series):
            curve = pg.PlotDataItem()
            self.item.addItem(curve)
            self._curves.append(curve)
        for i, (_name, ys) in enumerate(series):
            curve = self._curves[i]
            curve.setData(list(range(len(ys))), list(ys), pen=pg.mkPen(PALETTE[i % len(PALETTE)], width=2))
            curve.setVisible(True)
        self.labels = list(x_labels)
        self.values = [float(s[1][-1]) if s[1] else 0.0 for s in series]
        self.series = series
        legend = "　".join(f"<span style='color:{PALETTE[i % len(PALETTE)]}'>■</span> {name}"
                           for i, (name, _ys) in enumerate(series))
        self.item.setTitle(f"<span style='font-family:{self.font.family()};font-size:11pt'>{self.title}</span><br>"
                           f"<span style='font-family:{self.font.family()};font-size:9pt'>{legend}</span>")
        ticks = [(i, lab) for i, lab in enumerate(x_labels) if i % every == 0 or i == len(x_labels) - 1]
        self.item.getAxis("bottom").setTicks([ticks])
        self.item.getAxis("left").setTicks(None)
        top = max([1.0] + [max(ys) for _n, ys in series if ys])
        self.item.setXRange(-0.5, max(len(x_labels) - 0.5, 0.5), padding=0)
        self.item.setYRange(0, top * 1.08, padding=0)

    # interaction and export ------------------------------------------------------------------
    def bar_at(self, x: float, y: float) -> int | None:
        n = len(self.values)
        if not n:
            return None
        along, across = (y, x) if self.horizontal else (x, y)
        i = int(round(along))
        if self.horizontal:
            i = n - 1 - i
        if not 0 <= i < n or abs(along - round(along)) > self._width / 2:
            return None
        v = self.values[i]
        lo, hi = min(0.0, v), max(0.0, v)
        return i if lo - 1e-9 <= across <= hi + 1e-9 or (v == 0 and abs(across) < 0.5) else None

    def bar_center(self, i: int) -> QPointF:
        """The bar's centre in view coordinates (for tests and keyboard use)."""
        p = float(i if not self.horizontal else len(self.values) - 1 - i)
        mid = self.values[i] / 2
        return QPointF(mid, p) if self.horizontal else QPointF(p, mid)

    def _clicked(self, event) -> None:
        vb = self.item.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        pt = vb.mapSceneToView(event.scenePos())
        i = self.bar_at(pt.x(), pt.y())
        if i is not None:
            self.barClicked.emit(i)

    def click_bar(self, i: int) -> None:
        """Act as if bar *i* were clicked (keyboard access)."""
        self.barClicked.emit(i)

    def export_png(self, path: str, width: int = 1200, height: int = 700) -> bool:
        pixmap = self.grab()
        if pixmap.width() < 50:
            self.resize(width, height)
            pixmap = self.grab()
        return pixmap.save(str(path), "PNG")
