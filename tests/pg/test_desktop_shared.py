"""The desktop app on a shared ledger, as a person uses it: 文件 → 连接共享台账…, then the window shows whose
ledger it is (title, status bar), only the firms of the login's streets, and a read-only banner for a viewer."""
from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from desktop import dialogs
from desktop.main_window import MainWindow
from desktop.settings import Settings
from tests.ui.helpers import small_ledger
from ui.connect_dialog import ConnectDialog

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    from db.ledger import Ledger
    monkeypatch.setenv("XINGTU_DATA_DIR", str(tmp_path / "data"))
    ledger = Ledger(tmp_path / "ledger.db", officer="测试专员")
    small_ledger(ledger)
    win = MainWindow(ledger, Settings())
    qtbot.add_widget(win)
    win.show()
    warned: list = []
    monkeypatch.setattr(dialogs, "warn", lambda parent, title, text: warned.append((title, text)))
    yield win, warned
    win.close()
    win.ledger.close()


def connect(monkeypatch, win, url: str) -> None:
    p = conninfo_to_dict(url)

    def fill(dlg):
        dlg.host.setText(str(p.get("host") or "127.0.0.1"))
        dlg.port.setValue(int(p.get("port") or 5432))
        dlg.database.setText(str(p["dbname"]))
        dlg.login.setText(str(p["user"]))
        dlg.remember.setChecked(False)
        dlg.accept()
        return dlg.result()
    monkeypatch.setattr(ConnectDialog, "exec", fill)
    win.menu_actions.connect_shared.trigger()


def live_firms(url: str, street: str | None = None) -> int:
    import psycopg
    with psycopg.connect(url) as conn:
        sql = "SELECT count(*) FROM firms f LEFT JOIN streets s ON s.id = f.street_id WHERE f.deleted_at IS NULL"
        return conn.execute(sql + (" AND s.name = %s" if street else ""), (street,) if street else ()).fetchone()[0]


def test_an_officer_connects_and_sees_their_street_only(qtbot, window, people, monkeypatch):
    win, warned = window
    connect(monkeypatch, win, people["officer"])
    assert not warned, warned
    assert win.ledger.shared and win.ledger.role == "officer"
    login = people["logins"]["officer"]
    assert win.path_label.toolTip() == f"共享台账 · {login}（专员） · 积玉桥"
    assert win.windowTitle().startswith("星图 - 共享台账 ") and "（只读）" not in win.windowTitle()
    assert not win.banner.isVisible()
    qtbot.waitUntil(lambda: win.ledger_panel.model.total == live_firms(people["super"], "积玉桥"), timeout=5000)
    assert win.menu_actions.set_street.isEnabled()
    bar = win.ledger_panel.filters
    assert [bar.street.itemText(i) for i in range(bar.street.count())] == ["全部街道", "积玉桥"]
    assert all("postgresql" not in r for r in win.settings.get("ledger/recent"))      # an address holds a password


def test_a_manager_sees_every_street_read_only_with_a_banner(qtbot, window, people, monkeypatch):
    win, warned = window
    connect(monkeypatch, win, people["all"])
    assert not warned, warned
    assert win.path_label.toolTip() == f"共享台账 · {people['logins']['all']}（查看者） · 全部街道"
    assert win.banner.isVisible() and "查看者" in win.banner.text()
    assert win.windowTitle().endswith("（只读）")
    assert not win.menu_actions.set_street.isEnabled() and not win.menu_actions.import_.isEnabled()
    qtbot.waitUntil(lambda: win.ledger_panel.model.total == live_firms(people["super"]), timeout=5000)


def test_what_works_on_a_file_only_is_off_and_says_why(qtbot, window, people, monkeypatch, tmp_path):
    """Import (its undo of a batch is not yet on the server) and the file's backup and restore are off on a
    shared ledger, with the reason; a list dropped on the window is refused with it, nothing written."""
    from desktop.actions import MSG_NOT_SHARED
    win, warned = window
    connect(monkeypatch, win, people["officer"])
    for action in (win.menu_actions.import_, win.menu_actions.backup, win.menu_actions.restore):
        assert not action.isEnabled() and action.toolTip() == MSG_NOT_SHARED
    roster = tmp_path / "名单.csv"
    roster.write_text("企业名称,统一社会信用代码\n武汉拖入科技有限公司,91420106MA4K3B5E2N\n", encoding="utf-8")
    assert win.menu_actions.import_file(str(roster)) is None
    assert warned == [("共享台账", MSG_NOT_SHARED)]
    win.menu_actions.switch_to(str(tmp_path / "ledger.db"))             # back on the file: all of it again
    assert all(a.isEnabled() for a in (win.menu_actions.import_, win.menu_actions.backup, win.menu_actions.restore))


