"""Small dialogs for the actions on selected firms: pick a value, add a designation, move the star tier, end the
designations of firms that left the district or closed."""
from __future__ import annotations

from collections import Counter
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
)

from ui.dates import DateEdit
from ui.geometry import fit_to_screen

PREVIEW_ROWS = 500


def ok_cancel(dialog: QDialog, ok_text: str = "确定", on_ok=None) -> QDialogButtonBox:
    """The OK and 取消 buttons of a dialog, in Chinese; OK runs *on_ok* (default: ``dialog.accept``)."""
    buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    buttons.button(QDialogButtonBox.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.Cancel).setText("取消")
    buttons.accepted.connect(on_ok or dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def _py(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


def preview_table(headers: list[str], stretch: int) -> QTableWidget:
    """The read-only table a dialog lists its plan in, column *stretch* taking the room, the others their text's."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QTableWidget.NoEditTriggers)
    table.verticalHeader().hide()
    for col in range(len(headers)):
        table.horizontalHeader().setSectionResizeMode(
            col, QHeaderView.Stretch if col == stretch else QHeaderView.ResizeToContents)
    return table


def fill_preview(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    """The first PREVIEW_ROWS of *rows* in *table*, each cell's text in its tooltip too (long names)."""
    table.setRowCount(min(len(rows), PREVIEW_ROWS))
    for i, row in enumerate(rows[:PREVIEW_ROWS]):
        for j, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(i, j, item)


class ChooseDialog(QDialog):
    """Choose one value (officer, street) for the selected firms. Nothing is chosen beforehand: 确定 stays
    disabled until the person picks (or types) a value, so Enter alone never moves firms anywhere."""

    def __init__(self, title: str, label: str, items: list[tuple[str, object]], count: int, *,
                 editable: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.combo = QComboBox(editable=editable)
        for text, data in items:
            self.combo.addItem(text, data)
        self.combo.setCurrentIndex(-1)
        self.combo.setPlaceholderText("请选择或输入…" if editable else "请选择…")
        if editable:
            self.combo.lineEdit().setPlaceholderText("请选择或输入姓名…")
            self.combo.lineEdit().clear()
            self.combo.editTextChanged.connect(lambda _t: self._enable())
        self.combo.currentIndexChanged.connect(lambda _i: self._enable())
        form = QFormLayout(self)
        form.addRow(QLabel(f"已选 {count} 家企业"))
        form.addRow(label, self.combo)
        self.buttons = ok_cancel(self)
        form.addRow(self.buttons)
        self._enable()
        fit_to_screen(self, (420, 160))

    def _enable(self) -> None:
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(self.value() is not None)

    def value(self):
        if self.combo.isEditable():
            text = self.combo.currentText().strip()
            i = self.combo.findText(text)
            return self.combo.itemData(i) if i >= 0 and self.combo.itemData(i) is not None else (text or None)
        return self.combo.currentData() if self.combo.currentIndex() >= 0 else None


class DesignationDialog(QDialog):
    """A designation for the selected firms: stage, start date, optional end, evidence, list name."""

    def __init__(self, catalog, count: int, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("添加认定")
        self.stage = QComboBox()
        for s in catalog.stages:
            self.stage.addItem(f"{s.name}（{s.validity_text()}）", s.key)
        self.stage.setCurrentIndex(-1)                 # nothing chosen beforehand
        self.stage.setPlaceholderText("请选择认定类别…")
        self.start = DateEdit(QDate.currentDate())
        self.has_end = QCheckBox("指定结束日期（不填则按有效期推算）")
        self.end = DateEdit(QDate.currentDate().addYears(3))
        self.end.setEnabled(False)
        self.has_end.toggled.connect(self.end.setEnabled)
        self.evidence = QLineEdit(placeholderText="证书编号，如 GR202342001234")
        self.list_name = QLineEdit(placeholderText="名单或文件名称")
        form = QFormLayout(self)
        form.addRow(QLabel(f"已选 {count} 家企业"))
        form.addRow("认定类别", self.stage)
        form.addRow("认定日期", self.start)
        form.addRow(self.has_end, self.end)
        form.addRow("证书编号", self.evidence)
        form.addRow("名单", self.list_name)
        self.buttons = ok_cancel(self, "添加")
        form.addRow(self.buttons)
        ok = self.buttons.button(QDialogButtonBox.Ok)
        ok.setEnabled(False)
        self.stage.currentIndexChanged.connect(lambda i: ok.setEnabled(i >= 0))
        fit_to_screen(self, (520, 320))

    def values(self) -> dict:
        return {"stage_key": self.stage.currentData(), "start": _py(self.start.date()),
                "end": _py(self.end.date()) if self.has_end.isChecked() else None,
                "evidence": self.evidence.text().strip() or None, "list_name": self.list_name.text().strip() or None}


class StarMoveDialog(QDialog):
    """Promote or demote the star tier; before anything is written it lists what each firm becomes
    (*preview*: callable(day) -> [(firm name, tier now, tier after or None)], the plan the move applies)."""

    def __init__(self, step: int, count: int, preview=None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("星级晋升" if step > 0 else "星级下调")
        self.step, self._preview = step, preview
        self.day = DateEdit(QDate.currentDate())
        self.evidence = QLineEdit(placeholderText="依据，如会议纪要或文件号")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = preview_table(["企业", "现在", "调整后"], stretch=0)        # whole firm names
        form = QFormLayout(self)
        form.addRow(QLabel(f"已选 {count} 家企业：各{'升' if step > 0 else '降'}一级"))
        form.addRow("生效日期", self.day)
        form.addRow("依据", self.evidence)
        form.addRow(self.summary)
        form.addRow(self.table)
        self.buttons = ok_cancel(self, "晋升" if step > 0 else "下调")
        form.addRow(self.buttons)
        self.table.setVisible(preview is not None)
        self.day.dateChanged.connect(lambda _d: self.refresh())
        self.refresh()
        fit_to_screen(self, (720, 520))

    def refresh(self) -> None:
        """What each firm becomes on the chosen day (firms shown: the first PREVIEW_ROWS)."""
        if self._preview is None:
            return
        plan = self._preview(_py(self.day.date()))
        moves = Counter((now, after) for _n, now, after in plan if after is not None)
        kept = sum(1 for _n, _now, after in plan if after is None)
        parts = [f"{now} → {after} {n} 家" for (now, after), n in moves.items()]
        if kept:
            parts.append(f"{kept} 家已在{'最高' if self.step > 0 else '最低'}星级或无星级，不变")
        self.summary.setText("调整后：" + "；".join(parts))
        fill_preview(self.table, [(name, now, after or "不变") for name, now, after in plan])
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(bool(moves))

    def values(self) -> dict:
        return {"day": _py(self.day.date()), "evidence": self.evidence.text().strip() or None}


class LeaveDialog(QDialog):
    """迁出或注销: the day the selected firms left the district (or closed); before anything is written it lists
    the designations each firm holds that day, which end then (*preview*: callable(day) -> [(firm name, [stage
    names])], the plan the command applies)."""

    def __init__(self, count: int, preview, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("迁出或注销")
        self._preview = preview
        self.day = DateEdit(QDate.currentDate())
        note = QLabel(f"已选 {count} 家企业：自所填日期起，它们当日有效的认定全部结束，不再计入该日及以后的数字；"
                      "此前的记录保留，往年的数字不变（移入回收站则连往年的数字一并去掉，只用于误录的企业）。")
        note.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = preview_table(["企业", "将结束的认定"], stretch=1)
        form = QFormLayout(self)
        form.addRow(note)
        form.addRow("迁出或注销日期", self.day)
        form.addRow(self.summary)
        form.addRow(self.table)
        self.buttons = ok_cancel(self, "结束这些认定")
        form.addRow(self.buttons)
        self.day.dateChanged.connect(lambda _d: self.refresh())
        self.refresh()
        fit_to_screen(self, (720, 520))

    def refresh(self) -> None:
        plan = self._preview(_py(self.day.date()))
        ending = sum(len(stages) for _n, stages in plan)
        firms = sum(1 for _n, stages in plan if stages)
        self.summary.setText(f"将结束 {firms} 家企业的 {ending} 项认定" + (
            f"；{len(plan) - firms} 家在该日没有有效的认定，不变" if firms < len(plan) else ""))
        fill_preview(self.table, [(name, "、".join(stages) or "（无）") for name, stages in plan])
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(ending > 0)

    def values(self) -> dict:
        return {"day": _py(self.day.date())}
