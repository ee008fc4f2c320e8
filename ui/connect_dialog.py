"""文件 → 连接共享台账…: the server, database and login of a shared ledger (PostgreSQL), and the password, either
typed or kept in the system's keyring (desktop/credentials.py decides whether it can be kept)."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from ui.bulk import ok_cancel

INTRO = ("共享台账保存在单位的 PostgreSQL 数据库服务器上，全区各街道共用一份台账，"
         "每人只能查看、修改自己负责街道的企业。服务器地址、数据库名和登录名请向管理员索取。")


@dataclass(frozen=True)
class SharedLogin:
    host: str
    port: int
    database: str
    login: str
    password: str          # "" when none typed (a kept one, or the server trusts this computer)
    remember: bool


class ConnectDialog(QDialog):
    """Asks for a shared ledger's address and login. ``keyring_problem``: why passwords cannot be kept on this
    computer (the box to remember is then off and says so), or None."""

    def __init__(self, parent=None, *, host: str = "", port: int = 5432, database: str = "", login: str = "",
                 has_kept_password: bool = False, keyring_problem: str | None = None, attempt=None) -> None:
        super().__init__(parent)
        self.attempt = attempt      # callable(SharedLogin) -> None when it connected, else why not (in Chinese)
        self.setWindowTitle("连接共享台账")
        self.setMinimumWidth(460)
        intro = QLabel(INTRO)
        intro.setWordWrap(True)
        self.host = QLineEdit(host)
        self.host.setPlaceholderText("如 192.168.1.20 或 kjj-server")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(port)
        self.database = QLineEdit(database)
        self.database.setPlaceholderText("如 xingtu")
        self.login = QLineEdit(login)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText("已保存，无需再输入" if has_kept_password else "")
        self.remember = QCheckBox("记住密码（保存在系统密码库中）")
        self.remember.setChecked(has_kept_password and keyring_problem is None)
        if keyring_problem:
            self.remember.setEnabled(False)
            self.remember.setToolTip(keyring_problem)
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        for label, field in (("服务器：", self.host), ("端口：", self.port), ("数据库：", self.database),
                             ("登录名：", self.login), ("密码：", self.password)):
            form.addRow(label, field)
        form.addRow("", self.remember)
        buttons = ok_cancel(self, "连接")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        if keyring_problem:
            note = QLabel(keyring_problem)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        (self.password if host and database and login else self.host).setFocus()

    def missing(self) -> str | None:
        """What must still be filled in, in Chinese, or None."""
        empty = [name for name, field in (("服务器", self.host), ("数据库", self.database), ("登录名", self.login))
                 if not field.text().strip()]
        return f"请填写{'、'.join(empty)}" if empty else None

    def accept(self) -> None:
        """Close only when the connection worked: a failed one keeps everything typed and says why, here."""
        problem = self.missing()
        if problem is None and self.attempt is not None:
            self.problem.setText("正在连接…")
            self.setEnabled(False)
            QGuiApplication.setOverrideCursor(Qt.WaitCursor)
            QApplication.processEvents()                # show 正在连接… before the connection is tried
            try:
                problem = self.attempt(self.value())
            finally:
                QGuiApplication.restoreOverrideCursor()
                self.setEnabled(True)
        if problem:
            self.problem.setText(problem)
            (self.password if self.host.text().strip() and self.database.text().strip()
             and self.login.text().strip() else self.host).setFocus()
            return
        self.problem.setText("")
        super().accept()

    def value(self) -> SharedLogin:
        return SharedLogin(self.host.text().strip(), self.port.value(), self.database.text().strip(),
                           self.login.text().strip(), self.password.text(), self.remember.isChecked())
