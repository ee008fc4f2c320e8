"""指标: the targets editor — the year's indicators and their decomposition to the streets.

One row per indicator: its definition, the district target and each street's share (edit a
share in place; an empty cell removes it). Under the table, whether the shares add up to the
district target, or by how much they do not. Every edit goes through the audited Writer
(set_target / delete_target); the 任务分解表 imports from and exports to Excel.
"""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db import dashboard_queries
from importers import targets_io
from pipeline.indicators import KINDS, Indicator
from pipeline.streets import gap_text, share_gaps
from ui import files
from ui.geometry import column_room

FIXED = ["指标", "类型", "统计阶段", "全区目标"]
SHRINKABLE = (2, 0)         # 统计阶段, then 指标: narrowed (text elided, whole in the tooltip) so every column fits
NARROWEST = 140


def edit_refusal(ledger) -> str | None:
    """Why the person cannot change targets in this ledger (None when they can): a read-only ledger, or a shared
    ledger's officer or viewer (the server allows only its admin; the panel says so instead of failing a save)."""
    if getattr(ledger, "shared", False) and getattr(ledger, "role", "admin") != "admin":
        from db.pg.access import ROLE_NAMES
        role = ROLE_NAMES.get(ledger.role, ledger.role)
        login = getattr(ledger, "login", "")
        return f"只有共享台账的管理员可以修改指标与分解（您是{role} {login}），此处只能查看与导出"
    if getattr(ledger, "readonly", False):
        return "台账以只读方式打开，指标只能查看与导出"
    return None


