"""db.packed_read: the dashboard's columns read as text by SQLite on two connections give exactly what the
row-by-row read gives (any date text, any cut into ranges), from one snapshot of the ledger."""
import sqlite3
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from db import dashboard_queries, packed_read
from tests.backends import commit_raw
from tests.db.test_dashboard_facts import code

pytestmark = pytest.mark.file_only("the file's packed read")

DAY = dashboard_queries._DAY.format(col="d")
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
                     "2023-01-01 00:30+08:00", "0000-02-29", "1900-02-29", "2000-02-29"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(shapes, max_size=12))
def test_any_date_text_reads_as_sqlite_reads_it(texts):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (d TEXT NOT NULL)")
    conn.executemany("INSERT INTO t VALUES (?)", [(t,) for t in texts])
    assert packed(conn, ONE) == rows(conn, ONE)


def test_plain_dates_are_parsed_by_numpy_and_the_rest_by_sqlite(monkeypatch):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (d TEXT NOT NULL)")
    conn.executemany("INSERT INTO t VALUES (?)", [("2023-02-28",), ("2023-02-29",), ("2024-02-29",), ("0001-01-01",)])
    exact = []
    real = packed_read.Read.sql
    monkeypatch.setattr(packed_read.Read, "sql", lambda self, fast: exact.append(not fast) or real(self, fast))
    assert packed(conn, ONE) == [[738579, BAD, 738945, 1]] == rows(conn, ONE)
    assert exact and not any(exact)                       # all plain: the text was enough
    conn.execute("INSERT INTO t VALUES ('2023-03-01 08:00')")
    exact.clear()
    assert packed(conn, ONE) == rows(conn, ONE)
    assert exact.count(True) == 1 and exact.count(False) == 2    # that range again, by SQLite; the other not


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


def both(ledger):
    reads = (dashboard_queries.DESIGNATIONS, dashboard_queries.FIRMS)
    return [c.tolist() for c in packed_read.read(ledger.conn, ledger.path, reads)]


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
            with other:                  # every designation removed, then back: each reader sees one state
                other.execute("UPDATE designations SET deleted_at = CASE WHEN deleted_at IS NULL "
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
    got = both(many)
    assert Pinning.commits == min(times, 2 * packed_read.PIN_TRIES)
    assert got == reference(many)                         # one state, as the rows read now


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
