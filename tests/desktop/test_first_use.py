"""Issue 14, first use and help: the officer's name asked once, a start page for an empty ledger, a Chinese guide
and the version under 帮助, save dialogs in Documents with names that say what they hold, an offer to open the
file or its folder; issue 13: MainWindow's public switch_ledger / close_ledger."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop import dialogs
from desktop.main_window import MainWindow
from desktop.settings import Settings
from tests.ui.helpers import small_ledger

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints", "does not support raise")]


@pytest.fixture
def empty_window(qtbot, ledger):
    win = MainWindow(ledger, Settings())
    qtbot.add_widget(win)
    win.show()
    return win


def test_the_officer_name_is_asked_once_and_used_in_the_audit_log(empty_window, monkeypatch):
    win = empty_window
    asked = []
    monkeypatch.setattr(dialogs, "ask_text", lambda *a, **k: asked.append(a[1]) or "周玲")
    win.first_use()
    win.first_use()
    assert asked == ["欢迎使用星图"]
    assert win.settings.get("user/officer") == "周玲" and win.ledger.officer == "周玲"
    with win.ledger.write("person") as w:
        w.insert_firm("首次使用测试有限公司", None)
    assert win.ledger.conn.execute("SELECT officer FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0] == "周玲"


def test_a_skipped_name_is_not_asked_again(empty_window, monkeypatch):
    asked = []
    monkeypatch.setattr(dialogs, "ask_text", lambda *a, **k: asked.append(1) or "")
    empty_window.first_use()
    empty_window.first_use()
    assert asked == [1] and empty_window.settings.get("user/officer") == ""


def test_an_empty_ledger_shows_the_start_page(empty_window, monkeypatch, tmp_path):
    from desktop import actions
    win = empty_window
    p = win.ledger_panel
    assert p.stack.currentWidget() is p.start_page and not p.filters.isVisible()
    assert [b.text() for b in p.start_page.buttons.values()] == ["导入第一份名单…", "打开示例台账", "新建指标…"]
    opened = []
    monkeypatch.setattr(actions.QFileDialog, "getOpenFileName", lambda *a, **k: opened.append(a[1]) or ("", ""))
    p.start_page.buttons["import_list"].click()
    assert opened == ["选择要导入的名单"]
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(actions, "SAMPLE_FIRMS", 120)
    p.start_page.buttons["open_sample"].click()
    assert Path(win.ledger.path) == tmp_path / "示例台账.db"
    assert win.ledger_panel.model.total == 120
    assert win.ledger_panel.stack.currentWidget() is win.ledger_panel.view
    win.close_ledger()           # the sample ledger is the window's own now: close it (and its lock's heartbeat)


def test_new_targets_from_the_start_page_drafts_this_year(empty_window, monkeypatch):
    from db import dashboard_queries
    from ui import targets_dialog
    monkeypatch.setattr(targets_dialog.DraftDialog, "exec", lambda dlg: 1)
    empty_window.ledger_panel.start_page.buttons["new_targets"].click()
    year = date.today().year
    assert year in dashboard_queries.all_targets(empty_window.ledger.conn)
    assert empty_window.tabs.tabText(empty_window.tabs.currentIndex()) == "指标"
    assert empty_window.show_tab("指标").current_year() == year


def test_help_has_a_chinese_guide_and_the_version(empty_window):
    from desktop.version import about_text, version
    empty_window.menu_actions.guide.trigger()
    dlg = empty_window.menu_actions._help
    text = dlg.browser.toPlainText()
    assert "星图 使用指南" in text and "导入名单" in text and f"版本 {version()}" in text
    assert version() and f"版本 {version()}" in about_text()
    dlg.close()


def test_export_opens_in_documents_with_a_name_that_says_what_it_holds(qtbot, ledger, monkeypatch, tmp_path):
    from ui import files
    small_ledger(ledger)
    win = MainWindow(ledger, Settings())
    qtbot.add_widget(win)
    f = win.ledger_panel.filters
    f.street.setCurrentIndex(f.street.findText("积玉桥"))
    f.stage.setCurrentIndex(f.stage.findText("高新技术企业"))
    f.as_of.setDate(f.as_of.date().fromString("2024-06-01", "yyyy-MM-dd"))
    assert win.menu_actions.export_name() == "台账导出_积玉桥_高企_2024-06-01.xlsx"     # the date the list holds
    asked, offered = [], []
    out = tmp_path / "导出.xlsx"
    monkeypatch.setattr(files.QFileDialog, "getSaveFileName", lambda *a: asked.append(a[2]) or (str(out), ""))
    monkeypatch.setattr(files, "offer_open", lambda *a: offered.append(a[3]))
    win.menu_actions.do_export()
    assert asked == [str(files.documents_dir() / "台账导出_积玉桥_高企_2024-06-01.xlsx")]
    qtbot.waitUntil(lambda: bool(offered), timeout=10000)          # written off the UI thread
    assert out.exists() and offered == [str(out)]
    assert win.statusBar().currentMessage() == f"已导出 1 家企业到 {out}"


def test_after_an_export_the_file_or_its_folder_can_be_opened(qtbot, tmp_path, monkeypatch):
    from ui import files
    target = tmp_path / "报告.xlsx"
    target.write_bytes(b"x")
    opened = []
    monkeypatch.setattr(files.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    for label, expected in (("打开文件", str(target)), ("打开所在文件夹", str(tmp_path))):
        def click(label=label):
            box = QApplication.activeModalWidget()
            next(b for b in box.buttons() if b.text() == label).click()
        QTimer.singleShot(50, click)
        files.offer_open(None, "导出完成", "已导出", target)
        assert opened[-1] == expected


def test_save_and_folder_dialogs_start_in_a_folder_that_exists(qtbot, tmp_path, monkeypatch):
    """Without a Documents folder (a Linux desktop without xdg folders) the dialogs start in the home folder:
    started in a missing one, Qt's folder chooser showed the name "Documents" typed in and 选择 greyed out."""
    from ui import files
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setattr(files.Path, "home", classmethod(lambda cls: home))
    monkeypatch.setattr(files.QStandardPaths, "writableLocation", lambda where: str(home / "Documents"))
    assert files.documents_dir() == home
    asked = []
    monkeypatch.setattr(files.QFileDialog, "getExistingDirectory", lambda *a: asked.append(a[2]) or "")
    files.ask_folder(None, "选择文件夹")
    assert asked == [str(home)]
    (home / "Documents").mkdir()
    assert files.documents_dir() == home / "Documents"


def test_switch_and_close_ledger_are_public(qtbot, ledger, tmp_path):
    import sqlite3

    from db.ledger import Ledger
    small_ledger(ledger)
    win = MainWindow(ledger, Settings())
    qtbot.add_widget(win)
    other = Ledger(tmp_path / "other.db")
    win.switch_ledger(other)
    assert win.ledger is other and win.ledger_panel.model.total == 0
    with pytest.raises(sqlite3.ProgrammingError):
        ledger.conn.execute("SELECT 1")                 # the previous ledger was closed
    win.close_ledger()
    assert win.ledger is None and win.ledger_panel is None and win.tabs.count() == 0
    with pytest.raises(sqlite3.ProgrammingError):
        other.conn.execute("SELECT 1")
    source = (Path(__file__).resolve().parents[2] / "desktop" / "actions.py").read_text(encoding="utf-8")
    assert "self.w._" not in source                     # Actions uses the window's public methods only
