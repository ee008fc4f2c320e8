"""Logging and crashes: the rotating log and faulthandler's file in the data folder, the excepthook's
Chinese dialog (what failed, where, where the log is), errors from other threads shown in the main thread,
and a start-up failure reported instead of the app vanishing."""
from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import sys
import threading

import pytest

from desktop import crash


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    yield tmp_path / "data"
    crash.uninstall()


@pytest.fixture
def dialogs(monkeypatch):
    """The crash dialog's texts, instead of showing it (QMessageBox.exec would block)."""
    from PySide6.QtWidgets import QMessageBox
    shown = []

    def fake_exec(box):
        shown.append((box.windowTitle(), box.text()))
        return 0
    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return shown


def _fail_in_app_code():
    from desktop.version import pyproject_version
    pyproject_version(None)          # TypeError raised inside desktop/version.py


def test_install_starts_a_rotating_log_and_faulthandler_in_the_data_folder(data):
    from desktop.version import data_folder
    path = crash.install(data_folder())
    assert path == data / "logs" / "xingtu.log"
    logging.getLogger("xingtu").info("测试记录")
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler))
    handler.flush()
    assert "测试记录" in path.read_text(encoding="utf-8")
    assert (handler.maxBytes, handler.backupCount) == (crash.MAX_BYTES, crash.BACKUP_COUNT)
    assert faulthandler.is_enabled() and (data / "logs" / "crash.log").exists()
    assert sys.excepthook is crash.excepthook and threading.excepthook is crash._thread_excepthook
    assert crash.install(data_folder()) == path            # a second call changes nothing
    crash.uninstall()
    assert sys.excepthook is not crash.excepthook and crash.log_file() is None


def test_an_uncaught_error_shows_a_chinese_dialog_and_is_logged(data, qapp, dialogs):
    log_path = crash.install(data)
    try:
        _fail_in_app_code()
    except TypeError:
        sys.excepthook(*sys.exc_info())
    assert len(dialogs) == 1
    title, text = dialogs[0]
    assert title == "星图出现意外错误"
    assert "错误：TypeError" in text
    assert "位置：desktop/version.py 第" in text and "（pyproject_version）" in text
    assert f"详细信息已写入日志：{log_path}" in text
    logged = log_path.read_text(encoding="utf-8")
    assert "未处理的异常" in logged and "Traceback" in logged and "TypeError" in logged


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_slot_reaches_the_dialog(data, qapp, qtbot, dialogs):
    from PySide6.QtCore import QTimer
    crash.install(data)
    QTimer.singleShot(0, _fail_in_app_code)
    qtbot.waitUntil(lambda: len(dialogs) == 1, timeout=3000)
    assert "TypeError" in dialogs[0][1]


def test_an_error_in_another_thread_is_shown_in_the_main_thread(data, qapp, qtbot, dialogs):
    from PySide6.QtCore import QThread
    crash.install(data)
    crash.connect_dialog()
    seen_in = []
    from PySide6.QtWidgets import QMessageBox
    record = QMessageBox.exec

    def exec_and_note_thread(box):
        seen_in.append(QThread.currentThread() is qapp.thread())
        return record(box)
    QMessageBox.exec = exec_and_note_thread
    try:
        t = threading.Thread(target=_fail_in_app_code, name="后台")
        t.start()
        t.join()
        qtbot.waitUntil(lambda: len(dialogs) == 1, timeout=3000)
    finally:
        QMessageBox.exec = record
    assert seen_in == [True]
    assert "线程 后台 中未处理的异常" in (data / "logs" / "xingtu.log").read_text(encoding="utf-8")


def test_errors_while_the_dialog_is_open_are_logged_not_stacked(data, qapp, monkeypatch):
    from PySide6.QtWidgets import QMessageBox
    crash.install(data)
    opened = []

    def exec_raising_again(box):
        opened.append(box.text())
        try:
            _fail_in_app_code()             # e.g. a paint event failing again behind the dialog
        except TypeError:
            crash.excepthook(*sys.exc_info())
        return 0
    monkeypatch.setattr(QMessageBox, "exec", exec_raising_again)
    try:
        _fail_in_app_code()
    except TypeError:
        crash.excepthook(*sys.exc_info())
    assert len(opened) == 1
    assert (data / "logs" / "xingtu.log").read_text(encoding="utf-8").count("未处理的异常") == 2


def test_a_failure_while_the_window_is_built_is_shown_not_silent(data, qapp, dialogs, monkeypatch, tmp_path):
    import desktop.main_window
    from desktop import app

    def broken(*_a, **_k):
        raise RuntimeError("窗口建不起来")
    monkeypatch.setattr(desktop.main_window, "MainWindow", broken)
    assert app.run(str(tmp_path / "ledger.db")) == 1
    assert len(dialogs) == 1 and "RuntimeError：窗口建不起来" in dialogs[0][1]
    logged = (data / "logs" / "xingtu.log").read_text(encoding="utf-8")
    assert "启动" in logged and "窗口建不起来" in logged


def test_where_names_the_apps_own_innermost_frame():
    try:
        _fail_in_app_code()
    except TypeError as exc:
        assert crash.where(exc.__traceback__).startswith("desktop/version.py 第 ")
    assert crash.where(None) == "未知位置"
