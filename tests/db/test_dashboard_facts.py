"""The dashboard's column-wise read (db.dashboard_queries.load_facts) gives exactly the figures of the
former read (db.queries.load_facts), follows every commit, and refuses a date it cannot read."""
import sqlite3
from datetime import date

import numpy as np
import pytest

from db import dashboard_queries, queries
from db.errors import LedgerError
from pipeline.dashboard import Dashboard
from pipeline.dates import OPEN_END
from pipeline.uscc import make_code
from tests.backends import commit_raw
from tests.pipeline.helpers import same
from ui.dashboard import source

YEAR = 2023
DATES = [date(2023, 1, 1), date(2023, 5, 31), date(2023, 6, 1), date(2023, 6, 30), date(2023, 12, 31),
         date(2022, 12, 31)]


def code(i: int) -> str:
    return make_code("9", "1", "420106", f"MA4K{i:04d}")


@pytest.fixture
def tricky(ledger):
    """Firms and designations that a read could get wrong; returns the firm ids by role."""
    yy, jyq = ledger.street_id("杨园"), ledger.street_id("积玉桥")
    f = {}
    with ledger.write() as w:
        f["renewed"] = w.insert_firm("甲公司", code(1), street_id=yy)
        w.add_designation(f["renewed"], "gaoqi", "2020-06-01")           # ends 2023-06-01: lapses 2023-05-31
        w.add_designation(f["renewed"], "gaoqi", "2023-06-01")           # seamless renewal
        f["lapses"] = w.insert_firm("乙公司", code(2), street_id=yy)
        w.add_designation(f["lapses"], "gaoqi", "2020-06-01")            # expires on the as-of date 2023-06-01
        w.add_designation(f["lapses"], "kexiao", "2022-03-01")
        f["no_street"] = w.insert_firm("丙公司", code(3))
        open_end = w.add_designation(f["no_street"], "gaoqi", "2022-01-01")
        w.update_designation(open_end, end_date=None)                    # open-ended
        w.add_designation(f["no_street"], "kexiao", "2023-02-01")
        f["binned"] = w.insert_firm("丁公司", code(4), street_id=jyq)
        w.add_designation(f["binned"], "gaoqi", "2022-05-01")
        f["deleted"] = w.insert_firm("戊公司", code(5), street_id=jyq)
        gone = w.add_designation(f["deleted"], "gaoqi", "2021-01-01")
        w.add_designation(f["deleted"], "kexiao", "2023-04-01")
        f["stars"] = w.insert_firm("己公司", code(6), street_id=jyq)
        w.add_designation(f["stars"], "fanxing", "2022-03-15")
        w.add_designation(f["stars"], "xinxing", "2023-03-15")            # ends the 繁星 the same day
        w.add_designation(f["stars"], "kexiao", "2023-03-15")
        f["restored"] = w.insert_firm("庚公司", code(7), street_id=yy)
        w.add_designation(f["restored"], "gaoqi", "2023-01-01")
        f["last_binned"] = w.insert_firm("辛公司", code(8), street_id=yy)   # the highest id, in the bin
        w.add_designation(f["last_binned"], "gaoqi", "2023-02-01")
    with ledger.write() as w:
        w.delete_designation(gone)
        w.remove_firm(f["binned"])
        w.remove_firm(f["restored"])
        w.remove_firm(f["last_binned"])
    with ledger.write() as w:
        w.restore_firm(f["restored"])
    return f


def canonical(facts):
    order = np.lexsort((facts.end, facts.stage, facts.start, facts.firm))
    return [a[order].tolist() for a in (facts.firm, facts.stage, facts.start, facts.end)]


def dashboards(led):
    """The dashboard over the former read and over the new one (ADBC, and the sqlite3 fallback)."""
    cat, targets, streets = led.catalog(), dashboard_queries.all_targets(led.conn), led.streets()
    old = Dashboard(queries.load_facts(led.conn), cat, targets, streets)
    return old, [source.build(led), Dashboard(dashboard_queries.load_facts(led.conn), cat, targets, streets)]


def test_the_columns_are_the_former_rows(ledger, tricky):
    old = queries.load_facts(ledger.conn)
    for new in (dashboard_queries.load_facts(ledger.conn, ledger.path), dashboard_queries.load_facts(ledger.conn)):
        assert canonical(new) == canonical(old)
        assert new.street_of.tolist() == old.street_of.tolist()
        assert new.presorted and new.firm.dtype == new.start.dtype == new.end.dtype == np.int32
    f = tricky
    new = dashboard_queries.load_facts(ledger.conn, ledger.path)
    held = set(new.firm.tolist())
    assert f["binned"] not in held and f["last_binned"] not in held and f["restored"] in held
    assert len(new.street_of) == f["restored"] + 1                      # the live firms only, as before
    assert new.street_of[f["no_street"]] == -1 and new.street_of[f["binned"]] == -1
    gaoqi = ledger.catalog().stage("gaoqi").id
    mine = (new.firm == f["no_street"]) & (new.stage == gaoqi)
    assert new.start[mine].tolist() == [date(2022, 1, 1).toordinal()] and new.end[mine].tolist() == [OPEN_END]
    lapse = (new.firm == f["lapses"]) & (new.stage == gaoqi)
    assert new.end[lapse].tolist() == [date(2023, 6, 1).toordinal()]
    assert not ((new.firm == f["deleted"]) & (new.stage == gaoqi)).any()


