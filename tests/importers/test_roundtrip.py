"""Round trip: an exported ledger re-imports unchanged (.xlsx and .csv), formula-like text included."""
import pytest

from db.ledger import Ledger
from importers.ledger_export import export_ledger
from importers.plan import build_plan, commit_plan
from tests.importers.helpers import dump, xlsx


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_reimport_is_all_unchanged(demo_copy, tmp_path, suffix):
    with Ledger(demo_copy, officer="测试专员") as led:
        fid = led.conn.execute("SELECT MIN(id) FROM firms").fetchone()[0]
        with led.write() as w:
            w.update_firm(fid, remark="=1+1 不是公式", contact_person="@张三", contact_phone="+86 13800000000")
        out = tmp_path / f"台账{suffix}"
        n = export_ledger(led, out)
        before = dump(led)
        plan = build_plan(led, out)
        c = plan.counts()
        assert (c["rows"], c["unchanged"], c["created"], c["updated"], c["errors"]) == (n, n, 0, 0, 0)
        assert {i.code for i in plan.issues()} <= {"bad_check", "no_code_name_match", "invalid_code"}
        row = next(r for r in plan.rows if r.firm_id == fid)
        assert (row.values["remark"], row.values["contact_person"]) == ("=1+1 不是公式", "@张三")
        commit_plan(led, plan)
        assert dump(led) == before


def test_exported_ledger_imports_into_an_empty_ledger_with_the_same_firms_and_holdings(demo_db, tmp_path):
    out = tmp_path / "台账.xlsx"
    with Ledger(demo_db, readonly=True) as src:
        export_ledger(src, out)
        firms = src.conn.execute("SELECT code, name, street_id, industry, reg_capital FROM firms "
                                 "WHERE deleted_at IS NULL AND code IS NOT NULL ORDER BY code").fetchall()
    with Ledger(tmp_path / "new.db") as dst:
        plan = build_plan(dst, out)
        assert plan.counts()["created"] == len(plan.rows)
        commit_plan(dst, plan)
        got = dst.conn.execute("SELECT code, name, street_id, industry, reg_capital FROM firms "
                               "WHERE code IS NOT NULL ORDER BY code").fetchall()
        assert got == firms
        again = build_plan(dst, tmp_path / "台账.xlsx")
        assert again.counts()["unchanged"] == len(again.rows)


def _aliases(led):
    return sorted(led.conn.execute("SELECT f.code, a.name FROM firm_aliases a JOIN firms f ON f.id = a.firm_id"))


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_former_names_travel_with_the_export(ledger, tmp_path, suffix):
    """The export had no 曾用名 column: a ledger exported and imported into another (a street's ledger moved to
    the district's) lost every former name, and with them the matching of lists that still use an old name.
    Imported back into the same ledger, the column changes nothing."""
    from tests.importers.helpers import C
    with ledger.write() as w:
        a = w.insert_firm("武汉甲科技有限公司", C[0])
        w.add_alias(a, "武汉旧甲有限公司")
        w.add_alias(a, "武汉更旧甲有限公司")
        w.insert_firm("武汉乙科技有限公司", C[1])
    out = tmp_path / f"台账{suffix}"
    export_ledger(ledger, out)
    with Ledger(tmp_path / "new.db") as dst:
        commit_plan(dst, build_plan(dst, out))
        assert _aliases(dst) == _aliases(ledger) == [(C[0], "武汉旧甲有限公司"), (C[0], "武汉更旧甲有限公司")]
    before = dump(ledger)
    audit = ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE entity <> 'batch'").fetchone()[0]
    plan = build_plan(ledger, out)
    assert plan.counts()["unchanged"] == 2
    commit_plan(ledger, plan)
    assert dump(ledger) == before
    assert ledger.conn.execute("SELECT COUNT(*) FROM audit WHERE entity <> 'batch'").fetchone()[0] == audit


