"""The one-click meeting report: A4 PDF drawn with QPdfWriter + QPainter (needs no window).

Title and as-of date, the indicator table, the target completion chart against 序时进度, the funnels,
the streets table and the expiry forecast; a new page whenever the next block does not fit.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from importers.report_xlsx import base_note, no_targets_note
from pipeline.dates import projected_note
from pipeline.streets import outside_text

DPI = 96
PAGE_W, PAGE_H = 794, 1123          # A4 at 96 dpi
MARGIN = 40
AHEAD, BEHIND, BLUE, LINE, GREY = "#2e8b57", "#d9534f", "#4a7ebb", "#f0ad4e", "#666666"


def _pct(v) -> str:
    return "—" if v is None else f"{v:.1%}"


def _num(v) -> str:
    return "—" if v is None else f"{v:g}"


class _Doc:
    def __init__(self, path: Path, title: str) -> None:
        from ui.dashboard.charts import cjk_font
        self.writer = QPdfWriter(str(path))
        self.writer.setResolution(DPI)
        self.writer.setTitle(title)
        self.writer.setCreator("星图 企业梯度培育台账")
        self.writer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait, QMarginsF(0, 0, 0, 0)))
        self.p = QPainter(self.writer)
        self.family = cjk_font().family()
        self.y = MARGIN
        self.page = 1
        self.drawn: list[str] = []          # every table cell and bar label drawn, whole (tests read it)

    def font(self, size: float, bold: bool = False) -> QFont:
        f = QFont(self.family)
        f.setPointSizeF(size)
        f.setBold(bold)
        return f

    def need(self, h: float) -> None:
        if self.y + h > PAGE_H - MARGIN:
            self.footer()
            self.writer.newPage()
            self.page += 1
            self.y = MARGIN

    def footer(self) -> None:
        self.p.setFont(self.font(7))
        self.p.setPen(QColor(GREY))
        self.p.drawText(
            QRectF(MARGIN, PAGE_H - MARGIN + 8, PAGE_W - 2 * MARGIN, 16), Qt.AlignCenter, f"第 {self.page} 页"
        )

    def text(self, s: str, size: float = 9, bold: bool = False, color: str = "#000000", h: float | None = None,
             align=Qt.AlignLeft) -> None:
        h = h or size * 2.2
        self.need(h)
        self.p.setFont(self.font(size, bold))
        self.p.setPen(QColor(color))
        self.p.drawText(QRectF(MARGIN, self.y, PAGE_W - 2 * MARGIN, h),
                        align | Qt.AlignVCenter | Qt.TextWordWrap | Qt.TextWrapAnywhere, s)
        self.y += h

    def wrapped_height(self, text: str, width: float, size: float, bold: bool = False) -> float:
        """The height *text* takes wrapped into *width* (names are wrapped, never cut)."""
        from PySide6.QtGui import QFontMetricsF
        metrics = QFontMetricsF(self.font(size, bold))
        return metrics.boundingRect(QRectF(0, 0, max(width, 1), 10000), Qt.TextWordWrap | Qt.TextWrapAnywhere,
                                    str(text)).height()

    def table(
        self, headers: list[str], rows: list[list[str]], widths: list[float], colors=None, size: float = 7.5
    ) -> None:
        base_h = size * 2.6
        total = sum(widths)
        scale = (PAGE_W - 2 * MARGIN) / total
        ws = [w * scale for w in widths]

        def height(cells, bold=False) -> float:
            return max(
                [base_h] + [self.wrapped_height(c, w - 6, size, bold) + size for c, w in zip(cells, ws, strict=False)]
            )

        def line(cells, y, row_h, bold=False, fill=None, tint=None):
            x = MARGIN
            if fill:
                self.p.fillRect(QRectF(MARGIN, y, PAGE_W - 2 * MARGIN, row_h), QColor(fill))
            self.p.setFont(self.font(size, bold))
            for i, (c, w) in enumerate(zip(cells, ws, strict=False)):
                self.p.setPen(QColor((tint or {}).get(i, "#000000")))
                align = (Qt.AlignLeft if i == 0 else Qt.AlignRight) | Qt.AlignVCenter
                self.p.drawText(QRectF(x + 3, y, w - 6, row_h), align | Qt.TextWordWrap | Qt.TextWrapAnywhere, str(c))
                self.drawn.append(str(c))
                x += w
            self.p.setPen(QPen(QColor("#cccccc"), 0.6))
            self.p.drawLine(MARGIN, y + row_h, PAGE_W - MARGIN, y + row_h)
        head_h = height(headers, True)
        self.need(head_h + base_h)
        line(headers, self.y, head_h, True, "#dde8f5")
        self.y += head_h
        for k, cells in enumerate(rows):
            row_h = height(cells)
            if self.y + row_h > PAGE_H - MARGIN:
                self.need(head_h + row_h)
                line(headers, self.y, head_h, True, "#dde8f5")
                self.y += head_h
            line(cells, self.y, row_h, tint=(colors[k] if colors else None))
            self.y += row_h
        self.y += 8

    def hbars(self, labels: list[str], values: list[float], colors: list[str], texts: list[str],
              reference: float | None = None, ref_text: str = "", unit_max: float | None = None) -> None:
        bar_h, gap = 16, 6
        label_w = 170
        heights = [max(bar_h, self.wrapped_height(lab, label_w - 6, 7.5) + 2) for lab in labels]
        h = sum(heights) + gap * len(values) + 24
        self.need(h)
        left = MARGIN + label_w
        width = PAGE_W - MARGIN - left - 110
        top = max([1e-9] + values + ([reference] if reference is not None else []) + ([unit_max] if unit_max else []))
        self.p.setFont(self.font(7.5))
        y = self.y
        for lab, v, c, t, row_h in zip(labels, values, colors, texts, heights, strict=False):
            self.p.setPen(QColor("#000000"))
            self.p.drawText(QRectF(MARGIN, y, label_w - 6, row_h),
                            Qt.AlignRight | Qt.AlignVCenter | Qt.TextWordWrap | Qt.TextWrapAnywhere, lab)
            self.drawn.append(lab)
            w = max(0.0, v) / top * width
            self.p.fillRect(QRectF(left, y + (row_h - bar_h) / 2, w, bar_h), QColor(c))
            self.p.drawText(QRectF(left + w + 4, y, 200, row_h), Qt.AlignLeft | Qt.AlignVCenter, t)
            y += row_h + gap
        self.p.setPen(QPen(QColor("#999999"), 0.8))
        self.p.drawLine(left, self.y - 2, left, y)
        if reference is not None:
            x = left + reference / top * width
            self.p.setPen(QPen(QColor(LINE), 1.5, Qt.DashLine))
            self.p.drawLine(x, self.y - 4, x, y)
            self.p.setPen(QColor("#b36b00"))
            self.p.drawText(QRectF(x - 60, y, 120, 16), Qt.AlignCenter, ref_text)
        self.y = y + 22

    def close(self) -> None:
        self.footer()
        self.p.end()


def write_pdf(path, dash, year: int, as_of: date, street_id: int | None = None, names=None) -> Path:
    """Render the report of *year* as of *as_of* (district, or one street) to an A4 PDF.
    *names*: callable(ids) -> {id: (name, code, street)} for the due list."""
    from pipeline.dashboard_view import due_rows
    path = Path(path)
    view = dash.compute(year, as_of, street_id)
    where = view["street"] + "街道" if view["street"] else "全区"
    title = f"{year}年企业梯度培育指标完成情况（{where}）"
    doc = _Doc(path, title)
    doc.text(title, 16, True, h=34, align=Qt.AlignCenter)
    doc.text(f"统计截至 {view['as_of']}　·　序时进度 {view['time_progress']:.1%}　·　生成于 {date.today().isoformat()}",
             9, color=GREY, align=Qt.AlignCenter)
    ahead = projected_note(view["as_of"])
    if ahead:                               # wrapped onto as many lines as it takes
        doc.text(ahead, 9, color=GREY, align=Qt.AlignCenter, h=doc.wrapped_height(ahead, PAGE_W - 2 * MARGIN, 9) + 9)
    doc.y += 6
    rows = view["indicators"]
    # a year without targets: say so, rather than empty tables and every street "0 behind"
    none = no_targets_note(year) if not rows else ""
    doc.text("一、指标完成情况", 11, True)
    if none:
        doc.text(none, 9, color=GREY, h=26)
    notes = [base_note(r) for r in rows]
    if rows:
        doc.table(["指标", "基期值", "目标值", "完成值", "完成率", "序时进度", "预计年底"],
                  [[r["name"], _num(r.get("base")) + ("*" if note else ""), _num(r.get("target")),
                    _num(r.get("actual")), _pct(r.get("rate")), _pct(r["time_progress"]),
                    _num((r.get("forecast") or {}).get("projected"))]
                   for r, note in zip(rows, notes, strict=True)],
                  [220, 55, 55, 55, 55, 55, 60],
                  [{4: AHEAD if r.get("ahead") else BEHIND} if r.get("ahead") is not None else {} for r in rows])
    for r, note in zip(rows, notes, strict=True):    # a stated 基期值 is never read as the ledger's
        if note:
            line = f"* {r['name']}：{note}"
            doc.text(line, 8.5, color=GREY, h=doc.wrapped_height(line, PAGE_W - 2 * MARGIN, 8.5) + 4)
    shown = [r for r in rows if r.get("rate") is not None]
    if shown:
        doc.text("完成率与序时进度（绿色：不落后；红色：落后）", 9, True)
        doc.hbars([r["name"] for r in shown], [r["rate"] * 100 for r in shown],
                  [AHEAD if r["ahead"] else BEHIND for r in shown],
                  [f"{r['rate']:.1%}（{r['actual']:g}/{r['target']:g}）" for r in shown],
                  reference=view["time_progress"] * 100, ref_text=f"序时进度 {view['time_progress']:.1%}",
                  unit_max=100)
    doc.text("二、培育梯度（在册数）与本年转化", 11, True)
    for f in view["funnels"]:
        doc.text(f["name"], 9, True)
        doc.hbars([s["name"] for s in f["steps"]], [float(s["count"]) for s in f["steps"]], [BLUE] * len(f["steps"]),
                  [str(s["count"]) for s in f["steps"]])
        doc.table(["转化", "上年末", "转入下一级", "转化率", "流失", "流失率"],
                  [[f"{c['from']} → {c['to']}", c["base"], c["converted"], _pct(c["rate"]), c["dropped"],
                    _pct(c["drop_rate"])] for c in f["conversions"]], [200, 60, 70, 60, 60, 60])
    if not view["street"]:
        doc.text("三、各街道完成情况（完成值 / 分解目标）", 11, True)
        if none:
            doc.text(none, 9, color=GREY, h=26)
        else:
            inds = [c["indicator"] for c in view["streets"][0]["cells"]] if view["streets"] else []
            doc.table(["街道", *inds, "落后项数"],
                      [[s["street"], *[f"{c['actual']:g}/{_num(c['target'])}" for c in s["cells"]], s["behind"]]
                       for s in view["streets"]], [60] + [70] * len(inds) + [50],
                      [{i + 1: BEHIND for i, c in enumerate(s["cells"]) if c["ahead"] is False}
                       for s in view["streets"]],
                      size=6.5)
            left_out = outside_text(view.get("streets_outside") or [])
            if left_out:                        # the streets do not add up to 全区: say why
                doc.text(left_out, 8.5, color=GREY, h=doc.wrapped_height(left_out, PAGE_W - 2 * MARGIN, 8.5) + 6)
    doc.text("四、到期与年底预测", 11, True)
    if none:
        doc.text(none, 9, color=GREY, h=26)
    else:
        doc.table(["指标", "目标值", "当前", "年内将到期未续", "预计续认定", "预计新增", "预计年底", "预计能否完成"],
                  [[r["name"], _num(r["target"]), _num(r["actual"]), r["forecast"]["lapses_to_come"],
                    r["forecast"].get("expected_renewals", 0), r["forecast"]["expected_gains"],
                    r["forecast"]["projected"],
                    "—" if r["forecast"]["will_meet"] is None
                    else ("可完成" if r["forecast"]["will_meet"] else "有缺口")]
                   for r in rows if r.get("forecast")], [200, 50, 50, 75, 60, 55, 55, 65])
    for e in view["expiries"][:2]:
        doc.text(f"{year}年“{e['name']}”逐月到期：共 {e['expiring']}，已续 {e['renewed']}，已失效 {e['lapsed']}，"
                 f"待到期 {e['to_come']}", 8.5)
        doc.table(["", *[f"{m['month']}月" for m in e["by_month"]]],
                  [["到期", *[m["expiring"] for m in e["by_month"]]], ["已续", *[m["renewed"] for m in e["by_month"]]],
                   ["待到期", *[m["to_come"] for m in e["by_month"]]]], [50] + [40] * 12, size=7)
    due = due_rows(view, dash.catalog, 30)
    if due:
        total = len(view["due"]["firm_ids"])
        doc.text(
            f"{view['due_days']} 天内到期待复审/复核：{total} 项" + ("（列出最早的 30 项）" if total > 30 else ""), 8.5
        )
        lookup = names([r["firm_id"] for r in due]) if names else {}
        doc.table(["企业", "资格", "最后有效日", "剩余天数"],
                  [[lookup.get(r["firm_id"], (f"企业 {r['firm_id']}",))[0], r["stage"], r["last_day"], r["days_left"]]
                   for r in due], [260, 140, 90, 70])
    doc.close()
    return path


def ensure_gui_app():
    """The application instance for headless PDF rendering (offscreen when there is no display).

    A full QApplication, not a QGuiApplication: the instance lives as long as the process, and a
    widget created later in the same process (the desktop app, a test) needs a QApplication, or Qt aborts.
    """
    import os

    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and os.name != "nt":
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication([])
    return app
