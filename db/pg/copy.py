"""The volume path of an import on a shared ledger: COPY into a staging table, then one ``INSERT … SELECT``.

PostgreSQL refuses ``COPY FROM`` into a table with row-level security, and the shared ledger forces it on every
firm table (an officer writes only their streets' firms: db/pg/access.py). So the rows are copied into a
temporary table of this session (no policy, no index, no WAL), then moved by one set-based statement into the
real table, where the policies' WITH CHECK, the constraints and the statement-level NOTIFY triggers
(db/pg/notify.py: ids only, "many" above its limit) apply exactly as to any other insert: a row of another street
fails the whole statement, and the transaction with it. The staging table is dropped after its statement (and
in any case at the end of the transaction: ON COMMIT DROP; a rollback removes it too).

Who moves the rows (``_route``): a login that owns the tables (a superuser) runs the INSERT … SELECT itself,
around it ``suspend``/``restore`` drop and rebuild the indexes and keys of a batch as large as the table; an
admin or officer does not own them, so on a ledger of schema v7 the tables' owner does the same for them in one
SECURITY DEFINER statement, ``xingtu_bulk_insert``, into which the client has COPYed through the owner's staging
table (``xingtu_bulk_stage``): the decision, and why row-level security still binds the caller, in
db/pg/bulk_load.py; that step also ANALYZEs the table when autovacuum would have (the server may run without).
On a ledger made before v7 (until a superuser opens it) an admin's or officer's rows go in by their own
INSERT … SELECT, the indexes maintained row by row.

db/bulk.py hands the shared ledger's new firms and designations here (the file keeps its executemany path); the
ids come from the tables' identity sequences (another officer may insert at the same moment), the pinyin keys
from pipeline.names as on every path, the audit stays the batch's one row (db/bulk.py ``audit_batch``).

Measured on 100k new firms (bench ``shared_import``, a loaded 2-core machine): executemany 88 s for the firms;
COPY into the staging table 4 s (with the Python loop), INSERT … SELECT 6 s, the indexes rebuilt 26 s (two
trigram GIN indexes most of it) or maintained row by row 70 s (a login that does not own the tables, before v7).
Schema v7 (bench ``shared_import``/``shared_import_admin``, 100k new firms, each run its own file baseline):
the admin now takes the superuser's time: quiet machine file 7.0 / 8.7 s, superuser and admin 12.9 / 11.6 s
(1.84x / 1.34x); loaded (load 4.5) file 10.4 / 10.8 s, superuser 17.5 / 17.1 s, admin 18.1 / 16.4 s (1.75x /
1.53x). The admin's old path (its own INSERT, indexes maintained) against the new in one session: 20.3 and
15.8 s against 15.4 and 12.3 s. Left above the file, for both: firms' indexes (two trigram GIN 1.5 s of 2.2-3 s),
ANALYZE 0.3-0.5 s, the designations and the staging COPY; the reading and pinyin are the file's.
Binary COPY (``set_types``) against text COPY of the same 100k rows: 0.15-0.2 s against 0.4 s (client CPU
0.06 against 0.2 s): used when every value is exactly its column's type (``binary_types``; binary refuses an int
for a text column, where text takes values as they come), else text as before.
Issue 16 (100k rows into an empty shared ledger, whole fresh processes, alternating with the file, loaded 2-core
machine): the ids' sequence looked up once (0.3 s -> 0.03 s for each of firms and designations), the pinyin
computed before the COPY (it ran interleaved with the server parsing the COPY: pinyin 1.2 s and staging 0.65 s,
now 0.9 s, the file's, and 0.25-0.35 s with binary) took the superuser from 1.68x to about 1.4x the file.
"""
from __future__ import annotations

from dataclasses import dataclass

from db.engine import SharedEngine
from db.pg import bulk_load
from pipeline.names import pinyin_keys

CHUNK = 5000
STAGE = "xingtu_stage_"        # + the table: a temporary table of the session


