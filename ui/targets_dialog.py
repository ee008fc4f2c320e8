"""The dialog for one indicator of a year: name, kind, stages counted, required stages, base year, target."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
)

from pipeline.indicators import KINDS
from ui.bulk import ok_cancel
from ui.geometry import fit_to_screen


class IndicatorDialog(QDialog):
    def __init__(self, catalog, row=None, parent=None) -> None:
        """*row*: a targets_io.TargetRow to edit, or None for a new indicator."""
        super().__init__(parent)
        self.setWindowTitle("修改指标" if row else "新增指标")
        self.catalog = catalog
        self.name = QLineEdit(row.indicator if row else "")
        self.kind = QComboBox()
        for key, text in KINDS.items():
            self.kind.addItem(text, key)
        if row:
            self.kind.setCurrentIndex(max(self.kind.findData(row.kind), 0))
        self.stages = self._checklist(row.stages if row else [])
        self.require = self._checklist(row.require if row else [])
        self.base_year = QSpinBox()
        self.base_year.setRange(0, 2100)
        self.base_year.setSpecialValueText("（不适用）")
        self.base_year.setValue(row.base_year or 0 if row else 0)
        self.unit = QLineEdit(row.unit if row else "家")
        self.target = QDoubleSpinBox()
        self.target.setRange(-1e9, 1e12)
        self.target.setDecimals(2)
        self.target.setValue(row.district or 0 if row else 0)
        self.problem = QLabel()
        self.problem.setStyleSheet("color:#c0392b")
        form = QFormLayout()
        form.addRow("指标名称", self.name)
        form.addRow("类型", self.kind)
        form.addRow("统计阶段（合并计数）", self.stages)
        form.addRow("须同时具备（可不选）", self.require)
        form.addRow("累计起算年份", self.base_year)
        form.addRow("单位", self.unit)
        form.addRow("全区目标值", self.target)
        buttons = ok_cancel(self, "保存", self._accept)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.problem)
        lay.addWidget(buttons)
        fit_to_screen(self, (560, 640))

    def _checklist(self, checked) -> QListWidget:
        w = QListWidget()
        w.setMaximumHeight(140)
        for s in self.catalog.stages:
            item = QListWidgetItem(s.name)
            item.setData(Qt.UserRole, s.key)
            item.setCheckState(Qt.Checked if s.key in checked else Qt.Unchecked)
            w.addItem(item)
        return w

    @staticmethod
    def _checked(w: QListWidget) -> list[str]:
        return [w.item(i).data(Qt.UserRole) for i in range(w.count()) if w.item(i).checkState() == Qt.Checked]

    def values(self) -> dict:
        kind = self.kind.currentData()
        return {"indicator": self.name.text().strip(), "kind": kind, "stages": self._checked(self.stages),
                "require": self._checked(self.require),
                "base_year": (self.base_year.value() or None) if kind == "cumulative" else None,
                "unit": self.unit.text().strip() or "家", "target": self.target.value()}

    def _accept(self) -> None:
        v = self.values()
        if not v["indicator"]:
            self.problem.setText("请填写指标名称")
        elif not v["stages"]:
            self.problem.setText("请至少选择一个统计阶段")
        else:
            self.accept()


class DraftDialog(QDialog):
    """Last year's targets shown as the draft of a new year's: the person reads them and confirms (or not)."""

    def __init__(self, year: int, previous: int, rows: list[dict], parent=None) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QTableWidget, QTableWidgetItem
        self.setWindowTitle(f"新建 {year} 年指标")
        district = [r for r in rows if r["street_id"] is None]
        shares = len(rows) - len(district)
        intro = QLabel(f"以下是 {previous} 年的 {len(district)} 项指标" + (f"及 {shares} 条街道分解" if shares else "")
                       + f"，将复制为 {year} 年的指标。确认后可在“指标”页逐项修改目标值。")
        intro.setWordWrap(True)
        table = QTableWidget(len(district), 3)
        table.setHorizontalHeaderLabels(["指标", "类型", f"{previous} 年全区目标"])
        for i, r in enumerate(district):
            for j, text in enumerate((r["indicator"], KINDS.get(r["kind"], r["kind"]), f"{r['target']:g}")):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemIsEnabled)
                item.setToolTip(text)
                table.setItem(i, j, item)
        table.resizeColumnsToContents()
        table.verticalHeader().hide()
        self.table = table
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(f"保存为 {year} 年指标")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.button(QDialogButtonBox.Cancel).setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(table, 1)
        lay.addWidget(buttons)
        fit_to_screen(self, (640, 480))