class TargetsPanel(QWidget):
    targetsChanged = Signal()

    def __init__(self, ledger, parent=None) -> None:
        super().__init__(parent)
        self.ledger = ledger
        self.year = QComboBox()
        self.year.currentIndexChanged.connect(lambda _i: self._fill())
        self.table = QTableWidget()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
                                   | QAbstractItemView.AnyKeyPressed)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.itemChanged.connect(self._edited)
        self.table.installEventFilter(self)
        self.gaps = QLabel()
        self.gaps.setWordWrap(True)
        self.gaps.setTextFormat(Qt.RichText)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度"))
        bar.addWidget(self.year)
        self.locked = edit_refusal(ledger)        # None, or why this person cannot change targets here
        for text, slot in (("新年度…", self._new_year), ("新增指标…", self._add), ("修改指标…", self._edit),
                           ("删除指标", self._delete), ("导入分解表…", self._import), ("导出分解表…", self._export)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            if self.locked and slot != self._export:
                b.setEnabled(False)
                b.setToolTip(self.locked)
            bar.addWidget(b)
        bar.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        if self.locked:
            self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        lay.addWidget(QLabel(self.locked or "双击街道单元格填写分解值（清空即删除该街道的分解）；其余项用“修改指标”。"))
        lay.addWidget(self.table, 1)
        lay.addWidget(self.gaps)
        self.rows: list[targets_io.TargetRow] = []
        self.streets: list[str] = []
        self.reload()

    # reading -----------------------------------------------------------------------------------
    def reload(self) -> None:
        keep = self.year.currentData()
        this_year = date.today().year
        with_targets = set(dashboard_queries.all_targets(self.ledger.conn))
        years = sorted(with_targets | ({keep} if keep else set()) | {this_year})   # the current year is always offered
        self.year.blockSignals(True)
        self.year.clear()
        for y in years:
            self.year.addItem(f"{y} 年", y)
        if keep in years:
            self.year.setCurrentIndex(years.index(keep))
        else:                   # the latest year with targets (the current one when none has any)
            self.year.setCurrentIndex(years.index(max(with_targets) if with_targets else this_year))
        self.year.blockSignals(False)
        self._fill()

    def current_year(self) -> int | None:
        return self.year.currentData()

    def years(self) -> list[int]:
        """The years that have targets."""
        return sorted(dashboard_queries.all_targets(self.ledger.conn))

    def select_year(self, year: int) -> None:
        if self.year.findData(year) < 0:
            self.year.addItem(f"{year} 年", year)
        self.year.setCurrentIndex(self.year.findData(year))

    def add_indicator(self) -> None:
        if not self.locked:
            self._add()

    def _fill(self) -> None:
        self.streets = [n for _, n in self.ledger.streets()]
        year = self.current_year()
        self.rows = (
            targets_io.rows_of(dashboard_queries.target_rows(self.ledger.conn, year), self.streets) if year else []
        )
        names = {s.key: s.name for s in self.ledger.catalog().stages}
        headers = FIXED + self.streets + ["街道合计", "差额"]
        self.table.blockSignals(True)
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            stages = "、".join(names.get(k, k) for k in r.stages)
            if r.require:
                stages += "（且须为 " + "、".join(names.get(k, k) for k in r.require) + "）"
            cells = [r.indicator, KINDS.get(r.kind, r.kind), stages, _fmt(r.district)]
            cells += [_fmt(r.shares.get(s)) for s in self.streets]
            total = sum(r.shares.values())
            diff = None if r.district is None else r.district - total
            cells += [_fmt(total) if r.shares else "", _fmt(diff) if r.shares else "未分解"]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                editable = 3 <= j < len(FIXED) + len(self.streets)
                if not editable:
                    item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                if j >= 3:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if j == len(cells) - 1 and r.shares and diff:
                    item.setForeground(QColor("#c0392b"))
                if j in SHRINKABLE:
                    item.setToolTip(text)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self._natural = [self.table.columnWidth(c) for c in range(self.table.columnCount())]
        self._fit_columns()
        self.table.blockSignals(False)
        self._show_gaps()

    def _fit_columns(self) -> None:
        """Every column in view without sideways scrolling (13 streets at 1366×768 and at 125%): 统计阶段 and then
        指标 give up width down to NARROWEST; beyond that the table scrolls."""
        natural = getattr(self, "_natural", [])
        if len(natural) != self.table.columnCount():
            return
        excess = sum(natural) - column_room(self.table)
        for col in SHRINKABLE:
            give = max(0, min(excess, natural[col] - NARROWEST))
            self.table.setColumnWidth(col, natural[col] - give)
            excess -= give

    def eventFilter(self, watched, event) -> bool:
        if watched is self.table and event.type() == QEvent.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _show_gaps(self) -> None:
        district = [
            Indicator(r.indicator, r.kind, r.stages, r.district or 0) for r in self.rows if r.district is not None
        ]
        streets = [
            Indicator(r.indicator, r.kind, r.stages, v, street=s) for r in self.rows for s, v in r.shares.items()
        ]
        lines = []
        for g in share_gaps(district, streets):
            ok = g["streets"] and abs(g["difference"]) < 1e-9
            lines.append(f"<span style='color:{'#2e8b57' if ok else '#c0392b'}'>{gap_text(g)}</span>")
        self.gaps.setText("<br>".join(lines) if lines else "该年度还没有指标。")
        self.gap_lines = [gap_text(g) for g in share_gaps(district, streets)]

    # writing -------------------------------------------------------------------------------------
    def _write(self, job) -> bool:
        from db.connection import LedgerError
        try:
            with self.ledger.write("person") as w:
                job(w)
        except (LedgerError, ValueError) as exc:
            QMessageBox.warning(self, "未保存", str(exc))
            self._fill()
            return False
        self._fill()
        self.targetsChanged.emit()
        return True

    def set_cell(self, row: int, col: int, text: str) -> bool:
        """Set a district target (column 3) or a street share from text ("" removes a share)."""
        from importers.clean import parse_quantity  # a count of firms: 0.8万 is 8000 (the 任务分解表's rule)
        r = self.rows[row]
        year = self.current_year()
        text = text.strip()
        try:
            value = parse_quantity(text) if text else None
        except ValueError:
            value = "bad"
        if value == "bad" or (text and value is None):
            QMessageBox.warning(
                self, "未保存", f"“{text}”不是数字（{r.indicator}，{self.table.horizontalHeaderItem(col).text()}）"
            )
            self._fill()
            return False
        common = dict(require=r.require, base_year=r.base_year, unit=r.unit, sort=row)
        if col == 3:
            if value is None:
                QMessageBox.warning(self, "未保存", "全区目标值不能为空；要删除整个指标请用“删除指标”")
                self._fill()
                return False
            return self._write(lambda w: w.set_target(year, r.indicator, r.kind, r.stages, value, **common))
        street = self.streets[col - len(FIXED)]
        sid = self.ledger.street_id(street)
        if value is None:
            ids = [t["id"] for t in dashboard_queries.target_rows(self.ledger.conn, year)
                   if t["indicator"] == r.indicator and t["street_id"] == sid]
            return self._write(lambda w: [w.delete_target(i) for i in ids])
        return self._write(lambda w: w.set_target(year, r.indicator, r.kind, r.stages, value, street_id=sid, **common))

    def _edited(self, item) -> None:
        self.set_cell(item.row(), item.column(), item.text())

    def save_indicator(self, values: dict, old: targets_io.TargetRow | None = None) -> bool:
        """Create or change an indicator; a rename or a change of definition carries to the street shares."""
        year = self.current_year()
        sort = self.rows.index(old) if old in self.rows else len(self.rows)

        def job(w):
            common = dict(require=values["require"], base_year=values["base_year"], unit=values["unit"], sort=sort)
            if old is not None and old.indicator != values["indicator"]:
                for t in dashboard_queries.target_rows(self.ledger.conn, year):
                    if t["indicator"] == old.indicator:
                        w.delete_target(t["id"])
            w.set_target(year, values["indicator"], values["kind"], values["stages"], values["target"], **common)
            for street, share in (old.shares.items() if old else []):
                w.set_target(year, values["indicator"], values["kind"], values["stages"], share,
                             street_id=self.ledger.street_id(street), **common)
        return self._write(job)

    def delete_indicator(self, row: int) -> bool:
        r = self.rows[row]
        ids = [t["id"] for t in dashboard_queries.target_rows(self.ledger.conn, self.current_year())
               if t["indicator"] == r.indicator]
        return self._write(lambda w: [w.delete_target(i) for i in ids])

    def import_file(self, path: str) -> int:
        rows = targets_io.read_decomposition(path, self.ledger.catalog(), self.streets, year=self.current_year())
        n = targets_io.apply(self.ledger, self.current_year(), rows)
        self._fill()
        self.targetsChanged.emit()
        return n

    # slots -----------------------------------------------------------------------------------------
    def _selected(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else (self.table.currentRow() if self.table.currentRow() >= 0 else None)

    def _new_year(self) -> None:
        base = self.current_year()
        year, ok = QInputDialog.getInt(self, "新年度", "年度：", (base or 2024) + 1, 1990, 2100)
        if not ok:
            return
        if self.year.findData(year) < 0:
            self.year.addItem(f"{year} 年", year)
        self.year.setCurrentIndex(self.year.findData(year))

    def _add(self) -> None:
        from ui.targets_dialog import IndicatorDialog
        dlg = IndicatorDialog(self.ledger.catalog(), None, self)
        if dlg.exec():
            self.save_indicator(dlg.values())

    def _edit(self) -> None:
        from ui.targets_dialog import IndicatorDialog
        i = self._selected()
        if i is None:
            return
        dlg = IndicatorDialog(self.ledger.catalog(), self.rows[i], self)
        if dlg.exec():
            self.save_indicator(dlg.values(), self.rows[i])

    def _delete(self) -> None:
        i = self._selected()
        if i is None:
            return
        name = self.rows[i].indicator
        if (
            QMessageBox.question(self, "删除指标", f"删除“{name}”及其各街道分解？（可在操作记录中撤销）")
            == QMessageBox.Yes
        ):
            self.delete_indicator(i)

    def _import(self) -> None:
        from importers.errors import InputError

        path, _f = QFileDialog.getOpenFileName(
            self, "导入任务分解表", str(files.documents_dir()), "表格 (*.xlsx *.xls *.csv)"
        )
        if not path:
            return
        try:
            n = self.import_file(path)
        except InputError as exc:
            QMessageBox.warning(self, "未导入", str(exc))
            return
        QMessageBox.information(self, "导入完成", f"已写入 {n} 条目标（{self.current_year()} 年）")

    def _export(self) -> None:
        year = self.current_year()
        path = files.ask_save(
            self, "导出任务分解表", files.file_name(f"{year}年目标任务分解表"), "Excel 工作簿 (*.xlsx)"
        )
        if path:
            try:
                targets_io.export_decomposition(path, year, self.rows, self.ledger.catalog(), self.streets)
            except OSError as exc:
                QMessageBox.warning(self, "导出失败", f"无法写入文件：{exc}")
                return
            files.offer_open(self, "导出完成", f"已导出 {year} 年目标任务分解表到：\n{path}", path)


def draft_from_previous(parent, ledger, year: int) -> bool:
    """Offer the latest earlier year's targets as the draft of *year*'s; written (audited) only when confirmed."""
    from db.connection import LedgerError
    from ui.targets_dialog import DraftDialog
    earlier = [y for y in dashboard_queries.all_targets(ledger.conn) if y < year]
    if not earlier:
        QMessageBox.information(
            parent, "新建指标", f"没有 {year} 年以前的指标可复制，请在“指标”页用“新增指标”逐项填写。"
        )
        return False
    previous = max(earlier)
    rows = dashboard_queries.target_rows(ledger.conn, previous)
    dlg = DraftDialog(year, previous, rows, parent)
    try:
        if not dlg.exec():
            return False
    finally:
        dlg.deleteLater()
    try:
        with ledger.write("person") as w:
            for r in rows:          # a stated base value belonged to last year: not copied
                w.set_target(year, r["indicator"], r["kind"], r["stages"], r["target"], street_id=r["street_id"],
                             require=r["require"], base_year=r["base_year"], unit=r["unit"], sort=r["sort"])
    except LedgerError as exc:
        QMessageBox.warning(parent, "未保存", str(exc))
        return False
    return True


def _fmt(v) -> str:
    return "" if v is None else f"{v:g}"