def insert_firms(w, columns: tuple[str, ...], values: list[list], tick=None, lap=None) -> list[int]:
    """New firms (db/bulk.py ``insert_firms``: one list per column of *columns*), on a shared ledger; their ids,
    in the order of the rows."""
    count = len(values[0]) if values else 0
    if not count:
        return []
    ids = SharedEngine.new_ids(w.conn, "firms", count)
    names = values[columns.index("name")]
    cols = ("id", *columns, "pinyin", "name_sort")
    cur = w.conn.raw.cursor()
    route = _route(cur, "firms")
    staging = _stage(cur, "firms", cols, route)
    # every name's keys before the COPY starts, as on the file: computed while the COPY ran, they shared the
    # two cores with the server parsing it (100k names: 1.2 s, the file's 0.9 s)
    keys = []
    for start in range(0, count, CHUNK):
        keys += pinyin_keys(names[start:start + CHUNK], batch=count)
    _lap(lap, "new_firms_pinyin")
    _copy_in(cur, staging, cols, [ids, *values, [k[0] for k in keys], [k[1] for k in keys]], tick)
    _lap(lap, "new_firms_staging")
    _move(w, cur, "firms", cols, staging, route, count, lap, "new_firms")
    return ids


def insert_designations(w, rows: list[tuple], lap=None) -> int:
    """Designations of tracks that are not exclusive (db/bulk.py ``insert_designations``: rows (firm_id,
    stage_id, start ISO, end ISO, evidence, list name)), on a shared ledger."""
    if not rows:
        return 0
    ids = SharedEngine.new_ids(w.conn, "designations", len(rows))
    cols = ("id", "firm_id", "stage_id", "start_date", "end_date", "evidence", "list_name")
    cur = w.conn.raw.cursor()
    route = _route(cur, "designations")
    staging = _stage(cur, "designations", cols, route)
    _copy_in(cur, staging, cols, [ids, *map(list, zip(*rows, strict=True))])
    _lap(lap, "designations_staging")
    _move(w, cur, "designations", cols, staging, route, len(rows), lap, "designations")
    return len(rows)


# the staging columns' types a batch is copied in binary with, and the Python types a value must have exactly
# (None aside) for it: int8, int4, text, float8. Binary takes a value only as its column's own type (an int for a
# text column fails) where text converts anything, so a batch holding any other value goes as text, as before.
# 100k new firms: 0.15-0.2 s against 0.4 s, the client's CPU 0.06 against 0.2 s (the server parses less too)
BINARY = {20: (int,), 23: (int,), 25: (str,), 701: (float, int)}


def _copy_in(cur, staging: str, cols: tuple[str, ...], columns: list[list], tick=None) -> None:
    """COPY *columns* (one list per column of *cols*, all of one length) into *staging*, CHUNK rows at a time
    (*tick* after each), in binary when ``binary_types`` allows."""
    types = binary_types(cur, staging, cols, columns)
    count = len(columns[0])
    with cur.copy(f"COPY {staging} ({', '.join(cols)}) FROM STDIN{' (FORMAT BINARY)' if types else ''}") as copy:
        if types:
            copy.set_types(types)
        for start in range(0, count, CHUNK):
            stop = min(start + CHUNK, count)
            for row in zip(*(c[start:stop] for c in columns), strict=True):
                copy.write_row(row)
            if tick:
                tick(stop - start)


def binary_types(cur, staging: str, cols: tuple[str, ...], columns: list[list]) -> list[int] | None:
    """The type oids of *staging*'s *cols* when every value of *columns* is exactly of a type BINARY takes for
    its column (or None); else None: the batch goes as text."""
    found = dict(cur.execute("SELECT attname, atttypid FROM pg_attribute WHERE attrelid = %s::regclass "
                             "AND attnum > 0 AND NOT attisdropped", (staging,)).fetchall())
    types = [int(found[c]) for c in cols]
    for oid, column in zip(types, columns, strict=True):
        if not set(map(type, column)) <= {type(None), *BINARY.get(oid, ())}:
            return None
    return types


