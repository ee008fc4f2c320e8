"""Small dialogs for the actions on selected firms: pick a value, add a designation, move the star tier."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit)

from ui.dates import DateEdit


def _buttons(dialog: QDialog, ok_text: str = "确定") -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    buttons.button(QDialogButtonBox.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.Cancel).setText("取消")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def _py(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class ChooseDialog(QDialog):
    """Choose one value (officer, street) for the selected firms."""

    def __init__(self, title: str, label: str, items: list[tuple[str, object]], count: int, *,
                 editable: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.combo = QComboBox(editable=editable)
        for text, data in items:
            self.combo.addItem(text, data)
        form = QFormLayout(self)
        form.addRow(QLabel(f"已选 {count} 家企业"))
        form.addRow(label, self.combo)
        form.addRow(_buttons(self))

    def value(self):
        if self.combo.isEditable():
            text = self.combo.currentText().strip()
            i = self.combo.findText(text)
            return self.combo.itemData(i) if i >= 0 and self.combo.itemData(i) is not None else (text or None)
        return self.combo.currentData()


class DesignationDialog(QDialog):
    """A designation for the selected firms: stage, start date, optional end, evidence, list name."""

    def __init__(self, catalog, count: int, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("添加认定")
        self.stage = QComboBox()
        for s in catalog.stages:
            self.stage.addItem(f"{s.name}（{s.validity_text()}）", s.key)
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
        form.addRow(_buttons(self, "添加"))

    def values(self) -> dict:
        return {"stage_key": self.stage.currentData(), "start": _py(self.start.date()),
                "end": _py(self.end.date()) if self.has_end.isChecked() else None,
                "evidence": self.evidence.text().strip() or None, "list_name": self.list_name.text().strip() or None}


class StarMoveDialog(QDialog):
    def __init__(self, step: int, count: int, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("星级晋升" if step > 0 else "星级下调")
        self.day = DateEdit(QDate.currentDate())
        self.evidence = QLineEdit(placeholderText="依据，如会议纪要或文件号")
        form = QFormLayout(self)
        form.addRow(QLabel(f"已选 {count} 家企业：各{'升' if step > 0 else '降'}一级"))
        form.addRow("生效日期", self.day)
        form.addRow("依据", self.evidence)
        form.addRow(_buttons(self))

    def values(self) -> dict:
        return {"day": _py(self.day.date()), "evidence": self.evidence.text().strip() or None}
