"""The two engines under one ``Ledger``: the local SQLite file (the default) and a shared PostgreSQL ledger.

What differs lives here and nowhere else in the write path:
- the SQL: the app writes SQLite's dialect (``?`` placeholders, ``INSERT OR IGNORE``/``OR REPLACE``, ``IS ?``,
  ``json_extract``, ``json_each``, ``INDEXED BY``, ``CROSS JOIN … ON`` and ``+column`` planner hints,
  two-argument ``MAX``, ``printf('%012d', …)``, two-argument ``group_concat``);
  ``translate`` rewrites one statement for PostgreSQL once (cached), and an INSERT … VALUES into a table with an
  id gets ``RETURNING id`` so ``cursor.lastrowid`` means the same on both engines;
- the transaction: ``BEGIN IMMEDIATE`` and the file checks (lock, identity, the dashboard cache's token) are the
  file's; a shared ledger begins a plain transaction and locks each row before reading what it is about to
  change (``for_update``, ``lock_rows``; db/conflict.py);
- the clock and the person: the file stamps the PC's time and the officer given; a shared ledger the server's
  time and the server login;
- the errors: ``integrity_errors`` and ``engine_errors`` for the ``except`` clauses of db/ledger.py.
The SQLite connection is used as it is (no wrapper): its path costs nothing more.
"""
from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

from db.errors import LedgerError, describe_failure, sqlite_kind

# tables whose rows have an id the app reads back after an INSERT (meta, batch_rows and migrations have none)
ID_TABLES = frozenset({"streets", "tracks", "stages", "batches", "firms", "firm_aliases", "designations", "targets",
                       "service_records", "audit"})
UPSERT_KEYS = {"meta": "key"}              # INSERT OR REPLACE INTO table: its conflict key

_INSERT = re.compile(r"^\s*INSERT\s+(?:OR\s+(IGNORE|REPLACE)\s+)?INTO\s+(\w+)\s*(\(([^)]*)\))?", re.I | re.S)
_HINT = re.compile(r"(?<=[\s(,=])\+(?=[A-Za-z_])")                     # +f.code: SQLite's "not by this index"
_INDEXED_BY = re.compile(r"\bINDEXED BY \w+\s*", re.I)
_JSON_EXTRACT = re.compile(r"json_extract\(([\w.]+),\s*'\$\.(\w+)'\)", re.I)
_JSON_OBJECT = re.compile(r"\bjson_object\(", re.I)
_NUMBERED = re.compile(r"\?(\d+)")
_JSON_EACH = re.compile(r"([\w.]+|\w+\([^()]*\)) IN \(SELECT value FROM json_each\(\?\)\)", re.I)   # a column or f(…)
_IS_PARAM = re.compile(r"\bIS \?", re.I)
_MAX2 = re.compile(r"\bMAX\((?=COALESCE\(\(SELECT)", re.I)            # next_firm_id's scalar two-argument max
# the columns the app orders by that may hold NULL (the ledger table's sorts, the export's street order): only
# these get SQLite's NULL placement, so ORDER BY id, name_sort, dates… keep matching their plain indexes
NULLABLE_ORDER = frozenset({"f.code", "f.street_id", "f.industry", "f.officer", "f.founded", "f.reg_capital",
                            "f.revenue", "f.employees", "s.sort"})
_CROSS_ON = re.compile(r"\bCROSS JOIN (\w+ \w+) ON\b", re.I)               # SQLite's "this join order" hint
_PRINTF_PAD = re.compile(r"printf\('%%0(\d+)d', ([\w.]+)\)", re.I)      # a zero-padded number (% already doubled)
_GROUP_CONCAT = re.compile(r"\bgroup_concat\(", re.I)                     # two arguments: string_agg's
_ORDER_BY = re.compile(r"\bORDER BY\b", re.I)
_ORDER_END = re.compile(r"\b(LIMIT|OFFSET|FOR|UNION)\b", re.I)


def is_url(text: object) -> bool:
    """A shared ledger's address (postgresql://…), not a file path."""
    return isinstance(text, str) and text.strip().lower().startswith(("postgresql://", "postgres://"))


def _json_value(m: re.Match) -> str:
    """json_extract of an audit row's JSON: an id as a number (as SQLite gives it), anything else as text."""
    column, key = m.group(1), m.group(2)
    value = f"({column}::json ->> '{key}')"
    return f"{value}::bigint" if key == "id" or key.endswith("_id") else value


