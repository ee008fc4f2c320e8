"""The targets editor (指标) on a shared ledger: the admin changes a district target and a street's share and drafts
a new year from the last one; a viewer and an officer cannot (the targets are the admin's: the server refuses
anyone else, db/pg/access.py), each told why, and nothing changes on the server."""
from __future__ import annotations

import psycopg
import pytest

from tests.ui.helpers import window_on_small_ledger

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    yield from window_on_small_ledger(qtbot, tmp_path, monkeypatch)


@pytest.fixture
def refusals(monkeypatch):
    """The warnings the targets page shows (its own message boxes), as (title, text)."""
    from PySide6.QtWidgets import QMessageBox
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append((title, text)))
    return shown


def targets_on_server(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT year, indicator, street_id, target FROM targets ORDER BY year, indicator, "
                            "street_id NULLS FIRST").fetchall()


def targets_page(win, url: str):
    assert win.menu_actions.switch_to(url)
    panel = win.show_tab("指标")
    assert panel.rows, "the demo district has targets"
    return panel


def test_the_admin_edits_targets_and_drafts_a_new_year(window, people, refusals, monkeypatch):
    from ui.targets import draft_from_previous
    from ui.targets_dialog import DraftDialog
    win, warned = window
    panel = targets_page(win, people["admin"])
    assert panel.locked is None
    year, indicator = panel.current_year(), panel.rows[0].indicator
    street = panel.streets[0]
    assert panel.set_cell(0, 3, "4321")
    assert panel.set_cell(0, 3 + 1, "321")                 # the first street's share
    with psycopg.connect(people["super"]) as conn:
        sid = conn.execute("SELECT id FROM streets WHERE name = %s", (street,)).fetchone()[0]
        saved = dict(((s, t) for s, t in conn.execute(
            "SELECT street_id, target FROM targets WHERE year = %s AND indicator = %s", (year, indicator))))
        login = conn.execute("SELECT login FROM audit WHERE entity = 'target' ORDER BY id DESC LIMIT 1").fetchone()
    assert saved[None] == 4321 and saved[sid] == 321 and login == (people["logins"]["admin"],)
    monkeypatch.setattr(DraftDialog, "exec", lambda self: 1)
    assert draft_from_previous(win, win.ledger, year + 5)
    drafted = [r for r in targets_on_server(people["super"]) if r[0] == year + 5]
    assert len(drafted) == len([r for r in targets_on_server(people["super"]) if r[0] == year]) > 0
    assert not refusals and not warned


@pytest.mark.parametrize("who,why", [("viewer", "只读"), ("officer", "权限不足")])
def test_a_viewer_or_an_officer_cannot_change_targets(window, people, refusals, monkeypatch, who, why):
    from ui.targets import draft_from_previous
    from ui.targets_dialog import DraftDialog
    win, _ = window
    from PySide6.QtWidgets import QAbstractItemView, QPushButton
    before = targets_on_server(people["super"])
    panel = targets_page(win, people[who])
    assert panel.locked and "只有共享台账的管理员可以修改指标" in panel.locked       # said, not offered
    assert panel.table.editTriggers() == QAbstractItemView.NoEditTriggers
    offered = {b.text(): b.isEnabled() for b in panel.findChildren(QPushButton)}
    assert offered == {"新年度…": False, "新增指标…": False, "修改指标…": False, "删除指标": False,
                       "导入分解表…": False, "导出分解表…": True}
    assert not panel.set_cell(0, 3, "4321")                # and the server refuses anyway
    assert refusals and refusals[-1][0] == "未保存" and why in refusals[-1][1], refusals
    monkeypatch.setattr(DraftDialog, "exec", lambda self: 1)
    assert not draft_from_previous(win, win.ledger, panel.current_year() + 5)
    assert len(refusals) == 2 and why in refusals[-1][1]
    assert targets_on_server(people["super"]) == before
