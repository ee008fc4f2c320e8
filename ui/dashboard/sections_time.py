"""The dashboard's pages over time: trend, expiries and forecast (with the re-review due list), cohorts."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.dashboard.charts import AHEAD, BEHIND, LINE, NEUTRAL, Chart
from ui.dashboard.sections import Section, held
from ui.dashboard.tables import Cell, CellTable, num, pct, refill

NO_FORECAST_TARGETS = "本年度还没有指标，无从预测年底完成情况（在“指标”页新建）"
NO_FORECAST = "本年度的指标都无法预测年底完成情况（见“目标完成”页的说明）"


class TrendSection(Section):
    """Month-end stock per step of a funnel across the years."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pick = QComboBox()
        self.pick.currentIndexChanged.connect(self._draw)
        self.chart = Chart()
        top = QHBoxLayout()
        top.addWidget(QLabel("梯度："))
        top.addWidget(self.pick)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.chart, 1)
        self.view: dict | None = None
        self.funnels: list[tuple[str, str]] = []

    def charts(self):
        return [self.chart]

    def show_view(self, view: dict) -> None:
        self.view = view
        funnels = [(f["key"], f["name"]) for f in view["funnels"]]
        if funnels != self.funnels:
            self.funnels = funnels
            self.pick.blockSignals(True)
            self.pick.clear()
            self.pick.addItems([n for _, n in funnels])
            self.pick.blockSignals(False)
        self._draw()

    def _draw(self) -> None:
        if not self.view or self.pick.currentIndex() < 0:
            return
        key, name = self.funnels[self.pick.currentIndex()]
        days = self.view["trend"]["days"]
        series = [(s["step"], s["values"]) for s in self.view["trend"]["series"] if s["funnel"] == key]
        first = min((next((i for i, v in enumerate(ys) if v), len(ys)) for _, ys in series), default=0)
        first = max(0, min(first, len(days) - 1) - 12)        # from a year before the first firm
        series = [(n, ys[first:]) for n, ys in series]
        labels = [d[:7] for d in days[first:]]
        every = 12 if len(labels) > 36 else 3
        self.chart.set_title(f"{name}各级月末在册数（{self.view['street'] or '全区'}）")
        self.chart.lines(labels, series, every=every)


