"""Undo/redo of bulk edits: the database and the audit rows after each step."""
from __future__ import annotations

from datetime import date

import pytest

from desktop.undo import UndoManager
from tests.ui.helpers import small_ledger
from ui.commands import (
    AddDesignation,
    AddService,
    EditService,
    EndDesignations,
    MoveStar,
    RemoveFirms,
    UpdateFirms,
)


@pytest.fixture
def setup(qapp, ledger):
    ids = small_ledger(ledger)
    messages: list[str] = []
    undo = UndoManager(report=messages.append)
    yield ledger, ids, undo, messages
    undo.deleteLater()


def officer(ledger, fid):
    return ledger.conn.execute("SELECT officer FROM firms WHERE id = ?", (fid,)).fetchone()[0]


def audit_count(ledger, **where):
    sql = "SELECT count(*) FROM audit WHERE " + " AND ".join(f"{k} = ?" for k in where)
    return ledger.conn.execute(sql, tuple(where.values())).fetchone()[0]


def stars(ledger, fid, day):
    return [r[0] for r in ledger.conn.execute(
        "SELECT s.key FROM designations d JOIN stages s ON s.id = d.stage_id JOIN tracks t ON t.id = s.track_id "
        "WHERE d.firm_id = ? AND t.key = 'star' AND d.deleted_at IS NULL AND d.start_date <= ? "
        "AND (d.end_date IS NULL OR d.end_date > ?)", (fid, day, day))]


def test_assign_officer_undo_redo(setup):
    ledger, (a, b, c, d), undo, _ = setup
    before = audit_count(ledger, action="update", entity="firm")
    changed = []
    undo.changed.connect(changed.append)
    assert undo.push(UpdateFirms(ledger, [a, c, d], {"officer": "王芳"}))
    assert [officer(ledger, f) for f in (a, b, c, d)] == ["王芳", "张敏", "王芳", "王芳"]
    assert audit_count(ledger, action="update", entity="firm") == before + 3
    assert undo.stack.undoText() == "修改服务专员（3 家）"
    undo.stack.undo()
    assert [officer(ledger, f) for f in (a, b, c, d)] == ["张敏", "张敏", "李强", None]
    assert audit_count(ledger, action="update", entity="firm") == before + 6    # the undo is audited too
    undo.stack.redo()
    assert [officer(ledger, f) for f in (a, c, d)] == ["王芳", "王芳", "王芳"]
    assert changed == [[a, c, d]] * 3
    row = ledger.conn.execute("SELECT before, after, source, officer FROM audit WHERE entity = 'firm' "
                              "AND firm_id = ? ORDER BY id DESC LIMIT 1", (c,)).fetchone()
    assert row == ('{"officer": "李强"}', '{"officer": "王芳"}', "person", "测试专员")


def test_set_street_then_undo(setup):
    ledger, (a, b, c, d), undo, _ = setup
    street = dict((n, i) for i, n in ledger.streets())
    undo.push(UpdateFirms(ledger, [a, b], {"street_id": street["南湖"]}))
    got = [r[0] for r in ledger.conn.execute("SELECT street_id FROM firms WHERE id IN (?, ?) ORDER BY id", (a, b))]
    assert got == [street["南湖"], street["南湖"]]
    undo.stack.undo()
    got = [r[0] for r in ledger.conn.execute("SELECT street_id FROM firms WHERE id IN (?, ?) ORDER BY id", (a, b))]
    assert got == [street["积玉桥"], street["杨园"]]


def test_promote_and_demote_star_with_undo(setup):
    ledger, (a, b, c, d), undo, messages = setup
    day = date(2025, 3, 1)
    assert undo.push(MoveStar(ledger, [a, b], +1, day, "2025 年第 1 次会议"))
    assert stars(ledger, a, "2025-03-01") == ["fanxing"]         # no tier yet: the first one
    assert stars(ledger, b, "2025-03-01") == ["liangxing"]       # 新星 → 亮星
    assert stars(ledger, b, "2025-02-28") == ["xinxing"]         # the old tier ended the day before
    undo.stack.undo()
    assert stars(ledger, a, "2025-03-01") == []
    assert stars(ledger, b, "2025-03-01") == ["xinxing"]         # open again, as before
    undo.stack.redo()
    assert stars(ledger, b, "2025-03-01") == ["liangxing"]
    assert undo.push(MoveStar(ledger, [b], -1, date(2025, 6, 1)))
    assert stars(ledger, b, "2025-06-01") == ["xinxing"]
    assert not undo.push(MoveStar(ledger, [c], -1, date(2025, 6, 1)))   # nothing to demote
    assert messages == ["“星级下调（1 家）”未保存：所选企业都已在最高（或最低）星级，没有可调整的"]
    assert undo.stack.count() == 2


