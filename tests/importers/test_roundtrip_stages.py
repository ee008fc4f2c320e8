"""Round trip of the stages held: a ledger exported and imported into an empty ledger holds every live firm's
current designations again, with their exact start and end dates, and says nothing it need not.

A firm holding two or more stages of a track that is not a ladder (专精特新: 创新型 and 省级 at once) was exported
with the top stage's dates only: imported, the lower stages took the import's day with a warning."""
from datetime import date

import pytest

from db import queries
from db.ledger import Ledger
from importers.ledger_export import export_ledger
from importers.plan import build_plan, commit_plan
from tests.importers.helpers import C, xlsx

GUESSED = {"stage_default_date", "one_date_many_stages", "no_stage_date", "date_count"}


def held(led) -> list[tuple]:
    """(name, code, stage key, start, end) of every designation a live firm holds today."""
    catalog = led.catalog()
    names = dict(led.conn.execute("SELECT id, name || '|' || COALESCE(code, '') FROM firms WHERE deleted_at IS NULL"))
    return sorted((names[fid], catalog.by_id(sid).key, start, end)
                  for fid, rows in queries.holdings_on(led.conn, date.today()).items() if fid in names
                  for sid, start, end in rows)


def _hand_made(led) -> None:
    """Two stages of 专精特新 with their own starts and ends (one end not the default), three of them, one alone;
    the ladders (星级, 种子) one tier at a time, an earlier tier ended; 高企 with an end of its own; stages of
    tracks that expire held without an end (open: 长期)."""
    with led.write() as w:
        a = w.insert_firm("武汉两级科技有限公司", C[0])
        w.add_designation(a, "chuangxin", "2024-03-15", "2027-05-01")
        w.add_designation(a, "shengji", "2025-06-20")
        w.add_designation(a, "gaoqi", "2024-11-01", "2027-10-31")
        w.add_designation(a, "fanxing", "2023-01-10")
        w.add_designation(a, "xinxing", "2025-02-01")
        b = w.insert_firm("武汉一级科技有限公司", C[1])
        w.add_designation(b, "chuangxin", "2025-09-01", "2028-09-01")
        w.add_designation(b, "yinzhongzi", "2025-01-01", "2027-01-01")
        c = w.insert_firm("武汉三级科技有限公司", C[2])
        w.add_designation(c, "chuangxin", "2024-01-05")
        w.add_designation(c, "shengji", "2024-12-12", "2027-06-30")
        w.add_designation(c, "xiaojuren", "2025-07-07")
        d = w.insert_firm("武汉长期科技有限公司", C[3])      # open, where the stage's validity would give an end
        w.add_designation(d, "gaoqi", "2024-05-05", open_end=True)
        w.add_designation(d, "chuangxin", "2024-02-02", open_end=True)
        w.add_designation(d, "shengji", "2025-03-03", "2027-03-03")
        w.add_designation(d, "jinzhongzi", "2025-04-04", open_end=True)


def _into_empty(out, tmp_path) -> tuple[list, list]:
    with Ledger(tmp_path / "new.db") as dst:
        plan = build_plan(dst, out)
        assert plan.counts()["errors"] == 0
        said = [(i.row, i.column, i.code) for i in plan.issues() if i.code in GUESSED]
        commit_plan(dst, plan)
        return held(dst), said


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_every_stage_held_keeps_its_dates_through_export_and_import(ledger, tmp_path, suffix):
    _hand_made(ledger)
    assert {"chuangxin", "shengji", "xiaojuren", "xinxing", "yinzhongzi", "gaoqi"} <= {r[1] for r in held(ledger)}
    out = tmp_path / f"台账{suffix}"
    export_ledger(ledger, out)
    got, said = _into_empty(out, tmp_path)
    assert said == []
    assert got == held(ledger)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_demo_district_keeps_every_stage_and_date_through_export_and_import(demo_db, tmp_path, suffix):
    out = tmp_path / f"台账{suffix}"
    with Ledger(demo_db, readonly=True) as src:
        export_ledger(src, out)
        before = held(src)
    got, said = _into_empty(out, tmp_path)
    assert said == []
    assert got == before


def test_reimporting_the_export_into_its_own_ledger_changes_nothing(ledger, tmp_path):
    _hand_made(ledger)
    out = tmp_path / "台账.xlsx"
    export_ledger(ledger, out)
    plan = build_plan(ledger, out)
    assert plan.counts()["unchanged"] == 4 and not list(plan.issues())


def test_an_exported_cell_lists_one_date_per_stage_in_the_stage_cells_order(ledger, tmp_path):
    from importers.ledger_export import ledger_columns, ledger_rows
    _hand_made(ledger)
    titles = [c.title for c in ledger_columns(ledger)]
    rows = {r[0]: dict(zip(titles, r, strict=True)) for r in ledger_rows(ledger, as_of=date(2026, 6, 1))}
    two = rows["武汉两级科技有限公司"]
    assert two["专精特新"] == "创新型中小企业、省级专精特新中小企业"
    assert two["专精特新认定日期"] == "2024-03-15、2025-06-20"
    assert two["专精特新有效期至"] == "2027-04-30、2028-06-19"
    assert (two["星级认定日期"], two["高新技术企业认定日期"]) == ("2025-02-01", "2024-11-01")   # one stage: a date
    assert rows["武汉一级科技有限公司"]["专精特新认定日期"] == "2025-09-01"
    open_ = rows["武汉长期科技有限公司"]
    assert (open_["高新技术企业有效期至"], open_["专精特新有效期至"]) == ("长期", "长期、2027-03-02")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_stage_held_twice_at_once_keeps_both_spans(ledger, tmp_path, suffix):
    """A certificate renewed before the old one ended (高企 recognised again): both spans are held today, and both
    travel, each with its dates; read back into the same ledger they change nothing."""
    with ledger.write() as w:
        a = w.insert_firm("武汉复审科技有限公司", C[0])
        w.add_designation(a, "gaoqi", "2024-01-01", "2027-01-01")
        w.add_designation(a, "gaoqi", "2026-11-01", "2029-11-01")
    assert len(held(ledger)) == 2
    out = tmp_path / f"台账{suffix}"
    export_ledger(ledger, out)
    got, said = _into_empty(out, tmp_path)
    assert (got, said) == (held(ledger), [])
    plan = build_plan(ledger, out)
    assert plan.counts()["unchanged"] == 1 and not list(plan.issues())


