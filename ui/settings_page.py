"""设置: who I am (written to the audit log), default expiry window, where the ledger and backups live."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

COLUMN_WIDTH = 640      # the form's width: fields and the button do not stretch across a wide window


def _path_label(text: str) -> QLabel:
    """A path shown whole (wrapped within the form's width, not cut) and selectable to copy."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


class SettingsPage(QWidget):
    officerChanged = Signal(str)

    def __init__(self, settings, ledger, backup_dir: str = "", parent=None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.officer = QLineEdit(settings.get("user/officer"))
        self.officer.setPlaceholderText("您的姓名，写入每一条修改记录")
        self.days = QSpinBox(minimum=1, maximum=1095, suffix=" 天")
        self.days.setValue(settings.get("ledger/expiring_days"))
        self.save_button = save = QPushButton("保存设置")
        save.clicked.connect(self.save)
        self.officer.returnPressed.connect(self.save)             # Enter in a field saves, as in a dialog
        self.days.lineEdit().returnPressed.connect(self.save)
        column = QWidget()
        column.setMaximumWidth(COLUMN_WIDTH)
        form = QFormLayout(column)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("我的姓名", self.officer)
        form.addRow("“即将到期”默认天数", self.days)
        form.addRow("当前台账文件", _path_label(str(ledger.path)))
        form.addRow("备份文件夹", _path_label(backup_dir or "（默认）"))
        self.status = QLabel()
        buttons = QHBoxLayout()             # a normal-size button at the right (Qt's place for a page's action)
        buttons.addWidget(self.status)
        buttons.addStretch(1)
        buttons.addWidget(save)
        form.addRow(buttons)
        box = QVBoxLayout(self)
        box.addWidget(column)
        box.addStretch(1)

    def pending(self) -> bool:
        """Something typed here and not saved yet."""
        return (self.officer.text().strip() != (self.settings.get("user/officer") or "")
                or self.days.value() != self.settings.get("ledger/expiring_days"))

    def hideEvent(self, event) -> None:
        """Leaving the page (another tab, the window closed) saves what was typed: a name typed and left unsaved
        was dropped, the person's next changes written to the audit log under the previous officer's name."""
        if self.pending():
            self.save()
        super().hideEvent(event)

    def save(self) -> None:
        self.settings.set("user/officer", self.officer.text().strip())
        self.settings.set("ledger/expiring_days", self.days.value())
        self.settings.sync()
        self.status.setText("已保存")
        self.officerChanged.emit(self.officer.text().strip())
