"""Moving a ledger between a file and a shared ledger: ``push`` a file up into an empty shared ledger (COPY, then
checked table by table and report by report before anything is committed), ``pull`` the shared ledger, or one
street's part of it, down into a new file that the app opens normally."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from db.bulk import Laps
from db.pg import copy as pg_copy
from db.pg import schema as pg_schema
from db.pg.url import SharedLedgerError, connect, explain, q
from db.schema import FACTS_TOKEN
from pipeline.dates import default_as_of

# about one PC's folders; the dashboard cache's token (db/facts_cache.py), valid for that file's data only
FILE_ONLY_META = ("backup_dir", FACTS_TOKEN)
SERVER_ONLY_META = ("shared_schema", "sqlite_schema", "role_prefix")
CHUNK = 10000


@dataclass
class Moved:
    counts: dict[str, int] = field(default_factory=dict)      # table -> rows
    reports: list[str] = field(default_factory=list)          # the reports compared (push)
    timings: dict[str, float] = field(default_factory=dict)   # step -> seconds (push; the bench's note)


class QmarkConnection:
    """A psycopg connection seen through the file's placeholder style (``?``), so the app's read queries
    (db/queries.py, db/catalog_store.py) run unchanged on the shared ledger."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def execute(self, sql: str, params=()):
        return self.conn.execute(sql.replace("%", "%%").replace("?", "%s"), params)


def file_columns(src: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in src.execute(f"PRAGMA table_info({table})")]


def open_file(path: Path) -> sqlite3.Connection:
    from db import schema
    from db.connection import connect as connect_file
    if not path.is_file():
        raise SharedLedgerError(f"台账文件不存在：{path}")
    src = connect_file(path, readonly=True)
    found = schema.version(src)
    if found != schema.LATEST:
        src.close()
        raise SharedLedgerError(f"台账 {path.name} 是旧结构（版本 {found}），请先用本版星图打开一次以升级，再 push")
    return src


def _check_empty_shared(cur) -> None:
    found = cur.execute("SELECT to_regclass('public.app_users') IS NOT NULL AND to_regclass('public.firms') IS NOT NULL"
                        ).fetchone()[0]
    if not found:
        raise SharedLedgerError("目标数据库不是星图共享台账：请先用 init --db URL 建立")
    allowed = cur.execute("SELECT rolsuper OR xingtu_write_all(current_user::text) FROM pg_roles "
                          "WHERE rolname = current_user").fetchone()
    if not (allowed and allowed[0]):
        raise SharedLedgerError("push 需要共享台账的管理员（或数据库超级用户）登录")
    filled = []
    for table in pg_schema.COPY_ORDER:
        if table == "meta":
            continue
        if cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:
            filled.append(table)
    if filled:
        raise SharedLedgerError(f"共享台账已有数据（{'、'.join(filled)}），push 只导入到刚 init 的空共享台账")


def _refuse_partial(src) -> None:
    """A file pulled with some streets only is no district's ledger: pushed, it would make a shared ledger short of
    every other street's firms, whose reports would agree with the file."""
    from db.connection import partial_streets
    held = partial_streets(src)
    if held:
        names = "、".join(r[0] for r in src.execute(
            f"SELECT name FROM streets WHERE id IN ({', '.join('?' * len(held))}) ORDER BY sort, id", held))
        raise SharedLedgerError(f"这份台账是从共享台账导出的一部分（只含 {names} 的企业），不能作为全区台账推送")


def push(path: str | Path, url: str) -> Moved:
    """Copy the file ledger at *path* into the empty shared ledger at *url*, all in one transaction: the counts of
    every table and the report of every target year (district and each street) must match, or nothing is kept."""
    import psycopg
    src = open_file(Path(path))
    moved = Moved()
    try:
        src.execute("BEGIN")                      # one read snapshot of the file
        _refuse_partial(src)
        with connect(url) as conn:
            try:
                lap = Laps(moved.timings)
                with conn.cursor() as cur:
                    _check_empty_shared(cur)
                    for table in pg_schema.COPY_ORDER:
                        moved.counts[table] = _push_table(src, cur, table)
                        lap("copy_firms" if table == "firms" else "copy_designations" if table == "designations"
                            else "copy_other")
                    _reset_identities(cur)
                    cur.execute(f"ANALYZE {', '.join(pg_schema.COPY_ORDER)}")   # plans fit for the new rows
                    lap("analyze")
                _check_counts(src, conn, moved.counts)
                lap("counts")
                moved.reports = compare_reports(src, conn)
                lap("reports")
            except psycopg.Error as exc:
                conn.rollback()
                raise SharedLedgerError(f"push 失败，共享台账未改动：{explain(exc)}") from exc
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            lap("commit")
    finally:
        src.close()
    return moved


