"""The dashboard's pages: targets, funnels, streets. Each shows a view of pipeline.dashboard and
emits ``firmsRequested(ids, title)`` when a bar or cell is clicked; no maths here."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSplitter, QVBoxLayout, QWidget

from pipeline.dates import projected_note
from pipeline.indicators import KINDS, stated_base_note
from pipeline.streets import outside_text
from ui.dashboard.charts import AHEAD, BEHIND, NEUTRAL, Chart
from ui.dashboard.tables import Cell, CellTable, DrillDown, gap_text, num, pct, refill

TARGET_HEADERS = ["指标", "类型", "基期值", "目标值", "完成值", "完成率", "序时进度", "差距", "年内将到期",
                  "预计年底", "预计能否完成"]
HELD_KINDS = ("stock", "net", "new")     # the firms behind these are holders on the as-of date


def _ids_list(ids) -> list[int]:
    return [int(i) for i in ids]


def prev_end(view: dict) -> date:
    return date(view["year"] - 1, 12, 31)


def held(r: dict) -> dict:
    """What the firms behind an indicator's 完成值 hold on the as-of date (nothing to check for 累计)."""
    if r["kind"] not in HELD_KINDS:
        return {}
    return {"stages": tuple(r["stages"]), "require": tuple(r.get("require") or ())}


class Section(QWidget):
    firmsRequested = Signal(list, str)
    drill = Signal(object)              # the DrillDown of a click (emitted just before firmsRequested)

    def _emit(self, ids, title: str, **context) -> None:
        d = DrillDown(_ids_list(ids), title, **context)
        self.drill.emit(d)
        self.firmsRequested.emit(d.ids, d.title)

    def _emit_drill(self, d: DrillDown) -> None:
        self.drill.emit(d)
        self.firmsRequested.emit(d.ids, d.title)

    def charts(self) -> list[Chart]:
        return []


class TargetsSection(Section):
    """The year's indicators: table with forecast, and completion bars against 序时进度."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.table = CellTable(TARGET_HEADERS, sortable=False)
        self.table.cellDrill.connect(self._emit_drill)
        self.chart = Chart("完成率与序时进度")
        self.chart.barClicked.connect(self._bar)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.empty = QLabel(objectName="noTargets")
        self.empty.setWordWrap(True)
        self.create_button = QPushButton()
        self.create_button.clicked.connect(lambda: self.createTargets.emit(self._empty_year or 0))
        self._empty_year: int | None = None
        empty_row = QHBoxLayout()
        empty_row.addWidget(self.empty, 1)
        empty_row.addWidget(self.create_button)
        self.empty_box = QWidget()
        self.empty_box.setLayout(empty_row)
        self.empty_box.hide()
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([300, 360])
        lay = QVBoxLayout(self)
        lay.addWidget(self.note)
        lay.addWidget(self.empty_box)
        lay.addWidget(split, 1)
        self.rows: list[dict] = []
        self.view: dict | None = None

    createTargets = Signal(int)         # the year shown has no targets: the person asked to draft them
    can_edit = True                     # whoever looks may create targets (the panel says when not)

    def charts(self):
        return [self.chart]

    def show_empty(self, year: int, previous: int | None) -> None:
        """The year has no targets: say so, and offer last year's as a draft (when there is one)."""
        self._empty_year = year
        if not self.can_edit:               # a read-only ledger, or a shared one's officer or viewer
            self.empty.setText(f"{year} 年还没有指标（指标由能修改台账的管理员新建）。")
        else:
            self.empty.setText(f"{year} 年还没有指标。" + (f"可以把 {previous} 年的指标复制为草稿，确认后再保存。"
                                                           if previous else "请在“指标”页新建。"))
        self.create_button.setText(f"以 {previous} 年指标为草稿新建…" if previous else "新建指标…")
        self.create_button.setVisible(self.can_edit)
        self.empty_box.show()

    def show_view(self, view: dict) -> None:
        self.view = view
        if view["indicators"]:
            self.empty_box.hide()
        self.rows = rows = [r for r in view["indicators"] if r.get("actual") is not None]
        where = view["street"] or "全区"
        behind = [r["name"] for r in rows if r["ahead"] is False]
        ahead = projected_note(view["as_of"])
        self.note.setText(f"{where} · {view['year']} 年 · 截至 {view['as_of']} · 序时进度 {view['time_progress']:.1%}"
                          + (f" · 落后于序时进度：{'、'.join(behind)}" if behind else
                             " · 各项均不落后于序时进度" if rows else " · 尚无可计算的指标")
                          + (f"\n{ahead}" if ahead else ""))
        out = []
        for r in view["indicators"]:
            name = r["name"]
            if r.get("actual") is None:
                out.append([Cell(name), Cell(KINDS.get(r["kind"], r["kind"])), *[Cell("—") for _ in range(8)],
                            Cell(r.get("problem") or "—", color=BEHIND.name())])
                continue
            f = r.get("forecast") or {}
            color = None if r["ahead"] is None else (AHEAD if r["ahead"] else BEHIND).name()
            if r["kind"] == "net":      # a difference, not a list of firms: the bar opens the firms gained
                actual = Cell(num(r["actual"]), r["actual"],
                              tip=f"净增 = 现在在册 − 上年末在册：新增 {len(r['gained_ids'])} 家，"
                                  f"流失 {len(r['lost_ids'])} 家"
                                  "（点击右侧柱形查看新增企业）")
            else:
                actual = Cell(num(r["actual"]), r["actual"], r["firm_ids"], f"{name}：完成值", **held(r))
            base_held = {"day": prev_end(view), **held(r)} if r["kind"] in ("stock", "net") else {"day": prev_end(view)}
            will = f.get("will_meet")
            out.append([
                Cell(name), Cell(KINDS.get(r["kind"], r["kind"])),
                Cell(num(r["base"]), r["base"], r.get("base_ids"), f"{name}：基期（上年末）", tip=stated_base(r),
                     **base_held),
                Cell(num(r["target"]), r["target"]), actual,
                Cell(pct(r["rate"]), r["rate"], color=color),
                Cell(pct(r["time_progress"]), r["time_progress"]),
                Cell(gap_text(r["gap"]), r["gap"], color=None if r["gap"] is None or r["gap"] <= 0 else BEHIND.name()),
                Cell(num(f.get("lapses_to_come")), f.get("lapses_to_come"), f.get("lapse_ids"),
                     f"{name}：年底前将到期且未续的企业", **held(r)),
                Cell(num(f.get("projected")), f.get("projected"),
                     tip=f"现有企业中到年底仍有效的 {f.get('floor')} 家，"
                         f"加上预计续认定 {f.get('expected_renewals', 0)} 家"
                         f"（按上年续认定比例 {pct(f.get('renewal_rate', 0))}），加上按上年同期预计新增 "
                         f"{f.get('expected_gains')} 家"),
                Cell("—" if will is None else ("可完成" if will else "有缺口"),
                     color=None if will is None else (AHEAD if will else BEHIND).name()),
            ])
        self.table.set_rows(out)
        labels = [r["name"] for r in rows]          # whole names: the axis makes room (charts.py)
        values = [round((r["rate"] or 0) * 100, 1) for r in rows]
        colors = [NEUTRAL if r["ahead"] is None else AHEAD if r["ahead"] else BEHIND for r in rows]
        texts = [f"{v:g}%（{r['actual']:g}/{num(r['target'])}）" for v, r in zip(values, rows, strict=False)]
        self.chart.set_title(f"{where}指标完成率（绿色：不落后于序时进度；红色：落后）")
        self.chart.bars(labels, values, colors, horizontal=True, texts=texts, unit="%")
        if rows:
            self.chart.reference(view["time_progress"] * 100, f"序时进度 {view['time_progress']:.1%}")
        else:
            self.chart.empty("本年度尚无可计算的指标")     # no bars, no 序时进度 line over an empty axis

    def _bar(self, i: int) -> None:
        r = self.rows[i]
        if r["kind"] == "net":
            self._emit(r["gained_ids"], f"{r['name']}：本年新增 {len(r['gained_ids'])} 家（净增 {r['actual']:g}）",
                       **held(r))
        else:
            self._emit(r["firm_ids"], f"{r['name']}：完成值", **held(r))


