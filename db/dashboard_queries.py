"""Reads for the dashboard, the targets editor and the reports (no writes here).

``load_facts`` reads every live designation as integer columns for ``pipeline.facts.Facts``.
Measured on the 1M-firm bench ledger (4.8M designations; bench/fig_dashboard.py has the breakdown):
the former read (db/queries.py: a join with firms, ISO text dates made ordinals in Python, one
tuple per row) took 20 s, 16.5 s of it in SQLite: the join walked the designations through the
``designations_live_end`` index (a random row read each) and looked up every firm. Here

- one sequential pass over designations (``NOT INDEXED``) and one over firms, no join: the
  recycle bin is applied with numpy (``Facts.from_columns``);
- SQLite turns the dates into day ordinals itself (julianday - 1721424.5 is ``date.toordinal()``;
  measured against fetching the text and parsing it with Arrow, or yyyymmdd made by substr/replace:
  julianday was the quickest, 1.6 s against 1.6-2.5 s);
- on Windows the columns come through ADBC as Arrow arrays (0.15 s against 0.35 s for numpy.fromiter over
  sqlite3 rows at 100k firms), both reads in one read transaction (one snapshot of the ledger).
  pyarrow and the driver are imported here, on first use, never at start-up (0.17 s; not through
  ADBC's DB-API module nor pyarrow's to_numpy, which import pandas: another 0.2 s). Elsewhere (see
  ADBC_IN_PROCESS), without the driver, or when it cannot open the file, SQLite joins each column of a range
  of rows into one text that numpy parses, on two connections at once (db/packed_read.py: 1M firms, 4.7 s
  of fetching rows become about 2.5 s).

Same window on the 1M ledger, CPU seconds (the shared machine doubled wall times): the former read
24.8 s, this one 2.9 s (fetch 1.9-2.6, arrays 0.6-1.1). Tried and not taken: reading in parallel
(30 Nov: designations in two id ranges and the firms on three ADBC connections and threads, one snapshot checked
by ``PRAGMA data_version`` on a fourth before and after the pins; ADBC does release the GIL): on this 2-core machine
at load 5-6, fetch medians 2.27-2.98 s against 2.62-2.95 s for one connection over three runs of 5-6 rounds, 0.1 s
more CPU. Seen then: the driver bundles its own SQLite, so the process holds two copies of the library on one file
(POSIX locks of one process never conflict): its first connection after a write rebuilds the WAL index (the data
version of the app's connections changes with no write).

A columnar cache of what this read returns (db/facts_cache.py) spares the read while the ledger is
unchanged, with the indexes the dashboard built from it; both are valid for a token that every write
transaction removes (db.ledger.Ledger.write; schema v6's row triggers did, until they were dropped).
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
from datetime import date
from pathlib import Path

import numpy as np

from db import packed_read
from db.connection import readonly_uri
from db.errors import LedgerError
from pipeline.dates import OPEN_END
from pipeline.facts import Facts
from pipeline.indicators import Indicator
from pipeline.memory import small_pages

BATCH_ROWS = 1 << 23    # rows per Arrow batch: one batch, so one buffer per column read without a copy (ADBC's default
#                         1024 made 4.7k chunks of 4.8M designations, joined by a copy: 0.07-0.15 s CPU more)
BAD_DAY = -1            # a date SQLite cannot read (the check below refuses it)
# ISO text -> date.toordinal(). julianday checks a day against 31 only ('2023-02-30' is 2 March): a day from 29 on
# must give back its own date, else the date is unreadable (BAD_DAY), as on the server (found by review); the
# other days need no second look (a day 00 or a month 13 is already NULL). The ordinal itself from unixepoch
# (SQLite 3.38+: whole seconds, no float; 62135596800 s from 0001-01-01 to 1970 keep the division on positive
# numbers, so it floors): 1M-firm ledger, a third of the read's SQL time less than julianday - 1721424.5, the
# same values (tests/db/test_dashboard_facts.py compares both on odd dates)
_ORDINAL = ("(unixepoch({col}) + 62135596800) / 86400 + 1" if sqlite3.sqlite_version_info >= (3, 38)
            else "CAST(julianday({col}) - 1721424.5 AS INTEGER)")
_DAY = ("CASE WHEN substr({col}, 9, 2) < '29' OR date(julianday({col})) = substr({col}, 1, 10) "
        f"THEN {_ORDINAL} END")
_OPEN_END_DAY = date.fromordinal(OPEN_END)
# a date is read as text even where it was stored as a BLOB (written around the app), as the packed read takes it
_START, _END = "CAST(start_date AS TEXT)", "CAST(end_date AS TEXT)"
DESIGNATIONS = packed_read.Read((
    packed_read.Column("firm_id"), packed_read.Column("stage_id"),
    packed_read.Column(f"coalesce({_DAY.format(col=_START)}, {BAD_DAY})", "start_date", BAD_DAY),
    packed_read.Column(f"CASE WHEN {_END} IS NULL OR {_END} = '' THEN {OPEN_END} "
                       f"ELSE coalesce({_DAY.format(col=_END)}, {BAD_DAY}) END",
                       packed_read.iso_or("end_date", _OPEN_END_DAY), BAD_DAY)),
    "designations", "deleted_at IS NULL")
# the live firms only (the others' designations are left out by Facts.from_columns all the same), from the narrow
# partial index firms_live (street_id, and the id as every index holds it): 1M firms, 0.2 s of SQL against 0.35-0.4
FIRMS = packed_read.Read(tuple(packed_read.Column(e) for e in ("id", "coalesce(street_id, -1)", "1")),
                         "firms", "deleted_at IS NULL", index="firms_live")
# the same as rows (ADBC's read, and the reference of the tests)
DESIGNATION_COLUMNS, FIRM_COLUMNS = DESIGNATIONS.rows_sql(), FIRMS.rows_sql()
# the same on a shared ledger (PostgreSQL): a date's ordinal from date arithmetic; each column comes as one bytea of
# big-endian int8 (int8send, aggregated in the order of the one scan all the aggregates share), read by numpy without
# a Python object per value. 1M-firm bench ledger, 4.8M designations, loaded machine: 2.9-4.6 s and 0.4-0.9 s of
# client CPU, against 5.0-5.4 s and 2.3-3.1 s for one tuple per row (which also holds the GIL all along: the window
# stalled while the dashboard loaded); a psycopg binary COPY (one message per row) 6.2 s; ADBC's PostgreSQL driver
# 4.7-5.8 s (another dependency, not taken). Both reads in one snapshot, as far as the login may read.
_PG_DAY = "(({col})::date - DATE '0001-01-01' + 1)"
PG_FIRM_COLUMNS = ("id", "coalesce(street_id, -1)", "(deleted_at IS NULL)::int")


def _pg_reads(day: str) -> tuple:
    """The two reads (columns, source) with *day* (a format of ``{c}``, the date column) reading each date."""
    designations = ("firm_id", "stage_id", day.format(c="start_date"),
                    f"CASE WHEN end_date IS NULL OR end_date = '' THEN {OPEN_END} ELSE {day.format(c='end_date')} END")
    return ((designations, "designations WHERE deleted_at IS NULL"), (PG_FIRM_COLUMNS, "firms"))


PG_READS = _pg_reads(_PG_DAY.format(col="{c}"))
# when the cast fails (a date no calendar has, written around the app), the same read again with each date checked
# first: BAD_DAY for one that is not YYYY-MM-DD of a real day (a time after it is read, as by the cast and the
# file), so ``checked`` names the live firms as on the file and a firm in the recycle bin is left out (the cast
# failed in the scan of every designation, binned firms' too). The CASEs are nested: a cast runs only on text the
# outer test let through
_Y, _M, _D = ("substr({c}, 1, 4)::int", "substr({c}, 6, 2)::int", "substr({c}, 9, 2)::int")
_PG_SAFE_DAY = (
    "CASE WHEN {c} ~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}([ T].*)?$' THEN "
    f"CASE WHEN {_Y} >= 1 AND {_M} BETWEEN 1 AND 12 THEN "
    f"CASE WHEN {_D} BETWEEN 1 AND extract(day from make_date({_Y}, {_M}, 1) + interval '1 month - 1 day') "
    f"THEN {_PG_DAY.format(col='substr({c}, 1, 10)')} ELSE {BAD_DAY} END ELSE {BAD_DAY} END ELSE {BAD_DAY} END")
PG_SAFE_READS = _pg_reads(_PG_SAFE_DAY)


def _pg_packed(columns: tuple[str, ...], source: str) -> str:
    packed = ", ".join(f"coalesce(string_agg(int8send(({c})::int8), ''::bytea), ''::bytea)" for c in columns)
    return f"SELECT {packed} FROM {source}"


def load_facts(conn: sqlite3.Connection, path: str | Path | None = None,
               file_id: tuple[int, int] | None = None) -> Facts:
    """Every live designation of every live firm, as ``db.queries.load_facts`` (same figures), read
    column-wise from *path*, the ledger's file of identity *file_id* (``db.lock.file_id`` when it was opened),
    when both are given and the file at *path* is still that one, else on *conn* alone."""
    return checked(Facts.from_columns(*fact_columns(conn, path, file_id)))


def fact_columns(conn: sqlite3.Connection, path: str | Path | None = None,
                 file_id: tuple[int, int] | None = None) -> list[np.ndarray]:
    """The int64 columns of ``Facts.from_columns``: designations (firm, stage, start, end), firms (id,
    street, live). The fetch step of ``load_facts`` (bench/fig_dashboard.py times the steps). While *conn*
    holds changes not yet committed, *conn* reads them (another connection would not see them)."""
    small_pages()                                        # pipeline/memory.py: fresh arrays in small pages
    raw = getattr(conn, "raw", None)
    if raw is not None:                                  # a shared ledger's connection (db.engine.PgConnection)
        return _pg_columns(raw)
    cols = None
    if ADBC_IN_PROCESS and path is not None and not conn.in_transaction and packed_read.same_file(path, file_id):
        cols = _adbc_columns(path)
        if cols is not None and not packed_read.same_file(path, file_id):   # replaced while read: not the ledger's
            cols = None
    return packed_read.read(conn, path, (DESIGNATIONS, FIRMS), file_id) if cols is None else cols


def changed_columns(conn: sqlite3.Connection, firm_ids: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray],
                                                                              int | None]:
    """For the firms *firm_ids* only (pipeline/facts_patch.py): their live designations (firm, stage, start, end)
    in row order, with the expressions of the full read; the live ones among them (id, street or -1); and the
    largest live firm id. In the caller's read transaction: one snapshot with the log that named them."""
    ids = json.dumps([int(i) for i in firm_ids])
    exact = ", ".join(c.exact for c in DESIGNATIONS.columns)
    rows = packed_read.row_columns(conn.execute(
        f"SELECT {exact} FROM designations WHERE firm_id IN (SELECT value FROM json_each(?)) "
        f"AND ({DESIGNATIONS.where}) ORDER BY id", (ids,)), 4)
    firms = packed_read.row_columns(conn.execute(
        "SELECT id, coalesce(street_id, -1) FROM firms WHERE id IN (SELECT value FROM json_each(?)) "
        "AND deleted_at IS NULL", (ids,)), 2)
    last = conn.execute("SELECT id FROM firms WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 1").fetchone()
    return rows, firms, None if last is None else int(last[0])


