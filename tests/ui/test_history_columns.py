"""导入历史 at 1366×768: the whole row fits, the 状态 column (有效 / 已撤销) included, with no sideways scrolling."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics

from ui.history import HEADERS, HistoryPanel

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.mark.parametrize("width", [1340, 1080])
def test_the_status_column_is_in_view_without_scrolling(qtbot, qapp, ledger, width):
    panel = HistoryPanel(ledger, undo=lambda *_a: None, confirm=lambda *_a: False, report=lambda _m: None)
    qtbot.add_widget(panel)
    panel.resize(width, 600)
    panel.show()
    qtbot.waitExposed(panel)
    qapp.processEvents()
    view = panel.view
    status = HEADERS.index("状态")
    right = view.columnViewportPosition(status) + view.columnWidth(status)
    assert right <= view.viewport().width(), (right, view.viewport().width())
    assert not view.horizontalScrollBar().isVisible()
    undone = "已撤销（2026-11-30 19:27）"
    assert view.columnWidth(status) >= QFontMetrics(view.font()).horizontalAdvance(undone)
    assert view.columnWidth(HEADERS.index("文件")) >= 200