def test_dates_that_do_not_match_the_stages_one_for_one_are_refused_on_their_row(ledger, tmp_path):
    """A cell of dates a person edited: a count that differs from the stages' is an error on the row and column
    (never a date given to the wrong stage); one date for several stages is read as a government list's."""
    path = xlsx(tmp_path, [
        ["企业名称", "统一社会信用代码", "专精特新", "专精特新认定日期", "专精特新有效期至"],
        ["武汉甲科技有限公司", C[0], "创新型中小企业、省级专精特新中小企业", "2024-01-01、2025-01-01、2025-06-01"],
        ["武汉乙科技有限公司", C[1], "创新型中小企业、省级专精特新中小企业", "2024-01-01、2025-01-01", "2026-12-31"],
        ["武汉丙科技有限公司", C[2], "创新型中小企业、省级专精特新中小企业", "2024-01-01、2025-01-01",
         "2026-12-31、2027-12-31、2028-12-31"],
        ["武汉丁科技有限公司", C[3], "创新型中小企业、省级专精特新中小企业", "2025-01-01", None]])
    plan = build_plan(ledger, path, on_date=date(2026, 1, 1))
    issues = [(i.row, i.column, i.code, i.level) for i in plan.issues()]
    assert issues == [(2, "专精特新认定日期", "date_count", "error"), (4, "专精特新有效期至", "date_count", "error"),
                      (5, "专精特新", "stage_default_date", "warning")]
    first = next(i for i in plan.issues() if i.row == 2)
    assert "3 个日期" in first.message and "2 个认定类别" in first.message
    b = next(r for r in plan.rows if r.excel_row == 3)
    assert sorted((d["stage_name"], d["start"].isoformat(), d["end"] and d["end"].isoformat())
                  for d in b.designations) == [("创新型中小企业", "2024-01-01", None),
                                               ("省级专精特新中小企业", "2025-01-01", "2027-01-01")]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_an_accepted_code_stays_accepted_through_export_and_import(ledger, tmp_path, suffix):
    """A code with a bad check digit that an officer accepted (代码核验 校验位不符（已确认）) came back from the
    export as unconfirmed (bad_check), with the warning the officer had answered already; a code not accepted
    stays bad_check, warned; the column read back into the same ledger changes nothing."""
    from tests.importers.helpers import bad_check
    with ledger.write() as w:
        a = w.insert_firm("武汉确认科技有限公司", bad_check(C[0]))
        w.insert_firm("武汉未确认科技有限公司", bad_check(C[1]))
        w.update_firm(a, code_status="accepted")
    out = tmp_path / f"台账{suffix}"
    export_ledger(ledger, out)
    with Ledger(tmp_path / "new.db") as dst:
        plan = build_plan(dst, out)
        assert sorted((r.name, [i.code for i in r.issues]) for r in plan.rows) == [
            ("武汉未确认科技有限公司", ["bad_check"]), ("武汉确认科技有限公司", [])]
        commit_plan(dst, plan)
        assert sorted(dst.conn.execute("SELECT name, code_status FROM firms")) == [
            ("武汉未确认科技有限公司", "bad_check"), ("武汉确认科技有限公司", "accepted")]
    plan = build_plan(ledger, out)
    assert plan.counts()["unchanged"] == 2


def test_an_accepted_code_in_the_export_confirms_the_same_code_in_another_ledger(ledger, tmp_path):
    from tests.importers.helpers import bad_check
    with ledger.write() as w:
        w.insert_firm("武汉确认科技有限公司", bad_check(C[0]))
    path = xlsx(tmp_path, [["企业名称", "统一社会信用代码", "代码核验"],
                           ["武汉确认科技有限公司", bad_check(C[0]), "校验位不符（已确认）"]])
    plan = build_plan(ledger, path)
    assert plan.counts()["updated"] == 1 and not list(plan.issues())
    commit_plan(ledger, plan)
    assert ledger.conn.execute("SELECT code_status FROM firms").fetchone() == ("accepted",)


def test_undoing_the_import_that_accepted_a_code_takes_the_acceptance_back(ledger, tmp_path):
    from importers.undo import undo_batch
    from tests.importers.helpers import bad_check
    with ledger.write() as w:
        w.insert_firm("武汉确认科技有限公司", bad_check(C[0]))
    path = xlsx(tmp_path, [["企业名称", "统一社会信用代码", "代码核验"],
                           ["武汉确认科技有限公司", bad_check(C[0]), "校验位不符（已确认）"]])
    batch = commit_plan(ledger, build_plan(ledger, path))
    assert ledger.conn.execute("SELECT code_status FROM firms").fetchone() == ("accepted",)
    undo_batch(ledger, batch)
    assert ledger.conn.execute("SELECT code_status FROM firms").fetchone() == ("bad_check",)
