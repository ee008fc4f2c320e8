"""The filter bar above the ledger table: search box, street, stage as of a date, star tier (or none),
industry, officer, expiring designations (of the stage chosen, else any), flagged rows; plus the
"来自看板" chip of a dashboard drill-down, which replaces the other filters until removed or until
"恢复之前的筛选" puts the earlier ones back.

The controls sit in a flow layout: on a narrow screen they wrap to another row instead of pushing
星级 and 清除筛选 off the edge."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QToolButton, QWidget

from db.ledger_view import NO_STAR, LedgerQuery
from pipeline.fields import LABELS
from ui.dates import DateEdit
from ui.flow_layout import FlowLayout

SEARCH_HINT = "搜索：企业名称或曾用名的一部分、代码开头、拼音首字母（如 whxc）"
ANY = "全部"
EXPIRING = [("不限到期", None), ("30 天内到期", 30), ("90 天内到期", 90), ("180 天内到期", 180), ("一年内到期", 365)]
ANY_STAGE = "任一认定"
EXPIRY_TIP = "{which}在截至日后 N 天内到期（最后有效日）的企业；选择“持有认定”后只看该认定"
DEBOUNCE_MS = 80


class SearchEdit(QLineEdit):
    """The search box. Qt's line edit on Linux keeps Ctrl+E for itself (to the end of the line, as in Emacs), so
    Ctrl+E 导出当前列表 did nothing while the keyboard was in the box, where the window opens with it; the key
    goes to the window now (End still moves to the end of the line)."""

    def event(self, e) -> bool:
        if (e.type() == QEvent.ShortcutOverride and e.key() == Qt.Key_E
                and e.modifiers() == Qt.ControlModifier):
            e.ignore()                          # not the box's: the window's shortcut takes it
            return True
        return super().event(e)


class FilterBar(QWidget):
    """Emits ``changed`` whenever the query it describes changes (search debounced)."""
    changed = Signal()

    def __init__(self, ledger, view, parent=None) -> None:
        super().__init__(parent)
        self._ledger = ledger
        self._firm_ids: tuple[int, ...] | None = None
        self._firm_ids_title = ""
        catalog = ledger.catalog()
        self.search = SearchEdit(placeholderText=SEARCH_HINT, clearButtonEnabled=True)
        self.search.setObjectName("search")
        self.search.setMinimumWidth(360)
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.changed)
        self.search.textChanged.connect(lambda _t: self._timer.start())

        allowed = getattr(ledger, "street_ids", None)     # a shared ledger's login that reads some streets only
        self.street = self._combo(LABELS["street"], [(ANY + "街道", None)] + [
            (n, sid) for sid, n in ledger.streets() if not allowed or sid in allowed])
        self.stage = self._combo("持有认定", [("全部认定", None)] + [
            (s.name, s.id) for s in catalog.stages if s.track != "star"])
        self.as_of = DateEdit(QDate.currentDate())
        self.as_of.setToolTip("认定、星级与到期按此日期判断（默认今天）；可输入 20230630、2023/6/30 等")
        self.as_of.dateChanged.connect(lambda _d: self.changed.emit())
        stars = next((t.stages for t in catalog.tracks if t.key == "star"), ())
        self.star = self._combo("星级", [("全部星级", None)] + [(s.name, s.id) for s in stars] + [("无星级", NO_STAR)])
        self.industry = self._combo(LABELS["industry"],
                                    [("全部行业", None)] + [(n, n) for n in view.distinct("industry")])
        self.officer = self._combo(LABELS["officer"], [("全部专员", None)] + [(n, n) for n in view.distinct("officer")])
        self.expiring = self._combo("证书到期", EXPIRING)
        self.stage.currentIndexChanged.connect(lambda _i: self._name_expiry())
        self._name_expiry()
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
        self.restore_button = QPushButton("恢复之前的筛选", flat=True)
        self.restore_button.setToolTip("回到打开看板明细之前的搜索与筛选")
        self.restore_button.clicked.connect(self.restore_previous)
        self._previous: dict | None = None
        chip_row.addWidget(self.chip_label)
        chip_row.addWidget(self.restore_button)
        chip_row.addWidget(self.chip_close)
        self.chip.setStyleSheet("#chip { background: #e8f0fe; border: 1px solid #8ab4f8; border-radius: 10px; }")
        self.chip.hide()

        day = QWidget()
        day_row = QHBoxLayout(day)
        day_row.setContentsMargins(0, 0, 0, 0)
        day_row.addWidget(QLabel("截至"))
        day_row.addWidget(self.as_of)
        flow = FlowLayout(self)
        for w in (self.search, self.street, self.stage, day, self.star, self.industry, self.officer, self.expiring,
                  self.flagged, self.clear_button, self.chip):
            flow.addWidget(w)

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

    def _name_expiry(self) -> None:
        """The expiry choices say which designation they look at (the stage chosen, else any)."""
        stage = self.stage.currentData()
        which = self.stage.currentText() if stage is not None else ANY_STAGE
        self.expiring.blockSignals(True)
        for i, (text, days) in enumerate(EXPIRING):
            self.expiring.setItemText(i, text if days is None else f"{which} {text}")
        self.expiring.blockSignals(False)
        self.expiring.setToolTip(EXPIRY_TIP.format(which=which))

    def set_firm_ids(self, ids, title: str, as_of: date | None = None, street_id: int | None = None) -> None:
        """A dashboard drill-down: exactly these firms, seen on the dashboard's date and street. The other
        filters are set aside (not combined with it) and come back with ``restore_previous``."""
        if self._firm_ids is None:
            self._previous = self._state()
        self.blockSignals(True)
        try:
            self._reset()
            if as_of is not None:
                self.as_of.setDate(QDate(as_of.year, as_of.month, as_of.day))
            self.street.setCurrentIndex(max(self.street.findData(street_id), 0))
        finally:
            self.blockSignals(False)
        self._firm_ids = tuple(int(i) for i in ids)
        self._firm_ids_title = title
        self.chip_label.setText(f"来自看板：{title}（{len(self._firm_ids)} 家）")
        self.chip.show()
        self.changed.emit()

    def clear_firm_ids(self) -> None:
        if self._firm_ids is None:
            return
        self._firm_ids, self._firm_ids_title, self._previous = None, "", None
        self.chip.hide()
        self.changed.emit()

    def restore_previous(self) -> None:
        """Leave the drill-down and put back the search and filters set before it."""
        previous, self._previous = self._previous, None
        self.blockSignals(True)
        try:
            self._reset()
            if previous is not None:
                self._apply_state(previous)
        finally:
            self.blockSignals(False)
        self.changed.emit()

    def _combos(self) -> tuple[QComboBox, ...]:
        return (self.street, self.stage, self.star, self.industry, self.officer, self.expiring)

    def _state(self) -> dict:
        return {"search": self.search.text(), "combos": [c.currentIndex() for c in self._combos()],
                "as_of": self.as_of.date(), "flagged": self.flagged.isChecked()}

    def _apply_state(self, state: dict) -> None:
        self.search.setText(state["search"])
        self._timer.stop()
        for combo, i in zip(self._combos(), state["combos"], strict=False):
            combo.setCurrentIndex(i)
        self.as_of.setDate(state["as_of"])
        self.flagged.setChecked(state["flagged"])

    def _reset(self) -> None:
        self.search.clear()
        self._timer.stop()
        for combo in self._combos():
            combo.setCurrentIndex(0)
        self.as_of.setDate(QDate.currentDate())
        self.flagged.setChecked(False)
        self._firm_ids, self._firm_ids_title = None, ""
        self.chip.hide()

    def clear(self) -> None:
        self.blockSignals(True)
        try:
            self._reset()
            self._previous = None
        finally:
            self.blockSignals(False)
        self.changed.emit()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.ShortcutFocusReason)
        self.search.selectAll()
