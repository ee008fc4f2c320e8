"""Integer columns of a ledger table read by SQLite as text, on two connections at once (the dashboard's read).

Fetching 4.8M designations as sqlite3 rows makes a Python object of every value: 4.7 s on the 1M-firm bench
ledger, all of it holding the GIL. Here SQLite writes each column of a range of rows as one text
(``group_concat(expr, ',')``) and numpy parses it: integers with ``numpy.fromstring(sep=',')``, ISO dates as
fixed-width bytes (``_days``). Measured on that ledger (CPU seconds of SQLite for the designations):

- the dates as ordinals computed by SQLite (julianday or unixepoch, with the day check): 2.5 s; the dates' text
  as stored: 1.4 s, and numpy turns 4.8M of them into ordinals in about 0.1 s;
- hex of fixed width (``printf('%08x')`` + ``bytes.fromhex``) for the integers: 1.6x the CPU of decimal text;
  a GLOB on the date's shape inside SQLite: as slow as computing the ordinal there.

Exactly the row-by-row read's values: the text holds only integers SQLite stores as integers and dates stored
as text; any other value (a date not plain YYYY-MM-DD, a time after it, a BLOB, text in an integer column,
all written around the app) is left out of it, the count no longer matches, and that range is read row by row,
as the reference read does (``Read.rows_sql``). So is a range whose text would pass SQLite's length limit.

1M-firm bench ledger, quiet machine (1 Dec): 4.8M designations and 1M firms read in 1.3-1.5 s (2.0 s before the
rowid span was looked up at the b-tree's ends and the readers took ranges from one queue, ``_Queue``).

The whole aggregate runs inside one ``sqlite3_step``, which releases the GIL, so the ranges run at once on two
read-only connections of the same SQLite library (its connections share their locks, as always; not a second copy
of SQLite, db/dashboard_queries.ADBC_IN_PROCESS), when the caller says which file the ledger holds open
(``file_id``, checked before and after the readers open it: a ledger file moved or replaced, or a relative path
from another working folder, is read on the ledger's own connection).

One snapshot for every range: each reader opens its read transaction first; the last reader's ``PRAGMA
data_version`` (other connections' commits; read idle before, and on its pinned snapshot after) and the ledger's
connection's ``total_changes`` (its own commits, from another thread) are compared before and after; a commit in
between changes one of them, and the pins are taken again. Each reader is closed by the thread that reads on it.
While the ledger's connection holds changes not yet committed, it reads every range itself, inside a savepoint:
the others would not see them.
"""
from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from db.connection import open_readonly
from db.errors import LedgerError
from db.lock import file_id as file_id_of

WORKERS = min(2, os.cpu_count() or 1)
CHUNK_ROWS = 500_000          # rowids per range at most: ~11 bytes a value, far below SQLite's 1 GB limit of one text;
#                               ten ranges of 4.8M designations keep both readers busy to the end (four: 0.2 s apart)
MAX_RANGES = 64               # per read: ids far apart (a gap of 2^62) make empty ranges, not billions of them
PIN_TRIES = 3
COMMA, DASH, ZERO = ord(","), ord("-"), ord("0")
# days before each month in a common year, and each month's length (index 1-12; 0 and 13 for months out of range)
_BEFORE = np.array([0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 0], dtype=np.int64)
_LENGTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int64)
MSG_DATA = "看板读取台账时得到意外的数据（{}）"
_INT_BYTES = np.zeros(256, dtype=bool)          # the bytes of decimal integers joined by ','
_INT_BYTES[[ZERO + k for k in range(10)] + [COMMA, DASH]] = True


@dataclass(frozen=True)
class Column:
    """One integer column: ``exact`` its SQL expression (the reference); ``iso`` optionally the same value as
    ISO date text (read as the ordinal ``exact`` gives for it, ``bad`` for a day no calendar has)."""
    exact: str
    iso: str | None = None
    bad: int = -1

    def text(self) -> str:
        """The column's values joined by ',' as bytes (a check per value in SQL, typeof, cost 1 s at 1M firms:
        numpy checks the bytes instead, ``_ints`` and ``_days``)."""
        return f"CAST(group_concat({self.iso or self.exact}, ',') AS BLOB)"


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

    def sql(self) -> str:
        texts = ", ".join(c.text() for c in self.columns)
        return f"SELECT count(*), {texts} FROM {self.source()} WHERE rowid BETWEEN ? AND ? AND ({self.where})"

    def rows_sql(self, ranged: bool = False) -> str:
        """The same columns as rows (the reference of the tests, ADBC's read, and a range's read when its text
        will not do)."""
        return (f"SELECT {', '.join(c.exact for c in self.columns)} FROM {self.source()} WHERE "
                f"{'rowid BETWEEN ? AND ? AND ' if ranged else ''}({self.where})")