# ADBC's SQLite driver carries its own copy of SQLite, linked into it. Two copies of SQLite in one process on one file
# is a way to corrupt it (sqlite.org/howtocorrupt.html 2.2.1) where locks are POSIX advisory locks: they belong to the
# process, so each copy's connections are blind to the other's (the app's checkpoint may overwrite pages an ADBC read
# still needs), and closing the driver's file drops every lock of the process on it, the app's too (another process
# may then reset the WAL index under the app). Windows locks each file handle: there the two copies lock each other
# out as two processes do, and the quick read is taken; elsewhere the ledger's own connection reads (1M firms: 3.8 s
# against 2.0 s). Found in review of the dashboard's open.
ADBC_IN_PROCESS = os.name == "nt"


def _pg_columns(raw) -> list[np.ndarray]:
    """The columns from a shared ledger: both reads in one REPEATABLE READ snapshot, as far as the login may
    read (row-level security: an officer's own streets)."""
    import psycopg
    try:
        try:
            return _pg_read(raw, PG_READS)
        except psycopg.DataError:                  # a date the server cannot cast: read with each date checked
            return _pg_read(raw, PG_SAFE_READS)
    except psycopg.Error as exc:
        raise LedgerError(f"看板无法读取共享台账：{_first_line(exc)}") from exc


