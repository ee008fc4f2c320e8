"""Transactions of the write API (issue 13): a nested write() nests with a SAVEPOINT, a failed COMMIT's
ROLLBACK never hides the real error, and SQLite errors are classified by their error code."""
import runpy
import sqlite3

import pytest

from db import errors
from db.errors import LedgerError, NestingError


def names(ledger):
    return [n for (n,) in ledger.conn.execute("SELECT name FROM firms ORDER BY id")]


def test_nested_write_is_a_savepoint_inside_the_outer_transaction(ledger):
    with ledger.write() as w:
        w.insert_firm("甲公司")
        with ledger.write() as inner:
            inner.insert_firm("乙公司")
        with pytest.raises(ValueError):
            with ledger.write() as inner:
                inner.insert_firm("丙公司")
                raise ValueError("只撤回内层")
        assert ledger.conn.in_transaction                   # nothing committed before the outer block ends
    assert names(ledger) == ["甲公司", "乙公司"]


def test_a_failing_nested_write_that_is_not_caught_rolls_back_everything(ledger):
    with pytest.raises(KeyError):
        with ledger.write() as w:
            w.insert_firm("甲公司")
            with ledger.write() as inner:
                inner.update_firm(1, no_such_field=1)
    assert names(ledger) == [] and not ledger.conn.in_transaction


def test_a_transaction_opened_behind_the_write_api_is_a_programming_error(ledger):
    ledger.conn.execute("BEGIN")
    try:
        with pytest.raises(NestingError):
            with ledger.write():
                pass
    finally:
        ledger.conn.execute("ROLLBACK")


class FailingCommit:
    """The connection, except that COMMIT fails the way a full disk makes it fail, and so does ROLLBACK."""

    def __init__(self, conn):
        self._conn = conn

    def execute(self, sql, *a):
        if sql in ("COMMIT", "ROLLBACK"):
            exc = sqlite3.OperationalError("database or disk is full")
            exc.sqlite_errorcode, exc.sqlite_errorname = sqlite3.SQLITE_FULL, "SQLITE_FULL"
            raise exc
        return self._conn.execute(sql, *a)

    def __getattr__(self, name):
        return getattr(self._conn, name)


@pytest.mark.file_only("SQLite's error codes; the server's: tests/pg/test_ledger_pg.py")
def test_the_real_commit_error_is_reported_even_when_rollback_fails(ledger):
    real = ledger.conn
    ledger.conn = FailingCommit(real)
    try:
        with pytest.raises(LedgerError, match="磁盘空间已满") as info:
            with ledger.write() as w:
                w.conn = ledger.conn
                w.insert_firm("甲公司")
        assert isinstance(info.value.__cause__, sqlite3.OperationalError)
    finally:
        ledger.conn = real
        if real.in_transaction:
            real.execute("ROLLBACK")


def coded(code, message="whatever the text says"):
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code
    return exc


def test_errors_are_classified_by_code_not_by_text():
    assert errors.sqlite_kind(coded(sqlite3.SQLITE_FULL, "locked busy")) == "full"
    assert errors.sqlite_kind(coded(sqlite3.SQLITE_BUSY, "disk is full")) == "busy"
    assert errors.sqlite_kind(coded(sqlite3.SQLITE_IOERR_WRITE)) == "io"          # extended code
    assert errors.sqlite_kind(coded(sqlite3.SQLITE_READONLY_DBMOVED)) == "readonly"
    assert errors.sqlite_kind(coded(sqlite3.SQLITE_NOTADB)) == "corrupt"
    assert errors.sqlite_kind(sqlite3.OperationalError("database or disk is full")) is None   # no code: unknown
    assert "磁盘空间已满" in errors.describe_failure(coded(sqlite3.SQLITE_FULL, "其他语言的消息"), "L.db")


def test_the_code_table_is_sqlites_own_numbers():
    """db.errors spells the codes as numbers (sqlite3.SQLITE_* only exist from Python 3.11): the same numbers."""
    expected = {"BUSY": "busy", "LOCKED": "busy", "READONLY": "readonly", "PERM": "readonly", "IOERR": "io",
                "CANTOPEN": "io", "CORRUPT": "corrupt", "NOTADB": "corrupt", "FULL": "full", "CONSTRAINT": "constraint"}
    assert errors._KINDS == {getattr(sqlite3, f"SQLITE_{name}"): kind for name, kind in expected.items()}


def test_db_errors_loads_on_python_3_10_where_sqlite3_has_no_code_constants(monkeypatch):
    for name in [n for n in dir(sqlite3) if n.startswith("SQLITE_")]:
        monkeypatch.delattr(sqlite3, name)
    loaded = runpy.run_path(errors.__file__)          # a fresh copy: db.errors itself stays as it is
    assert loaded["sqlite_kind"](coded(5)) == "busy"


@pytest.mark.file_only("SQLite's error codes; the server's: tests/pg/test_ledger_pg.py")
def test_a_real_constraint_error_carries_its_code(ledger):
    with ledger.write() as w:
        w.insert_firm("甲公司")
    try:
        ledger.conn.execute(
            "INSERT INTO firms (id, name, name_key, created_at, updated_at) VALUES (1, 'x', 'x', '', '')"
        )
    except sqlite3.IntegrityError as exc:
        assert errors.sqlite_kind(exc) == "constraint"
    else:
        pytest.fail("the duplicate id was accepted")
