"""The least SQLite work a ledger with an import's contents costs: the floor of any importer that keeps them.

After the measured imports, the firms and designations the last one wrote are read back (not timed). Each round
then writes exactly those rows into a fresh copy of the empty ledger, with nothing computed in Python: one
transaction, the tables' secondary indexes and the row triggers dropped, one ``executemany`` per table, the
indexes rebuilt and the search index filled by the app's own bulk steps (``db.bulk``: the same sorter settings
and FTS5 load settings as an import), the triggers back, COMMIT and the checkpoint the app runs after a write.
No audit rows, no batch, no cleaning, no pinyin, no matching: what remains is what SQLite must do to hold the
ledger an import leaves (twelve sort indexes on firms, four on designations, the trigram search index).

Against the bare calamine parse of the same list, in the same rounds: (parse + this floor) / parse is the least
ratio any import that parses the sheet whole with calamine and then writes these contents can reach.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path


def contents(done: Path) -> dict:
    """The firms and designations of the ledger file *done*, as rows to write again (read, not timed)."""
    conn = sqlite3.connect(f"file:{done}?mode=ro", uri=True)
    try:
        out = {}
        for table in ("firms", "designations"):
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            out[table] = (cols, conn.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY id").fetchall())
        return out
    finally:
        conn.close()


def write(target: Path, rows: dict) -> int:
    """Write *rows* (``contents``) into the ledger file *target* (a fresh copy of the empty ledger) as described
    above; returns the number of firms."""
    from db import bulk
    conn = sqlite3.connect(str(target), isolation_level=None)
    try:
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -65536", "temp_store = MEMORY"):
            conn.execute(f"PRAGMA {pragma}")
        conn.execute("BEGIN IMMEDIATE")
        triggers = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                                "('firms', 'designations')").fetchall()
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        dropped = {table: bulk._drop_indexes(conn, table) for table in rows}
        for table, (cols, values) in rows.items():
            conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             values)
        for table, (_cols, values) in rows.items():
            bulk._recreate_indexes(conn, dropped[table], len(values))
        search = [sql for name, sql in triggers if name == bulk.SEARCH_TRIGGER]
        firms = rows["firms"][1]
        if search:                                  # a design without the search index (``prepare``) has none
            bulk._resume_search_trigger(conn, search[0], firms[0][0] if firms else 1,
                                        firms[-1][0] + 1 if firms else 1)
        for name, sql in triggers:
            if name != bulk.SEARCH_TRIGGER:
                conn.execute(sql)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        return len(firms)
    finally:
        conn.close()


# Other ledger designs the same contents can be written into (bench/import_designs.py): what the floor becomes
# with fewer indexes or larger pages. "today" is the ledger as it is.
SORT_ONLY = ("firms_live_founded", "firms_live_capital", "firms_live_revenue", "firms_live_employees",
             "firms_live_updated", "firms_live_industry", "firms_live_officer", "firms_live_status")
DESIGNS = {
    "today": "今天的台账（12 个排序索引、4 个认定索引、三字搜索索引）",
    "no_sort": "去掉 8 个只为排序的索引（按列排序目标不再成立）",
    "no_sort_no_search": "再去掉三字搜索索引（搜索目标不再成立）",
    "page_16k": "今天的台账，16 KB 页",
}


def prepare(empty: Path, target: Path, design: str) -> None:
    """A fresh copy of the empty ledger *empty* at *target*, changed to *design* (``DESIGNS``); not timed."""
    import shutil

    from db import bulk
    for p in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(empty, target)
    conn = sqlite3.connect(str(target), isolation_level=None)
    try:
        if design == "page_16k":
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute("PRAGMA page_size = 16384")
            conn.execute("VACUUM")
            conn.execute("PRAGMA journal_mode = WAL")
        if design in ("no_sort", "no_sort_no_search"):
            for name in SORT_ONLY:
                conn.execute(f'DROP INDEX "{name}"')
        if design == "no_sort_no_search":
            conn.execute(f'DROP TRIGGER "{bulk.SEARCH_TRIGGER}"')
    finally:
        conn.close()