def iso_or(column: str, empty: date) -> str:
    """*column*, *empty* (ISO text) where it is NULL or ''. The same value as ``ifnull(nullif(c, ''), empty)`` for
    every type a value may have (a number or a BLOB differs from '': it is kept, and refused by the bytes
    check), in one comparison: 4.8M designations' end dates 0.73 s of SQLite CPU against 1.04 s."""
    return f"CASE WHEN {column} <> '' THEN {column} ELSE '{empty.isoformat()}' END"


def read(conn: sqlite3.Connection, path: str | Path | None, reads: Sequence[Read],
         file_id: tuple[int, int] | None = None) -> list[np.ndarray]:
    """Every column of every read, in rowid order, as int64 arrays (the same as fetching the rows in a table
    scan), from one snapshot of the ledger. In parallel when *path* is the file of identity *file_id* (device,
    inode: ``db.lock.file_id``) that *conn* holds open."""
    if path is None or conn.in_transaction or WORKERS < 2 or not same_file(path, file_id):
        return _on_own_connection(conn, reads)
    readers: list[sqlite3.Connection] = []
    try:
        for _ in range(WORKERS):
            readers.append(open_readonly(Path(path)))
        usable = same_file(path, file_id) and _pinned(conn, readers)   # not replaced meanwhile, one snapshot
        tasks = _tasks(readers[0], reads) if usable else []
    except sqlite3.Error:            # the file cannot be opened again
        usable = False
    except BaseException:
        _close(readers)
        raise
    if not usable:
        _close(readers)
        return _on_own_connection(conn, reads)
    results = _in_threads(readers, tasks)      # from here on each reader is closed by its own thread
    return _on_own_connection(conn, reads) if results is None else _joined(reads, tasks, results)


def same_file(path: str | Path, file_id: tuple[int, int] | None) -> bool:
    """Whether *path* is the file of identity *file_id*, the one the ledger's connection holds (another file moved
    to its place is not; an unknown identity is never taken for it)."""
    return file_id is not None and file_id_of(path) == file_id


def row_columns(cur, width: int) -> list[np.ndarray]:
    """The rows of *cur* (*width* integers each) as int64 columns, one Python object per value."""
    return list(np.fromiter(chain.from_iterable(cur), np.int64).reshape(-1, width).T)


def _close(readers: list[sqlite3.Connection]) -> None:
    for r in readers:
        with contextlib.suppress(sqlite3.Error):
            r.close()


def _in_threads(readers: list[sqlite3.Connection], tasks: list[_Task]) -> dict[int, list[np.ndarray]] | None:
    """Each reader runs its share of the tasks in a thread of its own, which closes it at the end: no moment of
    Ctrl+C can close a reader a thread still runs a query on (that crashes the process). Whatever ends the wait (an
    error, Ctrl+C), the readers are interrupted until every thread that began has ended (an interrupt misses a
    statement that starts after it, hence again). None when no thread could be started."""
    results: dict[int, list[np.ndarray]] = {}
    errors: list[BaseException] = []
    stop = threading.Event()
    began, ended = [threading.Event() for _ in readers], [threading.Event() for _ in readers]
    queue = _Queue(tasks)
    threads = [threading.Thread(target=_work, daemon=True, args=(r, queue, results, errors, (stop, began[i], ended[i])))
               for i, r in enumerate(readers)]
    unstarted = set(range(len(threads)))      # never launched for sure (start raised before launching)
    try:
        for i, t in enumerate(threads):
            try:
                t.start()
            except RuntimeError:              # "can't start new thread"
                stop.set()
                break
            unstarted.discard(i)
        for e in ended:
            while not e.wait(0.1):            # a timed wait: Ctrl+C is handled while waiting
                pass
    finally:
        stop.set()
        _wind_down(readers, began, ended, unstarted)
    if unstarted:
        return None
    if errors:
        raise errors[0]
    return results


def _wind_down(readers: list[sqlite3.Connection], began: list, ended: list, unstarted: set[int]) -> None:
    """Interrupt the readers until every worker that began has ended; close the reader of one that never began
    (one Ctrl+C inside ``Thread.start`` may leave a thread launched that has not begun yet: a second's wait tells;
    begun later, it sees the stop and only closes its reader)."""
    for i, (b, e) in enumerate(zip(began, ended, strict=True)):
        with contextlib.suppress(BaseException):
            b.wait(0 if i in unstarted else 1.0)
        if not b.is_set():
            _close([readers[i]])
            continue
        while not e.is_set():
            with contextlib.suppress(BaseException):
                readers[i].interrupt()
                e.wait(0.05)


