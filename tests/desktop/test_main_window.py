"""The main window: lazy tabs, the dashboard's click-through, read-only opening, drag and drop, settings."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from desktop.main_window import MainWindow
from desktop.settings import OPTIONS, Settings
from tests.ui.helpers import small_ledger

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def window(qtbot, ledger):
    ids = small_ledger(ledger)
    win = MainWindow(ledger, Settings())
    qtbot.add_widget(win)
    win.show()
    yield win, ids


def test_tabs_are_built_when_first_shown(window):
    win, _ = window
    assert [win.tabs.tabText(i) for i in range(win.tabs.count())] == ["台账", "看板", "导入历史", "指标", "设置"]
    assert win.lazy_tab("导入历史").widget is None
    history = win.show_tab("导入历史")
    assert type(history).__name__ == "HistoryPanel"
    assert win.count_label.text() == "符合条件的企业：4 家"


def test_dashboard_click_through_shows_exactly_those_firms(window):
    win, (a, b, c, d) = window
    dash = win.show_tab("看板")
    assert type(dash).__name__ == "DashboardPanel"
    dash.firmsRequested.emit([a, d], "2024 年新增高企")
    assert win.tabs.currentWidget() is win.ledger_panel
    model = win.ledger_panel.model
    assert sorted(model.firm_id(r) for r in range(model.rowCount())) == [a, d]
    assert win.ledger_panel.filters.chip_label.text() == "来自看板：2024 年新增高企（2 家）"
    assert win.count_label.text() == "符合条件的企业：2 家（2024 年新增高企）"


def test_missing_tab_module_shows_a_notice(window, monkeypatch):
    win, _ = window
    import builtins
    real = builtins.__import__

    def fake(name, *args, **kw):
        if name == "ui.targets":
            raise ModuleNotFoundError("No module named 'ui.targets'", name="ui.targets")
        return real(name, *args, **kw)
    monkeypatch.setattr(builtins, "__import__", fake)
    notice = win.show_tab("指标")
    assert notice.text() == "“指标”暂不可用：缺少模块 ui.targets"


def test_second_window_on_the_same_ledger_is_read_only(qtbot, window):
    from db.ledger import Ledger
    win, _ = window
    second = Ledger(win.ledger.path, readonly=None)
    try:
        assert second.readonly
        other = MainWindow(second, Settings())
        qtbot.add_widget(other)
        other.show()
        assert other.banner.isVisible()
        assert other.banner.text().startswith("只读打开：")
        assert not other.menu_actions.import_.isEnabled()
        assert not other.menu_actions.remove.isEnabled()
        assert other.windowTitle().endswith("（只读） - 星图")
        other.close()
    finally:
        second.close()
    assert not win.banner.isVisible()


def test_a_read_only_window_follows_what_the_writing_window_commits(qtbot, window, monkeypatch):
    """The second window (read-only: the first holds the file) is never told of the first one's writes; it looks
    whether the file changed (desktop/live.FileWatch) and reads every view again: the new firm is counted."""
    from db.ledger import Ledger
    from desktop import live
    monkeypatch.setattr(live, "POLL_MS", 50)
    win, _ = window
    second = Ledger(win.ledger.path, readonly=None)
    try:
        other = MainWindow(second, Settings())
        qtbot.add_widget(other)
        other.show()
        assert other.file_watch is not None and win.file_watch is None      # the writing window needs none
        assert other.ledger_panel.model.total == 4
        with win.ledger.write() as w:
            w.insert_firm("读写窗口新建科技有限公司", None, street_id=win.ledger.street_id("杨园"))
        qtbot.waitUntil(lambda: other.ledger_panel.model.total == 5, timeout=5000)
        assert other.count_label.text() == "符合条件的企业：5 家"
        other.close()
        assert other.file_watch is None
    finally:
        second.close()


def test_dropping_a_spreadsheet_opens_the_import(window, monkeypatch, tmp_path):
    win, _ = window
    opened = []
    monkeypatch.setattr(win.menu_actions, "import_file", opened.append)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "名单.xlsx"))])
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    win.dropEvent(event)
    assert opened == [str(tmp_path / "名单.xlsx")]
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "照片.jpg"))])
    win.dropEvent(QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    assert opened == [str(tmp_path / "名单.xlsx")]


def test_shortcuts(window):
    win, _ = window
    a = win.menu_actions
    assert a.find.shortcut().toString() == "Ctrl+F"
    assert a.import_.shortcut().toString() == "Ctrl+I"
    assert a.export.shortcut().toString() == "Ctrl+E"
    assert a.remove.shortcut().toString() == "Del"
    assert win.undo.undo_action.shortcut().toString() == "Ctrl+Z"
    assert win.undo.redo_action.shortcut().toString() == "Ctrl+Y"


def test_export_writes_exactly_the_rows_shown(window, tmp_path):
    from desktop.export_view import export_view
    from importers.read import open_table
    win, _ = window
    p = win.ledger_panel
    p.filters.street.setCurrentIndex(p.filters.street.findText("积玉桥"))
    out = tmp_path / "导出.xlsx"
    n = export_view(p.ledger_view, p.model.query, p.visible_columns(), out)
    assert n == 2
    t = open_table(out)
    assert t.headers[:3] == ["企业名称", "统一社会信用代码", "所在街道"]
    rows = [r.values[:3] for chunk in t.iter_rows() for r in chunk]
    assert rows == [["武汉长江数据有限公司", "914201113234567825", "积玉桥"],      # pinyin order: changjiang < xingchen
                    ["武汉星辰科技有限公司", "91420106123456788R", "积玉桥"]]


def test_settings_are_declared_once_with_defaults(qapp, tmp_path):
    s = Settings()
    assert s.get("ledger/expiring_days") == 90
    assert s.get("ledger/recent") == []
    assert isinstance(s.get("window/geometry"), QByteArray)
    for i in range(10):
        s.add_recent(f"/data/台账{i}.db")
    assert s.get("ledger/recent")[:2] == ["/data/台账9.db", "/data/台账8.db"]
    assert len(s.get("ledger/recent")) == 8
    assert s.get("ledger/last") == "/data/台账9.db"
    with pytest.raises(KeyError):
        s.get("no/such")
    assert all(o.doc for o in OPTIONS.values())


def test_a_hidden_tab_is_read_again_when_shown_not_at_each_change(window):
    """A change re-reads the tab shown at once and a built tab that is hidden when it is shown next (a million
    firms' dashboard takes seconds: a window following others' saves would read it after each, unseen)."""
    win, _ = window
    dash = win.show_tab("看板")
    calls = []
    dash.reload = lambda r=dash.reload: (calls.append(1), r())
    win.show_tab("台账")
    win.data_changed([])
    win.data_changed([])
    assert calls == [] and win.lazy_tab("看板").stale
    win.show_tab("看板")
    assert calls == [1] and not win.lazy_tab("看板").stale
    win.data_changed([])                                   # shown: at once
    assert calls == [1, 1]
