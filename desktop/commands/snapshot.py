"""snapshot: render the main screens headless to PNG at 1366×768, the most common office laptop
(for the README and for review).

ledger.png (the table with filters), firm.png (a firm file), import.png (the validation preview
of a generated messy list with warnings), dashboard.png (when the dashboard exists), help.png (the
guide under 帮助). The ledger is only read: the import is previewed, never committed. The screens are drawn
from a copy in a temporary folder: of the file, or of a shared ledger as far as its login may read it (pull).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from desktop.commands.common import existing_ledger

SIZE = (1366, 768)              # the screen's pixels; at a scale above 1 the window is that much smaller in points
FIRM_SIZE = (1100, 680)


def register(sub) -> None:
    p = sub.add_parser("snapshot", help="把主要界面渲染为 PNG（1366×768，无需屏幕）")
    p.add_argument("--db", required=True, help="台账文件或共享台账地址（只读取，不修改）")
    p.add_argument("--out", required=True, help="输出文件夹")
    p.add_argument("--scale", type=float, default=None,
                   help="Windows 显示缩放比例，如 1.25：按 1366×768 屏幕在 125%% 缩放下的样子渲染"
                        "（窗口约 1093×614，图片仍为 1366×768 像素）；默认取 QT_SCALE_FACTOR，未设则为 1")
    p.set_defaults(func=run)


def _settle(app, rounds: int = 8) -> None:
    for _ in range(rounds):
        app.processEvents()


def _wait(app, until, seconds: float = 60.0) -> None:
    import time
    end = time.monotonic() + seconds
    while not until() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def logical_size(scale: float, size: tuple[int, int] = SIZE) -> tuple[int, int]:
    """The window in device-independent pixels on a screen of *size* pixels at *scale* (1.25: 1093×614)."""
    return round(size[0] / scale), round(size[1] / scale)


def run(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if getattr(args, "scale", None):
        if not 0.5 <= args.scale <= 4:
            print("缩放比例应在 0.5 与 4 之间，如 1.25")
            return 2
        os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"     # read when the application is made, just below
    from db.engine import is_url
    source = args.db if is_url(args.db) else existing_ledger(args.db)
    out = Path(args.out)
    work = Path(tempfile.mkdtemp(prefix="xingtu-snapshot-"))
    written = []
    try:
        db = _copy(source, work)                            # a copy: the snapshot writes nothing
        out.mkdir(parents=True, exist_ok=True)
        from desktop.app import setup_application
        app = setup_application()
        _quiet_offscreen()
        from PySide6.QtCore import QSettings
        QSettings.setDefaultFormat(QSettings.IniFormat)
        QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(work))   # never the user's settings
        written = _render(app, db, out, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for p in written:
        print(f"已生成 {p}")
    return 0


def _quiet_offscreen() -> None:
    """The offscreen platform says "This plugin does not support raise()" (and propagateSizeHints()) for every
    window shown: English lines among 已生成 … that read like a failure to the person who ran make snapshot.
    Those are dropped; every other Qt message is written as Qt would."""
    import sys

    from PySide6.QtCore import qInstallMessageHandler

    def handler(_mode, _context, message: str) -> None:
        if not message.startswith("This plugin does not support"):
            sys.stderr.write(message + "\n")
    qInstallMessageHandler(handler)


def _copy(source, work: Path) -> Path:
    """The ledger to draw, copied into *work*: a file by VACUUM INTO, a shared ledger by pull (what its login may
    read)."""
    db = work / "ledger.db"
    if isinstance(source, str):
        from db.pg.pull import pull
        pull(source, db)
        return db
    from db.ledger import Ledger
    with Ledger(source, readonly=True) as ro:
        ro.conn.execute(f"VACUUM INTO '{db}'")
    return db


def _render(app, db: Path, out: Path, work: Path) -> list[Path]:
    from PySide6.QtCore import QDate

    from desktop.app import open_ledger_for_window
    from desktop.main_window import MainWindow
    from desktop.sample_list import existing_firms, write_sample_list
    from desktop.settings import Settings
    ledger = open_ledger_for_window(db)
    win = MainWindow(ledger, Settings())
    size = logical_size(app.devicePixelRatio())         # QT_SCALE_FACTOR (or --scale): the same screen, scaled
    win.resize(*size)
    win.show()
    _settle(app)
    written = []
    try:
        panel = win.ledger_panel
        f = panel.filters
        f.street.setCurrentIndex(max(0, f.street.findText("积玉桥")))
        f.stage.setCurrentIndex(max(0, f.stage.findText("高新技术企业")))
        f.as_of.setDate(QDate(2025, 6, 30))
        panel.set_search_now("科技")
        _wait(app, lambda: not panel.model.busy)
        panel.view.selectRow(2)
        _settle(app)
        written.append(_grab(win, out / "ledger.png"))

        f.clear()
        _wait(app, lambda: not panel.model.busy)
        fid = _firm_with_history(ledger)
        dlg = win.open_firm(fid)
        dlg.resize(min(FIRM_SIZE[0], size[0] - 40), min(FIRM_SIZE[1], size[1] - 40))
        dlg.tabs.setCurrentIndex(1)
        _settle(app)
        written.append(_grab(dlg, out / "firm.png", frame=win))
        dlg.close()

        sample = write_sample_list(work / "2023年第二批拟认定高新技术企业名单.xlsx", existing_firms(ledger))
        from ui.importer.wizard import ImportWizard
        wiz = ImportWizard(ledger, sample, win.workers, win)
        wiz.resize(*size)
        wiz.show()
        wiz.next()
        _wait(app, lambda: wiz.plan is not None or bool(wiz.mapping.message.text()))
        if wiz.plan is not None:
            wiz.next()
            _settle(app)
            written.append(_grab(wiz, out / "import.png"))
        wiz.close()

        dash = win.show_tab("看板")
        if dash is not None and type(dash).__name__ == "DashboardPanel":
            years = dash.dash.years()
            if years:                   # the latest year that has targets (the current one may have none yet)
                from ui.dashboard.source import default_as_of
                dash.set_context(max(years), default_as_of(max(years)), None)
            _settle(app, 20)
            written.append(_grab(win, out / "dashboard.png"))

        win.menu_actions.do_help()
        help_dialog = win.menu_actions._help
        _settle(app)
        written.append(_grab(help_dialog, out / "help.png", frame=win))
        help_dialog.close()
    finally:
        win.close()
        ledger.close()
    return written


def _firm_with_history(ledger) -> int:
    from db import firm_file
    best, best_n = 1, -1
    for fid in range(1, 400):
        f = firm_file.firm(ledger.conn, fid)
        if not f or f["deleted_at"]:
            continue
        n = len(firm_file.timeline(ledger.conn, ledger.catalog(), fid)) + 2 * len(firm_file.aliases(ledger.conn, fid))
        if n > best_n:
            best, best_n = fid, n
    return best


def _grab(widget, path: Path, frame=None) -> Path:
    pix = widget.grab()
    if frame is not None:   # a dialog: draw it over the main window, as a person sees it
        from PySide6.QtGui import QPainter
        back = frame.grab()
        painter = QPainter(back)
        painter.fillRect(back.rect(), _shade())
        x = max(0, (back.width() - pix.width()) // 2)
        y = max(0, (back.height() - pix.height()) // 2)
        painter.drawPixmap(x, y, pix)
        painter.end()
        pix = back
    pix.save(str(path))
    return path


def _shade():
    from PySide6.QtGui import QColor
    return QColor(0, 0, 0, 60)
