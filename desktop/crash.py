"""The app's log and what happens when something fails unexpectedly.

- ``<data folder>/logs/xingtu.log``: a rotating log (1 MB × 5 files) of start-up, the ledger opened and
  every unexpected error with its traceback;
- ``<data folder>/logs/crash.log``: faulthandler's dump when Python itself dies (a crash in Qt or SQLite);
- ``sys.excepthook`` and ``threading.excepthook``: an exception nobody caught (a slot, a timer, a thread)
  is logged and shown in a Chinese dialog saying what failed, where, and where the log is. The app
  goes on running; it never vanishes without a word.

The desktop app calls ``install()`` once at start, then ``connect_dialog()`` once its QApplication
exists; ``uninstall()`` puts everything back (tests).
"""
from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

LOG_NAME = "xingtu.log"
FAULT_NAME = "crash.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
TITLE = "星图出现意外错误"

log = logging.getLogger("xingtu")


class _State:
    handler: logging.Handler | None = None
    fault_file = None
    fault_was_enabled = False
    previous_hooks: tuple | None = None
    bridge = None                 # a QObject in the main thread that shows the dialog
    showing = False               # a dialog is open: later errors are only logged


def log_folder(data_folder: Path) -> Path:
    return Path(data_folder) / "logs"


def log_file() -> Path | None:
    """The log file in use, or None before ``install()``."""
    handler = _State.handler
    return Path(handler.baseFilename) if isinstance(handler, logging.FileHandler) else None


def install(data_folder: Path) -> Path:
    """Start the log, faulthandler and the hooks; returns the log file. Calling it again changes nothing."""
    if _State.handler is not None:
        return log_file()
    folder = log_folder(data_folder)
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / LOG_NAME, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    _State.handler = handler
    _State.fault_was_enabled = faulthandler.is_enabled()
    _State.fault_file = open(folder / FAULT_NAME, "a", encoding="utf-8")  # noqa: SIM115  (open while the app runs)
    faulthandler.enable(file=_State.fault_file, all_threads=True)
    _State.previous_hooks = (sys.excepthook, threading.excepthook)
    sys.excepthook = excepthook
    threading.excepthook = _thread_excepthook
    return folder / LOG_NAME


def uninstall() -> None:
    if _State.handler is None:
        return
    if _State.previous_hooks:
        sys.excepthook, threading.excepthook = _State.previous_hooks
    faulthandler.disable()
    if _State.fault_was_enabled and sys.__stderr__ is not None:
        faulthandler.enable(file=sys.__stderr__)
    if _State.fault_file is not None:
        _State.fault_file.close()
    logging.getLogger().removeHandler(_State.handler)
    _State.handler.close()
    logging.captureWarnings(False)
    _State.handler = _State.fault_file = _State.previous_hooks = _State.bridge = None
    _State.showing = False


def where(tb) -> str:
    """'file 第 N 行（function）' of the innermost frame of *tb* that is 星图's own code, else the innermost."""
    frames = traceback.extract_tb(tb) if tb is not None else []
    if not frames:
        return "未知位置"
    own = [f for f in frames if any(part in f.filename.replace("\\", "/") for part in
                                    ("/desktop/", "/ui/", "/db/", "/importers/", "/pipeline/"))]
    frame = (own or frames)[-1]
    name = frame.filename.replace("\\", "/")
    for root in ("desktop/", "ui/", "db/", "importers/", "pipeline/"):
        if "/" + root in name:
            name = root + name.rsplit("/" + root, 1)[1]
            break
    else:
        name = Path(name).name
    return f"{name} 第 {frame.lineno} 行（{frame.name}）"


def message(exc: BaseException, tb=None) -> str:
    """The dialog's text: what failed, where, where the log is."""
    what = f"{type(exc).__name__}：{exc}" if str(exc) else type(exc).__name__
    path = log_file()
    log_line = f"详细信息已写入日志：{path}" if path else "没有日志文件（日志未能建立）"
    return (f"刚才的操作没有完成，程序出现了意外错误。\n\n错误：{what}\n位置：{where(tb or exc.__traceback__)}\n\n"
            f"{log_line}\n请把这个文件发给维护人员。已经保存的数据不受影响，可以继续使用；如再次出错，请重新启动星图。")


def excepthook(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    log.critical("未处理的异常：%s", where(tb), exc_info=(exc_type, exc, tb))
    report(exc, tb)


def _thread_excepthook(args) -> None:
    if args.exc_type is SystemExit:
        return
    log.critical("线程 %s 中未处理的异常", getattr(args.thread, "name", "?"),
                 exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
    if args.exc_value is not None:
        report(args.exc_value, args.exc_traceback)


def report(exc: BaseException, tb=None) -> None:
    """Show the dialog in the main thread (posted there from any other thread); stderr without a QApplication."""
    text = message(exc, tb)
    app = QApplication.instance()
    if isinstance(app, QApplication) and QThread.currentThread() is app.thread():
        show_dialog(text)
    elif isinstance(app, QApplication) and _State.bridge is not None:
        _State.bridge.show.emit(text)
    elif sys.stderr is not None:                  # no window to show it in: the log has it too
        sys.stderr.write(text + "\n")


class _Bridge(QObject):
    """Lives in the main thread: a dialog requested from another thread is shown there (queued signal)."""
    show = Signal(str)


def connect_dialog() -> None:
    """Call in the main thread once the QApplication exists: lets other threads post the dialog to it."""
    if _State.bridge is None:
        _State.bridge = _Bridge()
        _State.bridge.show.connect(show_dialog)


def show_dialog(text: str) -> None:
    if _State.showing:           # an error while the dialog is open (e.g. in every repaint): logged only
        return
    _State.showing = True
    try:
        box = QMessageBox(QMessageBox.Critical, TITLE, text, parent=QApplication.activeWindow())
        box.addButton("知道了", QMessageBox.AcceptRole)
        box.setTextInteractionFlags(box.textInteractionFlags() | Qt.TextSelectableByMouse)
        box.exec()
        box.deleteLater()
    finally:
        _State.showing = False
