"""Issue 13 (Connections): a background search never shares or closes the app's write connection, the
ledger view owns its read connections, and a failed background search is shown to the person."""
from __future__ import annotations

import sqlite3

import pytest

from db.ledger_view import LedgerView
from tests.ui.helpers import settle, small_ledger
from ui.ledger.panel import LedgerPanel

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def panel(qtbot, ledger):
    small_ledger(ledger)
    p = LedgerPanel(ledger)
    qtbot.add_widget(p)
    p.show()
    yield p
    p.close_view()


def test_the_view_owns_its_connection_and_closing_it_leaves_the_ledger_open(panel, ledger):
    assert panel.ledger_view.conn is not ledger.conn and panel.ledger_view.owns
    panel.close_view()
    with pytest.raises(sqlite3.ProgrammingError):
        panel.ledger_view.conn.execute("SELECT 1")
    assert ledger.conn.execute("SELECT count(*) FROM firms").fetchone()[0] == 4
    borrowed = LedgerView(ledger.conn, ledger.catalog())
    borrowed.close()                                   # a view over a handed connection never closes it
    assert ledger.conn.execute("SELECT 1").fetchone() == (1,)


def test_a_short_search_with_the_ledger_file_moved_keeps_the_write_connection(qtbot, ledger, tmp_path):
    """Before: open_view_connection fell back to ledger.conn and the search thread closed it, so 抢救台账
    (a backup through that connection) failed with "Cannot operate on a closed database". The file is moved
    before the table's searches open their connection (once shown, the table opens it ahead of the first
    keystroke, and a connection open on the moved file keeps reading it, as the write connection does)."""
    from db.backup import rescue
    small_ledger(ledger)
    panel = LedgerPanel(ledger)
    qtbot.add_widget(panel)
    panel.show()
    ledger.path.rename(tmp_path / "moved.db")
    panel.set_search_now("星辰")                      # two characters: a background search
    settle(qtbot, panel.model)
    panel.model.wait()
    panel.close_view()
    assert ledger.conn.execute("SELECT count(*) FROM firms").fetchone()[0] == 4
    assert panel.problem.isVisible()
    assert panel.problem.text().startswith("搜索未能完成：台账文件不存在")
    info = rescue(ledger, tmp_path / "抢救.db")          # 抢救台账 reads through the write connection
    assert info.path.exists()


def test_a_failed_background_search_is_shown_not_stored_and_ignored(qtbot, panel, monkeypatch):
    def broken(self, q, **kw):
        raise sqlite3.OperationalError("disk I/O error")
    monkeypatch.setattr(LedgerView, "page", broken)
    with qtbot.wait_signal(panel.model.searchFailed, timeout=10000) as got:
        panel.set_search_now("星辰")
    panel.model.wait()
    assert got.args == ["搜索未能完成：disk I/O error。表格仍显示上一次的结果。"]
    assert panel.problem.isVisible() and "disk I/O error" in panel.problem.text()
    assert panel.model.rowCount() == 4                 # the rows of the last search that worked
    monkeypatch.undo()
    panel.set_search_now("星辰科技")
    assert not panel.problem.isVisible()


def test_the_model_sorted_by_expiry_with_a_stage_passes_qtmodeltester(qtbot, panel, qtmodeltester):
    """Issue 14: the expiry column sorts (in SQL) and names the designation; the model stays a valid Qt model."""
    from datetime import date

    from PySide6.QtCore import QDate, Qt
    f = panel.filters
    f.as_of.setDate(QDate(2024, 6, 1))
    f.stage.setCurrentIndex(f.stage.findText("高新技术企业"))
    assert f.expiring.itemText(2) == "高新技术企业 90 天内到期"
    col = panel.model.column_index("expires")
    assert panel.model.sortable(col)
    panel.view.horizontalHeader().setSortIndicator(col, Qt.AscendingOrder)
    assert panel.model.query.sort == "expires" and panel.model.query.day() == date(2024, 6, 1)
    assert panel.model.data(panel.model.index(0, col)) == "高企 2025-02-28"
    qtmodeltester.check(panel.model, force_py=True)
    f.stage.setCurrentIndex(0)
    assert f.expiring.itemText(2) == "任一认定 90 天内到期"


def test_sorting_a_slow_search_reorders_its_rows_without_counting_them_again(qtbot, panel, monkeypatch):
    """A sort does not change the count: a slow search (run off the UI thread) is sorted by reading its first
    page in the new order only. Before, every sort counted the matches again (seconds for a common term)."""
    from PySide6.QtCore import Qt
    model = panel.model
    panel.set_search_now("星辰")                      # two characters: a background search
    settle(qtbot, model)
    assert model.rowCount() == 2
    counted = []
    real = LedgerView.count
    monkeypatch.setattr(LedgerView, "count", lambda self, q: counted.append(q) or real(self, q))
    monkeypatch.setattr("db.ledger_view.PAGE", 1)
    monkeypatch.setattr("ui.ledger.model.PAGE", 1)    # a full first page: the count would be read
    names = []
    for order in (Qt.DescendingOrder, Qt.AscendingOrder):
        panel.view.horizontalHeader().setSortIndicator(model.column_index("code"), order)
        settle(qtbot, model)
        model.wait()
        names.append([model.index(r, 0).data() for r in range(model.rowCount())])
    assert not counted and model.rowCount() == 2 and model.query.sort == "code"
    assert names[0] == names[1][::-1] and set(names[0]) == {"武汉星辰科技有限公司", "星辰新材料有限公司"}
