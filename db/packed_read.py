"""Integer columns of a ledger table read by SQLite as text, on two connections at once (the dashboard's read).

Fetching 4.8M designations as sqlite3 rows makes a Python object of every value: 4.7 s on the 1M-firm bench
ledger, all of it holding the GIL. Here SQLite writes each column of a range of rows as one text
(``group_concat(expr, ',')``) and numpy parses it: integers with ``numpy.fromstring(sep=',')``, ISO dates as
fixed-width bytes (``_days``). Measured on that ledger (CPU seconds of SQLite for the designations):

- the dates as ordinals computed by SQLite (julianday or unixepoch, with the day check): 2.5 s; the dates' text
  as stored: 1.4 s, and numpy turns 4.8M of them into ordinals in about 0.1 s. A range holding any date not of
  the form YYYY-MM-DD (a time after it, a NULL start, text written around the app) is read again with SQLite's
  own expressions (``Column.exact``), so every value is what the row-by-row read gives;
- hex of fixed width (``printf('%08x')`` + ``bytes.fromhex``) for the integers: 1.6x the CPU of decimal text;
  a GLOB on the date's shape inside SQLite: as slow as computing the ordinal there.

The whole aggregate runs inside one ``sqlite3_step``, which releases the GIL, so the ranges run at once on two
read-only connections of the same SQLite library (its connections share their locks, as always; not a second copy
of SQLite, db/dashboard_queries.ADBC_IN_PROCESS).

One snapshot for every range: each reader opens its read transaction first, and the ledger's own connection reads
``PRAGMA data_version`` before and after; a commit in between (another process) changes it, and the pins are taken
again. While the ledger's connection holds changes not yet committed (or has no file), it reads every range itself,
inside a savepoint: the others would not see its changes.
"""
from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from db.connection import open_readonly
from db.errors import LedgerError

WORKERS = min(2, os.cpu_count() or 1)
CHUNK_ROWS = 2_000_000        # rowids per range: ~11 bytes a value, far below SQLite's 1 GB limit of one text
PIN_TRIES = 3
COMMA, DASH, ZERO = ord(","), ord("-"), ord("0")
# days before each month in a common year, and each month's length (index 1-12; 0 and 13 for months out of range)
_BEFORE = np.array([0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 0], dtype=np.int64)
_LENGTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int64)


@dataclass(frozen=True)
class Column:
    """One integer column: ``exact`` its SQL expression (never NULL: a NULL would be left out of the text);
    ``iso`` optionally the same value as ISO date text (read as the ordinal ``exact`` gives for it, ``bad`` for
    a day no calendar has)."""
    exact: str
    iso: str | None = None
    bad: int = -1


@dataclass(frozen=True)
class Read:
    """One table's columns where ``where`` holds: the table scanned (``NOT INDEXED``) in ranges of rowids, or, when
    ``index`` names a narrower index holding every column read (its WHERE implied by ``where``), that index
    scanned once (ranges of rowids would each scan all of it)."""
    columns: Sequence[Column]
    table: str
    where: str = "1"
    index: str | None = None

    def source(self) -> str:
        return f"{self.table} {f'INDEXED BY {self.index}' if self.index else 'NOT INDEXED'}"

    def sql(self, fast: bool) -> str:
        texts = ", ".join(f"CAST(group_concat({c.iso}, ',') AS BLOB)" if fast and c.iso else
                          f"group_concat(({c.exact}), ',')" for c in self.columns)
        return f"SELECT count(*), {texts} FROM {self.source()} WHERE rowid BETWEEN ? AND ? AND ({self.where})"

    def rows_sql(self) -> str:
        """The same columns as rows (the reference of the tests, and ADBC's read)."""
        return f"SELECT {', '.join(c.exact for c in self.columns)} FROM {self.source()} WHERE {self.where}"


def iso_or(column: str, empty: date) -> str:
    """*column*'s text, *empty* (ISO) where it is NULL or ''."""
    return f"ifnull(nullif({column}, ''), '{empty.isoformat()}')"