def _json_list(m: re.Match) -> str:
    """column IN (SELECT value FROM json_each(?)): the list's values as the column's type (an id or a text), made
    one array first (an InitPlan). Compared as ``= ANY(array)``, the test is the type's own equality, which is
    leakproof: under row-level security the planner may then use the column's index; with the cast inside the
    join (``id = value::bigint``, the cast not leakproof) it scanned the table: 20 firms locked by an officer on 1M
    firms 0.3 s, a full scan, against a few index probes now."""
    column = m.group(1)
    if column.upper() == "NOT":
        raise ValueError("NOT IN (SELECT value FROM json_each(?)): write NOT (column IN (…))")
    value = "value::bigint" if column.endswith(("id", "_id")) else "value"
    return f"{column} = ANY(ARRAY(SELECT {value} FROM json_array_elements_text(?::json) value))"


def _json_text(text: str) -> str:
    """json_object(…) as the file gives it, a JSON text: json_build_object(…)::text."""
    out, pos = [], 0
    for m in _JSON_OBJECT.finditer(text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        out += [text[pos:m.start()], "json_build_object(", text[m.end():i], "::text"]
        pos = i
    return "".join(out) + text[pos:]


def _nulls_as_sqlite(text: str) -> str:
    """The ORDER BY terms of a nullable column with SQLite's place for NULLs (first when ascending, last when
    descending; PostgreSQL does the opposite): keyset paging over a column with NULLs (a firm without a code)
    reads each row once, and an export lists the firms without a street where the file does."""
    out, pos = [], 0
    for m in _ORDER_BY.finditer(text):
        if m.start() < pos:
            continue
        i, depth, terms, start = m.end(), 0, [], m.end()
        while i < len(text):
            ch = text[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and ch == ",":
                terms.append(text[start:i])
                start = i + 1
            elif depth == 0 and _ORDER_END.match(text, i) and text[i - 1] in " \n":
                break
            i += 1
        terms.append(text[start:i])
        out += [text[pos:m.end()], ",".join(_nulls(t) for t in terms)]
        pos = i
    return "".join(out) + text[pos:]


def _nulls(term: str) -> str:
    body = term.rstrip()
    column = re.sub(r"\s+(ASC|DESC)$", "", body.strip(), flags=re.I)
    if column not in NULLABLE_ORDER:
        return term
    tail = term[len(body):]
    return f"{body} NULLS LAST{tail}" if re.search(r"\bDESC$", body, re.I) else f"{body} NULLS FIRST{tail}"


@lru_cache(maxsize=2048)
def translate(sql: str) -> tuple[str, bool]:
    """A statement of the app (SQLite's dialect) for PostgreSQL, and whether it returns the new row's id.
    Numbered parameters (``?1``) become named ones (``%(p1)s``): ``PgConnection`` passes them by name."""
    text = sql.replace("%", "%%")
    text = _INDEXED_BY.sub("", text)
    text = _HINT.sub("", text)
    text = _JSON_EXTRACT.sub(_json_value, text)
    text = _json_text(text) if "json_object" in text else text
    text = _JSON_EACH.sub(_json_list, text)
    text = _IS_PARAM.sub("IS NOT DISTINCT FROM ?", text)
    text = _MAX2.sub("GREATEST(", text)
    text = _CROSS_ON.sub(r"JOIN \1 ON", text)
    text = _PRINTF_PAD.sub(r"lpad(\2::text, \1, '0')", text)
    text = _GROUP_CONCAT.sub("string_agg(", text)
    text = _nulls_as_sqlite(text) if "ORDER BY" in text.upper() else text
    returning = False
    m = _INSERT.match(text)
    if m:
        kind, table = (m.group(1) or "").upper(), m.group(2)
        if kind:
            text = f"INSERT INTO {table}{text[m.end(2):]}"
        if kind == "IGNORE":
            text += " ON CONFLICT DO NOTHING"
        elif kind == "REPLACE":
            cols = [c.strip() for c in (m.group(4) or "").split(",")]
            key = UPSERT_KEYS[table]
            text += f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(
                f"{c} = EXCLUDED.{c}" for c in cols if c != key)
        if table in ID_TABLES and re.search(r"\bVALUES\b", text, re.I) and "RETURNING" not in text.upper():
            text += " RETURNING id"
            returning = True
    return _NUMBERED.sub(r"%(p\1)s", text).replace("?", "%s"), returning


class PgCursor:
    """A psycopg cursor with ``lastrowid`` (the id RETURNING gave), read like sqlite3's."""

    __slots__ = ("cur", "lastrowid")

    def __init__(self, cur, returning: bool) -> None:
        self.cur = cur
        self.lastrowid = None
        if returning:
            row = cur.fetchone()
            self.lastrowid = row[0] if row else None

    @property
    def description(self):
        return self.cur.description

    @property
    def rowcount(self) -> int:
        return self.cur.rowcount

    def fetchone(self):
        return self.cur.fetchone() if self.cur.description is not None else None

    def fetchall(self):
        return self.cur.fetchall() if self.cur.description is not None else []

    def fetchmany(self, size: int):
        return self.cur.fetchmany(size)

    def __iter__(self):
        return iter(self.cur) if self.cur.description is not None else iter(())


class PgConnection:
    """A psycopg connection (autocommit: ``Ledger.write`` opens and ends every transaction) that runs the app's
    SQL through ``translate``. ``raw`` is the psycopg connection, for what only PostgreSQL has.

    Python integers (and booleans, as 1 and 0) go to the server untyped, as SQLite takes them: the server types
    each by where it stands (``id = ?`` a bigint, ``json_extract(after, '$.batch_id') = ?`` a text), as the
    file's loose typing does."""

    def __init__(self, raw) -> None:
        self.raw = raw
        untyped = _untyped_int()
        raw.adapters.register_dumper(int, untyped)
        raw.adapters.register_dumper(bool, untyped)      # 1/0, as SQLite stores True: an integer or a boolean column

    def execute(self, sql: str, params=()) -> PgCursor:
        text, returning = translate(sql)
        cur = self.raw.cursor()
        cur.execute(text, {f"p{i}": v for i, v in enumerate(params, 1)} if "%(p" in text else tuple(params))
        return PgCursor(cur, returning)

    def executemany(self, sql: str, rows) -> PgCursor:
        text, _ = translate(sql)
        cur = self.raw.cursor()
        cur.executemany(text, [tuple(r) for r in rows])
        return PgCursor(cur, False)

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def interrupt(self) -> None:
        """Cancel the statement running on this connection (another thread's), as sqlite3's ``interrupt``: the
        ledger table stops a search the person has typed past, so the server does not finish it for nothing."""
        self.raw.cancel_safe(timeout=2.0)

    def close(self) -> None:
        self.raw.close()


def _untyped_int():
    from psycopg.adapt import Dumper

    class UntypedInt(Dumper):
        oid = 0                              # "unknown": the server infers the type from the context

        def dump(self, obj) -> bytes:
            return str(int(obj)).encode()

    return UntypedInt


class FileEngine:
    """The local SQLite file: the behaviour the ledger always had."""

    shared = False
    begin = "BEGIN IMMEDIATE"
    lock_rows = ""                      # after a SELECT of rows about to change
    integrity_errors: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)
    engine_errors: tuple[type[BaseException], ...] = (sqlite3.Error,)

    @staticmethod
    def failure(ledger, exc: BaseException, committing: bool = False) -> LedgerError | None:
        """The Chinese error for an SQLite failure inside a write (None: *exc* goes up as it is). A constraint
        met while writing is the caller's to explain (it knows which code was taken); disk full, I/O are ours."""
        if isinstance(exc, sqlite3.Error) and (committing or sqlite_kind(exc) != "constraint"):
            return LedgerError(describe_failure(exc, ledger.path))
        return None

    @staticmethod
    def next_firm_id(conn) -> int:
        """The id of the next new firm: above every firm's and every id the audit names (a firm an undo or a purge
        removed): a firm's history is read by its id, and a new firm on an old id showed the old one's."""
        return conn.execute("SELECT MAX(COALESCE((SELECT MAX(id) FROM firms), 0), "
                            f"COALESCE((SELECT CAST(MAX(firm_id) AS INTEGER) FROM audit WHERE {_NUMBER % 'firm_id'}), "
                            f"0), {_FLOOR % ID_FLOORS[0]}) + 1").fetchone()[0]

    @staticmethod
    def next_designation_id(conn) -> int:
        """The id of the next new designation: above every designation's and every one the audit names (one an
        undo or a purge removed): its history (its insert row, its changes) is read by its id."""
        return conn.execute("SELECT MAX(COALESCE((SELECT MAX(id) FROM designations), 0), "
                            "COALESCE((SELECT CAST(MAX(entity_id) AS INTEGER) FROM audit WHERE entity = 'designation' "
                            f"AND {_NUMBER % 'entity_id'}), 0), {_FLOOR % ID_FLOORS[1]}) + 1").fetchone()[0]

    def for_update(self) -> str:
        """BEGIN IMMEDIATE has already made this the only writer of the file: no row lock to add."""
        return ""

    @staticmethod
    def out_of_reach(conn, batch_id: int) -> list[tuple[int, str | None]]:
        """The firms the batch made or matched that this login cannot change: none on the file."""
        return []


# an audit id column's numbers only: SQLite orders every text above every number, and a text there (written around the
# program, or by the test fixtures' generator once) made MAX a text, the next id 1 and every new firm a clash with
# firm 1 (found in review). A range, so MAX still takes one step down the index
_NUMBER = "%s <= 9223372036854775807"
# after a restore, the numbers the replaced state had (db/restore.py ``_raise_id_floors``): never given again
ID_FLOORS = ("firm_id_floor", "designation_id_floor")
_FLOOR = "COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '%s'), 0)"


class SharedEngine:
    """A shared PostgreSQL ledger: many writers, each firm's row locked before it is read for a change."""

    shared = True
    begin = "BEGIN"
    lock_rows = " ORDER BY id FOR UPDATE"     # locked in id order: two writers of many rows never deadlock

    def __init__(self) -> None:
        import psycopg
        self.integrity_errors = (psycopg.IntegrityError,)
        self.engine_errors = (psycopg.Error,)

    @staticmethod
    def open(ledger, readonly: bool | None) -> PgConnection:
        from db.pg.session import open_shared
        return open_shared(ledger, ledger.url, readonly)

    @staticmethod
    def open_view(ledger) -> PgConnection:
        """A connection of its own for the ledger table, as the same login: it sees committed data only."""
        from db.pg.url import connect
        return PgConnection(connect(ledger.url, autocommit=True))

    def failure(self, ledger, exc: BaseException, committing: bool = False) -> LedgerError | None:
        """The server's refusal in one Chinese sentence; a constraint met while writing is the caller's."""
        from db.pg.url import explain
        if not isinstance(exc, self.engine_errors) or (isinstance(exc, self.integrity_errors) and not committing):
            return None
        return LedgerError(f"共享台账的本次修改未保存：{explain(exc)}")

    def for_update(self) -> str:
        return " FOR UPDATE"

    @staticmethod
    def out_of_reach(conn, batch_id: int) -> list[tuple[int, str | None]]:
        """(firm, its street) of the firms the batch made or matched that lie outside the login's streets now (an
        admin moved them): an officer reads none of them, so an undo would pass them by unseen (db/pg/schema.py
        BATCH_REACH). Nothing for an admin, nor on a ledger not yet upgraded to it (shared schema v12)."""
        if conn.execute("SELECT to_regprocedure('xingtu_batch_out_of_reach(bigint)') IS NULL").fetchone()[0]:
            return []
        found = conn.execute("SELECT firm_id, street FROM xingtu_batch_out_of_reach(?)", (batch_id,))
        return [(fid, street) for fid, street in found]

    @staticmethod
    def next_firm_id(conn) -> int:
        """The firms' identity sequence, which ``push`` starts above every id the file's audit names and which
        never gives a number twice, even to two officers adding firms at the same time."""
        return conn.execute("SELECT nextval(pg_get_serial_sequence('firms', 'id'))").fetchone()[0]

    @staticmethod
    def next_designation_id(conn) -> int:
        """The designations' identity sequence (it never gives a number twice)."""
        return conn.execute("SELECT nextval(pg_get_serial_sequence('designations', 'id'))").fetchone()[0]

    @staticmethod
    def new_ids(conn, table: str, n: int) -> list[int]:
        """*n* new ids of *table* from its identity sequence (unique even while others insert too), in the order
        drawn. The sequence is looked up once (an InitPlan), not for each id: 100k ids took 0.3 s, now 0.03 s; and
        they come back as one array, not 100k rows (0.07 s of Python less)."""
        ids = conn.execute(f"SELECT array_agg(x ORDER BY x) FROM (SELECT nextval((SELECT pg_get_serial_sequence("
                           f"'{table}', 'id'))::regclass) AS x FROM generate_series(1, ?)) s", (n,)).fetchone()[0]
        return ids or []

    @staticmethod
    def now(conn) -> str:
        """The server's time (the transaction's start), as the file's stamps are written."""
        return conn.execute("SELECT now()").fetchone()[0].astimezone().isoformat(timespec="seconds")


FILE = FileEngine()
