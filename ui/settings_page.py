"""设置: who I am (written to the audit log), default expiry window, where the ledger and backups live."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget


class SettingsPage(QWidget):
    officerChanged = Signal(str)

    def __init__(self, settings, ledger, backup_dir: str = "", parent=None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.officer = QLineEdit(settings.get("user/officer"))
        self.officer.setPlaceholderText("您的姓名，写入每一条修改记录")
        self.days = QSpinBox(minimum=1, maximum=1095, suffix=" 天")
        self.days.setValue(settings.get("ledger/expiring_days"))
        save = QPushButton("保存设置")
        save.clicked.connect(self.save)
        form = QFormLayout()
        form.addRow("我的姓名", self.officer)
        form.addRow("“即将到期”默认天数", self.days)
        form.addRow("当前台账文件", QLabel(str(ledger.path)))
        form.addRow("备份文件夹", QLabel(backup_dir or "（默认）"))
        form.addRow("", save)
        self.status = QLabel()
        box = QVBoxLayout(self)
        box.addLayout(form)
        box.addWidget(self.status)
        box.addStretch(1)

    def save(self) -> None:
        self.settings.set("user/officer", self.officer.text().strip())
        self.settings.set("ledger/expiring_days", self.days.value())
        self.settings.sync()
        self.status.setText("已保存")
        self.officerChanged.emit(self.officer.text().strip())
