"""GUI test set-up: settings in a temporary folder, and (napari-style) a test fails when it leaves
a top-level widget open or a thread running."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _temporary_settings(tmp_path_factory, qapp):
    from PySide6.QtCore import QSettings
    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(folder))
    yield folder


@pytest.fixture(autouse=True)
def _no_leftovers(qapp, monkeypatch):
    """Set up before qtbot (autouse, asks only for qapp), so it is torn down after qtbot closed its widgets."""
    from PySide6.QtCore import QCoreApplication, QEvent, QThread, QThreadPool
    from PySide6.QtWidgets import QApplication

    started: list = []
    original = QThread.start

    def tracking_start(self, *args):
        started.append(self)
        return original(self, *args)

    monkeypatch.setattr(QThread, "start", tracking_start)
    before = {id(w) for w in QApplication.topLevelWidgets()}
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    problems = []
    left = [w for w in QApplication.topLevelWidgets() if id(w) not in before and w.isVisible()]
    if left:
        problems.append("测试结束时仍有窗口未关闭：" + ", ".join(f"{type(w).__name__}({w.windowTitle()!r})" for w in left))
        for w in left:
            w.close()
            w.deleteLater()
    running = [t for t in started if t.isRunning()]
    if running:
        problems.append(f"测试结束时仍有 {len(running)} 个 QThread 在运行")
    if not QThreadPool.globalInstance().waitForDone(0):
        problems.append("测试结束时全局线程池仍有任务在运行")
    if problems:
        pytest.fail("；".join(problems), pytrace=False)
