"""The volume path of the write API: an import batch written inside one ``Ledger.write("import")``.

importers/commit.py turns a plan into plain rows and calls these functions; every SQL write of an import is
here or in db/ledger.py's Writer (renames and their former names, designations of a ladder, audit rows).
New firms and new designations go through ``executemany``; their audit is the batch's one row
(``audit_batch``: file, SHA-256, who, when, counts; db/creation.py reads a creation from it), changes of
existing firms keep per-field before/after rows. For a large batch the secondary indexes of firms and of
designations and the search-index trigger are rebuilt rather than maintained (the search index filled by one
statement with FTS5 merging held back), inside the transaction, so a failure or a cancel rolls that back
with everything else. ``commit(..., timings={})`` gets the time of each step through ``Laps``.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import nullcontext

from db import facts_log
from db.engine import FILE
from db.ledger import Writer, new_id, next_firm_id
from db.schema import SEARCH_TEXT
from pipeline.names import pinyin_keys

CHUNK = 5000
BULK = 500                      # from this many new firms on, the search index is filled in one statement
SEARCH_TRIGGER = "firm_search_ai"
# the firms columns an import writes for a new firm, besides id, the name's keys, batch and stamps
DERIVED = ("name_key", "pinyin", "name_sort")


class Laps:
    """Per-step timings for the bench: ``lap(step)`` adds the time since the previous lap to *out*[step]
    (nothing when *out* is None)."""

    def __init__(self, out: dict | None) -> None:
        self.out = out
        self.last = time.perf_counter()

    def __call__(self, step: str) -> None:
        if self.out is not None:
            now = time.perf_counter()
            self.out[step] = self.out.get(step, 0.0) + now - self.last
            self.last = now

    def share(self, step: str, parts: dict[str, float]) -> None:
        """A lap made of steps timed elsewhere (the server's, db/pg/copy.py): each of *parts* gets its seconds,
        *step* the rest of the time since the previous lap."""
        if self.out is not None:
            now = time.perf_counter()
            rest = now - self.last
            for name, seconds in parts.items():
                seconds = min(max(seconds, 0.0), rest)
                self.out[name] = self.out.get(name, 0.0) + seconds
                rest -= seconds
            self.out[step] = self.out.get(step, 0.0) + rest
            self.last = now


def open_batch(w: Writer, *, file_name, sha256, sheet, kind, stage_key, mapping: dict, counts: dict) -> int:
    led = w.ledger
    batch = new_id(w.conn.execute(
        "INSERT INTO batches (file_name, file_sha256, sheet, kind, stage_key, mapping, counts, os_user, officer, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (file_name, sha256, sheet, kind, stage_key, json.dumps(mapping, ensure_ascii=False),
         json.dumps(counts, ensure_ascii=False), led.user, led.officer, w.stamp)))
    w.batch_id = batch
    return batch


def audit_batch(w: Writer, info: dict) -> None:
    """The batch's audit row (file, SHA-256, who, when, counts): the creation audit of every firm the batch
    creates (db/creation.py). Written first, so a firm's history lists its creation before what the batch
    did to it."""
    w.audit("import", "batch", w.batch_id, None, None, info)


def insert_firms(w: Writer, columns: tuple[str, ...], values: list[list], tick=None, lap=None) -> list[int]:
    """New firms: *values* holds one list per column of *columns* (firms columns: name and name_key among them),
    all of one length; returns their ids. The rows are zipped from the columns as they are written (no tuple
    built per row in Python); the batch and the stamps, one value for every row, are written into the statement
    once. The pinyin index and sort key come from pipeline.names, as on every other path. Their creation audit
    is the batch's row (``audit_batch``, db/creation.py), not a row per firm."""
    conn = w.conn
    lap = lap or Laps(None)
    if w.ledger.shared:                       # COPY through a staging table (db/pg/copy.py)
        from db.pg import copy as pg_copy  # noqa: PLC0415  (a shared ledger only)
        return pg_copy.insert_firms(w, columns, values, tick, lap)
    first = next_firm_id(conn)      # never an id a removed firm had (its history is read by id)
    count = len(values[0]) if values else 0
    if not count:
        return []
    names = values[columns.index("name")]
    cols = ("id", *columns, "pinyin", "name_sort")
    insert = (f"INSERT INTO firms ({', '.join(cols)}, batch_id, created_at, updated_at) VALUES "
              f"({', '.join('?' * len(cols))}, {_literal(w.batch_id)}, {_literal(w.stamp)}, {_literal(w.stamp)})")
    with facts_log.untracked(conn, "firms") if count >= BULK else nullcontext() as logged:
        _insert_new(conn, insert, names, values, first, tick, lap)
        if logged is not None:
            logged.add_range(first, first + count)
    return list(range(first, first + count))


def _insert_new(conn, insert: str, names: list, values: list[list], first: int, tick, lap: Laps) -> None:
    """The new firms' rows from id *first* on, with their pinyin keys; a large batch rebuilds the firms' indexes
    and fills the search index in one statement rather than maintain them row by row."""
    count, next_id = len(names), first
    suspended = _suspend_search_trigger(conn) if count >= BULK else None
    dropped = _drop_indexes(conn, "firms") if is_bulk(count, first - 1) else None
    for start in range(0, count, CHUNK):
        stop = min(start + CHUNK, count)
        keys = pinyin_keys(names[start:stop], batch=count)
        lap("new_firms_pinyin")
        conn.executemany(insert, zip(range(next_id, next_id + stop - start), *(v[start:stop] for v in values),
                                     [k[0] for k in keys], [k[1] for k in keys], strict=True))
        next_id += stop - start
        lap("new_firms_insert")
        if tick:
            tick(stop - start)
    if dropped:
        _recreate_indexes(conn, dropped, next_id - 1)
        lap("new_firms_indexes")
    if suspended:
        _resume_search_trigger(conn, suspended, first, next_id)
        lap("new_firms_search")


def _literal(value: int | str | None) -> str:
    """*value* as an SQL literal (an id or a stamp written once into a statement run for many rows)."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


def insert_designations(w: Writer, rows: list[tuple]) -> int:
    """Designations of tracks that are not exclusive: rows (firm_id, stage_id, start ISO, end ISO, evidence,
    list name). A ladder's tiers go through ``Writer.add_designation`` (one tier at a time). Their creation
    audit is the batch's row (``audit_batch``, db/creation.py), not a row per designation."""
    if not rows:
        return 0
    # each row takes the next id (SQLite: the largest id + 1), as the ids numbered here before did; the rows are
    # bound as they are, the batch and the stamp written once into the statement. A large batch rebuilds the
    # four indexes rather than maintain them (100k designations: 0.8 s -> 0.3 s + 0.2 s), as new firms do.
    conn = w.conn
    if w.ledger.shared:           # COPY through a staging table (db/pg/copy.py)
        from db.pg import copy as pg_copy  # noqa: PLC0415  (a shared ledger only)
        return pg_copy.insert_designations(w, rows)
    first = FILE.next_designation_id(conn)        # never an id the audit names (an undone or purged one's)
    dropped = _drop_indexes(conn, "designations") if is_bulk(len(rows), first - 1) else None
    # from BULK rows on, their firms are logged for the dashboard's cache set-wise, not by a row trigger each
    with facts_log.untracked(conn, "designations") if len(rows) >= BULK else nullcontext() as logged:
        conn.executemany(
            "INSERT INTO designations (id, firm_id, stage_id, start_date, end_date, evidence, list_name, source, "
            f"batch_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'import', {_literal(w.batch_id)}, "
            f"{_literal(w.stamp)})", ((first + k, *r) for k, r in enumerate(rows)))
        if logged is not None:
            logged.add(r[0] for r in rows)
    if dropped:
        _recreate_indexes(conn, dropped, first - 1 + len(rows))
    return len(rows)


def record_rows(w: Writer, rows: list[tuple[int, dict]]) -> None:
    """What the batch's list said about each firm it matched (firm_id, {field: value}), changed or not:
    undo needs it to know which later batch still asserts a value (db/undo.py). One row per firm: a firm listed
    twice is imported once, from its first row; a later row's other values were never written, so they assert
    nothing (undoing an earlier batch set a firm's field to such a value, one no write had ever given it: found by
    an attack), but its former names were added and the name it was found by still counts."""
    merged: dict[int, dict] = {}
    for fid, values in rows:
        have = merged.setdefault(fid, dict(values))
        if have == values:
            continue
        if values.get("former_name"):
            have["former_name"] = list(dict.fromkeys([*(have.get("former_name") or ()), *values["former_name"]]))
        if "listed_as" in values and "listed_as" not in have:
            have["listed_as"] = values["listed_as"]
    encode = json.JSONEncoder(ensure_ascii=False, default=str).encode       # one encoder, not one a row
    w.conn.executemany("INSERT INTO batch_rows (batch_id, firm_id, fields) VALUES (?, ?, ?)",
                       [(w.batch_id, fid, encode(v)) for fid, v in merged.items()])


def analyze_touched(w: Writer, changed: dict[str, int]) -> None:
    """At the end of an import: on a shared ledger, the tables it changed in volume get their statistics when
    autovacuum would have given them (db/pg/copy.py ``analyze_if_due``); the file path is unchanged (nothing)."""
    if w.ledger.shared:
        from db.pg import copy as pg_copy  # noqa: PLC0415  (a shared ledger only)
        pg_copy.analyze_if_due(w, changed)


def is_bulk(new: int, existing: int) -> bool:
    """Rebuild rather than maintain the secondary indexes: a large batch relative to the table. Measured on
    100k new firms: inserting with migration 2's 18 indexes 3.0 s; without them 0.7 s + 1.0 s to rebuild
    (one sorted pass per index is ~2.5x cheaper per entry than a random B-tree insert)."""
    return new >= BULK and new >= existing


def _drop_indexes(conn, table: str) -> list[tuple[str, str]]:
    """Drop *table*'s own indexes (not UNIQUE/primary-key ones) inside the open transaction; returns their SQL.
    They are recreated by ``_recreate_indexes`` before the transaction ends, so a failure, a cancel or a kill
    rolls the drop back with everything else."""
    found = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                         "AND sql IS NOT NULL", (table,)).fetchall()
    for name, _ in found:
        conn.execute(f'DROP INDEX "{name}"')
    return found


