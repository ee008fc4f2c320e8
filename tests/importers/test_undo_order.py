"""Issue 12, item 1: import A, import B over the same firms, undo A (a conflict), undo A --force, undo B: the
ledger is back where it started; what cannot be restored exactly is refused with the firms named."""
import pytest

from importers.plan import build_plan, commit_plan
from importers.undo import UndoConflict, UndoRefused, undo_batch
from tests.importers.helpers import C, dump, seed, xlsx

HEAD = ["企业名称", "统一社会信用代码", "所在街道", "所属行业", "备注"]


def firm(ledger, code):
    return ledger.conn.execute("SELECT f.name, s.name, f.industry, f.remark FROM firms f LEFT JOIN streets s "
                               "ON s.id = f.street_id WHERE f.code = ?", (code,)).fetchone()


def test_forced_undo_out_of_order_then_the_other_is_exact(ledger, tmp_path):
    seed(ledger, ("武汉原名科技有限公司", C[0], {"industry": "咨询", "street_id": ledger.street_id("积玉桥")}),
         ("乙公司", C[1], {}))
    start = dump(ledger)
    a_rows = [HEAD, ["武汉新名科技有限公司", C[0], "杨园", "软件", "甲"], ["乙公司", C[1], "粮道", None, None]]
    a = commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, a_rows, "a.xlsx")))
    b_rows = [HEAD + ["层级", "认定日期"],
              ["武汉新名科技有限公司", C[0], None, "电子", None, "高新技术企业", "2024-01-01"],
              ["乙公司", C[1], None, None, None, "高新技术企业", "2024-01-01"]]
    b = commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, b_rows, "b.xlsx")))
    with pytest.raises(UndoConflict):
        undo_batch(ledger, a)
    out = undo_batch(ledger, a, force=True)
    # A's street and remark are gone, B's industry stays, the name B confirmed stays and the old name is kept
    assert firm(ledger, C[0]) == ("武汉新名科技有限公司", "积玉桥", "电子", None)
    assert [n for (n,) in ledger.conn.execute("SELECT name FROM firm_aliases")] == ["武汉原名科技有限公司"]
    assert firm(ledger, C[1]) == ("乙公司", None, None, None)
    held = ledger.conn.execute("SELECT COUNT(*) FROM designations WHERE batch_id = ? AND deleted_at IS NULL",
                               (b,)).fetchone()[0]
    assert held == 2 and out["designations_removed"] == 0                   # B's designations are not touched
    undo_batch(ledger, b)
    assert dump(ledger) == start
    undone = ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE source = 'undo' AND entity = 'designation' "
                                 "AND batch_id = ?", (b,)).fetchone()[0]
    assert undone == 2                                                      # every removed row has its audit row


def test_a_firm_a_person_edited_after_the_import_that_created_it_is_refused(ledger, tmp_path):
    a = commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, [HEAD, ["丙公司", C[2], None, "软件", None]])))
    fid = ledger.conn.execute("SELECT id FROM firms WHERE code = ?", (C[2],)).fetchone()[0]
    with ledger.write() as w:
        w.add_service(fid, "2024-03-01", notes="走访")
    before = dump(ledger)
    with pytest.raises(UndoRefused) as info:
        undo_batch(ledger, a, force=True)
    assert info.value.firms == [(fid, "丙公司")] and "丙公司" in str(info.value)
    assert dump(ledger) == before


def test_a_value_only_confirmed_by_the_undone_list_is_restored_with_an_audit_row(ledger, tmp_path):
    seed(ledger, ("甲公司", C[0], {"industry": "咨询"}))
    a = commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, [HEAD, ["甲公司", C[0], None, "软件", None]], "a.xlsx")))
    x = commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, [HEAD, ["甲公司", C[0], None, "软件", None]], "x.xlsx")))
    undo_batch(ledger, a)                  # 软件 stays: the second list says so too
    assert firm(ledger, C[0])[2] == "软件"
    undo_batch(ledger, x)                  # nothing says 软件 any more: back to 咨询, and audited
    assert firm(ledger, C[0])[2] == "咨询"
    rows = ledger.conn.execute("SELECT before, after FROM audit WHERE source = 'undo' AND entity = 'firm' "
                               "AND batch_id = ?", (x,)).fetchall()
    assert rows == [('{"industry": "软件"}', '{"industry": "咨询"}')]
