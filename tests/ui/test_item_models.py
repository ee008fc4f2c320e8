"""Every item model of the app passes Qt's model tester, filled with real rows (the ledger table's own
model is checked in test_ledger_panel.py, the import preview's in the wizard tests)."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QAbstractItemModel

from desktop.undo import UndoManager
from tests.ui.helpers import small_ledger
from ui.rows_model import RowsModel

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


def test_rows_model_with_tips_and_brushes(qtmodeltester):
    from PySide6.QtGui import QBrush, QColor
    model = RowsModel(["日期", "事件", "数量"])
    model.set_rows([["2024-01-05", "更名", 1], ["2024-05-01", None, 2.5]],
                   tips=["更名为…", None], brushes=[QBrush(QColor("#b3261e")), None])
    assert model.rowCount() == 2
    qtmodeltester.check(model, force_py=True)


def test_firm_file_models(qtbot, qtmodeltester, ledger):
    from ui.firm.dialog import FirmFileDialog
    _, b, _, _ = small_ledger(ledger)
    undo = UndoManager(report=lambda m: None)
    dlg = FirmFileDialog(ledger, b, undo.push)
    qtbot.add_widget(dlg)
    models = [dlg.timeline_model, dlg.alias_model, dlg.service_model, dlg.audit_model]
    assert dlg.timeline_model.rowCount() >= 2 and dlg.alias_model.rowCount() == 1
    for model in models:
        qtmodeltester.check(model, force_py=True)
    undo.deleteLater()


def test_history_model(qtbot, qtmodeltester, ledger):
    from ui.history import HistoryPanel
    small_ledger(ledger)
    panel = HistoryPanel(ledger, undo=lambda *a: {}, confirm=lambda *a: False, report=lambda m: None)
    qtbot.add_widget(panel)
    panel.reload()
    qtmodeltester.check(panel.model, force_py=True)


def test_every_dashboard_model(qtbot, qtmodeltester, demo_db):
    from db.ledger import Ledger
    from ui.dashboard.panel import DashboardPanel
    led = Ledger(demo_db, readonly=True)
    panel = DashboardPanel(led)
    qtbot.add_widget(panel)
    panel.set_context(2024, date(2024, 10, 31), None)
    models = panel.findChildren(QAbstractItemModel)
    filled = [m for m in models if m.rowCount() > 0]
    assert len(filled) >= 3, [type(m).__name__ for m in models]
    for model in models:
        qtmodeltester.check(model, force_py=True)
    panel.close()
    led.close()