def _push_table(src: sqlite3.Connection, cur, table: str) -> int:
    columns = file_columns(src, table)
    names = ", ".join(q(c) for c in columns)
    where = ""
    if table == "meta":
        cur.execute("DELETE FROM meta WHERE key = 'ledger_id'")     # the ledger keeps its identity on the server
        where = f" WHERE key NOT IN ({', '.join('?' * len(FILE_ONLY_META + SERVER_ONLY_META))})"
    staging = f"push_{table}"
    cur.execute(f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {names} FROM {table} WITH NO DATA")
    rows = src.execute(f"SELECT {names} FROM {table}{where} ORDER BY rowid",
                       (FILE_ONLY_META + SERVER_ONLY_META) if where else ())
    n = 0
    with cur.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    # a superuser's push (the tables' owner) builds the indexes and checks the foreign keys after the rows
    suspended = pg_copy.suspend(cur, table, n)
    cur.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {staging}")  # row security and audit_stamp apply
    cur.execute(f"DROP TABLE {staging}")
    if suspended:
        pg_copy.restore(cur, suspended, analyze=False)                  # push analyses every table at the end
    return n


def _reset_identities(cur) -> None:
    for table in pg_schema.COPY_ORDER:
        if table in ("meta", "batch_rows"):
            continue
        top = "max(id)" if table != "firms" else "greatest(max(id), (SELECT max(firm_id) FROM audit))"
        # firms: above every id the audit names too (a purged firm's), as the file never reuses one
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce({top}, 0) + 1, false) "
                    f"FROM {table}")


def _check_counts(src: sqlite3.Connection, conn, counts: dict[str, int]) -> None:
    wrong = []
    for table in pg_schema.COPY_ORDER:
        theirs = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if table == "meta":
            continue
        ours = src.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        if theirs != ours or counts[table] != ours:
            wrong.append(f"{table}：文件 {ours} 行，共享台账 {theirs} 行")
    if wrong:
        raise SharedLedgerError("核对不符，共享台账未改动：" + "；".join(wrong))


def reports(conn) -> dict[str, dict]:
    """The report of every target year as of its end (or today), for the district and each street with targets,
    built by the app's own queries and maths (db/queries.py, pipeline/report.py) on *conn*."""
    from db import catalog_store, queries
    from pipeline import report
    facts, catalog = queries.load_facts(conn), catalog_store.load_catalog(conn)
    out = {}
    for year in queries.target_years(conn):
        as_of = default_as_of(year)
        out[f"{year} 全区"] = report.build(facts, catalog, queries.targets(conn, year), year, as_of)
        for sid, name in catalog_store.streets(conn):
            indicators = queries.targets(conn, year, name)
            if indicators:
                out[f"{year} {name}"] = report.build(facts, catalog, indicators, year, as_of, name, sid)
    return out


def compare_reports(src: sqlite3.Connection, conn, *, street: str | None = None,
                    unchanged: str = "共享台账未改动") -> list[str]:
    """The reports built on the file *src* and on the shared ledger *conn* are the same (with *street*: that
    street's reports only, for a file of one street's part). Returns the names of the reports compared."""
    mine, theirs = reports(src), reports(QmarkConnection(conn))
    keys = sorted(set(mine) | set(theirs))
    if street is not None:
        keys = [k for k in keys if k.split(" ", 1)[1] == street]
    differ = [k for k in keys if json.dumps(mine.get(k), sort_keys=True, default=str)
              != json.dumps(theirs.get(k), sort_keys=True, default=str)]
    if differ:
        raise SharedLedgerError(f"报表核对不符，{unchanged}：{'、'.join(differ)}")
    return keys
