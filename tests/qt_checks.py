"""GUI test set-up, shared by tests/ui and tests/desktop (their conftest.py import these fixtures): settings
in a temporary folder, and (napari-style) a test fails when it leaves a top-level widget open or a thread
running."""
from __future__ import annotations

import gc
import threading

import pytest


@pytest.fixture(autouse=True)
def _temporary_settings(tmp_path_factory, qapp):
    from PySide6.QtCore import QSettings
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder))
    yield folder


def _busy_thread_pools() -> list:
    """Every QThreadPool still running a task: the global pool and the app's own (desktop.workers.Workers)."""
    from PySide6.QtCore import QThreadPool
    out = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, QThreadPool) and obj.activeThreadCount() > 0:
                out.append(obj)
        except RuntimeError:      # the C++ object is already gone
            continue
    return out


def _running_qthreads() -> list:
    from PySide6.QtCore import QThread
    main = QThread.currentThread()
    out = []
    for obj in gc.get_objects():
        try:
            if isinstance(obj, QThread) and obj is not main and obj.isRunning():
                out.append(obj)
        except RuntimeError:      # the C++ object is already gone
            continue
    return out


@pytest.fixture(autouse=True)
def _no_leftovers(qapp):
    """Set up before qtbot (autouse, asks only for qapp), so it is torn down after qtbot closed its widgets.

    Deleting the closed widgets here (sendPostedEvents DeferredDelete) is deliberately not done:
    it crashes PySide when Python still holds wrappers of their children."""
    from PySide6.QtCore import QCoreApplication, QThreadPool
    from PySide6.QtWidgets import QApplication

    before = {id(w) for w in QApplication.topLevelWidgets()}
    threads_before = {t.ident for t in threading.enumerate()}
    yield
    QCoreApplication.processEvents()
    problems = []
    left = [w for w in QApplication.topLevelWidgets() if id(w) not in before and w.isVisible()]
    if left:
        problems.append(
            "测试结束时仍有窗口未关闭：" + ", ".join(f"{type(w).__name__}({w.windowTitle()!r})" for w in left)
        )
        for w in left:
            w.close()
    running = _running_qthreads()
    if running:
        problems.append(f"测试结束时仍有 {len(running)} 个 QThread 在运行")
    if not QThreadPool.globalInstance().waitForDone(0):
        problems.append("测试结束时全局线程池仍有任务在运行")
    pools = _busy_thread_pools()
    if pools:
        problems.append(f"测试结束时仍有 {len(pools)} 个线程池有任务在运行（程序自己的线程池也算）")
    extra = [t for t in threading.enumerate() if t.ident not in threads_before and t.is_alive()]
    if extra:
        problems.append("测试结束时仍有线程在运行：" + ", ".join(t.name for t in extra))
    if problems:
        pytest.fail("；".join(problems), pytrace=False)
