"""Start the desktop app: QApplication (name 星图, icon, a CJK-capable font, Qt's Chinese translations),
the log and the crash dialog, open the ledger, show the window.

pandas, openpyxl and pyqtgraph are not imported here: the window is on screen before any of
them loads (tests/desktop/test_startup.py checks sys.modules).

``XINGTU_STARTUP_PROBE=1`` (a measurement aid: packaging/measure_start.py, the smoke test of the frozen
program): once the ledger table has painted, print ``FIRST_PAINT`` and quit.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

PROBE = "XINGTU_STARTUP_PROBE"
# How long a Python thread keeps the interpreter (the GIL) before handing it to another that waits (Python's
# default: 5 ms). The UI thread paints the ledger table through hundreds of calls into Python while the table's
# searches run in background threads (ui/ledger/background.py); at each call it may wait that long for them. At
# 1 ms the slowest search keystroke on a busy 2-core machine went from 52 to 37 ms (shared ledger, 1M firms,
# median) and from 47 to 30 ms on the file. A thread alone (an import while the window idles) is not affected.
GIL_SWITCH_S = 0.001
log = logging.getLogger("xingtu")


def setup_application(argv=None):
    """The QApplication with names, icon, a font that can show Chinese and Qt's Chinese texts (reused if one exists),
    and the interpreter's thread switch interval of a window (GIL_SWITCH_S)."""
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    from desktop.settings import APPLICATION, ORGANISATION
    from ui.fonts import cjk_families
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    sys.setswitchinterval(GIL_SWITCH_S)
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    chosen = cjk_families(QFontDatabase.families())
    if chosen:
        font = QFont(app.font())
        font.setFamilies([*chosen, *font.families()])
        font.setPointSize(max(font.pointSize(), 10))
        app.setFont(font)
    from desktop.i18n import install_chinese
    install_chinese(app)                      # Qt's own texts (buttons, file dialogs, menus) in Chinese
    _set_icon(app)
    return app


def _set_icon(app) -> None:
    from importlib import resources

    from PySide6.QtGui import QIcon, QPixmap
    pixmap = QPixmap()
    if pixmap.loadFromData(resources.files("resources").joinpath("xingtu.png").read_bytes()):
        app.setWindowIcon(QIcon(pixmap))


def open_ledger_for_window(path, create: bool = True):
    """Open for writing when no other program writes it, else read-only (``ledger.readonly_reason``). A
    postgresql:// address opens the shared ledger there (never created here: ``init`` makes it)."""
    from db.ledger import Ledger
    from db.pg.url import is_url
    if is_url(path):
        return Ledger(str(path), readonly=None, create=False)
    return Ledger(Path(path), readonly=None, create=create)


def _daily_backup(window) -> None:
    try:
        from db.backup import backup_before
    except ImportError:
        return
    ledger = window.ledger
    if ledger is None:               # a restore under way (no ledger in the window, its file being replaced)
        return
    if ledger.readonly or getattr(ledger, "shared", False):     # a shared ledger: the server's pg_dump backups
        return
    path = ledger.path

    def job(progress, cancelled):
        from db.ledger import Ledger  # its own read-only connection in this thread
        with Ledger(path, readonly=True) as ro:
            return backup_before(ro, "daily")
    window.workers.start(job, on_failed=lambda m: window.statusBar().showMessage(f"每日自动备份失败：{m}", 20000))


def run(db_path=None) -> int:
    from desktop import crash
    from desktop.version import data_folder, version
    try:                          # the log first: a failure from here on is written down
        log_path = crash.install(data_folder())
    except OSError as exc:        # an unwritable data folder: the app still starts (the ledger will say why)
        log_path = f"无法建立日志：{exc}"
    log.info("星图 %s 启动（Python %s，%s，%s）；日志 %s", version(), sys.version.split()[0], sys.platform,
             "打包版" if getattr(sys, "frozen", False) else "源码", log_path)
    try:
        app = setup_application()
        crash.connect_dialog()
        return _run_window(app, db_path)
    except Exception as exc:  # noqa: BLE001  (start-up failed: say so, never vanish)
        crash.excepthook(type(exc), exc, exc.__traceback__)
        return 1


def _run_window(app, db_path) -> int:
    from PySide6.QtCore import QTimer

    from db.connection import LedgerError
    from db.paths import default_ledger_path
    from db.pg.url import is_url, safe
    from desktop import dialogs
    from desktop.main_window import MainWindow
    from desktop.settings import Settings
    settings = Settings()
    shared = is_url(db_path)                      # a shared ledger's address (its password never logged or kept)
    path = db_path if shared else Path(db_path) if db_path else default_ledger_path()
    shown = safe(str(path)) if shared else path
    try:
        ledger = open_ledger_for_window(path)
    except LedgerError as exc:
        log.warning("无法打开台账 %s：%s", shown, exc)
        dialogs.warn(None, "无法打开台账", str(exc))
        return 2
    log.info("打开台账 %s%s", shown, "（只读）" if ledger.readonly else "")
    try:
        window = MainWindow(ledger, settings)
    except BaseException:
        ledger.close()            # its lock and heartbeat go with it
        raise
    if not shared:
        settings.add_recent(str(Path(path).resolve()))
    window.show()
    if os.environ.get(PROBE):
        _probe_first_paint(window)
    else:
        QTimer.singleShot(0, window.first_use)   # once: ask the officer's name (for the audit log)
        QTimer.singleShot(2000, lambda: _daily_backup(window))
    code = app.exec()
    ledger = window.ledger
    if ledger is not None:
        ledger.close()
    log.info("星图退出（%s）", code)
    return code


def _probe_first_paint(window) -> None:
    """Print FIRST_PAINT once the ledger table (the start page of an empty ledger, else the window) has painted,
    then quit (start-up measurements)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    panel = getattr(window, "ledger_panel", None)
    shown = panel.stack.currentWidget() if panel is not None else None     # the table, or the start page
    if shown is None:
        target = window
    else:
        target = shown.viewport() if shown is panel.view else shown

    class Watch(QObject):
        done = False

        def eventFilter(self, obj, event):  # noqa: N802 (Qt API)
            if event.type() == QEvent.Paint and not self.done:
                self.done = True
                sys.stdout.write("FIRST_PAINT\n")
                sys.stdout.flush()
                QTimer.singleShot(0, window.close)
            return False

    watch = Watch(window)
    target.installEventFilter(watch)
    target.update()