# the columns the server sets in the real table from the batch (never from the staging), and their values
SERVER_SET = {"firms": ("batch_id, created_at, updated_at", "%s::bigint, %s::text, %s::text", 3),
              "designations": ("source, batch_id, created_at", "'import', %s::bigint, %s::text", 2)}
OWNER, FUNCTION, SELF = "owner", "function", "self"


def _route(cur, table: str) -> str:
    """How this login moves a batch into *table*: OWNER (it owns the tables: a superuser; ``suspend`` decides),
    FUNCTION (an admin or officer on a ledger of schema v7: the owner's bulk step, db/pg/bulk_load.py), SELF
    (its own INSERT … SELECT, the indexes maintained: a ledger made before v7, or a login the step refuses)."""
    owns, may = cur.execute(
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE'), coalesce(has_function_privilege("
        "to_regprocedure('public.xingtu_bulk_insert(text, bigint, text)'), 'EXECUTE'), false) "
        "FROM pg_class c WHERE c.oid = %s::regclass", (table,)).fetchone()
    return OWNER if owns else FUNCTION if may else SELF


def _move(w, cur, table: str, cols: tuple[str, ...], staging: str, route: str, new: int, lap, step: str) -> None:
    """The staged rows into *table*, stamped with the batch: by the owner's one-statement bulk step (FUNCTION),
    or by one INSERT … SELECT of this login, the indexes rebuilt around it when ``suspend`` says so (OWNER)."""
    if route == FUNCTION:
        done = bulk_insert(cur, table, w.batch_id, w.stamp)
        if done.get("analyzed"):
            w.analyzed.add(table)
        if hasattr(lap, "share"):
            lap.share(f"{step}_indexes", {f"{step}_insert_select": done.get("insert_s", 0.0)})
        else:
            _lap(lap, f"{step}_insert_select")
        return
    dropped = suspend(cur, table, new) if route == OWNER else None
    listed = ", ".join(cols)
    server_set, placeholders, stamps = SERVER_SET[table]
    # in the order staged (copied in id order): no sort (db/pg/bulk_load.py, schema v9)
    cur.execute(f"INSERT INTO {table} ({listed}, {server_set}) SELECT {listed}, {placeholders} FROM {staging}",
                (w.batch_id, *[w.stamp] * (stamps - 1)))
    _lap(lap, f"{step}_insert_select")
    cur.execute(f"DROP TABLE {staging}")
    if dropped:
        restore(cur, dropped)
        _lap(lap, f"{step}_indexes")


def analyze_if_due(w, changed: dict[str, int]) -> list[str]:
    """At the end of an admin's or officer's import, each of *changed*'s tables ({table: rows this import
    changed}, db/pg/bulk_load.py ANALYZED) not analysed by its bulk step already, analysed by the owner when
    autovacuum's rule says so (``xingtu_bulk_analyze``: the server may run without autovacuum). Nothing for a
    login that owns the tables or on a ledger made before v7. Returns the tables analysed."""
    cur = w.conn.raw.cursor()
    todo = [t for t, n in changed.items() if n > 0 and t not in w.analyzed]
    if not todo or _route(cur, "firms") != FUNCTION:
        return []
    done = [t for t in todo if cur.execute("SELECT xingtu_bulk_analyze(%s, %s::bigint)", (t, changed[t])).fetchone()[0]]
    w.analyzed.update(done)
    return done


def bulk_insert(cur, table: str, batch: int, stamp: str) -> dict:
    """The owner's bulk step for the rows staged in this session (db/pg/bulk_load.py ``xingtu_bulk_insert``):
    what it did ({"rows", "rebuilt", "analyzed", "insert_s", "indexes_s", "analyze_s"})."""
    return cur.execute("SELECT xingtu_bulk_insert(%s, %s::bigint, %s::text)", (table, batch, stamp)).fetchone()[0]


@dataclass
class Suspended:
    """What ``suspend`` took off a table for a bulk load: its secondary indexes' definitions and its foreign keys
    (name, definition), put back by ``restore``."""
    table: str
    indexes: list[str]
    foreign_keys: list[tuple[str, str]]