def test_add_designation_and_remove_to_recycle_bin(setup):
    ledger, (a, b, c, d), undo, _ = setup
    undo.push(AddDesignation(ledger, [c, d], "gaoqi", date(2024, 12, 1), evidence="GR202442009999"))
    rows = ledger.conn.execute("SELECT firm_id, end_date, evidence FROM designations WHERE evidence = 'GR202442009999' "
                               "AND deleted_at IS NULL ORDER BY firm_id").fetchall()
    assert rows == [(c, "2027-12-01", "GR202442009999"), (d, "2027-12-01", "GR202442009999")]
    undo.stack.undo()
    assert ledger.conn.execute("SELECT count(*) FROM designations WHERE evidence = 'GR202442009999' "
                               "AND deleted_at IS NULL").fetchone()[0] == 0
    undo.push(RemoveFirms(ledger, [a]))
    assert ledger.conn.execute("SELECT deleted_at IS NOT NULL FROM firms WHERE id = ?", (a,)).fetchone()[0] == 1
    assert audit_count(ledger, action="delete", entity="firm", firm_id=a) == 1
    undo.stack.undo()
    assert ledger.conn.execute("SELECT deleted_at FROM firms WHERE id = ?", (a,)).fetchone()[0] is None
    assert audit_count(ledger, action="restore", entity="firm", firm_id=a) == 1


def test_undo_of_a_rename_takes_the_former_name_back(setup):
    ledger, (a, b, c, d), undo, _ = setup

    def names(fid):
        cur = ledger.conn.execute("SELECT name FROM firms WHERE id = ?", (fid,)).fetchone()[0]
        former = [r[0] for r in ledger.conn.execute("SELECT name FROM firm_aliases WHERE firm_id = ? ORDER BY id",
                                                    (fid,))]
        found = [r[0] for r in ledger.conn.execute("SELECT rowid FROM firm_search WHERE firm_search MATCH ?",
                                                   ('"星图新名"',))]
        return cur, former, found

    old = names(a)[0]
    assert undo.push(UpdateFirms(ledger, [a], {"name": "武汉星图新名科技有限公司"}))
    assert names(a) == ("武汉星图新名科技有限公司", [old], [a])
    undo.stack.undo()
    assert names(a) == (old, [], [])
    assert audit_count(ledger, action="delete", entity="alias", firm_id=a) == 1
    undo.stack.redo()
    assert names(a) == ("武汉星图新名科技有限公司", [old], [a])


def _remark(ledger, fid):
    return ledger.conn.execute("SELECT remark FROM firms WHERE id = ?", (fid,)).fetchone()[0]


def test_ctrl_z_of_an_edit_does_not_overwrite_a_later_change_of_the_same_field(setup):
    """Found by an attack: Ctrl+Z wrote the edit's before-values over a later import's or person's change of the
    same field, silently. Now the undo is refused, naming the change, and the ledger keeps it."""
    ledger, (a, b, _c, _d), undo, messages = setup
    assert undo.push(UpdateFirms(ledger, [a, b], {"remark": "人改"}))
    with ledger.write("import") as w:                # a later change of the same field (an import, another window)
        w.update_firm(b, remark="后来")
    undo.stack.undo()
    assert (_remark(ledger, a), _remark(ledger, b)) == ("人改", "后来")     # all or nothing: neither undone
    assert len(messages) == 1 and "无法完成" in messages[0] and "后来" in messages[0]


def test_ctrl_z_after_a_change_of_another_field_still_undoes(setup):
    ledger, (a, _b, _c, _d), undo, messages = setup
    old = _remark(ledger, a)
    assert undo.push(UpdateFirms(ledger, [a], {"remark": "人改"}))
    with ledger.write("import") as w:
        w.update_firm(a, industry="软件和信息技术服务业")
    undo.stack.undo()
    assert _remark(ledger, a) == old and messages == []
    row = ledger.conn.execute("SELECT industry FROM firms WHERE id = ?", (a,)).fetchone()
    assert row == ("软件和信息技术服务业",)


def test_redo_does_not_overwrite_a_change_made_after_the_undo(setup):
    ledger, (a, _b, _c, _d), undo, messages = setup
    assert undo.push(UpdateFirms(ledger, [a], {"remark": "人改"}))
    undo.stack.undo()
    with ledger.write("import") as w:
        w.update_firm(a, remark="撤销之后")
    undo.stack.redo()
    assert _remark(ledger, a) == "撤销之后"
    assert len(messages) == 1 and "撤销之后" in messages[0]


def test_undo_of_a_star_move_keeps_a_later_change_of_the_ended_tier(setup):
    """Undoing a promotion re-opens the tier it ended; if that tier's end was changed since, it is refused."""
    ledger, (_a, b, _c, _d), undo, messages = setup
    assert undo.push(MoveStar(ledger, [b], +1, date(2025, 3, 1)))
    (old,) = [r[0] for r in ledger.conn.execute(
        "SELECT id FROM designations WHERE firm_id = ? AND end_date = '2025-03-01' AND deleted_at IS NULL", (b,))]
    with ledger.write("person") as w:
        w.update_designation(old, end_date="2025-02-01")
    undo.stack.undo()
    assert ledger.conn.execute("SELECT end_date FROM designations WHERE id = ?", (old,)).fetchone() == ("2025-02-01",)
    assert stars(ledger, b, "2025-03-01") == ["liangxing"]       # nothing undone: all or nothing
    assert len(messages) == 1 and "无法完成" in messages[0]


