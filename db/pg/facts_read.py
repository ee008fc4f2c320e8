"""The dashboard's facts from a shared ledger on two server processes at once, in one snapshot.

One backend packs the 4.8M designations of the 1M-firm bench ledger into columns (db/dashboard_queries.py) in
about 5 s, nearly all of it server CPU in that one process. Here a second connection of the same login (so the
same row security: the same rows) joins the first one's snapshot (``pg_export_snapshot`` / ``SET TRANSACTION
SNAPSHOT``: both read exactly one state of the ledger) and packs the designations' later pages (a
TID range scan each, PostgreSQL 14 and later; an older server scans and filters, with the same rows) while the
first packs the earlier ones and then the firms. Any failure to set this up (a server refusing another connection,
a pooler without exported snapshots) leaves the one-connection read to the caller; an error of the read itself
(a date the server cannot cast) is raised as it is, for the caller's second try.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import numpy as np

PAGES = "SELECT pg_relation_size('designations') / current_setting('block_size')::int"
# the first connection's share of the designations' pages, in percent: it reads the firms too (1M-firm bench
# ledger: each half of the designations 2.0-2.2 s, the firms 0.6-0.8 s)
SHARE = 42
MIN_PAGES = 4096        # 32 MB of designations (~250k): below, a second connection (0.05-0.3 s to open) is not worth it


def read(raw, reads, packed: Callable[[tuple, str], str], decode: Callable[[tuple, str], list]) -> list | None:
    """*reads* ((columns, source) as in db/dashboard_queries.PG_READS, designations first) on *raw* (the ledger's
    idle autocommit psycopg connection) and a second connection; None when the second cannot be had, or the
    designations are too few for it to pay, or the server has no TID range scans (before 14: two full scans)."""
    import psycopg
    try:
        if raw.info.server_version < 140000 or int(raw.execute(PAGES).fetchone()[0]) < MIN_PAGES:
            return None
        other = psycopg.connect(raw.info.dsn, password=raw.info.password or None, autocommit=True,
                                connect_timeout=5)
    except psycopg.Error:
        return None
    with other:
        try:
            return _both(raw, other, reads, packed, decode)
        except psycopg.DataError:
            raise
        except psycopg.Error:
            return None


def _both(raw, other, reads, packed, decode) -> list:
    from psycopg import sql
    (dcols, dsource), (fcols, fsource) = reads
    with raw.transaction():
        raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = raw.execute("SELECT pg_export_snapshot()").fetchone()[0]
        raw.execute("SET LOCAL max_parallel_workers_per_gather = 0")    # one scan each: the columns' rows align
        _lock(raw, nowait=False)
        cut = int(raw.execute(PAGES).fetchone()[0]) * SHARE // 100
        with other.transaction():
            other.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            other.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            other.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            other.execute("SET LOCAL lock_timeout = '2s'")     # the row-security functions' tables as well
            _lock(other, nowait=True)
            first = f"{dsource} AND ctid < '({cut},0)'::tid"
            second = f"{dsource} AND ctid >= '({cut},0)'::tid"
            got: dict = {}
            done = threading.Event()
            threading.Thread(target=_fetch, args=(other, packed(dcols, second), got, done), daemon=True).start()
            try:
                mine = decode(raw.execute(packed(dcols, first)).fetchone(), dsource)
                firms = decode(raw.execute(packed(fcols, fsource)).fetchone(), fsource)
            except BaseException:
                _cancel(other)                  # the second half is not needed (a bad date: the checked read next)
                _wait(done, other)
                raise
            _wait(done, other)
            if "error" in got:
                raise got["error"]
            theirs = decode(got["row"], dsource)
    return [np.concatenate([a, b]) for a, b in zip(mine, theirs, strict=True)] + firms


def _lock(conn, nowait: bool) -> None:
    """Both tables locked for reading until the transaction ends: the first connection first, the second only if
    it need not wait. Else a request for an exclusive lock (TRUNCATE, VACUUM FULL, a migration) queued behind the
    first connection's open transaction would queue the second's scan behind it, and the first waits for the second
    in this process, where the server sees no deadlock: every reader of the ledger would wait behind the request
    (found by review). Not waiting, the second fails and the caller reads on one connection."""
    conn.execute(f"LOCK TABLE designations, firms IN ACCESS SHARE MODE{' NOWAIT' if nowait else ''}")


def _fetch(conn, query: str, got: dict, done: threading.Event) -> None:
    try:
        got["row"] = conn.execute(query).fetchone()
    except BaseException as exc:  # noqa: BLE001  (raised again in the calling thread)
        got["error"] = exc
    finally:
        done.set()


def _cancel(conn) -> None:
    with contextlib.suppress(BaseException):
        getattr(conn, "cancel_safe", conn.cancel)()


def _wait(done: threading.Event, other) -> None:
    """Wait for the second connection's query, in steps (Ctrl+C is seen at once; an interrupted join once let a
    running thread look stopped). When the wait is cut short, cancel the query on the server and wait for the
    thread to leave the connection (a minute at most) before it is closed, then raise what cut it short."""
    try:
        while not done.wait(0.1):
            pass
    except BaseException:
        for _ in range(600):
            _cancel(other)
            with contextlib.suppress(BaseException):
                if done.wait(0.1):
                    break
        raise