def test_every_figure_equals_the_former_read(ledger, tricky):
    old, news = dashboards(ledger)
    for as_of in DATES:
        for street_id in [None] + [sid for sid, _ in ledger.streets()]:
            want = old.compute(as_of.year, as_of, street_id)        # a year's figures: as of a day of it
            for new in news:
                same(new.compute(as_of.year, as_of, street_id), want, f"{as_of} {street_id}")


def test_figures_by_hand(ledger, tricky):
    f = tricky
    dash = source.build(ledger)
    steps = {s["name"]: s for fn in dash.compute(YEAR, date(2023, 6, 1))["funnels"] for s in fn["steps"]}
    gaoqi = next(s for s in steps.values() if s["stages"] == ["gaoqi"])
    # on 2023-06-01: 甲 (renewed that day), 丙 (open), 庚 (restored); 乙's certificate ended that morning
    assert gaoqi["firm_ids"].tolist() == sorted([f["renewed"], f["no_street"], f["restored"]])
    day_before = {s["name"]: s for fn in dash.compute(YEAR, date(2023, 5, 31))["funnels"] for s in fn["steps"]}
    assert f["lapses"] in day_before[gaoqi["name"]]["firm_ids"].tolist()


@pytest.mark.file_only("the file's dashboard cache and ADBC read")
def test_the_figures_follow_every_commit(ledger, tricky):
    f = tricky
    as_of = date(2023, 12, 31)

    def gaoqi_holders():
        view = source.build(ledger).compute(YEAR, as_of)
        step = next(s for fn in view["funnels"] for s in fn["steps"] if s["stages"] == ["gaoqi"])
        return step["firm_ids"].tolist()

    before = gaoqi_holders()
    with ledger.write() as w:                                             # this connection
        added = w.add_designation(f["stars"], "gaoqi", "2023-09-01")
    assert gaoqi_holders() == sorted(before + [f["stars"]])
    other = sqlite3.connect(ledger.path)                                 # another connection (another process)
    with other:                  # a writer removes the dashboard cache's token, as db.ledger.Ledger.write does
        other.execute("DELETE FROM meta WHERE key = 'facts_cache'")
        other.execute("UPDATE designations SET deleted_at = '2024-01-01' WHERE id = ?", (added,))
        other.execute("UPDATE firms SET deleted_at = NULL WHERE id = ?", (f["binned"],))
    other.close()
    assert gaoqi_holders() == sorted(before + [f["binned"]])
    with ledger.write() as w:
        w.remove_firm(f["no_street"])
    assert f["no_street"] not in gaoqi_holders()


@pytest.mark.file_only("the file's dashboard cache and ADBC read")
def test_changes_not_yet_committed_on_the_ledgers_connection_are_read_as_before(ledger, tricky):
    ledger.conn.execute("BEGIN")
    try:
        ledger.conn.execute("UPDATE firms SET deleted_at = '2024-01-01' WHERE id = ?", (tricky["renewed"],))
        got = dashboard_queries.load_facts(ledger.conn, ledger.path)
        assert canonical(got) == canonical(queries.load_facts(ledger.conn))
        assert tricky["renewed"] not in got.firm.tolist()
    finally:
        ledger.conn.execute("ROLLBACK")


@pytest.mark.parametrize("column, firm", [("start_date", "no_street"), ("end_date", "stars")])
def test_an_unreadable_date_is_refused_in_chinese(ledger, tricky, column, firm):
    # the open 高企 of 丙 gets a start, the 繁星 of 己 an end, that no calendar has (both after the other date)
    ledger.conn.execute(f"UPDATE designations SET {column} = '2099-13-45' WHERE id = (SELECT min(id) FROM designations "
                        "WHERE firm_id = ? AND (end_date IS NULL OR ? = 'end_date'))", (tricky[firm], column))
    commit_raw(ledger)
    for path in (ledger.path, None):
        with pytest.raises(LedgerError, match=f"日期无法识别（企业编号 {tricky[firm]} 等）"):
            dashboard_queries.load_facts(ledger.conn, path)


@pytest.mark.file_only("the file's dashboard cache and ADBC read")
def test_a_ledger_file_is_read_through_adbc(ledger, tricky):
    cols = dashboard_queries._adbc_columns(ledger.path)            # not the fallback: the quick way is taken
    assert cols is not None
    assert [c.tolist() for c in cols] == [c.tolist() for c in dashboard_queries._sqlite_columns(ledger.conn)]


