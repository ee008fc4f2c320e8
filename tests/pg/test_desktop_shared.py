"""The desktop app on a shared ledger, as a person uses it: 文件 → 连接共享台账…, then the window shows whose
ledger it is (title, status bar), only the firms of the login's streets, and a read-only banner for a viewer."""
from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from tests.ui.helpers import small_ledger, window_on_small_ledger
from ui.connect_dialog import ConnectDialog

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    yield from window_on_small_ledger(qtbot, tmp_path, monkeypatch)


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
    assert win.windowTitle().startswith("共享台账 ") and "（只读）" not in win.windowTitle()
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
    assert win.windowTitle().endswith("（只读） - 星图")
    assert not win.menu_actions.set_street.isEnabled() and not win.menu_actions.import_.isEnabled()
    qtbot.waitUntil(lambda: win.ledger_panel.model.total == live_firms(people["super"]), timeout=5000)


def test_what_works_on_a_file_only_is_off_and_says_why(qtbot, window, people, monkeypatch, tmp_path):
    """The file's backup and restore are off on a shared ledger, with the reason (the server's are the admin's);
    import is on, as on the file; all of it again back on a file."""
    from desktop.actions import MSG_NOT_SHARED
    win, warned = window
    connect(monkeypatch, win, people["officer"])
    for action in (win.menu_actions.backup, win.menu_actions.restore):
        assert not action.isEnabled() and action.toolTip() == MSG_NOT_SHARED
    assert win.menu_actions.import_.isEnabled()
    win.menu_actions.switch_to(str(tmp_path / "ledger.db"))             # back on the file: all of it again
    assert all(a.isEnabled() for a in (win.menu_actions.import_, win.menu_actions.backup, win.menu_actions.restore))
    assert not warned


def test_the_dashboard_of_a_shared_ledger_shows_what_the_file_shows_and_an_officer_only_their_street(
        qtbot, people, demo_db):
    """The dashboard reads a shared ledger from the server (no file cache): the district's figures as a manager
    and 积玉桥's as its officer equal the file's; the officer is offered no 全区 (it would count their firms only)."""
    from datetime import date

    from db.ledger import Ledger
    from pipeline.dashboard_view import plain
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


def test_the_import_wizard_and_its_undo_on_a_shared_ledger(qtbot, pg_url, tmp_path):
    """The wizard on a shared ledger as on the file: plan, preview, commit in a worker, and undo from the import
    history brings the ledger back (the commit takes no file backup there)."""
    from db.ledger import Ledger
    from db.pg import setup, transfer
    from desktop.sample_list import write_sample_list
    from desktop.workers import Workers
    from importers.undo import undo_batch
    from tests.ui.helpers import C1, C2
    from ui.history import HistoryPanel
    from ui.importer.wizard import ImportWizard
    with Ledger(tmp_path / "small.db", officer="测试专员") as led:
        small_ledger(led)
    setup.init(pg_url)
    transfer.push(tmp_path / "small.db", pg_url)
    path = write_sample_list(tmp_path / "拟认定名单.xlsx",
                             [("武汉星辰科技有限公司", C1, "积玉桥"), ("湖北光谷智能装备有限公司", C2, "杨园")])
    workers = Workers()
    with Ledger(pg_url) as ledger:
        count = lambda: ledger.conn.execute("SELECT count(*) FROM firms WHERE deleted_at IS NULL").fetchone()[0]  # noqa: E731
        before = count()
        wiz = ImportWizard(ledger, path, workers)
        qtbot.add_widget(wiz)
        wiz.show()
        wiz.next()
        qtbot.waitUntil(lambda: wiz.plan is not None or bool(wiz.mapping.message.text()), timeout=20000)
        assert wiz.mapping.message.text() == ""
        wiz.next()
        wiz.next()
        qtbot.waitUntil(lambda: wiz.over, timeout=20000)
        assert wiz.batch and count() == before + 5
        history = HistoryPanel(ledger, undo=lambda b, force: undo_batch(ledger, b, force=force),
                               confirm=lambda t, m: True, report=lambda *a: None)
        qtbot.add_widget(history)
        history.select_batch(wiz.batch)
        assert history.undo_button.isEnabled() and history.undo_selected()
        assert count() == before
        wiz.close()
        workers.wait()