def _on_own_connection(conn: sqlite3.Connection, reads: Sequence[Read]) -> list[np.ndarray]:
    conn.execute("SAVEPOINT packed_read")            # one snapshot for every range (or the open transaction's)
    try:
        tasks = _tasks(conn, reads)
        return _joined(reads, tasks, {k: _run(conn, task) for k, task in enumerate(tasks)})
    finally:
        conn.execute("RELEASE packed_read")


def _pinned(conn: sqlite3.Connection, readers: list[sqlite3.Connection]) -> bool:
    """Open a read transaction on each reader, all on the same snapshot: no commit between the pins, by another
    connection (the last reader's ``data_version``, read while it is idle and again on its pinned snapshot; not
    the ledger's connection's, which an unfinished statement keeps on an older snapshot) or by the ledger's own
    connection from another thread (``total_changes``)."""
    watch = readers[-1]
    for _ in range(PIN_TRIES):
        before = watch.execute("PRAGMA data_version").fetchone()[0], conn.total_changes
        for r in readers:
            r.execute("BEGIN")
            r.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if (watch.execute("PRAGMA data_version").fetchone()[0], conn.total_changes) == before:
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
    """Each read's rowid span cut into ranges: a multiple of the workers, none above CHUNK_ROWS unless that
    needs more than MAX_RANGES (one range for a read of an index)."""
    out = []
    for k, r in enumerate(reads):
        if r.index and conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
                                    (r.index,)).fetchone() is None:
            r = replace(r, index=None)      # dropped for a moment by a bulk write still open on this connection
        # two subqueries: SQLite looks a lone min() or max() of the rowid up at an end of the b-tree, both in one
        # query scan the table (1M firms, 4.8M designations: 0.44 s before the first range was read)
        lo, hi = conn.execute(f"SELECT (SELECT min(rowid) FROM {r.table}), (SELECT max(rowid) FROM {r.table})"
                              ).fetchone()
        if lo is None:
            continue
        span = hi - lo + 1
        parts = 1 if r.index else min(WORKERS * -(-span // (WORKERS * CHUNK_ROWS)), MAX_RANGES)
        step = -(-span // parts)                    # integers: a span of 2^63 is beyond a float's precision
        out += [_Task(r, k, a, min(a + step - 1, hi)) for a in range(lo, hi + 1, step)]
    return out


class _Queue:
    """The tasks, taken one at a time by whichever reader is free: an index's read (one range, never cut) first,
    then the ranges widest first. Handed out up front by width, the firms' index (1M rows, 0.3 s) and two of four
    designation ranges (0.6 s each) fell to one reader, which ended 0.4 s after the other."""

    def __init__(self, tasks: list[_Task]) -> None:
        order = sorted(range(len(tasks)), key=lambda k: (tasks[k].read.index is None, tasks[k].first - tasks[k].last))
        self._left = [(k, tasks[k]) for k in reversed(order)]
        self._lock = threading.Lock()

    def take(self) -> tuple[int, _Task] | None:
        with self._lock:
            return self._left.pop() if self._left else None


def _work(conn: sqlite3.Connection, queue: _Queue, results: dict, errors: list,
          events: tuple[threading.Event, threading.Event, threading.Event]) -> None:
    stop, began, ended = events
    began.set()
    try:
        while not stop.is_set() and (taken := queue.take()) is not None:
            k, task = taken
            results[k] = _run(conn, task)
    except BaseException as exc:  # noqa: BLE001  (raised again in the calling thread)
        errors.append(exc)
    finally:
        _close([conn])
        ended.set()


def _run(conn: sqlite3.Connection, task: _Task) -> list[np.ndarray]:
    """The task's columns from their text, or row by row when a value is not of the plain form."""
    args = (task.first, task.last)
    try:
        count, *texts = conn.execute(task.read.sql(), args).fetchone()
    except sqlite3.DataError:                       # the text would be too long: junk, read row by row
        return _rows(conn, task)
    cols = [_days(t, count, c.bad) if c.iso else _ints(t, count)
            for c, t in zip(task.read.columns, texts, strict=True)]
    if any(c is None or len(c) != count for c in cols):
        return _rows(conn, task)
    return [c for c in cols if c is not None]


def _rows(conn: sqlite3.Connection, task: _Task) -> list[np.ndarray]:
    cur = conn.execute(task.read.rows_sql(ranged=True), (task.first, task.last))
    try:
        return row_columns(cur, len(task.read.columns))
    except (TypeError, ValueError, OverflowError) as exc:      # a value no integer (text written around the app)
        raise LedgerError(MSG_DATA.format(f"{task.read.table} 中有非整数的值")) from exc


def _ints(text: bytes | None, count: int) -> np.ndarray | None:
    """*count* integers written as decimal numbers joined by ',', or None when the text holds anything else (a value
    written around the app as text or a real, 18 digits and more: read row by row then). Checked byte by byte
    first, so ``numpy.fromstring`` (which stops at the first odd character, and before numpy 2 returned what it
    had read) only ever reads plain integers."""
    if not text:
        return np.zeros(0, dtype=np.int64) if count == 0 else None
    b = np.frombuffer(text, dtype=np.uint8)
    if not _INT_BYTES[b].all():
        return None
    commas = np.flatnonzero(b == COMMA)
    if len(commas) != count - 1:
        return None
    width = np.diff(commas, prepend=-1, append=len(b)) - 1
    if width.min() < 1 or width.max() > 18:          # an empty value, or one that might not fit in 64 bits
        return None
    signs = np.flatnonzero(b == DASH)                # only first in a value, and a digit after it
    if len(signs) and not ((b[np.maximum(signs - 1, 0)] == COMMA) | (signs == 0)).all():
        return None
    if len(signs) and not (b[np.minimum(signs + 1, len(b) - 1)] - np.uint8(ZERO) <= 9).all():
        return None
    return np.fromstring(text, dtype=np.int64, sep=",")


def _days(text: bytes | None, count: int, bad: int) -> np.ndarray | None:
    """``date.toordinal()`` of *count* dates 'YYYY-MM-DD' joined by ',' (*bad* for a day no calendar has, as
    SQLite's julianday gives NULL for it), or None when any of them is not of that form. The days of the years
    1900-2199 are looked up in a table ``_ordinals`` made (4.8M dates: 0.17 s against 0.35-0.5 s of arithmetic on
    every one); the others (9999-12-31, the open end; a month 13) go through ``_ordinals`` itself."""
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    if text is None or len(text) != 11 * count - 1:
        return None
    a = np.frombuffer(text + b",", dtype=np.uint8).reshape(count, 11)
    if not ((a[:, 4] == DASH).all() and (a[:, 7] == DASH).all() and (a[:, 10] == COMMA).all()):
        return None
    d = a[:, _DIGITS] - np.uint8(ZERO)                       # wraps below '0': > 9
    if (d > 9).any():
        return None
    d = d.astype(np.int32)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month, day = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7]
    inside = (year >= _TABLE_YEARS[0]) & (year < _TABLE_YEARS[1]) & (month < 16) & (day < 32)
    out = _table(bad)[np.where(inside, ((year - _TABLE_YEARS[0]) * 16 + month) * 32 + day, 0)]
    if not inside.all():
        at = np.flatnonzero(~inside)
        out[at] = _ordinals(year[at].astype(np.int64), month[at].astype(np.int64), day[at].astype(np.int64), bad)
    return out


_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9]                 # the digits of 'YYYY-MM-DD'
_TABLE_YEARS = (1900, 2200)                        # the years the table holds, months 0-15 and days 0-31 of each


def _ordinals(year: np.ndarray, month: np.ndarray, day: np.ndarray, bad: int) -> np.ndarray:
    """``date.toordinal()`` of each (year, month, day), *bad* where no calendar has that day (int64 arrays)."""
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_at = np.minimum(month, 13)
    feb = (month == 2) & leap
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= _LENGTH[month_at] + feb)
    y = year - 1                             # proleptic Gregorian, as date.toordinal (year 0 too, as julianday)
    ordinal = y * 365 + y // 4 - y // 100 + y // 400 + _BEFORE[month_at] + ((month > 2) & leap) + day
    return np.where(ok, ordinal, bad)


@lru_cache(maxsize=4)
def _table(bad: int) -> np.ndarray:
    """``_ordinals`` of every (year, month 0-15, day 0-31) of ``_TABLE_YEARS``, at ((year - first) * 16 + month)
    * 32 + day (1.2 MB; made by ``_ordinals`` itself, so the lookup gives its values)."""
    year, month, day = np.meshgrid(np.arange(*_TABLE_YEARS), np.arange(16), np.arange(32), indexing="ij")
    table = _ordinals(year.ravel().astype(np.int64), month.ravel().astype(np.int64), day.ravel().astype(np.int64), bad)
    table.flags.writeable = False
    return table


def _joined(reads: Sequence[Read], tasks: list[_Task], results: dict[int, list[np.ndarray]]) -> list[np.ndarray]:
    out = []
    for k, r in enumerate(reads):
        parts = [results[t] for t in range(len(tasks)) if tasks[t].index == k]
        for c in range(len(r.columns)):
            cols = [p[c] for p in parts]
            out.append(np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64))
    return out
