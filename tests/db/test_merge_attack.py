"""Attacks on 合并为一家企业 (db/merge.py): each a way a merge or its undo lost, changed or double-counted data."""
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from db import dashboard_queries, merge
from db.errors import LedgerError
from db.ledger import Ledger
from pipeline.uscc import make_code
from tests.backends import commit_raw
from tests.db.merge_helpers import live, undo_refused

CODE = make_code("9", "1", "420106", "MC8K0001")


def aliases(led, firm):
    return sorted(r[0] for r in led.conn.execute("SELECT name FROM firm_aliases WHERE firm_id = ?", (firm,)))


def test_a_name_that_is_the_kept_firms_own_after_normalising_is_no_former_name(ledger):
    with ledger.write() as w:
        keep = w.insert_firm("星河科技（武汉）有限公司", CODE)
        w.add_alias(keep, "武汉星河网络公司")
        gone = w.insert_firm("星河科技(武汉)有限公司")
        w.add_alias(gone, "武汉星河网络 公司")
    p = merge.plan(ledger.conn, ledger.catalog(), keep, gone)
    assert p.names == []                    # neither is a name the kept firm does not have: none is said
    with ledger.write() as w:
        done = merge.merge(w, keep, gone)
    assert done.aliases == []
    with ledger.write() as w:               # a list renames it: its name before becomes a former name
        w.rename_firm(keep, "星河新名科技有限公司")
    with ledger.write() as w:
        merge.unmerge(w, done)
    assert "星河科技（武汉）有限公司" in aliases(ledger, keep)


def test_a_former_name_from_the_merge_the_kept_firm_has_carried_since_stays_after_the_undo(ledger):
    """A list named the kept firm as the merged-away record was (星河科技), another renamed it after: that rename found
    星河科技 a former name already (the merge's) and added none, and the undo deleted the merge's: the firm lost a
    name it had carried."""
    with ledger.write() as w:
        keep = w.insert_firm("武汉星河科技有限公司", CODE)
        gone = w.insert_firm("星河科技")
    with ledger.write() as w:
        done = merge.merge(w, keep, gone)
    for name in ("星河科技", "武汉星河新材料有限公司"):
        with ledger.write() as w:
            w.rename_firm(keep, name)
    with ledger.write() as w:
        merge.unmerge(w, done)
    assert aliases(ledger, keep) == ["星河科技", "武汉星河科技有限公司"]


@pytest.mark.parametrize("day", ["2024年3月", ""])
def test_a_service_date_written_around_the_program_refuses_the_merge_naming_it(ledger, day):
    with ledger.write() as w:
        keep = w.insert_firm("甲公司", CODE)
        gone = w.insert_firm("甲")
        w.add_service(gone, "2024-03-01", notes="走访")
    ledger.conn.execute("UPDATE service_records SET date = ? WHERE firm_id = ?", (day, gone))
    commit_raw(ledger)
    before = live(ledger)
    with pytest.raises(LedgerError, match="服务记录"):
        merge.plan(ledger.conn, ledger.catalog(), keep, gone)
    with pytest.raises(LedgerError, match="服务记录"), ledger.write() as w:
        merge.merge(w, keep, gone)
    assert live(ledger) == before


def test_a_follow_up_written_around_the_program_refuses_the_merge(ledger):
    with ledger.write() as w:
        keep = w.insert_firm("甲公司", CODE)
        gone = w.insert_firm("甲")
        w.add_service(gone, "2024-03-01", notes="走访", follow_up="2024-04-01")
    ledger.conn.execute("UPDATE service_records SET follow_up = '下月' WHERE firm_id = ?", (gone,))
    commit_raw(ledger)
    with pytest.raises(LedgerError, match="下月"), ledger.write() as w:
        merge.merge(w, keep, gone)


def _three(ledger):
    with ledger.write() as w:
        keep = w.insert_firm("甲公司")
        gone = w.insert_firm("甲")
        third = w.insert_firm("甲（另一条）")
        w.add_designation(gone, "gaoqi", "2022-01-01")
    return keep, gone, third


def counted(ledger):
    facts = dashboard_queries.load_facts(ledger.conn)
    return sorted(facts.firm.tolist())


def test_the_undo_of_a_merge_whose_kept_firm_was_merged_on_since_is_refused(ledger):
    keep, gone, third = _three(ledger)
    with ledger.write() as w:
        first = merge.merge(w, keep, gone)
    with ledger.write() as w:                   # another window, a colleague: 甲公司 into a third record
        merge.merge(w, third, keep)
    undo_refused(ledger, first, match="又并入了另一家企业")
    assert counted(ledger) == [third]


