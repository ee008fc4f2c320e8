"""文件 → 连接共享台账…: the dialog asks for server, database and login; the password is typed or comes from the
system's keyring, kept there only when asked and the connection worked, never in the settings; a computer without
a keyring says so and asks each time."""
from __future__ import annotations

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from psycopg.conninfo import conninfo_to_dict

from db.pg.url import build_url
from desktop import credentials
from tests.ui.helpers import window_on_small_ledger
from ui import connect_dialog
from ui.connect_dialog import ConnectDialog

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.kept: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.kept.get((service, username))

    def set_password(self, service, username, password):
        self.kept[(service, username)] = password

    def delete_password(self, service, username):
        self.kept.pop((service, username))


@pytest.fixture
def memory_keyring():
    before = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(before)


@pytest.fixture
def no_keyring():
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def test_the_url_names_server_database_and_login_and_hides_nothing_it_should_keep():
    url = build_url("10.0.0.5", 5433, "台账", "张 三", "p@ss:w/rd")
    assert conninfo_to_dict(url) == {"host": "10.0.0.5", "port": "5433", "dbname": "台账", "user": "张 三",
                                     "password": "p@ss:w/rd"}
    assert conninfo_to_dict(build_url("/run/postgresql", 5432, "x", "y")) == {
        "host": "/run/postgresql", "port": "5432", "dbname": "x", "user": "y"}


def test_the_dialog_asks_for_what_is_missing_and_returns_what_was_typed(qtbot):
    dlg = ConnectDialog(None, keyring_problem=None)
    qtbot.add_widget(dlg)
    dlg.accept()
    assert dlg.result() == 0 and dlg.problem.text() == "请填写服务器、数据库、登录名"
    dlg.host.setText(" 10.0.0.5 ")
    dlg.database.setText("xingtu")
    dlg.login.setText("jyq")
    dlg.password.setText("秘密")
    dlg.accept()
    assert dlg.result() == 1
    assert dlg.value() == connect_dialog.SharedLogin("10.0.0.5", 5432, "xingtu", "jyq", "秘密", False)


def test_without_a_keyring_the_password_cannot_be_remembered_and_it_says_why(qtbot, no_keyring):
    assert credentials.available() == credentials.MSG_NO_KEYRING
    assert credentials.save("a@b:1/c", "x") == credentials.MSG_NO_KEYRING and credentials.load("a@b:1/c") is None
    dlg = ConnectDialog(None, keyring_problem=credentials.available())
    qtbot.add_widget(dlg)
    assert not dlg.remember.isEnabled() and not dlg.remember.isChecked()
    assert dlg.remember.toolTip() == credentials.MSG_NO_KEYRING


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    yield from window_on_small_ledger(qtbot, tmp_path, monkeypatch)


def connect_as(monkeypatch, win, opened: list, *, password: str, remember: bool, works: bool = True) -> None:
    """Trigger 连接共享台账… with the dialog filled in (its exec replaced) and the opening recorded."""
    def fill(dlg):
        dlg.host.setText("10.0.0.5")
        dlg.database.setText("xingtu")
        dlg.login.setText("jyq")
        dlg.password.setText(password)
        dlg.remember.setChecked(remember)
        opened.append(("placeholder", dlg.password.placeholderText()))
        dlg.accept()
        return dlg.result()
    monkeypatch.setattr(ConnectDialog, "exec", fill)
    monkeypatch.setattr(win.menu_actions, "switch_to",
                        lambda url, report=None: opened.append(("url", url)) or works or report("连接被拒绝"))
    win.menu_actions.connect_shared.trigger()


def test_a_remembered_password_is_kept_in_the_keyring_only_and_used_next_time(window, memory_keyring, monkeypatch):
    win, _ = window
    opened: list = []
    connect_as(monkeypatch, win, opened, password="秘密", remember=True)
    assert conninfo_to_dict(opened[-1][1])["password"] == "秘密"
    assert memory_keyring.kept == {(credentials.SERVICE, "jyq@10.0.0.5:5432/xingtu"): "秘密"}
    s = win.settings
    assert (s.get("shared/host"), s.get("shared/database"), s.get("shared/login")) == ("10.0.0.5", "xingtu", "jyq")
    assert not any("秘密" in str(s.q.value(k)) for k in s.q.allKeys())            # never in the settings
    opened.clear()
    connect_as(monkeypatch, win, opened, password="", remember=True)                  # nothing typed: the kept one
    assert opened[0] == ("placeholder", "已保存，无需再输入")
    assert conninfo_to_dict(opened[-1][1])["password"] == "秘密"
    connect_as(monkeypatch, win, opened, password="新的", remember=False)             # unticked: forgotten
    assert memory_keyring.kept == {}


