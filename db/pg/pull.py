"""``pull``: a local ledger file of the shared ledger, or of one street's firms and their rows, for offline work
or archiving. The file is made by the file schema's own code (db/schema.py) and filled in one transaction in a
partial file beside the target, renamed into place only when every table's count matches what was read and the
reports built on the file equal those built on the server (one street's reports for one street's part)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from db import facts_log
from db.pg import schema as pg_schema
from db.pg.transfer import FILE_ONLY_META, SERVER_ONLY_META, Moved, file_columns
from db.pg.url import SharedLedgerError, connect_ledger, explain, q

FIRMS_OF_STREET = "SELECT id FROM firms WHERE street_id = %(sid)s"
# never into the file: the server's own keys, and a PC's keys should a server hold them (pushed by an earlier build:
# the dashboard cache's token would make the file, keeping the ledger's identity, open the original's cache)
NOT_PULLED = (*SERVER_ONLY_META, *FILE_ONLY_META)


def _filters(street_id: int | None) -> dict[str, str]:
    """table -> WHERE clause choosing the rows of one street's part (or nothing for the whole ledger)."""
    if street_id is None:
        return {"meta": f"key NOT IN ({', '.join(repr(k) for k in NOT_PULLED)})"}
    firms = f"firm_id IN ({FIRMS_OF_STREET})"
    used_batches = (f"id IN (SELECT batch_id FROM firms WHERE street_id = %(sid)s "
                    f"UNION SELECT batch_id FROM firm_aliases WHERE {firms} "
                    f"UNION SELECT batch_id FROM designations WHERE {firms} "
                    f"UNION SELECT batch_id FROM batch_rows WHERE {firms})")
    return {"meta": f"key NOT IN ({', '.join(repr(k) for k in (*NOT_PULLED, 'ledger_id'))})",
            "firms": "street_id = %(sid)s", "batches": used_batches,
            "targets": "street_id IS NULL OR street_id = %(sid)s",
            "audit": firms, **{t: firms for t in pg_schema.FIRM_CHILDREN}}


def pull(url: str, to: str | Path, street: str | None = None) -> Moved:
    """Make the ledger file *to* (which must not exist) from the shared ledger at *url*, as far as the login in
    *url* may read it; with *street*, only that street's firms with their rows, batches and audit."""
    import psycopg
    target = Path(to)
    if target.exists() and target.stat().st_size:
        raise SharedLedgerError(f"文件已存在：{target}，不会覆盖")
    if not target.parent.is_dir():
        raise SharedLedgerError(f"文件夹不存在：{target.parent}")
    partial = target.with_name(target.name + ".pulling")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    with connect_ledger(url) as conn:
        try:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")   # one snapshot
            street_id = _street_id(conn, street)
            held = [street_id] if street_id is not None else _read_streets(conn)
            moved = _fill(conn, partial, _filters(street_id), {"sid": street_id}, street, held)
        except psycopg.Error as exc:
            _remove(partial)
            raise SharedLedgerError(f"pull 失败，未生成文件：{explain(exc)}") from exc
        except BaseException:
            _remove(partial)
            raise
    os.replace(partial, target)
    return moved


def _read_streets(conn) -> list[int]:
    """The streets the login may read ([] for all: an admin, a superuser, a viewer given none)."""
    from db.pg.session import ROLE_OF
    _login, superuser, role, streets = conn.execute(ROLE_OF).fetchone()
    return [] if superuser or role == "admin" else sorted(streets or [])


def _street_id(conn, street: str | None) -> int | None:
    if street is None:
        return None
    row = conn.execute("SELECT id FROM streets WHERE name = %s", (street,)).fetchone()
    if row is None:
        names = "、".join(r[0] for r in conn.execute("SELECT name FROM streets ORDER BY sort, id"))
        raise SharedLedgerError(f"共享台账中没有街道“{street}”，可用：{names}")
    return row[0]


def _fill(conn, path: Path, filters: dict[str, str], params: dict, street: str | None, held: list[int]) -> Moved:
    """*held*: the streets the file holds when not all (db.connection.partial_streets reads them back)."""
    from db import schema
    from db.connection import PARTIAL_STREETS
    from db.connection import connect as connect_file
    from db.pg.transfer import compare_reports
    dst = connect_file(path)
    moved = Moved()
    try:
        schema.migrate(dst)
        dst.execute("BEGIN IMMEDIATE")
        if street is None:     # the whole ledger keeps its identity; one street's part is a ledger of its own
            dst.execute("DELETE FROM meta WHERE key = 'ledger_id'")
        with facts_log.untracked(dst, *pg_schema.COPY_ORDER):     # logged as "everything" (db/facts_log.py)
            for table in pg_schema.COPY_ORDER:
                moved.counts[table] = _pull_table(conn, dst, table, filters.get(table), params)
        if held:
            dst.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (PARTIAL_STREETS, json.dumps(held)))
        wrong = [t for t in pg_schema.COPY_ORDER if t != "meta"
                 and dst.execute(f"SELECT count(*) FROM {t}").fetchone()[0] != moved.counts[t]]
        if wrong:
            raise SharedLedgerError(f"核对不符：{'、'.join(wrong)}")
        dst.execute("COMMIT")
        moved.reports = compare_reports(dst, conn, street=street, unchanged="未生成文件")
        dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except BaseException:
        if dst.in_transaction:
            dst.execute("ROLLBACK")
        raise
    finally:
        dst.close()
    return moved


def _pull_table(conn, dst, table: str, where: str | None, params: dict) -> int:
    columns = file_columns(dst, table)
    names = ", ".join(q(c) for c in columns)
    sql = f"SELECT {names} FROM {table}" + (f" WHERE {where}" if where else "")
    sql += "" if table in ("meta", "batch_rows") else " ORDER BY id"
    insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    n = 0
    with conn.cursor(name=f"pull_{table}") as cur:
        cur.execute(sql, params if "%(" in sql else None)
        while rows := cur.fetchmany(10000):
            dst.executemany(insert, rows)
            n += len(rows)
    return n


def _remove(partial: Path) -> None:
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
