"""Every setting of the desktop app, declared once with its default (stored with QSettings).

Organisation "xingtu", application "星图". Tests point QSettings at a temporary folder
(tests/ui/conftest.py) so nothing touches the user's real settings.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QSettings

ORGANISATION = "xingtu"
APPLICATION = "星图"
MAX_RECENT = 8


@dataclass(frozen=True)
class Option:
    key: str
    default: object
    kind: type
    doc: str


OPTIONS: dict[str, Option] = {o.key: o for o in (
    Option("window/geometry", QByteArray(), QByteArray, "主窗口位置与大小"),
    Option("window/state", QByteArray(), QByteArray, "工具栏与停靠窗口布局"),
    Option("ledger/header", QByteArray(), QByteArray, "台账表格的列宽、列顺序、隐藏列与排序"),
    Option("ledger/recent", [], list, "最近打开的台账文件"),
    Option("ledger/last", "", str, "上次打开的台账文件"),
    Option("paths/import_dir", "", str, "上次导入文件所在文件夹"),
    Option("paths/export_dir", "", str, "上次导出文件夹"),
    Option("paths/ledger_dir", "", str, "上次打开/新建台账的文件夹"),
    Option("user/officer", "", str, "我的姓名（写入修改记录）"),
    Option("user/asked_officer", 0, int, "首次启动时是否已询问过姓名（只问一次）"),
    Option("ledger/expiring_days", 90, int, "“即将到期”筛选的默认天数"),
    Option("shared/host", "", str, "共享台账：服务器"),
    Option("shared/port", 5432, int, "共享台账：端口"),
    Option("shared/database", "", str, "共享台账：数据库"),
    Option("shared/login", "", str, "共享台账：登录名（密码只在系统密码库中）"),
)}


class Settings:
    """Typed access to QSettings; unknown keys are a programming error (KeyError)."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        # the default format: native (the registry on Windows) in the app; INI in a temporary
        # folder when tests (or snapshot) have called QSettings.setDefaultFormat/setPath
        self.q = qsettings or QSettings(QSettings.defaultFormat(), QSettings.UserScope, ORGANISATION, APPLICATION)

    def get(self, key: str):
        opt = OPTIONS[key]
        value = self.q.value(key, opt.default)
        if value is None:
            return opt.default
        if opt.kind is list:
            if isinstance(value, str):
                return [value] if value else []
            return list(value)
        if opt.kind is int:
            try:
                return int(value)
            except (TypeError, ValueError):
                return opt.default
        if opt.kind is QByteArray:
            return value if isinstance(value, QByteArray) else QByteArray()
        return str(value)

    def set(self, key: str, value) -> None:
        OPTIONS[key]  # noqa: B018  (unknown keys raise)
        self.q.setValue(key, value)

    def add_recent(self, path: str) -> list[str]:
        recent = [p for p in self.get("ledger/recent") if p != path]
        recent.insert(0, path)
        recent = recent[:MAX_RECENT]
        self.set("ledger/recent", recent)
        self.set("ledger/last", path)
        return recent

    def sync(self) -> None:
        self.q.sync()