def suspend(cur, table: str, new: int) -> Suspended | None:
    """For a batch at least as large as *table* (db/bulk.py ``is_bulk``, the file's rule), when this login may
    (it owns the table: a superuser, or the owner role): *table*'s secondary indexes and foreign keys dropped
    inside the transaction, to be rebuilt and checked set-wise by ``restore`` after the insert (None: kept).

    Maintaining the indexes row by row is most of a large insert (100k firms: 25 B-tree and 2 trigram indexes,
    54 s maintained; 0.8 s without them, then about 20 s to build them), and the foreign keys' per-row checks
    most of the rest (3 s per key per 100k rows; one join when the key is added back). Dropping an index locks
    the whole table, adding a key back the tables it refers to: so only when every lock is free right now
    (NOWAIT: never a wait, so never a deadlock with another writer); from then until the commit the others'
    reads of the table wait too (a first load of a ledger, as large as what it holds, is when this happens).
    The people's logins (admins, officers) do not own the tables: for them the owner's ``xingtu_bulk_insert``
    does the same (db/pg/bulk_load.py), and here nothing is dropped."""
    from db.bulk import is_bulk
    may = cur.execute("SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
                      "WHERE c.oid = %s::regclass", (table,)).fetchone()[0]
    if not may or not is_bulk(new, cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]):
        return None
    keys = cur.execute("SELECT conname, pg_get_constraintdef(oid), confrelid::regclass::text FROM pg_constraint "
                       "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", (table,)).fetchall()
    referred = sorted({k[2] for k in keys} - {table})
    cur.execute("SAVEPOINT xingtu_bulk_lock")
    try:
        cur.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE NOWAIT")
        if referred:
            cur.execute(f"LOCK TABLE {', '.join(referred)} IN SHARE ROW EXCLUSIVE MODE NOWAIT")
    except _lock_refused():
        cur.execute("ROLLBACK TO SAVEPOINT xingtu_bulk_lock")
        return None
    finally:
        cur.execute("RELEASE SAVEPOINT xingtu_bulk_lock")
    found = cur.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY c.relname",
        (table,)).fetchall()
    for name, _ in found:
        cur.execute(f'DROP INDEX "{name}"')
    for name, _, _ in keys:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return Suspended(table, [sql for _, sql in found], [(name, sql) for name, sql, _ in keys])


def restore(cur, suspended: Suspended, *, analyze: bool = True) -> None:
    """What ``suspend`` dropped, back: (*analyze*) first the table's statistics, so the next queries are planned
    for the new rows, the keys' checks among them (100k firms, one run: about 1 s for its two keys without
    statistics, 0.05 s with);
    each index built from the table's rows (one sorted pass), each foreign key checked against every row by one
    join (a row that breaks it fails the transaction, as its per-row check would have)."""
    if analyze:
        cur.execute(f"ANALYZE {suspended.table}")
    for sql in suspended.indexes:
        cur.execute(sql)
    for name, definition in suspended.foreign_keys:
        cur.execute(f'ALTER TABLE {suspended.table} ADD CONSTRAINT "{name}" {definition}')


def _lock_refused():
    import psycopg
    return psycopg.errors.LockNotAvailable


def _stage(cur, table: str, cols: tuple[str, ...], route: str) -> str:
    """An empty temporary table with *table*'s types for *cols* (no constraint, no index), dropped at the end of
    the transaction whatever happens; on the FUNCTION route the owner's (``xingtu_bulk_stage``: this login may
    only insert into it), else this login's own."""
    if route == FUNCTION:
        cur.execute("SELECT xingtu_bulk_stage(%s)", (table,))
        return bulk_load.STAGING[table]
    staging = STAGE + table
    cur.execute(f"DROP TABLE IF EXISTS pg_temp.{staging}")
    cur.execute(f"CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {', '.join(cols)} FROM {table} WITH NO DATA")
    return staging


def _lap(lap, step: str) -> None:
    if lap is not None:
        lap(step)
