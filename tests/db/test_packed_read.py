"""db.packed_read: the dashboard's columns read as text by SQLite on two connections give exactly what the
row-by-row read gives (any date text, any cut into ranges), from one snapshot of the ledger."""
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db import dashboard_queries, packed_read
from db.errors import LedgerError
from pipeline.uscc import make_code
from tests.backends import commit_raw

pytestmark = pytest.mark.file_only("the file's packed read")


def code(i: int) -> str:
    return make_code("9", "1", "420106", f"MA4K{i:04d}")

DAY = dashboard_queries._DAY.format(col="CAST(d AS TEXT)")
BAD = dashboard_queries.BAD_DAY
ONE = packed_read.Read((packed_read.Column(f"coalesce({DAY}, {BAD})", "d", BAD),), "t")


def rows(conn, read):
    got = conn.execute(read.rows_sql()).fetchall()
    return [[r[k] for r in got] for k in range(len(read.columns))]


def packed(conn, read, path=None):
    return [c.tolist() for c in packed_read.read(conn, path, (read,))]


shapes = st.one_of(
    st.dates(min_value=date(1, 1, 1)).map(date.isoformat),
    st.builds(lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}", st.integers(0, 9999), st.integers(0, 13),
              st.integers(0, 32)),
    st.text(alphabet="0123456789-: T", min_size=8, max_size=12),
    st.sampled_from(["2023-05-05 10:00", "2023-05-05T10:00:00", "now", "2460000", "", "２０２３-０１-０５",
                     "2023-01-01 00:30+08:00", "0000-02-29", "1900-02-29", "2000-02-29", "2023-01-0:",
                     "2023-1 -01"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(shapes, max_size=12))
def test_any_date_text_reads_as_sqlite_reads_it(texts):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (d TEXT NOT NULL)")
    conn.executemany("INSERT INTO t VALUES (?)", [(t,) for t in texts])
    assert packed(conn, ONE) == rows(conn, ONE)


def test_every_day_the_lookup_table_holds_and_the_years_around_it_are_each_its_own_ordinal():
    """db.packed_read._days looks the years 1900-2199 up in a table: every month 0-15 and day 0-31 of them, and of
    the years next to them, as date.toordinal() gives (bad where no calendar has the day)."""
    first, end = packed_read._TABLE_YEARS
    days = [(y, m, d) for y in (0, 1, *range(first - 2, end + 2), 9999) for m in range(16) for d in range(32)]
    text = ",".join(f"{y:04d}-{m:02d}-{d:02d}" for y, m, d in days).encode()

    def ordinal(y, m, d):
        try:
            return date(y, m, d).toordinal()
        except ValueError:
            return -7 if y else None           # year 0: SQLite reads it, datetime does not (the test above)
    got = packed_read._days(text, len(days), -7).tolist()
    for (y, m, d), value in zip(days, got, strict=True):
        want = ordinal(y, m, d)
        assert want is None or value == want, (y, m, d, value, want)


def test_plain_dates_are_parsed_by_numpy_and_the_rest_by_sqlite(monkeypatch):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (d TEXT NOT NULL)")
    conn.executemany("INSERT INTO t VALUES (?)", [("2023-02-28",), ("2023-02-29",), ("2024-02-29",), ("0001-01-01",)])
    by_rows = []
    real = packed_read._rows
    monkeypatch.setattr(packed_read, "_rows", lambda conn, task: by_rows.append(task) or real(conn, task))
    assert packed(conn, ONE) == [[738579, BAD, 738945, 1]] == rows(conn, ONE)
    assert by_rows == []                                  # all plain: the text was enough
    conn.execute("INSERT INTO t VALUES ('2023-03-01 08:00')")
    assert packed(conn, ONE) == rows(conn, ONE)
    assert [(t.first, t.last) for t in by_rows] == [(4, 5)]     # that range row by row; the other as text


@pytest.fixture
def many(ledger):
    """Forty firms with designations of every kind of end, some removed."""
    with ledger.write() as w:
        for i in range(40):
            firm = w.insert_firm(f"公司{i}", code(100 + i))
            d = w.add_designation(firm, "gaoqi", f"20{10 + i % 13}-0{1 + i % 9}-1{i % 10}")
            if i % 3 == 0:
                w.update_designation(d, end_date=None)
            if i % 7 == 0:
                w.delete_designation(d)
            if i % 11 == 0:
                w.remove_firm(firm)
    return ledger


def reference(ledger):
    return [c.tolist() for c in dashboard_queries._sqlite_columns(ledger.conn)]


def both(ledger, path=None):
    reads = (dashboard_queries.DESIGNATIONS, dashboard_queries.FIRMS)
    return [c.tolist() for c in packed_read.read(ledger.conn, path or ledger.path, reads, ledger.file_id)]


@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_ranges_on_two_connections_join_in_row_order(many, monkeypatch, chunk):
    monkeypatch.setattr(packed_read, "WORKERS", 2)
    monkeypatch.setattr(packed_read, "CHUNK_ROWS", chunk)
    assert both(many) == reference(many)
    many.conn.execute("UPDATE designations SET start_date = start_date || ' 09:30' WHERE id % 5 = 0")
    commit_raw(many)                                      # some ranges read again by SQLite, the others as text
    assert both(many) == reference(many)


class Pinning:
    """A reader whose read transaction another connection's commit follows, the first *times* times."""
    commits = 0

    def __init__(self, conn, path, times):
        self.conn, self.path, self.times = conn, path, times

    def execute(self, sql, *args):
        cur = self.conn.execute(sql, *args)
        if sql.startswith("SELECT count(*) FROM sqlite_master") and Pinning.commits < self.times:
            Pinning.commits += 1
            other = sqlite3.connect(self.path)
            with other:         # every designation and firm removed, then back: each reader sees one state
                for table in ("designations", "firms"):
                    other.execute(f"UPDATE {table} SET deleted_at = CASE WHEN deleted_at IS NULL "
                                  "THEN '2030-01-01' ELSE NULL END WHERE id > 0")
            other.close()
        return cur

    def close(self):
        self.conn.close()


@pytest.mark.parametrize("times", [1, 100])
def test_a_commit_between_the_readers_pins_is_never_mixed_in(many, monkeypatch, times):
    monkeypatch.setattr(packed_read, "WORKERS", 2)
    monkeypatch.setattr(packed_read, "CHUNK_ROWS", 4)
    real = packed_read.open_readonly
    monkeypatch.setattr(packed_read, "open_readonly", lambda p: Pinning(real(p), p, times))
    Pinning.commits = 0
    own = spy_own(monkeypatch)
    got = both(many)
    assert Pinning.commits == min(times, 2 * packed_read.PIN_TRIES)
    assert got == reference(many)                         # one state, as the rows read now
    assert own == ([] if times == 1 else [1])             # pinned again once; or, never settling, one connection


def test_changes_not_committed_are_read_on_the_ledgers_connection(many, monkeypatch):
    monkeypatch.setattr(packed_read, "WORKERS", 2)
    opened = []
    monkeypatch.setattr(packed_read, "open_readonly", opened.append)
    many.conn.execute("BEGIN")
    try:
        many.conn.execute("UPDATE designations SET deleted_at = '2030-01-01' WHERE id % 2 = 0")
        assert both(many) == reference(many)
        assert many.conn.in_transaction
    finally:
        many.conn.execute("ROLLBACK")
    assert opened == []


def test_an_index_dropped_in_the_open_transaction_is_not_needed(many):
    want = reference(many)
    many.conn.execute("BEGIN")
    try:
        many.conn.execute("DROP INDEX firms_live")         # as db/bulk.py does for a moment in a large import
        assert both(many) == want
    finally:
        many.conn.execute("ROLLBACK")
    assert "firms_live" in dashboard_queries.FIRMS.source()


MIXED = packed_read.Read((packed_read.Column("i"), packed_read.Column(f"coalesce({DAY}, {BAD})", "d", BAD)), "m")
odd_ints = st.sampled_from(["7abc", "12 34", "0x10", " 7 ", "7-2", "--5", "-", "1,2", "", ",", "+5", "1e3", "٣",
                            "99999999999999999999", "9999999999999999999", "-9223372036854775808",
                            "9223372036854775807"])
ints = st.one_of(st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False), shapes, odd_ints,
                 odd_ints.map(str.encode))
