"""A large import rebuilds its tables' indexes (db/bulk.py ``_recreate_indexes``) with SQLite's sorter in temporary
files, on two threads for a large table; where no temporary file can be written it sorts in memory instead, and the
connection's own settings are back either way."""
from __future__ import annotations

import random
import sqlite3

import pytest

from db import bulk


class _NoTempFiles:
    """The connection as where no temporary file can be made: CREATE INDEX fails as SQLite's sorter then fails
    (SQLITE_CANTOPEN) while temp_store is FILE (on Linux as root no folder can be made unwritable)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.failed = conn, []

    def execute(self, sql, *args):
        if sql.startswith("CREATE INDEX") and self.conn.execute("PRAGMA temp_store").fetchone()[0] == 1:
            exc = sqlite3.OperationalError("unable to open database file")
            exc.sqlite_errorcode = 14
            self.failed.append(sql)
            raise exc
        return self.conn.execute(sql, *args)


def _table(tmp_path, rows: int = 20_000) -> tuple[sqlite3.Connection, list[tuple[str, str]]]:
    conn = sqlite3.connect(tmp_path / "t.db", isolation_level=None)
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -65536")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n REAL)")
    rnd = random.Random(5)
    conn.execute("BEGIN")
    names = ["".join(rnd.choice("武汉科技有限公司甲乙丙丁") for _ in range(20)) for _ in range(rows)]
    conn.executemany("INSERT INTO t (name, n) VALUES (?, ?)", [(name, rnd.random()) for name in names])
    conn.execute("COMMIT")
    conn.execute("CREATE INDEX t_name ON t(name)")
    conn.execute("CREATE INDEX t_n ON t(n) WHERE name IS NOT NULL")
    found = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 't'").fetchall()
    return conn, found


def _settings(conn) -> dict:
    return {k: conn.execute(f"PRAGMA {k}").fetchone()[0] for k in ("threads", "temp_store", "cache_size")}


def _rebuild(conn, found, rows):
    conn.execute("BEGIN IMMEDIATE")
    for name, _ in found:
        conn.execute(f'DROP INDEX "{name}"')
    bulk._recreate_indexes(conn, found, rows)
    conn.execute("COMMIT")


@pytest.mark.parametrize("rows", [1000, 10 ** 6])
def test_indexes_come_back_and_settings_too(tmp_path, monkeypatch, rows):
    conn, found = _table(tmp_path)
    before = _settings(conn)
    monkeypatch.setattr(bulk, "SPLIT_CACHE", 12)           # pages: runs of ~48 KB, so the sorter writes files
    _rebuild(conn, found, rows)
    indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 't'"
    assert conn.execute(indexes).fetchall() == found
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert _settings(conn) == before
    assert conn.execute("SELECT count(*) FROM t INDEXED BY t_name WHERE name > ''").fetchone() == (20_000,)


def test_no_temporary_file_sorts_in_memory(tmp_path, monkeypatch):
    """A temp folder that cannot be written: the index is sorted in memory."""
    conn, found = _table(tmp_path)
    before = _settings(conn)
    monkeypatch.setattr(bulk, "SPLIT_CACHE", 12)
    spy = _NoTempFiles(conn)
    _rebuild(spy, found, 10 ** 6)
    assert len(spy.failed) == 1                    # the file way was tried once, then memory for both
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert _settings(conn) == before
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")] == ["t_name", "t_n"]


def test_other_errors_are_not_swallowed(tmp_path):
    conn, found = _table(tmp_path, rows=10)
    conn.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        bulk._recreate_indexes(conn, [("bad", "CREATE INDEX bad ON t(nope)")], 10)
    conn.execute("ROLLBACK")
    assert _settings(conn)["temp_store"] == 2