def test_the_undo_of_a_merge_after_the_merged_away_record_went_out_of_the_bin_and_back_is_exact(ledger):
    """Taken out of the recycle bin and put back (从回收站恢复所选, then Ctrl+Z): merged nowhere else, the undo of the
    merge is exact (a stricter first fix refused it)."""
    keep, gone, _third = _three(ledger)
    before = live(ledger)
    with ledger.write() as w:
        done = merge.merge(w, keep, gone)
    with ledger.write() as w:
        w.restore_firm(gone)
    with ledger.write() as w:
        w.remove_firm(gone)
    with ledger.write() as w:
        merge.unmerge(w, done)
    assert live(ledger) == before


def test_the_undo_of_a_merge_whose_gone_firm_was_merged_again_since_is_refused(ledger):
    keep, gone, third = _three(ledger)
    with ledger.write() as w:
        first = merge.merge(w, keep, gone)
    with ledger.write() as w:                   # restored from the bin by someone, merged into another record
        w.restore_firm(gone)
    with ledger.write() as w:
        merge.merge(w, third, gone)
    undo_refused(ledger, first)


def star_days(led, firm) -> dict[str, int]:
    """{day: live star tiers the firm holds that day} on the first of each month 2019-2026."""
    rows = led.conn.execute("SELECT d.start_date, d.end_date FROM designations d JOIN stages s ON s.id = d.stage_id "
                            "JOIN tracks t ON t.id = s.track_id WHERE t.key = 'star' AND d.firm_id = ? "
                            "AND d.deleted_at IS NULL", (firm,)).fetchall()
    days = [f"{y}-{m:02d}-01" for y in range(2019, 2027) for m in range(1, 13)]
    return {day: sum(s <= day < (e or "9999") for s, e in rows) for day in days}


def test_an_earlier_ended_tier_of_the_other_record_never_ends_the_kept_firms_tier_leaving_days_without_one(ledger):
    """The kept record holds 新星 since 2021; the other says 繁星 for 2022 only. Added, 繁星 ended 新星 in 2022 and the
    firm held no star from 2023: it left every count of today. The two disagree: said, not merged."""
    from ui.merge_dialog import describe
    with ledger.write() as w:
        keep = w.insert_firm("甲公司", CODE)
        gone = w.insert_firm("甲")
        w.add_designation(keep, "xinxing", "2021-01-01")
        w.add_designation(gone, "fanxing", "2022-01-01", "2023-01-01")
    before = star_days(ledger, keep)
    p = merge.plan(ledger.conn, ledger.catalog(), keep, gone)
    assert [d["start_date"] for d in p.clashes] == ["2022-01-01"] and p.designations == [] and p.shortened == []
    rows = describe(p, ledger.catalog(), {})
    assert any(what.startswith("未并入") and "繁星" in detail for what, detail in rows)
    with ledger.write() as w:
        merge.merge(w, keep, gone)
    assert star_days(ledger, keep) == before


def test_the_preview_says_which_tier_of_the_kept_firm_a_later_tier_of_the_other_ends(ledger):
    from tests.db.merge_helpers import two_records
    from ui.merge_dialog import describe
    keep, gone = two_records(ledger)
    p = merge.plan(ledger.conn, ledger.catalog(), keep, gone)
    assert [(d["start_date"], end) for d, end in p.shortened] == [("2023-01-01", "2024-06-01")]
    rows = describe(p, ledger.catalog(), {})
    assert ("提前结束（同一序列的新一级开始）", "新星（2023-01-01 起，长期有效） 改为有效期至 2024-05-31") in rows


STARS = ["fanxing", "xinxing", "liangxing", "mingxing"]
DAYS = ["2020-01-01", "2021-01-01", "2022-01-01", "2023-01-01", "2024-01-01"]
TIER = st.tuples(st.sampled_from(STARS), st.integers(0, 4), st.integers(0, 5), st.booleans())  # stage, start, end, bin