def _notes(ledger, record):
    return ledger.conn.execute("SELECT notes, deleted_at IS NULL FROM service_records WHERE id = ?",
                               (record,)).fetchone()


def test_ctrl_z_of_a_service_record_keeps_a_later_change_of_it(setup):
    """A service record's edit and addition undo only while the record holds what they set, as a firm's fields."""
    ledger, (a, _b, _c, _d), undo, messages = setup
    add = AddService(ledger, a, {"date": date(2025, 5, 6), "officer": "周玲", "kind": "走访", "notes": "初访"})
    assert undo.push(add)
    edit = EditService(ledger, a, add.record_id, {"notes": "复访"})
    assert undo.push(edit)
    with ledger.write("person") as w:                # another window changes the notes again
        w.update_service(add.record_id, notes="第三次")
    undo.stack.undo()                                # the edit's undo: refused, the later notes kept
    assert _notes(ledger, add.record_id) == ("第三次", 1)
    assert len(messages) == 1 and "第三次" in messages[0]
    undo.stack.undo()                                # the addition's undo: refused too (the record changed)
    assert _notes(ledger, add.record_id) == ("第三次", 1) and len(messages) == 2


def test_ctrl_z_and_ctrl_y_of_a_service_record_untouched_since(setup):
    ledger, (a, _b, _c, _d), undo, messages = setup
    add = AddService(ledger, a, {"date": "2025-05-06", "officer": "周玲", "kind": "走访", "notes": "初访"})
    assert undo.push(add)
    assert undo.push(EditService(ledger, a, add.record_id, {"notes": "复访"}))
    undo.stack.undo()
    assert _notes(ledger, add.record_id) == ("初访", 1)
    with ledger.write("person") as w:                # changed after the undo: the redo must not overwrite it
        w.update_service(add.record_id, notes="撤销之后")
    undo.stack.redo()
    assert _notes(ledger, add.record_id) == ("撤销之后", 1) and len(messages) == 1
    with ledger.write("person") as w:
        w.update_service(add.record_id, notes="初访")
    undo.stack.undo()                                # the addition, as added: taken back
    assert _notes(ledger, add.record_id) == ("初访", 0) and len(messages) == 1


def ends(ledger, fid):
    return ledger.conn.execute("SELECT s.key, d.end_date FROM designations d JOIN stages s ON s.id = d.stage_id "
                               "WHERE d.firm_id = ? AND d.deleted_at IS NULL ORDER BY d.start_date", (fid,)).fetchall()


def test_leaving_the_district_ends_what_is_held_that_day_keeps_the_past_and_undoes(setup):
    """企业 → 迁出或注销: a firm that left ends every designation it holds that day (held up to, not including, it);
    earlier designations and earlier figures stay, as 移入回收站 would not. Undo puts the ends back; redo again."""
    ledger, (a, b, c, d), undo, messages = setup
    before = {f: ends(ledger, f) for f in (a, b, c, d)}
    assert before[a] == [("gaoqi", "2025-03-01")] and before[b] == [("fanxing", "2024-05-01"), ("xinxing", None)]
    audits = audit_count(ledger, action="update", entity="designation")
    told: list[str] = []
    undo.message.connect(told.append)
    assert undo.push(EndDesignations(ledger, [a, b, c, d], date(2024, 9, 1)))
    assert told == ["已结束 2 家企业的 2 项认定（自 2024-09-01 起不再计入），Ctrl+Z 撤销"], told
    assert ends(ledger, a) == [("gaoqi", "2024-09-01")]
    assert ends(ledger, b) == [("fanxing", "2024-05-01"), ("xinxing", "2024-09-01")]   # the past tier as it was
    assert ends(ledger, c) == before[c] and ends(ledger, d) == before[d]
    assert audit_count(ledger, action="update", entity="designation") == audits + 2
    assert stars(ledger, b, "2024-08-31") == ["xinxing"] and stars(ledger, b, "2024-09-01") == []
    undo.stack.undo()
    assert {f: ends(ledger, f) for f in (a, b, c, d)} == before
    undo.stack.redo()
    assert ends(ledger, a) == [("gaoqi", "2024-09-01")]


def test_leaving_on_a_day_nothing_is_held_is_refused_and_not_stacked(setup):
    ledger, (_a, _b, c, d), undo, messages = setup
    assert not undo.push(EndDesignations(ledger, [c, d], date(2024, 9, 1)))
    assert undo.stack.count() == 0 and "没有有效的认定" in messages[-1]


def test_undo_of_leaving_keeps_an_end_changed_since(setup):
    """The undo puts an end back only where nobody changed it since (db/conflict.py): refused, naming it."""
    ledger, (a, *_rest), undo, messages = setup
    assert undo.push(EndDesignations(ledger, [a], date(2024, 9, 1)))
    (did,) = [r[0] for r in ledger.conn.execute("SELECT id FROM designations WHERE firm_id = ?", (a,))]
    with ledger.write("person") as w:
        w.update_designation(did, end_date="2024-10-01")
    undo.stack.undo()
    assert ends(ledger, a) == [("gaoqi", "2024-10-01")]
