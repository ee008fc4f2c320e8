"""Start the desktop app: QApplication (name 星图, a CJK-capable font), open the ledger, show the window.

pandas, openpyxl and pyqtgraph are not imported here: the window is on screen before any of
them loads (tests/desktop/test_startup.py checks sys.modules).
"""
from __future__ import annotations

import sys
from pathlib import Path

CJK_FONTS = ["Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC",
             "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "SimHei", "SimSun"]


def setup_application(argv=None):
    """The QApplication with names and a font that can show Chinese (reused if one exists)."""
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    from desktop.settings import APPLICATION, ORGANISATION
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    from desktop.i18n import install_chinese  # noqa: PLC0415
    install_chinese(app)                      # Qt's own texts (buttons, file dialogs, menus) in Chinese
    families = set(QFontDatabase.families())
    chosen = [f for f in CJK_FONTS if f in families]
    if chosen:
        font = QFont(app.font())
        font.setFamilies([chosen[0], *chosen[1:], *font.families()])
        font.setPointSize(max(font.pointSize(), 10))
        app.setFont(font)
    return app


def open_ledger_for_window(path, create: bool = True):
    """Open for writing when no other program writes it, else read-only (``ledger.readonly_reason``)."""
    from db.ledger import Ledger
    return Ledger(Path(path), readonly=None, create=create)


def _daily_backup(window) -> None:
    try:
        from db.backup import backup_before  # noqa: PLC0415
    except ImportError:
        return
    ledger = window.ledger
    if ledger.readonly:
        return
    path = ledger.path

    def job(progress, cancelled):
        from db.ledger import Ledger  # noqa: PLC0415  (its own read-only connection in this thread)
        with Ledger(path, readonly=True) as ro:
            return backup_before(ro, "daily")
    window.workers.start(job, on_failed=lambda m: window.statusBar().showMessage(f"每日自动备份失败：{m}", 20000))


def run(db_path=None) -> int:
    app = setup_application()
    from PySide6.QtCore import QTimer

    from db.connection import LedgerError
    from db.paths import default_ledger_path
    from desktop import dialogs
    from desktop.main_window import MainWindow
    from desktop.settings import Settings
    settings = Settings()
    path = Path(db_path) if db_path else default_ledger_path()
    try:
        ledger = open_ledger_for_window(path)
    except LedgerError as exc:
        dialogs.warn(None, "无法打开台账", str(exc))
        return 2
    window = MainWindow(ledger, settings)
    settings.add_recent(str(path.resolve()))
    window.show()
    QTimer.singleShot(0, window.first_use)   # once: ask the officer's name (for the audit log)
    QTimer.singleShot(2000, lambda: _daily_backup(window))
    code = app.exec()
    ledger = window.ledger
    if ledger is not None:
        ledger.close()
    return code
