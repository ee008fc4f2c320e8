"""Undo: the ledger exactly as before the batch; later changes are a conflict unless forced; twice is an error."""
import pytest

from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from importers.undo import UndoConflict, batch_list, undo_batch
from tests.backends import recorded_person
from tests.importers import fixtures as fx
from tests.importers.helpers import HEAD, C, dump, seed, xlsx


def _mixed_ledger(ledger, tmp_path):
    """A ledger with firms, an alias and a star tier; then a batch that creates, updates, renames and designates."""
    fid, _ = seed(ledger, ("武汉旧名科技有限公司", C[0], {"industry": "软件", "employees": 5}),
                  ("乙公司", C[1], {"officer": "王芳", "industry": "咨询"}))
    with ledger.write() as w:
        w.add_designation(fid, "fanxing", "2022-01-01")
    rows = [["企业名称", "统一社会信用代码", "所属行业", "从业人员", "星级", "认定日期"],
            ["武汉新名科技有限公司", C[0], "电子信息", 7, "新星", "2024-05-01"],
            ["乙公司", C[1], "咨询", None, None, None],
            ["丙公司", C[2], "生物", 3, "繁星", "2024-05-01"],
            ["丁公司", None, "咨询", None, "繁星", "2024-05-01"]]
    return fid, xlsx(tmp_path, rows)


def test_undo_restores_the_ledger_exactly(ledger, tmp_path):
    fid, path = _mixed_ledger(ledger, tmp_path)
    before = dump(ledger)
    plan = build_plan(ledger, path)
    assert [r.status for r in plan.rows] == ["update", "unchanged", "new", "new"]
    batch = commit_plan(ledger, plan)
    assert dump(ledger) != before
    out = undo_batch(ledger, batch)
    assert (out["firms_removed"], out["firms_restored"], out["designations_removed"], out["aliases_removed"],
            out["designations_restored"]) == (2, 1, 3, 1, 1)
    assert dump(ledger) == before
    (b,) = [x for x in batch_list(ledger) if x["id"] == batch]
    assert b["undone_at"] and b["undone_by"] == recorded_person(ledger) and b["counts"]["created"] == 2
    undo_rows = ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE source = 'undo' AND batch_id = ?",
                                    (batch,)).fetchone()[0]
    assert undo_rows == ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE source = 'import' AND batch_id = ? "
                                            "AND entity != 'batch'", (batch,)).fetchone()[0] + 2 + 1
    # one undo row per audit row of the batch, per firm it created (their creation audit is the batch row), and
    # one for the batch itself
    with pytest.raises(InputError, match="不能重复撤销"):
        undo_batch(ledger, batch)


def test_undo_of_a_fixture_list_then_reimport(ledger, tmp_path):
    before = dump(ledger)
    path = fx.write_hightech_xlsx(tmp_path)
    batch = commit_plan(ledger, build_plan(ledger, path))
    undo_batch(ledger, batch)
    assert dump(ledger) == before
    again = build_plan(ledger, path)
    assert again.counts()["created"] == 6


def test_later_change_is_a_conflict_unless_forced(ledger, tmp_path):
    fid, path = _mixed_ledger(ledger, tmp_path)
    batch = commit_plan(ledger, build_plan(ledger, path))
    with ledger.write() as w:
        w.update_firm(fid, officer="李雷")
    with pytest.raises(UndoConflict) as exc:
        undo_batch(ledger, batch)
    assert "武汉新名科技有限公司" in str(exc.value) and "--force" in str(exc.value)
    assert exc.value.firms == [(fid, "武汉新名科技有限公司")]
    assert ledger.conn.execute("SELECT undone_at FROM batches WHERE id = ?", (batch,)).fetchone()[0] is None
    out = undo_batch(ledger, batch, force=True)
    assert out["conflicts"] == [{"firm_id": fid, "name": "武汉新名科技有限公司"}]
    assert ledger.conn.execute("SELECT name, industry FROM firms WHERE id = ?", (fid,)).fetchone() == (
        "武汉旧名科技有限公司", "软件")


def test_a_later_batch_that_was_undone_is_no_conflict(ledger, tmp_path):
    first = commit_plan(ledger, build_plan(ledger, xlsx(tmp_path, [HEAD, [1, "甲公司", C[0], None, "软件"]])))
    second = commit_plan(
        ledger, build_plan(ledger, xlsx(tmp_path, [HEAD, [1, "甲公司", C[0], None, "电子"]], "b.xlsx"))
    )
    with pytest.raises(UndoConflict):
        undo_batch(ledger, first)
    undo_batch(ledger, second)
    undo_batch(ledger, first)
    assert ledger.conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == 0


def test_unknown_batch(ledger):
    with pytest.raises(InputError, match="没有编号为 99 的导入批次"):
        undo_batch(ledger, 99)