def test_reimporting_the_export_keeps_a_confirmed_firm_without_a_code_confirmed(ledger, tmp_path):
    """A firm without a code, confirmed by a person (needs_review 0), was flagged 待核实 again, with an audit row,
    by every re-import of the ledger's own export: its row is matched by name, and a name match was flagged
    even when the row changed nothing. A row that does change it still flags it."""
    from tests.importers.helpers import xlsx
    with ledger.write() as w:
        fid = w.insert_firm("武汉无码科技有限公司", None, industry="软件")
    assert ledger.conn.execute("SELECT needs_review FROM firms WHERE id = ?", (fid,)).fetchone()[0] == 0
    out = tmp_path / "台账.xlsx"
    export_ledger(ledger, out)
    before = dump(ledger)
    plan = build_plan(ledger, out)
    assert plan.counts()["unchanged"] == 1
    assert [i.code for i in plan.issues()] == ["no_code_name_match"]      # the match is still shown
    commit_plan(ledger, plan)
    assert dump(ledger) == before
    changed = xlsx(tmp_path, [["企业名称", "所属行业"], ["武汉无码科技有限公司", "集成电路"]], name="新名单.xlsx")
    commit_plan(ledger, build_plan(ledger, changed))
    assert ledger.conn.execute("SELECT industry, needs_review FROM firms WHERE id = ?", (fid,)).fetchone() == (
        "集成电路", 1)


def test_a_row_without_a_code_naming_a_firm_in_the_recycle_bin_is_refused_as_one_with_its_code(ledger, tmp_path):
    """An older export imported back after firms were deleted: the firm with a code was refused (在回收站中), the
    firm without one was created again, a second firm of that name, with "台账中也没有同名企业"."""
    from tests.importers.helpers import C
    with ledger.write() as w:
        ids = [w.insert_firm("武汉甲科技有限公司", C[0]), w.insert_firm("武汉乙无码有限公司", None)]
    out = tmp_path / "旧导出.xlsx"
    export_ledger(ledger, out)
    with ledger.write() as w:
        for fid in ids:
            w.remove_firm(fid)
    plan = build_plan(ledger, out)
    assert sorted((r.name, [(i.code, i.level) for i in r.issues]) for r in plan.rows) == [
        ("武汉乙无码有限公司", [("in_recycle_bin", "error")]), ("武汉甲科技有限公司", [("in_recycle_bin", "error")])]
    listed = xlsx(tmp_path, [["企业名称", "统一社会信用代码"], ["武汉乙无码有限公司", C[2]]], name="有代码.xlsx")
    assert build_plan(ledger, listed).counts()["created"] == 1     # with a code of its own: a new firm, as before


def test_a_text_that_begins_with_an_apostrophe_and_a_formula_sign_survives_the_csv(ledger, tmp_path):
    """The CSV export marks =… +… -… @… with an apostrophe, which the import strips: a remark typed '=… itself lost
    its apostrophe on the way back (the re-import changed it)."""
    from tests.importers.helpers import C
    with ledger.write() as w:
        w.insert_firm("武汉甲科技有限公司", C[0], remark="'=不是公式", industry="'-")
    out = tmp_path / "台账.csv"
    export_ledger(ledger, out)
    plan = build_plan(ledger, out)
    assert plan.counts()["unchanged"] == 1
    with Ledger(tmp_path / "new.db") as dst:
        commit_plan(dst, build_plan(dst, out))
        assert dst.conn.execute("SELECT remark, industry FROM firms").fetchone() == ("'=不是公式", "'-")


def test_importing_the_same_file_again_says_so(ledger, tmp_path):
    """The same list imported a second time (by mistake, or by two officers) changed nothing it had not, but said
    nothing either, while it puts back every value corrected since: a warning for the file names the batch."""
    from tests.importers.helpers import C
    path = xlsx(tmp_path, [["企业名称", "统一社会信用代码", "所属行业"], ["武汉甲科技有限公司", C[0], "软件"]])
    plan = build_plan(ledger, path)
    assert "same_file" not in {i.code for i in plan.issues()}
    commit_plan(ledger, plan)
    with ledger.write() as w:
        w.update_firm(ledger.conn.execute("SELECT id FROM firms").fetchone()[0], industry="集成电路")
    again = build_plan(ledger, path)
    [same] = [i for i in again.issues() if i.code == "same_file"]
    assert "批次 1" in same.message and same.level == "warning" and again.counts()["updated"] == 1
