"""Attacks on 合并为一家企业 (db/merge.py): each a way a merge or its undo lost, changed or double-counted data."""
import pytest

from db import dashboard_queries, merge
from db.errors import LedgerError
from pipeline.uscc import make_code
from tests.backends import commit_raw
from tests.db.test_merge import live

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
    now = live(ledger)
    with pytest.raises(LedgerError, match="回收站"), ledger.write() as w:
        merge.unmerge(w, first)
    assert live(ledger) == now and counted(ledger) == [third]


def test_the_undo_of_a_merge_whose_gone_firm_was_merged_again_since_is_refused(ledger):
    keep, gone, third = _three(ledger)
    with ledger.write() as w:
        first = merge.merge(w, keep, gone)
    with ledger.write() as w:                   # restored from the bin by someone, merged into another record
        w.restore_firm(gone)
    with ledger.write() as w:
        merge.merge(w, third, gone)
    now = live(ledger)
    with pytest.raises(LedgerError), ledger.write() as w:
        merge.unmerge(w, first)
    assert live(ledger) == now