def _pg_read(raw, reads) -> list[np.ndarray]:
    """*reads* in one snapshot: on two server processes when the connection is idle (db/pg/facts_read.py), else
    on it alone; inside the connection's own open transaction (its changes not yet committed, read as on the
    file) in that transaction, whose isolation can no longer be set (a savepoint here)."""
    from psycopg.pq import TransactionStatus
    nested = raw.info.transaction_status != TransactionStatus.IDLE
    if not nested:
        from db.pg import facts_read
        got = facts_read.read(raw, reads, _pg_packed, _pg_decoded)
        if got is not None:
            return got
    out = []
    with raw.transaction():
        if not nested:
            raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        raw.execute("SET LOCAL max_parallel_workers_per_gather = 0")    # one scan: the columns' rows align
        for columns, source in reads:
            out += _pg_decoded(raw.execute(_pg_packed(columns, source)).fetchone(), source)
    return out


def _pg_decoded(row: tuple, source: str) -> list[np.ndarray]:
    """One packed read's columns (big-endian int8 each), all of one length."""
    got = [np.frombuffer(packed, dtype=">i8").astype(np.int64) for packed in row]
    if len({len(c) for c in got}) != 1:     # string_agg skips a NULL: the columns would not align
        raise LedgerError(f"看板无法读取共享台账：{source.split()[0]} 的某列有空值")
    return got


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0]