def read(conn: sqlite3.Connection, path: str | Path | None, reads: Sequence[Read]) -> list[np.ndarray]:
    """Every column of every read, in rowid order, as int64 arrays (the same as fetching the rows in a table
    scan), from one snapshot of the ledger."""
    if path is None or conn.in_transaction or WORKERS < 2 or str(path) == ":memory:":
        return _on_own_connection(conn, reads)
    with contextlib.ExitStack() as stack:
        readers = []
        try:
            for _ in range(WORKERS):
                readers.append(open_readonly(Path(path)))
                stack.callback(readers[-1].close)
        except sqlite3.Error:            # the file cannot be opened again (moved, or a path only the connection knew)
            return _on_own_connection(conn, reads)
        if not _pinned(conn, readers):
            return _on_own_connection(conn, reads)
        tasks = _tasks(readers[0], reads)
        results: dict[int, list[np.ndarray]] = {}
        errors: list[BaseException] = []
        threads = [threading.Thread(target=_work, args=(r, [(k, tasks[k]) for k in part], results, errors),
                                    daemon=True)
                   for r, part in zip(readers, _share(tasks, len(readers)), strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return _joined(reads, tasks, results)


def _on_own_connection(conn: sqlite3.Connection, reads: Sequence[Read]) -> list[np.ndarray]:
    conn.execute("SAVEPOINT packed_read")            # one snapshot for every range (or the open transaction's)
    try:
        tasks = _tasks(conn, reads)
        return _joined(reads, tasks, {k: _run(conn, task) for k, task in enumerate(tasks)})
    finally:
        conn.execute("RELEASE packed_read")


def _pinned(conn: sqlite3.Connection, readers: list[sqlite3.Connection]) -> bool:
    """Open a read transaction on each reader, all on the same snapshot (no commit between the pins)."""
    for _ in range(PIN_TRIES):
        before = conn.execute("PRAGMA data_version").fetchone()[0]
        for r in readers:
            r.execute("BEGIN")
            r.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if conn.execute("PRAGMA data_version").fetchone()[0] == before:
            return True
        for r in readers:
            r.execute("ROLLBACK")
    return False


@dataclass(frozen=True)
class _Task:
    read: Read
    index: int           # which read
    first: int
    last: int


def _tasks(conn: sqlite3.Connection, reads: Sequence[Read]) -> list[_Task]:
    """Each read's rowid span cut into ranges: a multiple of the workers, none above CHUNK_ROWS (one range for a
    read of an index)."""
    out = []
    for k, r in enumerate(reads):
        if r.index and conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                                    (r.index,)).fetchone() is None:
            r = replace(r, index=None)      # dropped for a moment by a bulk write still open on this connection
        lo, hi = conn.execute(f"SELECT min(rowid), max(rowid) FROM {r.table}").fetchone()
        if lo is None:
            continue
        span = hi - lo + 1
        step = span if r.index else math.ceil(span / (WORKERS * math.ceil(span / (WORKERS * CHUNK_ROWS))))
        out += [_Task(r, k, a, min(a + step - 1, hi)) for a in range(lo, hi + 1, step)]
    return out


def _share(tasks: list[_Task], n: int) -> list[list[int]]:
    """Task numbers for each of *n* workers, the widest ranges first, each to the least loaded."""
    loads = [0] * n
    parts: list[list[int]] = [[] for _ in range(n)]
    for k in sorted(range(len(tasks)), key=lambda k: tasks[k].first - tasks[k].last):
        w = loads.index(min(loads))
        parts[w].append(k)
        loads[w] += tasks[k].last - tasks[k].first + 1
    return parts


def _work(conn: sqlite3.Connection, tasks: list[tuple[int, _Task]], results: dict, errors: list) -> None:
    try:
        for k, task in tasks:
            results[k] = _run(conn, task)
    except BaseException as exc:  # noqa: BLE001  (raised again in the calling thread)
        errors.append(exc)


def _run(conn: sqlite3.Connection, task: _Task) -> list[np.ndarray]:
    """The task's columns: the dates from their text, or, when one is not plain YYYY-MM-DD, all of them again
    as SQLite's own expressions give them."""
    args = (task.first, task.last)
    count, *texts = conn.execute(task.read.sql(fast=True), args).fetchone()
    fast = [_days(t, count, c.bad) if c.iso else _ints(t) for c, t in zip(task.read.columns, texts, strict=True)]
    cols = [c for c in fast if c is not None]
    if len(cols) < len(fast):
        count, *texts = conn.execute(task.read.sql(fast=False), args).fetchone()
        cols = [_ints(t) for t in texts]
    if any(len(c) != count for c in cols):     # a NULL was left out, or a value was not an integer
        raise LedgerError("看板读取台账时得到意外的数据（某列有空值或非整数）")
    return cols


def _ints(text: str | None) -> np.ndarray:
    return np.fromstring(text or "", dtype=np.int64, sep=",")


def _days(text: bytes | None, count: int, bad: int) -> np.ndarray | None:
    """``date.toordinal()`` of *count* dates 'YYYY-MM-DD' joined by ',' (*bad* for a day no calendar has, as
    SQLite's julianday gives NULL for it), or None when any of them is not of that form."""
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    if text is None or len(text) != 11 * count - 1:
        return None
    a = np.frombuffer(text + b",", dtype=np.uint8).reshape(count, 11)
    if not ((a[:, 4] == DASH).all() and (a[:, 7] == DASH).all() and (a[:, 10] == COMMA).all()):
        return None
    digits = [a[:, i] - np.uint8(ZERO) for i in (0, 1, 2, 3, 5, 6, 8, 9)]      # wraps below '0': > 9
    if any((d > 9).any() for d in digits):
        return None
    y0, y1, y2, y3, m0, m1, d0, d1 = (d.astype(np.int64) for d in digits)
    year, month, day = y0 * 1000 + y1 * 100 + y2 * 10 + y3, m0 * 10 + m1, d0 * 10 + d1
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_at = np.minimum(month, 13)
    feb = (month == 2) & leap
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= _LENGTH[month_at] + feb)
    y = year - 1                             # proleptic Gregorian, as date.toordinal (year 0 too, as julianday)
    ordinal = y * 365 + y // 4 - y // 100 + y // 400 + _BEFORE[month_at] + ((month > 2) & leap) + day
    return np.where(ok, ordinal, bad)


def _joined(reads: Sequence[Read], tasks: list[_Task], results: dict[int, list[np.ndarray]]) -> list[np.ndarray]:
    out = []
    for k, r in enumerate(reads):
        parts = [results[t] for t in range(len(tasks)) if tasks[t].index == k]
        for c in range(len(r.columns)):
            cols = [p[c] for p in parts]
            out.append(np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64))
    return out