dates = st.one_of(ints, st.builds(lambda t: t.encode(), shapes))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(ints, dates), min_size=1, max_size=8))
def test_values_of_any_type_written_around_the_app_read_as_the_rows_do(pairs):
    """An integer column holding text or a real, a date stored as a BLOB: as the row-by-row read, or refused in
    Chinese where that read fails (never a figure the rows would not give)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE m (i, d)")                # no type: SQLite keeps each value's own
    conn.executemany("INSERT INTO m VALUES (?, ?)", pairs)
    try:
        want = rows_as_ints(conn, MIXED)
    except (TypeError, ValueError, OverflowError):
        with pytest.raises(LedgerError, match="非整数"):
            packed(conn, MIXED)
        return
    assert packed(conn, MIXED) == want


END = packed_read.Read((dashboard_queries.DESIGNATIONS.columns[3],), "e")      # the designations' end date


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.just(""), dates), min_size=1, max_size=8))
def test_an_end_date_of_any_type_reads_as_the_rows_do(ends):
    """The end date, open (NULL or '') or not: its text read (``packed_read.iso_or``) takes a number, a real or a
    BLOB for what it is, never for an open end (found when its SQL was made cheaper)."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE e (end_date)")
    conn.executemany("INSERT INTO e VALUES (?)", [(v,) for v in ends])
    try:
        want = rows_as_ints(conn, END)
    except (TypeError, ValueError, OverflowError):
        with pytest.raises(LedgerError):
            packed(conn, END)
        return
    assert packed(conn, END) == want