# How CREATE INDEX sorts (measured on the bench's ledgers, 2 cores; bench/RESULTS.md 补测): in temporary files (which
# stay in the page cache) rather than temp_store MEMORY, 100k firms' twelve indexes 1.0 -> 0.8 s; SQLite's sorter
# only uses its helper threads with temporary files, and only once the keys outgrow one in-memory run (its size is
# the cache size): from SPLIT_ROWS rows on, runs of 4 MB sorted on both cores, 1M firms 16.7 -> 9.2 s.
SPLIT_ROWS = 300_000
SPLIT_CACHE = -4096                             # KiB: the sorter's in-memory run
_SORTER = {"threads": 2, "temp_store": 1}     # temp_store 1: FILE
_NO_TEMP_FILE = (10, 13, 14)                    # SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN


def _recreate_indexes(conn, found: list[tuple[str, str]], rows: int) -> None:
    """Recreate the indexes *found* by ``_drop_indexes`` on a table of about *rows* rows, with the sorter set as
    measured above; the connection's own settings are back afterwards. Where temporary files cannot be written
    (a locked-down temp folder), an index is sorted in memory as before, slower but the same."""
    saved = {k: conn.execute(f"PRAGMA {k}").fetchone()[0] for k in ("threads", "temp_store", "cache_size")}
    wanted = {**_SORTER, **({"cache_size": SPLIT_CACHE} if rows >= SPLIT_ROWS else {})}
    try:
        _pragmas(conn, wanted)
        for _, sql in found:
            try:
                conn.execute(sql)
            except sqlite3.Error as exc:
                if (getattr(exc, "sqlite_errorcode", 0) & 0xFF) not in _NO_TEMP_FILE:
                    raise
                _pragmas(conn, {"temp_store": saved["temp_store"], "cache_size": saved["cache_size"]})
                conn.execute(sql)
    finally:
        _pragmas(conn, saved)