def _adbc_columns(path: str | Path) -> list[np.ndarray] | None:
    """The columns through ADBC's own API (its DB-API module imports pyarrow.dataset and pandas:
    0.35 s against 0.17 s); None when the driver is missing or cannot read the file (then the ledger's
    own connection reads it). The file is opened as ``db.connection.readonly_uri`` says."""
    try:
        import adbc_driver_manager
        import adbc_driver_sqlite
        import pyarrow
    except Exception as exc:  # noqa: BLE001  a missing or broken driver (a frozen app short of a file): read slower
        logging.getLogger(__name__).warning("看板按列读取不可用（%s），改用逐行读取", exc)
        return None
    try:
        with contextlib.ExitStack() as stack:
            database = adbc_driver_sqlite.connect(readonly_uri(path))
            stack.callback(database.close)
            conn = adbc_driver_manager.AdbcConnection(database)
            stack.callback(conn.close)
            conn.set_options(**{"adbc.connection.autocommit": "false"})    # both reads in one snapshot
            stack.callback(conn.rollback)
            out = []
            for sql in (DESIGNATION_COLUMNS, FIRM_COLUMNS):
                stmt = adbc_driver_manager.AdbcStatement(conn)
                stack.callback(stmt.close)
                with contextlib.suppress(adbc_driver_manager.Error):     # a driver without the option: 1024 rows
                    stmt.set_options(**{"adbc.sqlite.query.batch_rows": str(BATCH_ROWS)})
                stmt.set_sql_query(sql)
                stream, _ = stmt.execute_query()
                table = pyarrow.RecordBatchReader.from_stream(stream).read_all()
                out += [_arrow_ints(table.column(i), pyarrow.int64()) for i in range(table.num_columns)]
            return out
    except adbc_driver_manager.Error:
        return None


def _sqlite_columns(conn: sqlite3.Connection) -> list[np.ndarray]:
    """The same columns fetched as rows (one Python object per value): the reference the tests compare
    db.packed_read's read with."""
    designations = conn.execute(DESIGNATION_COLUMNS)
    firms = conn.execute(FIRM_COLUMNS)      # opened before the first is read out: the same read transaction
    return packed_read.row_columns(designations, 4) + packed_read.row_columns(firms, 3)


