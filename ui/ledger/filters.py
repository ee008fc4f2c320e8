"""The filter bar above the ledger table: search box, street, stage as of a date, star tier,
industry, officer, expiring certificates, flagged rows; plus the removable "来自看板" chip."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QToolButton, QVBoxLayout, QWidget)

from db.ledger_view import LedgerQuery

SEARCH_HINT = "搜索：企业名称或曾用名的一部分、代码开头、拼音首字母（如 whxc）"
ANY = "全部"
EXPIRING = [("不限到期", None), ("30 天内到期", 30), ("90 天内到期", 90), ("180 天内到期", 180), ("一年内到期", 365)]
DEBOUNCE_MS = 80


class FilterBar(QWidget):
    """Emits ``changed`` whenever the query it describes changes (search debounced)."""
    changed = Signal()

    def __init__(self, ledger, view, parent=None) -> None:
        super().__init__(parent)
        self._ledger = ledger
        self._firm_ids: tuple[int, ...] | None = None
        self._firm_ids_title = ""
        catalog = ledger.catalog()
        self.search = QLineEdit(placeholderText=SEARCH_HINT, clearButtonEnabled=True)
        self.search.setObjectName("search")
        self.search.setMinimumWidth(360)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._timer.start())

        self.street = self._combo("所在街道", [(ANY + "街道", None)] + [(n, sid) for sid, n in ledger.streets()])
        self.stage = self._combo("持有认定", [("全部认定", None)] + [
            (s.name, s.id) for s in catalog.stages if s.track != "star"])
        self.as_of = QDateEdit(QDate.currentDate(), calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.as_of.setToolTip("认定与星级按此日期判断（默认今天）")
        self.as_of.dateChanged.connect(lambda _d: self.changed.emit())
        stars = next((t.stages for t in catalog.tracks if t.key == "star"), ())
        self.star = self._combo("星级", [("全部星级", None)] + [(s.name, s.id) for s in stars])
        self.industry = self._combo("所属行业", [("全部行业", None)] + [(n, n) for n in view.distinct("industry")])
        self.officer = self._combo("服务专员", [("全部专员", None)] + [(n, n) for n in view.distinct("officer")])
        self.expiring = self._combo("证书到期", EXPIRING)
        self.flagged = QCheckBox("只看问题行")
        self.flagged.setToolTip("无代码、代码校验位不符或待人工确认的企业")
        self.flagged.toggled.connect(lambda _b: self.changed.emit())
        self.clear_button = QPushButton("清除筛选")
        self.clear_button.clicked.connect(self.clear)

        self.chip = QWidget(objectName="chip")
        chip_row = QHBoxLayout(self.chip)
        chip_row.setContentsMargins(8, 2, 2, 2)
        self.chip_label = QLabel()
        self.chip_close = QToolButton(text="×", toolTip="移除此筛选，显示全部企业", autoRaise=True)
        self.chip_close.clicked.connect(self.clear_firm_ids)
        chip_row.addWidget(self.chip_label)
        chip_row.addWidget(self.chip_close)
        self.chip.setStyleSheet("#chip { background: #e8f0fe; border: 1px solid #8ab4f8; border-radius: 10px; }")
        self.chip.hide()

        top = QHBoxLayout()
        top.addWidget(self.search, 3)
        top.addWidget(self.street)
        top.addWidget(self.stage)
        top.addWidget(QLabel("截至"))
        top.addWidget(self.as_of)
        top.addWidget(self.star)
        second = QHBoxLayout()
        for w in (self.industry, self.officer, self.expiring, self.flagged, self.chip):
            second.addWidget(w)
        second.addStretch(1)
        second.addWidget(self.clear_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(top)
        box.addLayout(second)

    def _combo(self, tip: str, items) -> QComboBox:
        combo = QComboBox(toolTip=tip)
        combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        for text, data in items:
            combo.addItem(text, data)
        combo.currentIndexChanged.connect(lambda _i: self.changed.emit())
        return combo

    def query(self, base: LedgerQuery) -> LedgerQuery:
        d = self.as_of.date()
        return base.with_(
            search=self.search.text(), street_id=self.street.currentData(), stage_id=self.stage.currentData(),
            star_stage_id=self.star.currentData(), as_of=date(d.year(), d.month(), d.day()),
            industry=self.industry.currentData(), officer=self.officer.currentData(),
            expiring_days=self.expiring.currentData(), flagged=self.flagged.isChecked(),
            firm_ids=self._firm_ids, firm_ids_title=self._firm_ids_title)

    def flush(self) -> None:
        """Apply a pending search now."""
        if self._timer.isActive():
            self._timer.stop()
            self.changed.emit()

    def set_firm_ids(self, ids, title: str) -> None:
        self._firm_ids = tuple(int(i) for i in ids)
        self._firm_ids_title = title
        self.chip_label.setText(f"来自看板：{title}（{len(self._firm_ids)} 家）")
        self.chip.show()
        self.changed.emit()

    def clear_firm_ids(self) -> None:
        if self._firm_ids is None:
            return
        self._firm_ids, self._firm_ids_title = None, ""
        self.chip.hide()
        self.changed.emit()

    def clear(self) -> None:
        self.blockSignals(True)
        try:
            self.search.clear()
            self._timer.stop()
            for combo in (self.street, self.stage, self.star, self.industry, self.officer, self.expiring):
                combo.setCurrentIndex(0)
            self.as_of.setDate(QDate.currentDate())
            self.flagged.setChecked(False)
            self._firm_ids, self._firm_ids_title = None, ""
            self.chip.hide()
        finally:
            self.blockSignals(False)
        self.changed.emit()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.ShortcutFocusReason)
        self.search.selectAll()
