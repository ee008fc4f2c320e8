"""导入历史 at 1366×768: the whole row fits, the 状态 column (有效 / 已撤销) included, with no sideways scrolling."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QFontMetrics

from ui.history import HEADERS, HistoryPanel

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def _shown(qtbot, qapp, ledger, width: int, height: int):
    """The 导入历史 panel shown at *width* × *height*; its table view."""
    panel = HistoryPanel(ledger, undo=lambda *_a: None, confirm=lambda *_a: False, report=lambda _m: None)
    qtbot.add_widget(panel)
    panel.resize(width, height)
    panel.show()
    qtbot.waitExposed(panel)
    qapp.processEvents()
    return panel.view


def _status_in_view(view) -> int:
    """The 状态 column's number, after checking that its right edge is inside the viewport."""
    status = HEADERS.index("状态")
    right = view.columnViewportPosition(status) + view.columnWidth(status)
    assert right <= view.viewport().width(), (right, view.viewport().width())
    return status


@pytest.mark.parametrize("width", [1340, 1080])
def test_the_status_column_is_in_view_without_scrolling(qtbot, qapp, ledger, width):
    view = _shown(qtbot, qapp, ledger, width, 600)
    status = _status_in_view(view)
    assert not view.horizontalScrollBar().isVisible()
    undone = "已撤销（2026-11-30 19:27）"
    assert view.columnWidth(status) >= QFontMetrics(view.font()).horizontalAdvance(undone)
    assert view.columnWidth(HEADERS.index("文件")) >= 200


@pytest.mark.parametrize("undone", [False, True])
def test_at_800_wide_the_status_column_is_still_in_view(qtbot, qapp, ledger, monkeypatch, undone):
    """At 800 px the fixed widths left 状态 beyond the right edge: the others now shrink to what they show and
    文件 is elided (whole in the tooltip)."""
    from importers import undo as undo_module
    name = "2023年第二批拟认定高新技术企业名单（武昌区科技和经济信息化局汇总，含补充材料）.xlsx"
    batches = [{"id": i, "created_at": "2026-11-30T19:27:10", "file_name": name, "sheet": "Sheet1",
                "kind": "roster", "officer": "张敏", "os_user": "zm", "undone_at": None,
                "counts": {"created": 1200, "updated": 35, "unchanged": 8, "skipped": 2}} for i in (1, 2)]
    if undone:
        batches[0]["undone_at"] = "2026-11-30T19:40:00"
    monkeypatch.setattr(undo_module, "batch_list", lambda _ledger: batches)
    view = _shown(qtbot, qapp, ledger, 800, 500)
    status = _status_in_view(view)
    shown = view.model().index(0, status).data()
    assert view.columnWidth(status) >= QFontMetrics(view.font()).horizontalAdvance(shown)
    assert view.columnWidth(HEADERS.index("文件")) >= 80
    assert name in view.model().index(0, 2).data(3)           # Qt.ToolTipRole: the whole file name