def stated_base(r: dict) -> str | None:
    """The 基期值 cell's tooltip when the target states its base and the ledger's own differs: the cell shows the
    stated number, a click lists the ledger's firms, and a 净增 is counted against the ledger's (both ends from the
    same ledger): said, so no one reads the two as one."""
    ids = r.get("base_ids")
    return None if ids is None else stated_base_note(r["kind"], r.get("base"), len(ids), "（点击列出）")


class FunnelSection(Section):
    """Each funnel of the catalog: firms per step, and conversion/drop-off since the start of the year."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.lay = QHBoxLayout(self)
        self.columns: list[tuple[Chart, CellTable]] = []
        self.view: dict | None = None

    def charts(self):
        return [c for c, _ in self.columns]

    def show_view(self, view: dict) -> None:
        self.view = view
        while len(self.columns) < len(view["funnels"]):
            box = QVBoxLayout()
            chart = Chart()
            table = CellTable(["转化", "期初", "转入下一级", "转化率", "流失", "流失率"], sortable=False)
            k = len(self.columns)
            chart.barClicked.connect(lambda i, k=k: self._bar(k, i))
            table.cellDrill.connect(self._emit_drill)
            box.addWidget(chart, 3)
            box.addWidget(table, 2)
            self.lay.addLayout(box)
            self.columns.append((chart, table))
        where = view["street"] or "全区"
        for (chart, table), f in zip(self.columns, view["funnels"], strict=False):
            steps = f["steps"]
            chart.set_title(f"{f['name']}（{where}，{view['as_of']} 在册）")
            chart.bars([s["name"] for s in steps], [s["count"] for s in steps],
                       [NEUTRAL] * len(steps), horizontal=True)
            rows = []
            for k, c in enumerate(f["conversions"]):
                label = f"{c['from']} → {c['to']}"
                before = {"day": prev_end(view), "stages": tuple(steps[k]["stages"])}
                rows.append([Cell(label),
                             Cell(num(c["base"]), c["base"], c["base_ids"],
                                  f"{label}：上年末 {c['from']}（尚未到 {c['to']}）", **before),
                             Cell(num(c["converted"]), c["converted"], c["converted_ids"],
                                  f"{label}：本期转入 {c['to']}"),
                             Cell(pct(c["rate"]), c["rate"]),
                             Cell(num(c["dropped"]), c["dropped"], c["dropped_ids"], f"{label}：本期流失（上年末在册）",
                                  **before),
                             Cell(pct(c["drop_rate"]), c["drop_rate"], color=BEHIND.name() if c["dropped"] else None)])
            table.set_rows(rows)

    def _bar(self, k: int, i: int) -> None:
        f = self.view["funnels"][k]
        step = f["steps"][i]
        self._emit(step["firm_ids"], f"{f['name']}：{step['name']}（{self.view['as_of']} 在册）",
                   stages=tuple(step["stages"]))


NO_INDICATORS = "本年度还没有指标，无从计算各街道完成率（在“指标”页新建）"
NO_STREETS = "没有可显示的街道"


class StreetsSection(Section):
    """Each street's attainment against its share: sortable table and a chart of one indicator."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.pick = QComboBox()
        self.pick.currentIndexChanged.connect(self._draw)
        self.table = CellTable(["街道"])
        self.table.cellDrill.connect(self._emit_drill)
        self.chart = Chart()
        self.chart.barClicked.connect(self._bar)
        top = QHBoxLayout()
        top.addWidget(QLabel("图中指标："))
        top.addWidget(self.pick, 1)
        top.addStretch(2)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([330, 330])
        self.outside = QLabel(objectName="streetsOutside")     # why the streets do not add up to 全区, when not
        self.outside.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.outside)
        lay.addWidget(split, 1)
        self.view: dict | None = None
        self.firms_of = None        # callable(indicator, street_id) -> ids, set by the panel

    def charts(self):
        return [self.chart]

    def show_view(self, view: dict) -> None:
        self.view = view
        streets = view["streets"]
        names = [c["indicator"] for c in streets[0]["cells"]] if streets else []
        headers = ["街道", *names, "落后于序时进度的指标数"]
        self.table.source.headers = headers
        kinds = {r["name"]: r for r in view["indicators"]}
        rows = []
        for s in streets:
            row = [Cell(s["street"])]
            for c in s["cells"]:
                text = f"{c['actual']:g} / {num(c['target'])}（{pct(c['rate'])}）"
                ids = (lambda n=c["indicator"], sid=s["street_id"]: self.firms_of(n, sid)) if self.firms_of else None
                r = kinds.get(c["indicator"])
                net = r is not None and r["kind"] == "net"
                row.append(Cell(text, c["rate"] if c["rate"] is not None else -1e9, ids,
                                f"{s['street']}：{c['indicator']}" + ("（本年新增 {n} 家）" if net else ""),
                                color=None if c["ahead"] is None else (AHEAD if c["ahead"] else BEHIND).name(),
                                street_id=s["street_id"], **(held(r) if r else {})))
            row.append(Cell(str(s["behind"]), s["behind"], color=BEHIND.name() if s["behind"] else None))
            rows.append(row)
        self.table.set_rows(rows)
        note = outside_text(view.get("streets_outside") or [])
        self.outside.setText(note or "")
        self.outside.setVisible(bool(note))
        refill(self.pick, names)
        self._draw()

    def _draw(self) -> None:
        self.pick.setEnabled(self.pick.count() > 0)
        if not self.view:
            self.chart.clear()
            return
        if not self.view["streets"] or self.pick.currentIndex() < 0:     # a message, not an empty 0-1 axis
            self.chart.set_title("各街道指标完成率")
            self.chart.empty(NO_STREETS if not self.view["streets"] else NO_INDICATORS)
            return
        k = self.pick.currentIndex()
        streets = self.view["streets"]
        cells = [s["cells"][k] for s in streets]
        values = [round((c["rate"] or 0) * 100, 1) for c in cells]
        colors = [NEUTRAL if c["ahead"] is None else AHEAD if c["ahead"] else BEHIND for c in cells]
        texts = [f"{v:g}%" if c["rate"] is not None else "无分解" if c["target"] is None else "—"   # a share <= 0
                 for v, c in zip(values, cells, strict=False)]
        self.chart.set_title(f"各街道“{self.pick.currentText()}”完成率")
        self.chart.bars([s["street"] for s in streets], values, colors, texts=texts, unit="%")
        self.chart.reference(self.view["time_progress"] * 100, f"序时进度 {self.view['time_progress']:.1%}")

    def _bar(self, i: int) -> None:
        s = self.view["streets"][i]
        name = self.pick.currentText()
        r = next((r for r in self.view["indicators"] if r["name"] == name), None)
        if self.firms_of:
            ids = self.firms_of(name, s["street_id"])
            net = f"（本年新增 {len(ids)} 家）" if r is not None and r["kind"] == "net" else ""
            self._emit(ids, f"{s['street']}：{name}{net}", street_id=s["street_id"], **(held(r) if r else {}))
