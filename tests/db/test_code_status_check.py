"""Schema v8 (issue 17): the firms' CHECK on code_status is a chain of comparisons (an IN list of constants cost
6-8 µs a row inside an executemany). A v7 ledger's stored table SQL is edited in place: its rows stay as they
were, every connection reads the new SQL, and the constraint accepts and refuses exactly what it did."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from db import schema
from db.ledger import Ledger

DATA = Path(__file__).resolve().parents[1] / "data"
STATUSES = ("ok", "bad_check", "accepted", "invalid", "no_code")


def _firms_sql(conn) -> str:
    return conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'firms'").fetchone()[0]


def _insert(conn, status):
    conn.execute("INSERT INTO firms (name, name_key, code_status, created_at, updated_at) VALUES ('甲', '甲', ?, 'x', "
                 "'x')", (status,))


def test_a_v7_ledger_gets_the_comparisons_and_keeps_its_rows(tmp_path):
    path = tmp_path / "ledger.db"
    shutil.copy(DATA / "ledger_v7.db", path)
    old = sqlite3.connect(path)
    assert schema.V8_CHECK_IN in _firms_sql(old)
    rows = old.execute("SELECT * FROM firms ORDER BY id").fetchall()
    with Ledger(path) as led:
        sql = _firms_sql(led.conn)
        assert schema.V8_CHECK_OR in sql and schema.V8_CHECK_IN not in sql
        assert sql == _firms_sql(old).replace(schema.V8_CHECK_IN, schema.V8_CHECK_OR)
        assert led.conn.execute("SELECT * FROM firms ORDER BY id").fetchall() == rows
        assert led.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    old.close()
    other = sqlite3.connect(path)                  # a connection opened before or after reads the same schema
    assert schema.V8_CHECK_OR in _firms_sql(other)
    other.close()


@pytest.mark.parametrize("version", [7, schema.LATEST])
def test_the_constraint_accepts_and_refuses_the_same_values(version):
    conn = sqlite3.connect(":memory:", isolation_level=None)
    schema.migrate(conn, upto=version)
    for status in STATUSES:
        _insert(conn, status)
    for bad in ("OK", "", "ok ", "no code", 1):
        with pytest.raises(sqlite3.IntegrityError):
            _insert(conn, bad)
    with pytest.raises(sqlite3.IntegrityError):   # NULL: refused by NOT NULL on both
        _insert(conn, None)
    assert conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0] == len(STATUSES)


def test_an_unexpected_constraint_fails_the_migration_and_changes_nothing(tmp_path):
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    schema.migrate(conn, upto=7)
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'no_code''))', 'no_code'', ''x''))') "
                 "WHERE name = 'firms'")
    conn.execute("PRAGMA writable_schema = OFF")
    conn.close()
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    before = _firms_sql(conn)
    with pytest.raises(RuntimeError):
        schema.migrate(conn)
    assert schema.version(conn) == 7 and _firms_sql(conn) == before
