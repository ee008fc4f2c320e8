"""看板: the funnel and target dashboard managers read (year, as-of date, street).

The panel is a thin shell: ``pipeline.dashboard.Dashboard`` computes every
figure (with the firm ids behind it) and the sections draw them. Clicking a
bar, a funnel step or a number cell emits ``firmsRequested(ids, title)``;
the main window then shows exactly those firms in the ledger.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QMessageBox, QPushButton, QTabWidget, QVBoxLayout, QWidget

from ui import files
from ui.dashboard import source
from ui.dashboard.tables import DrillDown
from ui.dates import DateEdit

DUE_ROWS = 500              # rows of the due list shown (the count says how many there are)


class DashboardPanel(QWidget):
    firmsRequested = Signal(list, str)
    targetsChanged = Signal()           # targets drafted from last year's were saved

    def __init__(self, ledger, parent=None) -> None:
        super().__init__(parent)
        from ui.dashboard.sections import FunnelSection, StreetsSection, TargetsSection
        from ui.dashboard.sections_time import CohortSection, ExpirySection, TrendSection
        self.ledger = ledger
        self.dash = None
        self._loaded = None
        self.saving = None               # the thread saving what the first view built (source.keep)
        self.view: dict | None = None
        self.last_drill: DrillDown | None = None
        self.due_days = 90
        self.year = QComboBox()
        self.as_of = DateEdit()
        self.street = QComboBox()
        self.status = QLabel()
        buttons = []
        for text, slot in (("导出图表 PNG…", self._ask_png), ("导出指标表 Excel…", self._ask_xlsx),
                           ("生成 PDF 报告…", self._ask_pdf)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.append(b)
        bar = QHBoxLayout()
        for label, w in (("年度", self.year), ("截至", self.as_of), ("范围", self.street)):
            bar.addWidget(QLabel(label))
            bar.addWidget(w)
        bar.addWidget(self.status, 1)
        for b in buttons:
            bar.addWidget(b)
        self.targets = TargetsSection()
        self.targets.can_edit = source.may_edit_targets(ledger)
        self.funnels = FunnelSection()
        self.streets = StreetsSection()
        self.trend = TrendSection()
        self.expiry = ExpirySection()
        self.cohorts = CohortSection()
        self.tabs = QTabWidget()
        for w, name in ((self.targets, "目标完成"), (self.funnels, "培育漏斗"), (self.streets, "街道"),
                        (self.expiry, "到期与预测"), (self.trend, "趋势"), (self.cohorts, "转化队列")):
            self.tabs.addTab(w, name)
            w.drill.connect(self._remember)
            w.firmsRequested.connect(self.firmsRequested)
        self.targets.createTargets.connect(self._draft_targets)
        self.streets.firms_of = self._street_firms
        self.cohorts.firms_of = self._cohort_firms
        self.expiry.names = lambda ids: source.firm_names(self.ledger, ids)
        self.expiry.dueDaysChanged.connect(self._due_days)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        self.scope_note = QLabel(source.scope_note(ledger) or "")
        self.scope_note.setWordWrap(True)
        self.scope_note.setVisible(bool(self.scope_note.text()))
        lay.addWidget(self.scope_note)
        lay.addWidget(self.tabs, 1)
        self.year.currentIndexChanged.connect(self._year_changed)
        self.as_of.dateChanged.connect(lambda _d: self.refresh())
        self.street.currentIndexChanged.connect(lambda _i: self.refresh())
        self.reload()

    # data -------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the ledger again (after imports, edits, undo) and redraw."""
        QGuiApplication.setOverrideCursor(Qt.WaitCursor)
        try:
            self.dash, self._loaded = source.open_dashboard(self.ledger)
        finally:
            QGuiApplication.restoreOverrideCursor()
        keep_year, keep_street = self.year.currentData(), self.street.currentData()
        for w in (self.year, self.street, self.as_of):
            w.blockSignals(True)
        self.year.clear()
        years = source.year_choices(self.dash)
        for y in years:
            self.year.addItem(f"{y} 年", y)
        year = keep_year if keep_year in years else source.default_year(self.dash)
        self.year.setCurrentIndex(years.index(year) if year in years else len(years) - 1)
        self.street.clear()
        if not getattr(self.ledger, "street_ids", None):   # a login reading some streets only (a shared ledger):
            self.street.addItem("全区", None)              # the district's figures would count their firms only
        for sid, name in self.dash.streets:
            self.street.addItem(name, sid)
        i = self.street.findData(keep_street)
        self.street.setCurrentIndex(max(i, 0))
        if keep_year is None or keep_year not in years:
            self._set_as_of(source.default_as_of(self.year.currentData()))
        for w in (self.year, self.street, self.as_of):
            w.blockSignals(False)
        self.refresh()
        # what the first view built, for the next open of the unchanged ledger: written once the view is painted
        # (1M firms: 1-1.6 s for 660 MB after a cold open; nothing when it came from the file)
        QTimer.singleShot(0, self, lambda dash=self.dash, loaded=self._loaded: self._keep(dash, loaded))

    def _keep(self, dash, loaded) -> None:
        if dash is self.dash and loaded is not None:
            self.saving = source.keep(self.ledger, dash, loaded, background=True)

    def set_context(self, year: int | None = None, as_of: date | None = None, street_id: int | None = None) -> None:
        """Choose year, as-of date and street at once (one recompute)."""
        for w in (self.year, self.street, self.as_of):
            w.blockSignals(True)
        if year is not None and self.year.findData(year) >= 0:
            self.year.setCurrentIndex(self.year.findData(year))
        self._set_as_of(as_of if as_of is not None else self.current()[1])     # kept within the year chosen
        self.street.setCurrentIndex(max(self.street.findData(street_id), 0))
        for w in (self.year, self.street, self.as_of):
            w.blockSignals(False)
        self.refresh()

    def _set_as_of(self, d: date) -> None:
        """The as-of date, a day of the year chosen (the figures of a year are as of a day of it:
        pipeline.dates.check_as_of): the date field offers that year's days only."""
        year = self.year.currentData()
        if year is not None:
            self.as_of.setDateRange(QDate(year, 1, 1), QDate(year, 12, 31))
        self.as_of.setDate(QDate(d.year, d.month, d.day))

    def current(self) -> tuple[int, date, int | None]:
        q = self.as_of.date()
        return self.year.currentData(), date(q.year(), q.month(), q.day()), self.street.currentData()

    def _year_changed(self, _i) -> None:
        self.as_of.blockSignals(True)
        self._set_as_of(source.default_as_of(self.year.currentData()))
        self.as_of.blockSignals(False)
        self.refresh()

    def _due_days(self, days: int) -> None:
        self.due_days = days
        self.refresh()

    def refresh(self) -> None:
        if self.dash is None or self.year.currentData() is None:
            return
        from pipeline.dashboard_view import due_rows
        year, as_of, street_id = self.current()
        self.view = view = self.dash.compute(year, as_of, street_id, self.due_days)
        self.status.setText(f"  截至 {as_of.isoformat()} 序时进度 {view['time_progress']:.1%}")
        if not view["indicators"]:
            self.targets.show_empty(year, source.previous_year(self.dash, year))
        self.targets.show_view(view)
        self.funnels.show_view(view)
        self.streets.show_view(view)
        self.trend.show_view(view)
        self.expiry.show_view(view, due_rows(view, self.dash.catalog, DUE_ROWS))
        self.cohorts.show_view(view)

    # drill-downs ---------------------------------------------------------------------------
    def _remember(self, d: DrillDown) -> None:
        """A click's firms with the date and street they are seen on (the dashboard's unless the cell has its own)."""
        _, as_of, street_id = self.current()
        d.day = d.day or as_of
        d.street_id = d.street_id if d.street_id is not None else street_id
        self.last_drill = d

    def drill_for(self, ids, title: str) -> DrillDown:
        """The drill-down behind a firmsRequested(ids, title): the last click's, else the dashboard's context."""
        ids = [int(i) for i in ids]
        d = self.last_drill
        if d is not None and d.ids == ids and d.title == title:
            return d
        _, as_of, street_id = self.current()
        return DrillDown(ids, title, as_of, street_id=street_id)

    def _draft_targets(self, year: int) -> None:
        from ui.targets import draft_from_previous
        if draft_from_previous(self, self.ledger, year):
            self.reload()
            self.targetsChanged.emit()

    def _street_firms(self, indicator: str, street_id: int):
        year, as_of, _ = self.current()
        return self.dash.street_firms(year, as_of, indicator, street_id)

    def _cohort_firms(self, funnel: str, index: int, year: int, window):
        _, as_of, street_id = self.current()
        return self.dash.cohort_firms(funnel, index, as_of, year, window, street_id)

    # exports ------------------------------------------------------------------------------
    def charts(self):
        sections = ((self.targets, "目标完成"), (self.funnels, "培育漏斗"), (self.streets, "街道"),
                    (self.expiry, "到期"), (self.trend, "趋势"))
        return [(name, c) for w, name in sections for c in w.charts()]

    def export_charts(self, folder: str | Path) -> list[Path]:
        """Every chart as a PNG in *folder* (named by page and order)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for i, (name, chart) in enumerate(self.charts(), 1):
            path = folder / f"{i:02d}-{name}.png"
            if chart.export_png(str(path)):
                out.append(path)
        return out

    def export_xlsx(self, path: str | Path) -> Path:
        from importers.report_xlsx import write_indicator_table
        year, as_of, _ = self.current()
        return write_indicator_table(path, self.dash, year, as_of)

    def export_pdf(self, path: str | Path) -> Path:
        from ui.report_pdf import write_pdf
        year, as_of, street_id = self.current()
        return write_pdf(path, self.dash, year, as_of, street_id, lambda ids: source.firm_names(self.ledger, ids))

    def _where(self) -> str:
        return self.street.currentText() if self.street.currentData() is not None else "全区"

    def _ask_png(self) -> None:
        folder = files.ask_folder(self, "选择保存图表的文件夹")
        if folder:
            self._done(lambda: (f"已导出 {len(self.export_charts(folder))} 张图表到 {folder}", folder))

    def _ask_xlsx(self) -> None:
        year, as_of, _ = self.current()
        name = files.file_name(f"{year}年指标完成情况", self._where(), day=as_of, suffix=".xlsx")
        path = files.ask_save(self, "导出指标表", name, "Excel 工作簿 (*.xlsx)")
        if path:
            self._done(lambda: (f"已导出指标表到 {self.export_xlsx(path)}", path))

    def _ask_pdf(self) -> None:
        year, as_of, _ = self.current()
        name = files.file_name(f"{year}年指标完成情况", self._where(), day=as_of, suffix=".pdf")
        path = files.ask_save(self, "生成 PDF 报告", name, "PDF 文件 (*.pdf)")
        if path:
            self._done(lambda: (f"已生成报告 {self.export_pdf(path)}", path))

    def _done(self, job) -> None:
        try:
            message, path = job()
        except OSError as exc:
            QMessageBox.warning(self, "导出失败", f"无法写入文件：{exc}")
            return
        files.offer_open(self, "导出完成", message, path)