def rows_as_ints(conn, read):
    import numpy as np
    got = conn.execute(read.rows_sql()).fetchall()
    flat = np.fromiter((v for r in got for v in r), np.int64)
    return [c.tolist() for c in flat.reshape(-1, len(read.columns)).T]


def test_ids_far_apart_make_few_ranges():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (d TEXT NOT NULL)")
    conn.executemany("INSERT INTO t (rowid, d) VALUES (?, ?)", [(-2**62, "2020-01-01"), (1, "2021-01-01"),
                                                                (2**62, "2022-01-01")])
    assert len(packed_read._tasks(conn, (ONE,))) <= packed_read.MAX_RANGES
    assert packed(conn, ONE) == rows(conn, ONE)


def test_a_range_whose_text_is_too_long_is_read_row_by_row(monkeypatch):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (d TEXT NOT NULL)")
    conn.executemany("INSERT INTO t VALUES (?)", [(f"2020-01-{1 + k % 28:02d}",) for k in range(200)])
    real, rows_of, by_rows = packed_read._run, packed_read._rows, []
    monkeypatch.setattr(packed_read, "_rows", lambda conn, task: by_rows.append(task) or rows_of(conn, task))

    def short(conn, task):
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1000)  # less than the dates of a range (100 x 11 bytes)
        return real(conn, task)
    monkeypatch.setattr(packed_read, "_run", short)
    want = rows(conn, ONE)
    assert packed(conn, ONE) == want
    assert len(by_rows) == 2                              # both ranges


def test_another_file_at_the_ledgers_path_is_not_read(many, tmp_path, monkeypatch):
    from db.ledger import Ledger
    monkeypatch.setattr(packed_read, "WORKERS", 2)
    want = reference(many)
    with Ledger(tmp_path / "other.db") as other:
        with other.write() as w:
            w.add_designation(w.insert_firm("别家公司", code(999)), "gaoqi", "2020-01-01")
    path = many.path
    for suffix in ("", "-wal", "-shm"):                   # the open ledger moved away, another put in its place
        if Path(f"{path}{suffix}").exists():
            Path(f"{path}{suffix}").rename(tmp_path / f"moved.db{suffix}")
        if (tmp_path / f"other.db{suffix}").exists():
            (tmp_path / f"other.db{suffix}").rename(f"{path}{suffix}")
    own = spy_own(monkeypatch)
    assert both(many) == want
    assert own == [1]
    monkeypatch.chdir(tmp_path)                           # and a relative path naming it from the folder
    assert both(many, path=path.name) == want
    assert own == [1, 1]


def spy_own(monkeypatch) -> list:
    """Each read on the ledger's own connection (the parallel read declined) appends 1."""
    calls, real = [], packed_read._on_own_connection
    monkeypatch.setattr(packed_read, "_on_own_connection", lambda conn, reads: calls.append(1) or real(conn, reads))
    return calls


def test_a_reader_that_cannot_open_the_file_leaves_the_read_to_the_ledgers_connection(many, monkeypatch):
    monkeypatch.setattr(packed_read, "WORKERS", 2)
    want, own = reference(many), spy_own(monkeypatch)

    def refused(path):
        raise sqlite3.OperationalError("unable to open database file")
    monkeypatch.setattr(packed_read, "open_readonly", refused)
    assert both(many) == want and own == [1]


def test_a_commit_between_the_pins_is_seen_while_the_ledgers_connection_has_a_statement_open(many, monkeypatch):
    """Found by review: an unfinished SELECT keeps the ledger's connection on its snapshot, and its data_version
    did not move when another connection committed between the pins: the halves of two states were read."""
    monkeypatch.setattr(packed_read, "WORKERS", 2)
    monkeypatch.setattr(packed_read, "CHUNK_ROWS", 4)
    real = packed_read.open_readonly
    monkeypatch.setattr(packed_read, "open_readonly", lambda p: Pinning(real(p), p, 1))
    Pinning.commits = 0
    pending = many.conn.execute("SELECT id FROM firms")
    pending.fetchone()                                    # a statement not read to its end
    got = both(many)
    pending.close()
    assert Pinning.commits == 1
    assert got == reference(many)


