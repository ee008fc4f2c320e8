"""setup_application: Qt's own dialogs speak Chinese (qtbase_zh_CN.qm, shipped in the one-folder app too), the UI
thread waits at most 1 ms for the interpreter, and the window has 星图's icon."""
from __future__ import annotations

from desktop.app import setup_application


def test_standard_buttons_are_chinese(qapp):
    from PySide6.QtWidgets import QDialogButtonBox
    app = setup_application()
    assert any(p.endswith("qtbase_zh_CN.qm") for p in (t.filePath() for t in app._xingtu_translators))
    box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    assert box.button(QDialogButtonBox.Cancel).text() == "取消"
    installed = list(app._xingtu_translators)
    assert setup_application() is app and app._xingtu_translators == installed      # installed once


def test_window_icon(qapp):
    app = setup_application()
    assert not app.windowIcon().isNull()
    assert app.windowIcon().availableSizes() or app.windowIcon().pixmap(64).width() == 64


def test_the_ui_thread_waits_at_most_1_ms_for_the_interpreter(qapp):
    """Issue 16: the ledger table's background searches hold the GIL at most 1 ms at a time (Python's 5 ms made
    the UI thread wait at each of a paint's calls into Python: the slowest keystroke 52 -> 37 ms under load)."""
    import sys

    from desktop.app import GIL_SWITCH_S
    before = sys.getswitchinterval()
    try:
        setup_application()
        assert sys.getswitchinterval() == GIL_SWITCH_S == 0.001
    finally:
        sys.setswitchinterval(before)