class ExpirySection(Section):
    """Lapses of the year by month with renewals so far, the year-end forecast and the due list."""

    dueDaysChanged = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pick = QComboBox()
        self.pick.currentIndexChanged.connect(self._draw)
        self.chart = Chart()
        self.chart.barClicked.connect(self._bar)
        self.forecast = CellTable(["指标", "目标值", "当前完成", "年内将到期未续", "预计续认定", "按上年同期预计新增",
                                   "预计年底", "预计完成率", "预计能否完成"], sortable=False)
        self.forecast.cellDrill.connect(self._emit_drill)
        self.forecast_note = QLabel(objectName="noForecast")      # instead of an empty table: why there is none
        self.forecast_note.setWordWrap(True)
        self.forecast_note.setAlignment(Qt.AlignCenter)
        self.forecast_stack = QStackedWidget()
        self.forecast_stack.addWidget(self.forecast)
        self.forecast_stack.addWidget(self.forecast_note)
        self.days = QSpinBox()
        self.days.setRange(7, 730)
        self.days.setValue(90)
        self.days.setSuffix(" 天内")
        self.days.editingFinished.connect(lambda: self.dueDaysChanged.emit(self.days.value()))
        self.due = CellTable(["企业", "街道", "资格", "最后有效日", "剩余天数"])
        self.due.cellDrill.connect(self._emit_drill)
        self.due_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("到期资格："))
        top.addWidget(self.pick)
        top.addStretch(1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(top)
        ll.addWidget(self.chart, 3)
        ll.addWidget(QLabel("年底预测（已扣除年内将到期且未续的企业）"))
        ll.addWidget(self.forecast_stack, 2)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("待复审/复核："))
        row.addWidget(self.days)
        row.addStretch(1)
        rl.addLayout(row)
        rl.addWidget(self.due_label)
        rl.addWidget(self.due, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([780, 620])
        lay = QVBoxLayout(self)
        lay.addWidget(split)
        self.view: dict | None = None
        self.names = None           # callable(ids) -> {id: (name, code, street)}, set by the panel
        self.stage_names: dict[str, str] = {}

    def charts(self):
        return [self.chart]

    def show_view(self, view: dict, due_rows: list[dict]) -> None:
        self.view = view
        names = [e["name"] for e in view["expiries"]]
        refill(self.pick, names)
        self._draw()
        rows = []
        for r in view["indicators"]:
            f = r.get("forecast")
            if not f:
                continue
            rate = f.get("rate")
            will = f.get("will_meet")
            rows.append([Cell(r["name"]), Cell(num(r["target"])), Cell(num(r["actual"]), r["actual"]),
                         Cell(num(f["lapses_to_come"]), f["lapses_to_come"], f.get("lapse_ids"),
                              f"{r['name']}：年底前将到期且未续", **held(r)),
                         Cell(num(f.get("expected_renewals", 0)),
                              tip=f"按上年到期续认定比例 {pct(f.get('renewal_rate', 0))} 估计"),
                         Cell(num(f["expected_gains"])), Cell(num(f["projected"])), Cell(pct(rate)),
                         Cell("—" if will is None else ("可完成" if will else "有缺口"),
                              color=None if will is None else (AHEAD if will else BEHIND).name())])
        self.forecast.set_rows(rows)
        self.forecast_note.setText("" if rows else NO_FORECAST if view["indicators"] else NO_FORECAST_TARGETS)
        self.forecast_stack.setCurrentWidget(self.forecast if rows else self.forecast_note)
        lookup = self.names(r["firm_id"] for r in due_rows) if self.names and due_rows else {}
        due = []
        for r in due_rows:
            name, _code, street = lookup.get(r["firm_id"], (f"企业 {r['firm_id']}", None, None))
            ids = [r["firm_id"]]
            due.append([Cell(name, ids=ids, title=name), Cell(street or "—"), Cell(r["stage"]),
                        Cell(r["last_day"]), Cell(str(r["days_left"]), r["days_left"],
                                                  color=BEHIND.name() if r["days_left"] <= 30 else None)])
        self.due.set_rows(due)
        total = len(view["due"]["firm_ids"]) if view.get("due") else 0
        shown = f"（显示前 {len(due_rows)} 条）" if total > len(due_rows) else ""
        self.due_label.setText(f"截至 {view['as_of']}，{view['due_days']} 天内到期且尚未续期：{total} 项{shown}")

    def _draw(self) -> None:
        if not self.view or self.pick.currentIndex() < 0:
            self.chart.clear()
            return
        e = self.view["expiries"][self.pick.currentIndex()]
        months = e["by_month"]
        values = [m["expiring"] for m in months]
        texts = [f"{m['expiring']}（续{m['renewed']}）" if m["expiring"] else "" for m in months]
        colors = [LINE if m["to_come"] else (AHEAD if m["expiring"] and not m["lapsed"] else NEUTRAL) for m in months]
        meaning = {LINE.name(): "尚有待到期", AHEAD.name(): "已到期，全部已续", NEUTRAL.name(): "已到期，有未续失效"}
        shown = {c.name() for c, m in zip(colors, months, strict=True) if m["expiring"]}
        self.chart.set_title(f"{self.view['year']} 年“{e['name']}”逐月到期",
                             f"共 {e['expiring']}，已续 {e['renewed']}，已失效 {e['lapsed']}，待到期 {e['to_come']}",
                             [(c, meaning[c.name()]) for c in (AHEAD, NEUTRAL, LINE) if c.name() in shown])
        self.chart.bars([f"{m['month']}月" for m in months], values, colors, texts=texts)

    def _bar(self, i: int) -> None:
        e = self.view["expiries"][self.pick.currentIndex()]
        self._emit(e["by_month"][i]["firm_ids"], f"{self.view['year']} 年 {i + 1} 月到期：{e['name']}")


class CohortSection(Section):
    """Of the firms that entered a step in year Y: who reached the next step within 1, 2, 3 years."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pick = QComboBox()
        self.pick.currentIndexChanged.connect(self._draw)
        self.table = CellTable(["进入年份", "进入数", "已在下一级", "队列数", "1 年内晋级", "2 年内晋级",
                                "3 年内晋级", "中位停留（年）"])
        self.table.cellDrill.connect(self._emit_drill)
        self.note = QLabel(
            "晋级率 = 进入当年起 1/2/3 年内获得下一级的企业占队列数的比例；“（未满）”表示观察期尚未结束。"
            "中位停留：该年进入的企业中，一半晋级下一级所用的年数（尚未晋级的企业也计入，按停留到截至日算）。"
        )
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("转化："))
        top.addWidget(self.pick)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 1)
        self.view: dict | None = None
        self.firms_of = None        # callable(funnel key, index, year, window) -> ids, set by the panel

    def show_view(self, view: dict) -> None:
        self.view = view
        labels = [f"{c['from']} → {c['to']}" for c in view["cohorts"]]
        refill(self.pick, labels)
        self._draw()

    def _draw(self) -> None:
        if not self.view or self.pick.currentIndex() < 0:
            return
        c = self.view["cohorts"][self.pick.currentIndex()]
        rows = []
        for r in c["rows"]:
            y = r["year"]
            ids = (lambda y=y: self.firms_of(c["funnel"], c["index"], y, None)) if self.firms_of else None
            row = [Cell(str(y), y), Cell(str(r["entered"]), r["entered"]), Cell(str(r["already"]), r["already"]),
                   Cell(str(r["size"]), r["size"], ids, f"{y} 年进入{c['from']}的企业")]
            for w in r["windows"]:
                text = f"{w['reached']}（{pct(w['share'])}）" + ("" if w["complete"] else "（未满）")
                wids = (
                    (lambda y=y, k=w["years"]: self.firms_of(c["funnel"], c["index"], y, k)) if self.firms_of else None
                )
                row.append(Cell(text, w["share"] if w["share"] is not None else -1, wids,
                                f"{y} 年进入{c['from']}、{w['years']} 年内成为{c['to']}的企业"))
            med = r["median_days"]
            row.append(Cell("—" if med is None else f"{med / 365.25:.1f}", med if med is not None else 1e9,
                            tip=None if med is None else f"{med:g} 天"))
            rows.append(row)
        self.table.set_rows(rows)
