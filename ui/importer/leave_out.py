"""The preview's choices for a province's or a city's list: 只导入台账中已有的企业, 只导入某地的企业.

Each unticks the rows it leaves out (``ImportPlan.leave_out``), which the preview then shows unticked with the
reason in its 问题 column; a row ticked again by hand is imported. The same choices as the command line's
``import --only-known`` and ``--district``.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QWidget

from importers.plan import LEFT_NEW

PICK = "只导入某地的企业…"


class LeaveOutBar(QWidget):
    """Two choices over the plan the preview shows; ``changed`` after either unticked rows."""
    changed = Signal(int)              # how many rows the choice unticked

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plan = None
        self.known = QPushButton("只导入台账中已有的企业")
        self.known.setToolTip("取消勾选将新建企业的行：全省、全市的名单中，台账没有的企业多半不是本区的。"
                              "每一行仍列在预览中，可再勾选")
        self.known.clicked.connect(self.only_known)
        self.district = QComboBox()
        self.district.setToolTip("名单有“所在区”“所在市州”“省份”一类的列（或按区分组）时，取消勾选其他地区的行")
        self.district.activated.connect(self._district_chosen)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.known)
        row.addWidget(self.district)
        row.addStretch(1)

    def set_plan(self, plan) -> None:
        self.plan = plan
        self.known.setEnabled(plan is not None and bool(plan.new_firm_rows()))
        self.district.clear()
        named = {d: len(rows) for d, rows in (plan.districts if plan is not None else {}).items() if d}
        self.district.setVisible(len(named) > 1)         # one place named: nothing to choose between
        if len(named) > 1:
            self.district.addItem(PICK, None)
            for d, n in sorted(named.items(), key=lambda kv: -kv[1]):
                self.district.addItem(f"只导入{d}的企业（{n} 行）", d)

    def only_known(self) -> None:
        if self.plan is not None:
            self.changed.emit(self.plan.leave_out(self.plan.new_firm_rows(), LEFT_NEW))

    def keep_district(self, name: str) -> None:
        if self.plan is not None:
            self.changed.emit(self.plan.keep_district(name))

    def _district_chosen(self, index: int) -> None:
        name = self.district.itemData(index)
        self.district.setCurrentIndex(0)
        if name:
            self.keep_district(name)