def test_a_commit_on_the_ledgers_own_connection_between_the_pins_is_never_mixed_in(many, monkeypatch):
    import threading
    monkeypatch.setattr(packed_read, "WORKERS", 2)
    monkeypatch.setattr(packed_read, "CHUNK_ROWS", 4)
    real = packed_read.open_readonly
    done = []

    class Hooked:
        def __init__(self, conn):
            self.conn = conn

        def execute(self, sql, *args):
            cur = self.conn.execute(sql, *args)
            if sql.startswith("SELECT count(*) FROM sqlite_master") and not done:
                done.append(1)
                t = threading.Thread(target=remove_all)      # the app's own connection, from another thread
                t.start()
                t.join()
            return cur

        def close(self):
            self.conn.close()

    def remove_all():
        with many.write() as w:
            w.conn.execute("UPDATE designations SET deleted_at = '2030-01-01'")
            w.conn.execute("UPDATE firms SET deleted_at = '2030-01-01'")
    monkeypatch.setattr(packed_read, "open_readonly", lambda p: Hooked(real(p)))
    got = both(many)
    assert done and got == reference(many) and got[0] == [] and got[4] == []


def test_ctrl_c_during_the_read_stops_both_readers_before_they_close(many, monkeypatch):
    """Ctrl+C while both readers run: they are interrupted, and each thread closes its own reader when it ends
    (closing a connection a thread still runs on crashed the process); the read ends long before its queries
    would (an untimed wait once held Ctrl+C until they ended)."""
    import signal
    import threading
    import time
    monkeypatch.setattr(packed_read, "WORKERS", 2)
    started, ended = threading.Barrier(3), []

    def long(conn, task):           # a query of many minutes, unless interrupted
        started.wait(5)
        try:
            conn.execute("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000) "
                         "SELECT count(*) FROM c").fetchone()
        finally:
            ended.append(conn)
    monkeypatch.setattr(packed_read, "_run", long)
    main = threading.main_thread().ident             # Ctrl+C as the main thread gets it, in its wait
    threading.Thread(target=lambda: (started.wait(5), signal.pthread_kill(main, signal.SIGINT))).start()
    begun = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        both(many)
    assert time.monotonic() - begun < 60                  # not a speed figure: the queries alone take minutes
    assert len(ended) == 2
    assert not [t for t in threading.enumerate() if t.is_alive() and "_work" in t.name]
    for conn in ended:
        with pytest.raises(sqlite3.ProgrammingError):     # closed, by its own thread
            conn.execute("SELECT 1")


def test_a_read_only_window_reads_in_parallel_too(many, monkeypatch):
    """A second copy of the app opens the ledger read-only: it knows the file it holds as well."""
    from db.ledger import Ledger
    monkeypatch.setattr(packed_read, "WORKERS", 2)
    want, own = reference(many), spy_own(monkeypatch)
    with Ledger(many.path, readonly=True) as window:
        assert window.file_id == many.file_id
        assert both(window) == want
    assert own == []


def test_cutting_a_table_into_ranges_reads_its_two_ends_not_its_rows():
    """min(rowid) and max(rowid) in one query scan the whole table (0.44 s of 1M firms and 4.8M designations
    before a range was read); each alone is looked up at an end of the b-tree."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (d TEXT NOT NULL)")
    conn.executemany("INSERT INTO t VALUES (?)", [("2020-01-01",)] * 20_000)
    steps = []
    conn.set_progress_handler(lambda: steps.append(1), 100)
    tasks = packed_read._tasks(conn, (ONE,))
    conn.set_progress_handler(None, 0)
    assert (tasks[0].first, tasks[-1].last) == (1, 20_000) and len(steps) < 10


def test_the_readers_take_the_ranges_as_they_free_up_each_once_the_index_first():
    one = packed_read.Read(ONE.columns, "t", index="t_d")
    tasks = [packed_read._Task(ONE, 0, 1, 10), packed_read._Task(ONE, 0, 11, 40), packed_read._Task(one, 1, 1, 5)]
    queue = packed_read._Queue(tasks)
    taken = [queue.take() for _ in range(4)]
    assert [k for k, _ in taken[:3]] == [2, 1, 0] and taken[3] is None
