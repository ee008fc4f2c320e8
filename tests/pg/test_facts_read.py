"""The shared ledger's dashboard read on two server processes (db/pg/facts_read.py): the facts one connection
reads, for each kind of login (row security binds both connections), from one snapshot, and the one-connection
read when a second connection cannot be had."""
import time

import psycopg
import pytest

from db import dashboard_queries
from db.ledger import Ledger
from db.pg import facts_read


@pytest.fixture(autouse=True)
def any_size(monkeypatch):
    """Two processes for the small demo district too (a big ledger's case; small ones read on one)."""
    monkeypatch.setattr(facts_read, "MIN_PAGES", 0)


def columns(led):
    return [c.tolist() for c in dashboard_queries.fact_columns(led.conn)]


def one_connection(led, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(facts_read, "read", lambda *args: None)
        return columns(led)


@pytest.mark.parametrize("who", ["super", "officer", "viewer", "all"])
def test_two_server_processes_read_what_one_reads(people, monkeypatch, who):
    taken = []
    both = facts_read._both
    monkeypatch.setattr(facts_read, "_both", lambda *args: taken.append(1) or both(*args))
    with Ledger(people[who], readonly=True) as led:
        got = columns(led)
        assert taken == [1]
        assert got == one_connection(led, monkeypatch)
    with Ledger(people["super"]) as led:
        everything = one_connection(led, monkeypatch)
    assert 0 < len(got[0]) <= len(everything[0])
    assert (len(got[0]) < len(everything[0])) == (who in ("officer", "viewer"))   # their streets only


def test_both_processes_read_one_snapshot(people, monkeypatch):
    """A commit landing after the first connection's snapshot, before the second one reads its half: neither sees
    it (without the shared snapshot, the second half would have none of its designations)."""
    fetch = facts_read._fetch

    def late(conn, query, got, done):
        with psycopg.connect(people["super"], autocommit=True) as other:
            other.execute("UPDATE designations SET deleted_at = '2030-01-01' WHERE deleted_at IS NULL")
        fetch(conn, query, got, done)
    with Ledger(people["super"]) as led:
        before = one_connection(led, monkeypatch)
        monkeypatch.setattr(facts_read, "_fetch", late)
        assert columns(led) == before
        monkeypatch.setattr(facts_read, "_fetch", fetch)
        assert columns(led)[0] == []


def test_without_a_second_connection_one_reads_all(people, monkeypatch):
    with Ledger(people["officer"]) as led:
        want = one_connection(led, monkeypatch)

        def refused(*args, **kwargs):
            raise psycopg.OperationalError("too many clients already")
        with monkeypatch.context() as m:
            m.setattr(psycopg, "connect", refused)
            assert columns(led) == want


def test_a_small_ledger_is_read_on_one_connection(people, monkeypatch):
    monkeypatch.setattr(facts_read, "MIN_PAGES", 4096)
    opened = []
    with Ledger(people["super"]) as led:
        with monkeypatch.context() as m:
            m.setattr(psycopg, "connect", lambda *args, **kwargs: opened.append(args))
            got = columns(led)
        assert got == one_connection(led, monkeypatch)
    assert opened == []


def test_an_exclusive_lock_request_never_stalls_the_read(people, monkeypatch):
    """Found by review: a request for an exclusive lock (TRUNCATE, VACUUM FULL, a migration) queued behind the first
    connection's open transaction queued the second connection's scan behind it, while the first waited for the
    second in this process: the server saw no deadlock, and every reader of the ledger waited behind the request.
    The second connection now takes its lock only if it need not wait, else one connection reads."""
    import threading
    with Ledger(people["officer"], readonly=True) as led:
        want = one_connection(led, monkeypatch)
        first_pid = led.conn.raw.info.backend_pid
        monitor = psycopg.connect(people["super"], autocommit=True)
        outcome = []

        def holds(pid, granted=True):
            return monitor.execute("SELECT count(*) FROM pg_locks WHERE relation = 'designations'::regclass "
                                   "AND pid = %s AND granted = %s", (pid, granted)).fetchone()[0] > 0

        def exclusive():                                  # queues behind the first connection's read lock
            while not holds(first_pid):
                time.sleep(0.005)
            with psycopg.connect(people["super"]) as conn:
                conn.execute("SET lock_timeout = '20s'")
                try:
                    conn.execute("LOCK TABLE designations IN ACCESS EXCLUSIVE MODE")
                    outcome.append("locked")
                except psycopg.errors.LockNotAvailable:
                    outcome.append("timed out")
        locker = threading.Thread(target=exclusive)
        real = facts_read._lock

        def after_the_request(conn, nowait):
            if nowait:                                    # the second connection: once the request waits
                while not monitor.execute("SELECT count(*) FROM pg_locks WHERE relation = 'designations'::regclass "
                                          "AND mode = 'AccessExclusiveLock' AND NOT granted").fetchone()[0]:
                    time.sleep(0.005)
            real(conn, nowait)
        monkeypatch.setattr(facts_read, "_lock", after_the_request)
        locker.start()
        got = columns(led)
        locker.join()
        monitor.close()
    assert got == want
    assert outcome == ["locked"]


def test_ctrl_c_cancels_the_second_query_and_leaves_the_connection_idle(people, monkeypatch):
    """Found by review: an interrupted join let the running thread look stopped, so the second query was never
    cancelled (the read ended only when it did) and its connection could be closed under the thread."""
    import signal
    import threading

    from psycopg.pq import TransactionStatus
    fetch, began = facts_read._fetch, threading.Event()

    def slow(conn, query, got, done):                     # minutes, unless cancelled
        began.set()
        try:
            conn.execute("SELECT pg_sleep(300)")
        except BaseException as exc:  # noqa: BLE001
            got["error"] = exc
            done.set()
            return
        fetch(conn, query, got, done)
    monkeypatch.setattr(facts_read, "_fetch", slow)
    main = threading.main_thread().ident
    threading.Thread(target=lambda: (began.wait(10), time.sleep(0.3),
                                     signal.pthread_kill(main, signal.SIGINT))).start()
    with Ledger(people["super"]) as led:
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            columns(led)
        assert time.monotonic() - start < 60              # not a speed figure: the second query alone takes 300 s
        assert led.conn.raw.info.transaction_status == TransactionStatus.IDLE
        with psycopg.connect(people["super"], autocommit=True) as watch:
            assert not watch.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(300)%' "
                                     "AND state = 'active'").fetchone()[0]