@pytest.mark.file_only("a property over many small ledgers: the engines' writes are the same code")
@settings(max_examples=150, deadline=None)
@given(mine=st.lists(TIER, max_size=3), theirs=st.lists(TIER, max_size=3))
@example(mine=[("xinxing", 1, 5, False)], theirs=[("fanxing", 2, 3, False)])       # ends 新星 for a year of 繁星
@example(mine=[("xinxing", 1, 3, False)], theirs=[("fanxing", 2, 3, False), ("liangxing", 3, 5, False)])
def test_a_merge_on_the_star_ladder_keeps_every_day_the_kept_firm_held_a_tier_and_its_undo_is_exact(mine, theirs):
    """Any arrangement of tiers on both records (same day, earlier, later, open, ended, in the bin): after the merge
    the kept firm holds one tier on every day it held one before, never two, and the undo gives back the ledger."""
    with tempfile.TemporaryDirectory() as folder, Ledger(Path(folder) / "l.db") as ledger:
        with ledger.write() as w:
            keep, gone = w.insert_firm("甲公司", CODE), w.insert_firm("甲")
            for firm, tiers in ((keep, mine), (gone, theirs)):
                for key, start, end, binned in tiers:
                    last = DAYS[end] if end < len(DAYS) and end > start else None
                    did = w.add_designation(firm, key, DAYS[start], last, open_end=last is None)
                    if binned:
                        w.delete_designation(did)
        held, now = star_days(ledger, keep), live(ledger)
        with ledger.write() as w:
            done = merge.merge(w, keep, gone)
        after = star_days(ledger, keep)
        assert all(after[day] == 1 for day, n in held.items() if n) and max(after.values()) <= 1
        with ledger.write() as w:
            merge.unmerge(w, done)
        assert live(ledger) == now


def _import(ledger, folder, rows) -> int:
    import csv

    from importers.plan import build_plan, commit_plan
    path = Path(folder) / "名单.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["企业名称", "统一社会信用代码", "所在街道", "认定日期", "层级"])
        out.writerows(rows)
    commit_plan(ledger, build_plan(ledger, path))
    return ledger.conn.execute("SELECT max(id) FROM batches").fetchone()[0]


def test_a_batch_whose_designation_a_merge_carried_to_the_kept_firm_is_not_undone_even_forced(ledger, tmp_path):
    """A list brought 高新 to the hand-entered record; merged, the kept firm holds a copy. The forced undo of the list
    took it from the merged-away record only: the kept firm still held what only the undone list said."""
    from importers.undo import UndoRefused, undo_batch
    with ledger.write() as w:
        keep = w.insert_firm("武汉星河科技有限公司", CODE)
        gone = w.insert_firm("星河科技")
    batch = _import(ledger, tmp_path, [["星河科技", "", "", "2024-01-01", "高新技术企业"]])
    with ledger.write() as w:
        done = merge.merge(w, keep, gone)
    now = live(ledger)
    with pytest.raises(UndoRefused, match="星河科技"):
        undo_batch(ledger, batch, force=True)
    assert live(ledger) == now
    with ledger.write() as w:                   # the merge undone first: the list's undo is exact again
        merge.unmerge(w, done)
    undo_batch(ledger, batch, force=True)
    assert [h for h in live(ledger)["held"]] == []


@pytest.mark.file_only("the dashboard's columnar cache is a file ledger's")
def test_the_dashboards_cache_stays_exact_through_a_merge_its_undo_and_redo(ledger, tmp_path):
    from tests.db.facts_log_helpers import full, load, same
    from tests.db.merge_helpers import two_records
    keep, gone = two_records(ledger)
    assert same(load(ledger, tmp_path), full(ledger))
    with ledger.write() as w:
        done = merge.merge(w, keep, gone)
    assert same(load(ledger, tmp_path), full(ledger))
    with ledger.write() as w:
        merge.unmerge(w, done)
    assert same(load(ledger, tmp_path), full(ledger))
    with ledger.write() as w:
        merge.merge(w, keep, gone)
    assert same(load(ledger, tmp_path), full(ledger))


def test_a_record_merged_away_is_known_until_the_merge_is_undone(ledger):
    from tests.db.merge_helpers import two_records
    keep, gone = two_records(ledger)
    assert merge.merged_into(ledger.conn, [keep, gone]) == {}
    with ledger.write() as w:
        done = merge.merge(w, keep, gone)
    assert merge.merged_into(ledger.conn, [keep, gone]) == {gone: f"武汉星河科技有限公司（编号 {keep}）"}
    with ledger.write() as w:
        merge.unmerge(w, done)
    assert merge.merged_into(ledger.conn, [keep, gone]) == {}


def _tiers_per_day(led, firm) -> int:
    """The most live tiers of one ladder the firm holds on any day (1 when the ladder rule holds)."""
    rows = led.conn.execute("SELECT t.key, d.start_date, d.end_date FROM designations d JOIN stages s ON "
                            "s.id = d.stage_id JOIN tracks t ON t.id = s.track_id WHERE t.exclusive = 1 AND "
                            "d.firm_id = ? AND d.deleted_at IS NULL", (firm,)).fetchall()
    days = {s for _t, s, _e in rows}
    return max((sum(t == track and s <= day < (e or "9999") for t, s, e in rows)
                for track in {r[0] for r in rows} for day in days), default=0)


