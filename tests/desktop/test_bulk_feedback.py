"""Issue 14, silent bulk changes: the status bar says what happened after assigning an officer, a star move,
undo and redo; the selection is kept by firm id; no bulk dialog pre-selects a value (Enter in 设置所在街道 moves
nobody); the star dialog shows what each firm becomes before it is applied; 无星级 is a filter choice."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from desktop.main_window import MainWindow
from desktop.settings import Settings
from tests.ui.helpers import small_ledger

pytestmark = [pytest.mark.gui, pytest.mark.qt_log_ignore("propagateSizeHints")]


@pytest.fixture
def window(qtbot, ledger):
    ids = small_ledger(ledger)
    win = MainWindow(ledger, Settings())
    qtbot.add_widget(win)
    win.show()
    yield win, ids


def select(win, firm_ids) -> None:
    p = win.ledger_panel
    sm = p.view.selectionModel()
    sm.clearSelection()
    for r in range(p.model.rowCount()):
        if p.model.firm_id(r) in firm_ids:
            sm.select(p.model.index(r, 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)


def shown(table) -> list[tuple[str, ...]]:
    """The rows of a dialog's preview table as their cells' texts."""
    return [tuple(table.item(r, k).text() for k in range(table.columnCount())) for r in range(table.rowCount())]


def answer_dialog(qtbot, act) -> None:
    """Run *act* once the modal dialog is up (from a timer, as a person would)."""
    def later():
        dlg = QApplication.activeModalWidget()
        act(dlg)
    QTimer.singleShot(50, later)


def street_of(ledger, fid):
    return ledger.conn.execute("SELECT street_id FROM firms WHERE id = ?", (fid,)).fetchone()[0]


def test_assigning_an_officer_says_so_keeps_the_selection_and_undo_redo_say_so(qtbot, window):
    win, (a, b, c, d) = window
    select(win, {a, c})

    def pick(dlg):
        assert dlg.combo.currentText() == "" and dlg.value() is None       # nothing chosen beforehand
        assert not dlg.buttons.button(QDialogButtonBox.Ok).isEnabled()
        dlg.combo.setEditText("周玲")
        dlg.accept()
    answer_dialog(qtbot, pick)
    win.menu_actions.do_assign_officer()
    assert win.statusBar().currentMessage() == "已为 2 家企业指派服务专员 周玲，Ctrl+Z 撤销"
    assert sorted(win.ledger_panel.selected_firm_ids()) == sorted([a, c])
    win.undo.undo_action.trigger()
    assert win.statusBar().currentMessage() == "已撤销：指派服务专员“周玲”（2 家）（Ctrl+Y 重做）"
    assert sorted(win.ledger_panel.selected_firm_ids()) == sorted([a, c])
    win.undo.redo_action.trigger()
    assert win.statusBar().currentMessage() == "已重做：为 2 家企业指派服务专员 周玲（Ctrl+Z 撤销）"


def test_enter_in_set_street_moves_nobody(qtbot, window):
    win, (a, b, c, d) = window
    select(win, {b, d})
    before = [street_of(win.ledger, f) for f in (b, d)]

    def press_enter(dlg):
        assert dlg.combo.currentIndex() == -1
        qtbot.keyClick(dlg, Qt.Key_Return)
        if dlg.isVisible():                      # Enter did nothing: 确定 is disabled until a street is chosen
            dlg.reject()
    answer_dialog(qtbot, press_enter)
    win.menu_actions.do_set_street()
    assert [street_of(win.ledger, f) for f in (b, d)] == before
    assert win.undo.stack.count() == 0


def test_set_street_once_chosen_says_where(qtbot, window):
    win, (a, b, c, d) = window
    select(win, {b, d})

    def choose(dlg):
        dlg.combo.setCurrentIndex(dlg.combo.findText("水果湖"))
        assert dlg.buttons.button(QDialogButtonBox.Ok).isEnabled()
        dlg.accept()
    answer_dialog(qtbot, choose)
    win.menu_actions.do_set_street()
    assert win.statusBar().currentMessage() == "已把 2 家企业的所在街道设为 水果湖，Ctrl+Z 撤销"
    sid = dict((n, i) for i, n in win.ledger.streets())["水果湖"]
    assert [street_of(win.ledger, f) for f in (b, d)] == [sid, sid]


def test_star_promotion_shows_each_firm_before_it_is_applied(qtbot, window):
    win, (a, b, c, d) = window
    select(win, {a, b})
    seen = {}

    def look(dlg):
        dlg.day.setDate(dlg.day.date().fromString("2025-03-01", "yyyy-MM-dd"))
        seen["rows"] = sorted(shown(dlg.table))
        seen["summary"] = dlg.summary.text()
        dlg.accept()
    answer_dialog(qtbot, look)
    win.menu_actions.do_move_star(+1)
    assert seen["rows"] == [("武汉星辰科技有限公司", "无星级", "繁星"), ("湖北光谷智能装备有限公司", "新星", "亮星")]
    assert seen["summary"].startswith("调整后：")
    assert set(seen["summary"][4:].split("；")) == {"无星级 → 繁星 1 家", "新星 → 亮星 1 家"}
    assert win.statusBar().currentMessage() == "已为 2 家企业晋升星级，Ctrl+Z 撤销"


def test_no_star_is_a_filter_choice(qtbot, window):
    win, (a, b, c, d) = window
    f = win.ledger_panel.filters
    f.as_of.setDate(f.as_of.date().fromString("2024-06-01", "yyyy-MM-dd"))
    f.star.setCurrentIndex(f.star.findText("无星级"))
    m = win.ledger_panel.model
    assert sorted(m.firm_id(r) for r in range(m.rowCount())) == sorted([a, c, d])


def test_leaving_the_district_shows_what_ends_before_it_is_applied(qtbot, window):
    """企业 → 迁出或注销…: the dialog lists each firm's designations held on the day chosen (those that end), says
    the past stays (unlike 移入回收站), and 确定 is off while nothing would end."""
    win, (a, b, c, d) = window
    assert win.menu_actions.leave in win.menu_actions.context_actions()
    select(win, {a, b, c})
    seen = {}

    def look(dlg):
        dlg.day.setDate(dlg.day.date().fromString("2024-09-01", "yyyy-MM-dd"))
        seen["rows"] = sorted(shown(dlg.table))
        seen["summary"] = dlg.summary.text()
        dlg.day.setDate(dlg.day.date().fromString("2021-01-01", "yyyy-MM-dd"))    # before any designation
        seen["ok_then"] = dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled()
        dlg.day.setDate(dlg.day.date().fromString("2024-09-01", "yyyy-MM-dd"))
        dlg.accept()
    answer_dialog(qtbot, look)
    win.menu_actions.do_leave()
    assert seen["rows"] == [("武汉星辰科技有限公司", "高新技术企业"), ("武汉长江数据有限公司", "（无）"),
                            ("湖北光谷智能装备有限公司", "新星")]
    assert seen["summary"] == "将结束 2 家企业的 2 项认定；1 家在该日没有有效的认定，不变"
    assert seen["ok_then"] is False
    assert win.statusBar().currentMessage().startswith("已结束 2 家企业的 2 项认定（自 2024-09-01 起不再计入）")
    held = win.ledger.conn.execute("SELECT count(*) FROM designations WHERE deleted_at IS NULL AND end_date IS NULL "
                                   "AND firm_id IN (?, ?)", (a, b)).fetchone()[0]
    assert held == 0


def test_two_records_of_one_firm_are_merged_after_the_dialog_shows_what_happens_and_undone(window, qtbot):
    """企业 → 合并为一家企业…: with one firm selected it says two are needed; with two, the dialog keeps the one
    with a credit code by default, lists what the merge does, refuses (in red, 合并 off) to keep the other, and the
    merge is one undoable step."""
    win, (a, _b, _c, d) = window
    with win.ledger.write() as w:
        w.add_designation(d, "kexiao", "2024-01-01")
    win.ledger_panel.reload()
    assert win.menu_actions.merge in win.menu_actions.context_actions()
    select(win, {a})
    told = {}
    answer_dialog(qtbot, lambda box: (told.setdefault("text", box.text()), box.accept()))
    win.menu_actions.do_merge()
    assert "当前选中了 1 条" in told["text"]
    select(win, {a, d})
    seen = {}

    def look(dlg):
        seen["rows"] = shown(dlg.table)
        seen["kept"] = dlg.choice.checkedButton().text()
        dlg.choice.button(1 - dlg.choice.checkedId()).setChecked(True)          # keep the one without a code
        seen["refused"] = (dlg.problem.text(), dlg.buttons.button(QDialogButtonBox.Ok).isEnabled())
        dlg.choice.button(1 - dlg.choice.checkedId()).setChecked(True)
        dlg.accept()
    answer_dialog(qtbot, look)
    win.menu_actions.do_merge()
    assert seen["kept"].startswith("武汉星辰科技有限公司（9")
    assert seen["rows"] == [("并入认定", "科技型中小企业（2024-01-01 起，有效期至 2024-12-31）"),
                            ("记为曾用名", "星辰新材料有限公司"),
                            ("字段不同（保留这一条的）", "所在街道：积玉桥（另一条：杨园）"),
                            ("移入回收站", "星辰新材料有限公司（无统一社会信用代码）")], seen["rows"]
    assert "应保留有统一社会信用代码的“武汉星辰科技有限公司”" in seen["refused"][0] and seen["refused"][1] is False
    assert win.statusBar().currentMessage().startswith("已合并为一家企业：并入 1 项认定、1 个曾用名、0 条服务记录")
    q = win.ledger.conn.execute
    assert q("SELECT deleted_at IS NOT NULL FROM firms WHERE id = ?", (d,)).fetchone()[0] == 1
    assert q("SELECT count(*) FROM designations WHERE firm_id = ? AND deleted_at IS NULL", (a,)).fetchone()[0] == 2
    win.undo.stack.undo()
    assert q("SELECT deleted_at IS NULL FROM firms WHERE id = ?", (d,)).fetchone()[0] == 1
    assert q("SELECT count(*) FROM designations WHERE firm_id = ? AND deleted_at IS NULL", (a,)).fetchone()[0] == 1
    assert q("SELECT count(*) FROM firm_aliases WHERE firm_id = ?", (a,)).fetchone()[0] == 0


def test_taking_a_merged_away_record_out_of_the_recycle_bin_says_it_would_count_twice_first(window, qtbot):
    """A record merged into another sits in the recycle bin; 从回收站恢复所选 took it out without a word, and the firm
    counted twice (the kept one holds copies of its designations). It now says so and asks first."""
    from db import merge
    win, (a, _b, _c, d) = window
    with win.ledger.write() as w:
        w.add_designation(d, "kexiao", "2024-01-01")
    with win.ledger.write() as w:
        merge.merge(w, a, d)
    win.menu_actions.do_toggle_recycle()
    win.ledger_panel.reload()
    in_bin = "SELECT deleted_at IS NOT NULL FROM firms WHERE id = ?"
    told: dict[str, str] = {}
    for answer in ("取消", "仍要恢复"):
        select(win, {d})
        told.clear()

        def reply(box, answer=answer):
            told["text"] = box.text()
            next(b for b in box.buttons() if b.text() == answer).click()
        answer_dialog(qtbot, reply)
        win.menu_actions.do_restore_firms()
        assert "“星辰新材料有限公司”已并入 武汉星辰科技有限公司" in told["text"] and "算两次" in told["text"]
        assert win.ledger.conn.execute(in_bin, (d,)).fetchone()[0] == (answer == "取消")


def test_the_merge_dialog_names_a_deactivated_street_not_its_number(window, qtbot):
    from db.catalog_store import set_street
    win, (a, _b, _c, d) = window
    with win.ledger.write() as w:
        set_street(w, "杨园", active=False)           # d is still on it
    win.ledger_panel.reload()
    select(win, {a, d})
    seen = {}

    def look(dlg):
        seen["rows"] = shown(dlg.table)
        dlg.reject()
    answer_dialog(qtbot, look)
    win.menu_actions.do_merge()
    assert ("字段不同（保留这一条的）", "所在街道：积玉桥（另一条：杨园）") in seen["rows"], seen["rows"]