def test_a_password_that_did_not_connect_is_not_kept(window, memory_keyring, monkeypatch):
    win, _ = window
    opened: list = []
    connect_as(monkeypatch, win, opened, password="错的", remember=True, works=False)
    assert memory_keyring.kept == {}



def test_the_status_bar_and_title_name_a_shared_ledger_its_login_role_and_streets():
    from types import SimpleNamespace

    from desktop.main_window import shared_status, where
    streets = [(1, "积玉桥"), (2, "杨园"), (3, "粮道")]
    officer = SimpleNamespace(shared=True, path="wuchang", login="zhang", role="officer", street_ids=[1, 2],
                              streets=lambda: streets)
    viewer = SimpleNamespace(shared=True, path="wuchang", login="li", role="viewer", street_ids=[],
                             streets=lambda: streets)
    assert shared_status(officer) == "共享台账 · zhang（专员） · 积玉桥、杨园"
    assert shared_status(viewer) == "共享台账 · li（查看者） · 全部街道"
    assert where(officer) == "共享台账 wuchang"
    on_file = SimpleNamespace(path="/data/台账.db")
    assert shared_status(on_file) is None and where(on_file) == "台账.db"


def test_a_server_that_does_not_answer_keeps_the_dialog_open_with_what_was_typed(window, memory_keyring,
                                                                                monkeypatch, tmp_path):
    """A failed connection closed the dialog (the officer typed it all again): now it stays open, everything typed
    still in it, and says why in Chinese; no box over it; the open ledger stays."""
    win, warned = window
    before = win.ledger
    shown = []

    def fill(dlg):
        dlg.host.setText(str(tmp_path))          # a socket folder where no server listens
        dlg.port.setValue(1)
        dlg.database.setText("xingtu")
        dlg.login.setText("jyq")
        dlg.password.setText("秘密")
        dlg.accept()
        shown.append((dlg.result(), dlg.isVisible() or dlg.result() == 0, dlg.problem.text(), dlg.host.text(),
                      dlg.port.value(), dlg.database.text(), dlg.login.text(), dlg.password.text()))
        return dlg.result()
    monkeypatch.setattr(ConnectDialog, "exec", fill)
    win.menu_actions.connect_shared.trigger()
    assert win.ledger is before and warned == []
    result, still_open, problem, *typed = shown[0]
    assert result == 0 and still_open and "无法连接共享台账" in problem
    assert typed == [str(tmp_path), 1, "xingtu", "jyq", "秘密"]
    assert str(tmp_path) not in win.settings.get("ledger/recent")


def test_after_a_failed_try_the_dialog_connects_with_the_corrected_password(window, memory_keyring, monkeypatch):
    win, warned = window
    opened: list = []
    tries = iter([False, True])
    monkeypatch.setattr(win.menu_actions, "switch_to",
                        lambda url, report=None: opened.append(url) or next(tries) or report("密码错误"))

    def fill(dlg):
        dlg.host.setText("10.0.0.5")
        dlg.database.setText("xingtu")
        dlg.login.setText("jyq")
        dlg.password.setText("错的")
        dlg.accept()
        assert dlg.result() == 0 and dlg.problem.text() == "密码错误" and dlg.host.text() == "10.0.0.5"
        dlg.password.setText("对的")
        dlg.accept()
        assert dlg.result() == 1 and dlg.problem.text() == ""
        return dlg.result()
    monkeypatch.setattr(ConnectDialog, "exec", fill)
    win.menu_actions.connect_shared.trigger()
    assert [conninfo_to_dict(u)["password"] for u in opened] == ["错的", "对的"] and warned == []