@pytest.mark.file_only("the file's ADBC read")
def test_adbc_reads_a_ledger_file_in_the_apps_process_only_where_locks_are_per_handle(ledger, tricky, monkeypatch):
    """Two copies of SQLite in one process corrupt a file under POSIX locks (db/dashboard_queries.ADBC_IN_PROCESS):
    the app's own connection reads it there, with the same columns."""
    import os
    assert dashboard_queries.ADBC_IN_PROCESS == (os.name == "nt")
    taken = []
    monkeypatch.setattr(dashboard_queries, "_adbc_columns", lambda path: taken.append(path))
    for allowed in (False, True):
        monkeypatch.setattr(dashboard_queries, "ADBC_IN_PROCESS", allowed)
        for identity in (ledger.file_id, None, (0, 0)):    # the file the ledger holds, unknown, another file
            got = dashboard_queries.fact_columns(ledger.conn, ledger.path, identity)
            assert [c.tolist() for c in got] == [c.tolist() for c in dashboard_queries._sqlite_columns(ledger.conn)]
    assert taken == [ledger.path]


@pytest.mark.file_only("the file's dashboard cache and ADBC read")
def test_a_ledger_sqlite_cannot_open_by_uri_falls_back_to_the_connection(ledger, tricky, tmp_path, monkeypatch):
    monkeypatch.setattr(dashboard_queries, "ADBC_IN_PROCESS", True)
    missing = tmp_path / "nowhere" / "ledger.db"          # ADBC cannot open it: the connection's read is used
    got = dashboard_queries.load_facts(ledger.conn, missing)
    assert canonical(got) == canonical(queries.load_facts(ledger.conn))
    assert not missing.exists()


def test_an_unreadable_date_of_a_binned_firm_does_not_stop_the_dashboard(ledger, tricky):
    """Found by review: on the file a firm in the recycle bin is left out before dates are checked; on the server
    the cast failed in the scan of every designation, and the dashboard stopped with the server's English message
    (看板无法读取共享台账：invalid input syntax for type date …). It now reads again with each date checked."""
    ledger.conn.execute("UPDATE designations SET start_date = '2022-13-45' WHERE firm_id = ?", (tricky["binned"],))
    commit_raw(ledger)
    old = queries.load_facts(ledger.conn)
    assert canonical(dashboard_queries.load_facts(ledger.conn)) == canonical(old)


@pytest.mark.parametrize("shape", ["2023-01-01 00:00:00", "2023-01-01T08:30"])
def test_a_date_with_a_time_reads_the_same_whatever_another_firms_date(ledger, tricky, shape):
    """Found by review: the file reads '2023-01-01 00:00:00' (julianday takes a time) and so does the server's cast; but
    once another row's date makes the server read again with each date checked (PG_SAFE_READS: only
    ^YYYY-MM-DD$), this live firm's date becomes BAD_DAY and the dashboard refuses, naming a firm the file reads.
    Whether a firm's designation counts then depends on an unrelated binned firm's date."""
    ledger.conn.execute("UPDATE designations SET start_date = ? WHERE firm_id = ?", (shape, tricky["restored"]))
    ledger.conn.execute("UPDATE designations SET start_date = '2022-13-45' WHERE firm_id = ?", (tricky["binned"],))
    commit_raw(ledger)
    got = dashboard_queries.load_facts(ledger.conn)
    assert tricky["restored"] in got.firm.tolist()


def test_a_day_the_month_lacks_is_refused_on_the_file_as_on_the_server(ledger, tricky):
    """Found by review: SQLite's julianday takes '2023-02-30' as 2023-03-02 (it checks a day against 31 only), so the
    file's dashboard counts the designation from a day nobody wrote, silently; the server's cast refuses the
    date and its checked read (PG_SAFE_READS: the month's own last day) names the firm."""
    ledger.conn.execute("UPDATE designations SET start_date = '2023-02-30' WHERE firm_id = ?", (tricky["restored"],))
    commit_raw(ledger)
    with pytest.raises(LedgerError, match=f"日期无法识别（企业编号 {tricky['restored']} 等）"):
        dashboard_queries.load_facts(ledger.conn)


def test_changes_not_yet_committed_are_read_on_the_shared_ledger_too(ledger, tricky):
    """Found by review: the file reads the connection's uncommitted changes (commit 576c223; its test is
    file_only); on the server _pg_read's SET TRANSACTION ISOLATION LEVEL ran inside the open transaction (a
    savepoint) and failed: 看板无法读取共享台账：SET TRANSACTION ISOLATION LEVEL must be called before any query."""
    ledger.conn.execute("BEGIN")
    try:
        ledger.conn.execute("UPDATE firms SET deleted_at = '2024-01-01' WHERE id = ?", (tricky["renewed"],))
        got = dashboard_queries.load_facts(ledger.conn)
        assert tricky["renewed"] not in got.firm.tolist()
    finally:
        ledger.conn.execute("ROLLBACK")