def _arrow_ints(column, int64) -> np.ndarray:
    """A column of 64-bit integers without nulls as one numpy array, read straight from the Arrow buffers
    (pyarrow's own to_numpy imports pandas: 0.2 s)."""
    parts = []
    for chunk in column.chunks:
        if chunk.type != int64 or chunk.null_count:
            raise LedgerError(f"看板读取台账时得到意外的数据（{chunk.type}，{chunk.null_count} 个空值）")
        parts.append(np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=len(chunk), offset=chunk.offset * 8))
    if len(parts) == 1:
        return parts[0]                 # a view of the Arrow buffer (kept alive by it): no copy
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def checked(facts: Facts) -> Facts:
    """*facts*, unless a date SQLite could not read is among them (a LedgerError in Chinese)."""
    bad = (facts.start == BAD_DAY) | (facts.end == BAD_DAY)
    if bad.any():
        raise _refusal(int(bad.sum()), np.unique(facts.firm[bad]))
    return facts


def _refusal(count: int, firms: np.ndarray) -> LedgerError:
    named = "、".join(str(f) for f in firms[:5])
    return LedgerError(f"台账中有 {count} 条认定的日期无法识别（企业编号 {named} 等），看板无法统计；"
                       "请改正这些认定的日期")


def all_targets(conn: sqlite3.Connection) -> dict[int, list[Indicator]]:
    """Every target row of every year: district rows (street None) and street rows, in sort order."""
    out: dict[int, list[Indicator]] = {}
    rows = conn.execute(
        "SELECT t.year, t.indicator, t.kind, t.stages, t.require, t.target, t.base, t.base_year, t.unit, s.name, "
        "t.street_id FROM targets t LEFT JOIN streets s ON s.id = t.street_id "
        "ORDER BY t.year, t.sort, t.id")
    for r in rows:
        out.setdefault(r[0], []).append(Indicator(
            name=r[1], kind=r[2], stages=json.loads(r[3]), require=json.loads(r[4] or "[]"), target=r[5],
            base=r[6], base_year=r[7], unit=r[8], street=r[9], street_id=r[10]))
    return out


def target_rows(conn: sqlite3.Connection, year: int) -> list[dict]:
    """The year's target rows with their ids, for the editor: district rows first, then by street."""
    cur = conn.execute(
        "SELECT t.id, t.indicator, t.kind, t.stages, t.require, t.street_id, s.name, t.target, t.base, t.base_year, "
        "t.unit, t.sort FROM targets t LEFT JOIN streets s ON s.id = t.street_id WHERE t.year = ? "
        "ORDER BY t.sort, t.indicator, t.street_id IS NOT NULL, s.sort, t.id", (year,))
    keys = ("id", "indicator", "kind", "stages", "require", "street_id", "street", "target", "base", "base_year",
            "unit", "sort")
    out = []
    for r in cur:
        row = dict(zip(keys, r, strict=True))
        row["stages"] = json.loads(row["stages"])
        row["require"] = json.loads(row["require"] or "[]")
        out.append(row)
    return out


def firm_names(conn: sqlite3.Connection, firm_ids) -> dict[int, tuple[str, str | None, str | None]]:
    """firm id -> (name, code, street name) for the ids given (any number)."""
    ids = [int(i) for i in firm_ids]
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT f.id, f.name, f.code, s.name FROM firms f LEFT JOIN streets s ON s.id = f.street_id "
        "WHERE f.id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def designation_evidence(conn: sqlite3.Connection, firm_ids, stage_ids) -> dict[tuple[int, int], str]:
    """(firm id, stage id) -> the evidence (certificate number) of the firm's latest designation of the stage."""
    ids, stages = [int(i) for i in firm_ids], [int(s) for s in stage_ids]
    if not ids or not stages:
        return {}
    rows = conn.execute(
        "SELECT firm_id, stage_id, evidence FROM designations WHERE deleted_at IS NULL AND evidence IS NOT NULL "
        "AND firm_id IN (SELECT value FROM json_each(?)) AND stage_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY start_date", (json.dumps(ids), json.dumps(stages)))
    return {(f, s): e for f, s, e in rows}