def _pragmas(conn, values: dict[str, int]) -> None:
    for key, value in values.items():
        conn.execute(f"PRAGMA {key} = {int(value)}")


def _suspend_search_trigger(conn):
    """For a bulk load, the per-row search-index trigger (schema v7) is dropped inside the transaction and
    the new firms are indexed by one statement afterwards (≈5x faster); the trigger is recreated from its own
    SQL before the transaction ends, so a failure or a cancel rolls everything back together."""
    row = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (SEARCH_TRIGGER,)
    ).fetchone()
    if not row:
        return None
    conn.execute(f"DROP TRIGGER {SEARCH_TRIGGER}")
    return row[0]


# ORDER BY id matters: FTS5 flushes its pending terms whenever a rowid is not above the last one, and without it the
# planner may walk a partial index on deleted_at IS NULL in another order (100k new firms: 2.5 s -> 1.3 s)


# FTS5 merge settings while the new firms are indexed in one statement, and their defaults. Merging segments
# as they are written (automerge) is most of the cost of a large load; with it off and a higher crisis
# threshold the load writes more, smaller segments (100k new firms: 1.46 -> 0.99 s CPU) that later writes
# merge as usual once the settings are back (a search keystroke reads a few more segments meanwhile).
_FTS_LOAD = {"automerge": (0, 4), "crisismerge": (64, 16)}


def _resume_search_trigger(conn, sql, first: int, stop: int) -> None:
    kept = dict(conn.execute("SELECT k, v FROM firm_search_config WHERE k IN ('automerge', 'crisismerge')"))
    for key, (load, _default) in _FTS_LOAD.items():
        conn.execute("INSERT INTO firm_search (firm_search, rank) VALUES (?, ?)", (key, load))
    conn.execute(f"INSERT INTO firm_search (rowid, text) SELECT f.id, {SEARCH_TEXT} FROM firms f "
                 "WHERE f.id >= ? AND f.id < ? AND f.deleted_at IS NULL ORDER BY f.id", (first, stop))
    for key, (_load, default) in _FTS_LOAD.items():
        conn.execute("INSERT INTO firm_search (firm_search, rank) VALUES (?, ?)", (key, kept.get(key, default)))
    conn.execute(sql)