def test_the_dashboard_of_a_shared_ledger_shows_what_the_file_shows_and_an_officer_only_their_street(
        qtbot, people, demo_db):
    """The dashboard reads a shared ledger from the server (no file cache): the district's figures as a manager
    and 积玉桥's as its officer equal the file's; the officer is offered no 全区 (it would count their firms only)."""
    from datetime import date

    from db.ledger import Ledger
    from pipeline.dashboard import plain
    from ui.dashboard.panel import DashboardPanel
    day = date(2024, 9, 30)
    views = {}
    for who, target in (("file", demo_db), ("all", people["all"]), ("officer", people["officer"])):
        with Ledger(target, readonly=True) as led:
            sid = led.street_id("积玉桥")
            p = DashboardPanel(led)
            qtbot.add_widget(p)
            streets = [p.street.itemText(i) for i in range(p.street.count())]
            for street in ((None, sid) if who != "officer" else (sid,)):
                p.set_context(2024, day, street)
                views[who, street] = plain(p.view)
            if who == "officer":
                assert streets == ["积玉桥"] and "续认定比例按这些街道" in p.scope_note.text()
            else:
                assert streets[0] == "全区" and "积玉桥" in streets and p.scope_note.isHidden()
            p.close()
    assert views["all", None] == views["file", None]
    assert views["all", sid] == views["file", sid]
    mine = views["officer", sid]                          # its street table lists its own street only
    assert [s["street"] for s in mine["streets"]] == ["积玉桥"]
    assert mine["streets"] == [s for s in views["all", sid]["streets"] if s["street"] == "积玉桥"]
    for a, b in zip(mine["indicators"], views["all", sid]["indicators"], strict=True):   # all but the forecast's
        assert {k: v for k, v in a.items() if k != "forecast"} == {k: v for k, v in b.items() if k != "forecast"}
    assert {k: v for k, v in mine.items() if k not in ("streets", "indicators")} == {
        k: v for k, v in views["all", sid].items() if k not in ("streets", "indicators")}


def test_the_import_history_of_a_shared_ledger_offers_no_undo_yet(qtbot, window, people, monkeypatch):
    from PySide6.QtWidgets import QPushButton
    win, _ = window
    connect(monkeypatch, win, people["admin"])
    win.show_tab("导入历史")
    qtbot.waitUntil(lambda: any(b.text() == "撤销所选批次" for b in win.tabs.currentWidget().findChildren(QPushButton)))
    [undo] = [b for b in win.tabs.currentWidget().findChildren(QPushButton) if b.text() == "撤销所选批次"]
    assert not undo.isEnabled() and undo.toolTip() == "共享台账暂不支持撤销导入批次"


def test_only_an_admin_is_offered_to_draft_a_year_s_targets_on_the_dashboard(qtbot, people):
    from db.ledger import Ledger
    from ui.dashboard.panel import DashboardPanel
    for who, offered in (("admin", True), ("officer", False), ("all", False)):
        with Ledger(people[who], readonly=None) as led:
            p = DashboardPanel(led)
            qtbot.add_widget(p)
            p.targets.show_empty(2031, 2030)
            assert p.targets.create_button.isVisibleTo(p) is offered, who
            assert ("管理员新建" in p.targets.empty.text()) is not offered
            p.close()


def test_the_app_starts_on_a_shared_ledger_from_the_command_line(people, tmp_path):
    """`python main.py --db postgresql://…` opens the window on the shared ledger (was taken for a file name); the
    log names the address without its password, and the recent list keeps no address."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    data = tmp_path / "数据"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XINGTU_STARTUP_PROBE": "1", "XINGTU_DATA_DIR": str(data),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    out = subprocess.run([sys.executable, str(root / "main.py"), "--db", people["officer"]], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["FIRST_PAINT"]
    log = (data / "logs" / "xingtu.log").read_text(encoding="utf-8")
    assert "打开台账 postgresql://" in log and "星图退出（0）" in log
    assert not list(tmp_path.glob("postgresql*"))                     # no file made from the address
    config = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "config").rglob("*.conf"))
    assert "postgresql" not in config