LATER = st.sampled_from(["rename", "rename_as_merged", "tier_before", "tier_between", "tier_after", "field",
                         "other_field", "service", "alias", "bin_keep", "restore_gone", "end_added", "nothing"])


@pytest.mark.file_only("a property over many small ledgers: the engines' writes are the same code")
@settings(max_examples=80, deadline=None)
@given(theirs=st.lists(TIER, max_size=3), later=st.lists(LATER, max_size=2))
@example(theirs=[("liangxing", 3, 5, False)], later=["tier_between"])
@example(theirs=[], later=["rename_as_merged", "rename"])
def test_an_undo_after_later_changes_is_refused_and_changes_nothing_or_takes_back_all_the_merge_added(theirs, later):
    """After the merge, any later changes (a list's rename, a tier before, between or after, a field, a former name,
    the bin): the undo either is refused and changes nothing, or leaves no copy the merge made live, the ladder one
    tier at a time, and every name the kept firm had."""
    with tempfile.TemporaryDirectory() as folder, Ledger(Path(folder) / "l.db") as ledger:
        with ledger.write() as w:
            keep, gone = w.insert_firm("甲公司", CODE), w.insert_firm("甲", industry="软件")
            w.add_designation(keep, "xinxing", "2021-01-01", open_end=True)
            for key, start, end, binned in theirs:
                last = DAYS[end] if end < len(DAYS) and end > start else None
                did = w.add_designation(gone, key, DAYS[start], last, open_end=last is None)
                if binned:
                    w.delete_designation(did)
        with ledger.write() as w:
            done = merge.merge(w, keep, gone)
        for step in later:
            with ledger.write() as w:
                _later(w, step, keep, gone, done)
        names_before = set(aliases(ledger, keep)) | {ledger.conn.execute("SELECT name FROM firms WHERE id = ?",
                                                                         (keep,)).fetchone()[0]}
        now = live(ledger)
        try:
            with ledger.write() as w:
                merge.unmerge(w, done)
        except LedgerError:
            assert live(ledger) == now
            return
        copies = ledger.conn.execute(f"SELECT COUNT(*) FROM designations WHERE deleted_at IS NULL AND id IN "
                                     f"({','.join(map(str, done.added)) or 'NULL'})").fetchone()[0]
        assert copies == 0 and _tiers_per_day(ledger, keep) <= 1
        name = ledger.conn.execute("SELECT name FROM firms WHERE id = ?", (keep,)).fetchone()[0]
        had = names_before - ({"甲"} if "rename_as_merged" not in later else set())   # 甲: the name the merge added
        assert had <= set(aliases(ledger, keep)) | {name}


def _later(w, step, keep, gone, done) -> None:
    if step == "rename":
        w.rename_firm(keep, "甲新名公司")
    elif step == "rename_as_merged":             # a list names it as the merged-away record did
        w.rename_firm(keep, "甲")
    elif step.startswith("tier_"):
        day = {"tier_before": "2020-06-01", "tier_between": "2023-06-01", "tier_after": "2025-06-01"}[step]
        w.add_designation(keep, "mingxing", day, open_end=True)
    elif step == "field":
        w.update_firm(keep, industry="制造")
    elif step == "other_field":
        w.update_firm(keep, remark="改过")
    elif step == "service":
        w.add_service(keep, "2025-01-01", notes="回访")
    elif step == "alias":
        w.add_alias(keep, "甲旧名")
    elif step == "bin_keep":
        w.remove_firm(keep)
    elif step == "restore_gone":
        w.restore_firm(gone)
    elif step == "end_added" and done.added:
        w.update_designation(next(iter(done.added)), end_date="2030-01-01")


def test_a_visit_entered_on_both_records_is_not_doubled(ledger):
    from ui.merge_dialog import describe
    with ledger.write() as w:
        keep = w.insert_firm("甲公司", CODE)
        gone = w.insert_firm("甲")
        for firm in (keep, gone):
            w.add_service(firm, "2024-03-01", officer="周玲", kind="走访", notes="谈研发投入")
        w.add_service(gone, "2024-05-01", officer="周玲", kind="电话", notes="问进度")
    p = merge.plan(ledger.conn, ledger.catalog(), keep, gone)
    assert [s["date"] for s in p.services] == ["2024-05-01"] and p.same_services == 1
    assert ("两条都有的服务记录", "1 条，不重复复制") in describe(p, ledger.catalog(), {})
    with ledger.write() as w:
        merge.merge(w, keep, gone)
    assert sorted(s[1] for s in live(ledger)["services"] if s[0] == keep) == ["2024-03-01", "2024-05-01"]
