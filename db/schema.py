"""The ledger schema and its migrations.

Dates are ISO text (YYYY-MM-DD). A designation is the half-open interval
[start_date, end_date): it holds on start_date and no longer on end_date;
end_date NULL means open-ended. The schema version is PRAGMA user_version;
every applied step is also recorded in the `migrations` table. A migration is SQL scripts and Python
functions of the connection (a recomputation SQL cannot express), all in one transaction.
"""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from typing import Callable, Union

from db import facts_log
from pipeline.names import pinyin_keys

V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);

CREATE TABLE streets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    sort INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE tracks (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sort INTEGER NOT NULL DEFAULT 0,
    exclusive INTEGER NOT NULL DEFAULT 0,      -- at most one stage of the track at a time
    note TEXT
);
CREATE TABLE stages (
    id INTEGER PRIMARY KEY,
    track_id INTEGER NOT NULL REFERENCES tracks(id),
    key TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    level INTEGER NOT NULL,                    -- order within the track, low to high
    validity_kind TEXT NOT NULL DEFAULT 'none' CHECK (validity_kind IN ('months', 'year_end', 'none')),
    validity_value INTEGER,                    -- months, or calendar years for year_end
    aliases TEXT NOT NULL DEFAULT '[]',        -- JSON list of other names used in lists
    active INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    file_sha256 TEXT,
    sheet TEXT,
    kind TEXT NOT NULL,
    stage_key TEXT,
    mapping TEXT NOT NULL DEFAULT '{}',
    counts TEXT NOT NULL DEFAULT '{}',
    os_user TEXT NOT NULL,
    officer TEXT,
    created_at TEXT NOT NULL,
    undone_at TEXT,
    undone_by TEXT
);
CREATE TABLE firms (
    id INTEGER PRIMARY KEY,
    code TEXT UNIQUE,                          -- normalised USCC; NULL when the firm has none usable
    code_raw TEXT,                             -- as it stood in the source when not usable
    code_status TEXT NOT NULL DEFAULT 'ok' CHECK (code_status IN ('ok', 'bad_check', 'accepted', 'invalid', 'no_code')),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    pinyin TEXT NOT NULL DEFAULT '',           -- initials and full pinyin, for search
    street_id INTEGER REFERENCES streets(id),
    industry TEXT,
    officer TEXT,
    contact_person TEXT,
    contact_phone TEXT,
    founded TEXT,
    reg_capital REAL,                          -- 万元
    revenue REAL,                              -- 万元
    rd_spend REAL,                             -- 万元
    employees INTEGER,
    remark TEXT,
    needs_review INTEGER NOT NULL DEFAULT 0,   -- matched by name only, or a person must confirm
    batch_id INTEGER REFERENCES batches(id),   -- the batch that created it, if any
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    deleted_at TEXT                            -- in the recycle bin (回收站)
);
CREATE INDEX firms_name_key ON firms(name_key);
CREATE INDEX firms_street ON firms(street_id);
CREATE INDEX firms_officer ON firms(officer);
CREATE TABLE firm_aliases (
    id INTEGER PRIMARY KEY,
    firm_id INTEGER NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    seen_on TEXT,
    batch_id INTEGER REFERENCES batches(id),
    UNIQUE (firm_id, name_key)
);
CREATE INDEX firm_aliases_key ON firm_aliases(name_key);
CREATE TABLE designations (
    id INTEGER PRIMARY KEY,
    firm_id INTEGER NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    stage_id INTEGER NOT NULL REFERENCES stages(id),
    start_date TEXT NOT NULL,
    end_date TEXT,                             -- exclusive; NULL = open
    evidence TEXT,                             -- certificate number and the like
    list_name TEXT,                            -- the official list it came from
    source TEXT NOT NULL DEFAULT 'person',     -- 'person', 'import', 'demo'
    batch_id INTEGER REFERENCES batches(id),
    created_at TEXT NOT NULL,
    deleted_at TEXT,
    CHECK (end_date IS NULL OR end_date > start_date)
);
CREATE INDEX designations_firm ON designations(firm_id, stage_id, start_date);
CREATE INDEX designations_stage ON designations(stage_id, start_date);
CREATE INDEX designations_end ON designations(stage_id, end_date);
CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('stock', 'new', 'net', 'cumulative')),
    stages TEXT NOT NULL,                      -- JSON list of stage keys counted together
    require TEXT NOT NULL DEFAULT '[]',        -- JSON list: the firm must also hold one of these
    street_id INTEGER REFERENCES streets(id),  -- NULL: the whole district
    target REAL NOT NULL,
    base REAL,
    base_year INTEGER,                         -- for cumulative indicators
    unit TEXT NOT NULL DEFAULT '家',
    sort INTEGER NOT NULL DEFAULT 0,
    UNIQUE (year, indicator, street_id)
);
CREATE TABLE service_records (
    id INTEGER PRIMARY KEY,
    firm_id INTEGER NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    officer TEXT,
    kind TEXT,                                 -- 走访, 电话, 政策宣讲, 问题协调 …
    notes TEXT,
    follow_up TEXT,
    created_at TEXT NOT NULL,
    deleted_at TEXT
);
CREATE INDEX service_records_firm ON service_records(firm_id, date);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    os_user TEXT NOT NULL,
    officer TEXT,
    action TEXT NOT NULL,                      -- insert, update, delete, restore, purge, undo, import
    entity TEXT NOT NULL,                      -- firm, designation, alias, service, target, stage, street, batch
    entity_id INTEGER,
    firm_id INTEGER,
    before TEXT,                               -- JSON
    after TEXT,                                -- JSON
    source TEXT NOT NULL,                      -- 'person', 'cli', 'import', 'undo', 'demo'
    batch_id INTEGER
);
CREATE INDEX audit_firm ON audit(firm_id, at);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_batch ON audit(batch_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN
    SELECT RAISE(ABORT, '审计日志不可修改');
END;
"""

# Search and sorting for the ledger table (db/ledger_view.py). firm_search holds, per live firm
# (rowid = firms.id; firms in the recycle bin are left out), its name, former names and pinyin (until v7) in
# one trigram-indexed text, so a substring of three or more characters is an index lookup;
# shorter queries fall back to LIKE on the name index and a range on the pinyin index.
_SEARCH_TEXT = ("(SELECT f.name || ' ' || coalesce((SELECT group_concat(a.name, ' ') FROM firm_aliases a "
                "WHERE a.firm_id = f.id), '') || ' ' || f.pinyin FROM firms f WHERE f.id = {id})")
V2 = f"""
CREATE VIRTUAL TABLE firm_search USING fts5(text, tokenize = 'trigram');
INSERT INTO firm_search (rowid, text) SELECT id, {_SEARCH_TEXT.format(id='firms.id')} FROM firms
    WHERE deleted_at IS NULL;
CREATE TRIGGER firm_search_ai AFTER INSERT ON firms WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO firm_search (rowid, text) VALUES (new.id, {_SEARCH_TEXT.format(id='new.id')});
END;
CREATE TRIGGER firm_search_au AFTER UPDATE OF name, pinyin, deleted_at ON firms BEGIN
    DELETE FROM firm_search WHERE rowid = old.id;
    INSERT INTO firm_search (rowid, text) SELECT new.id, {_SEARCH_TEXT.format(id='new.id')}
        WHERE new.deleted_at IS NULL;
END;
CREATE TRIGGER firm_search_ad AFTER DELETE ON firms BEGIN
    DELETE FROM firm_search WHERE rowid = old.id;
END;
CREATE TRIGGER firm_search_alias_ai AFTER INSERT ON firm_aliases BEGIN
    DELETE FROM firm_search WHERE rowid = new.firm_id;
    INSERT INTO firm_search (rowid, text) SELECT new.firm_id, {_SEARCH_TEXT.format(id='new.firm_id')}
        WHERE EXISTS (SELECT 1 FROM firms WHERE id = new.firm_id AND deleted_at IS NULL);
END;
CREATE TRIGGER firm_search_alias_au AFTER UPDATE OF name, firm_id ON firm_aliases BEGIN
    DELETE FROM firm_search WHERE rowid IN (old.firm_id, new.firm_id);
    INSERT INTO firm_search (rowid, text) SELECT id, {_SEARCH_TEXT.format(id='firms.id')} FROM firms
        WHERE id IN (old.firm_id, new.firm_id) AND deleted_at IS NULL;
END;
CREATE TRIGGER firm_search_alias_ad AFTER DELETE ON firm_aliases BEGIN
    DELETE FROM firm_search WHERE rowid = old.firm_id;
    INSERT INTO firm_search (rowid, text) SELECT old.firm_id, {_SEARCH_TEXT.format(id='old.firm_id')}
        WHERE EXISTS (SELECT 1 FROM firms WHERE id = old.firm_id AND deleted_at IS NULL);
END;
CREATE INDEX firms_live ON firms(street_id) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_name ON firms(name) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_code ON firms(code) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_industry ON firms(industry) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_officer ON firms(officer) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_status ON firms(code_status) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_pinyin ON firms(pinyin) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_street_name ON firms(street_id, name) WHERE deleted_at IS NULL;
CREATE INDEX firms_flagged ON firms(name) WHERE deleted_at IS NULL AND (code_status != 'ok' OR needs_review != 0);
CREATE INDEX firms_live_founded ON firms(founded) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_capital ON firms(reg_capital) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_revenue ON firms(revenue) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_employees ON firms(employees) WHERE deleted_at IS NULL;
CREATE INDEX firms_live_updated ON firms(updated_at) WHERE deleted_at IS NULL;
CREATE INDEX firms_deleted ON firms(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX designations_live_end ON designations(end_date) WHERE deleted_at IS NULL;
"""

V3 = """
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN
    SELECT RAISE(ABORT, '审计日志不可删除');
END;
"""

V4 = """
ALTER TABLE firms ADD COLUMN legal_form TEXT;              -- 企业类型 (legal form), an attribute, never a stage
ALTER TABLE firms ADD COLUMN address TEXT;                 -- 注册地址 / 经营地址
INSERT OR IGNORE INTO meta (key, value) VALUES ('ledger_id', lower(hex(randomblob(16))));
"""

V5_COLUMN = """
ALTER TABLE firms ADD COLUMN name_sort TEXT NOT NULL DEFAULT '';   -- pipeline.names.name_sort: pinyin order
"""
V5_INDEX = """
CREATE INDEX firms_live_name_sort ON firms(name_sort) WHERE deleted_at IS NULL;
-- what each import batch's list said about every firm it matched, changed or not (JSON {field: value}):
-- undo restores a value to the one the latest surviving batch asserted (db/undo.py)
CREATE TABLE batch_rows (
    batch_id INTEGER NOT NULL REFERENCES batches(id),
    firm_id INTEGER NOT NULL REFERENCES firms(id) ON DELETE CASCADE,
    fields TEXT NOT NULL
);
CREATE INDEX batch_rows_firm ON batch_rows(firm_id, batch_id);
CREATE INDEX batch_rows_batch ON batch_rows(batch_id);
"""
V5_CHUNK = 20000


def v5_recompute_pinyin(conn: sqlite3.Connection) -> None:
    """Every stored pinyin index read again with the one phrase-aware reading (imported firms had a
    character-by-character one: 重庆 zq zhongqing), and every firm's pinyin sort key filled in. Only a
    pinyin that changes is written (its search-index trigger fires); the sort key has no trigger."""
    last = 0
    while True:
        rows = conn.execute("SELECT id, name, pinyin FROM firms WHERE id > ? ORDER BY id LIMIT ?",
                            (last, V5_CHUNK)).fetchall()
        if not rows:
            return
        keys = pinyin_keys([r[1] for r in rows])
        conn.executemany("UPDATE firms SET pinyin = ?, name_sort = ? WHERE id = ?",
                         [(p, s, r[0]) for r, (p, s) in zip(rows, keys, strict=True) if p != r[2]])
        conn.executemany("UPDATE firms SET name_sort = ? WHERE id = ?",
                         [(s, r[0]) for r, (p, s) in zip(rows, keys, strict=True) if p == r[2]])
        last = rows[-1][0]


# The dashboard's columnar cache (db/facts_cache.py) is valid for the token in meta 'facts_cache' only. Every
# write transaction (db.ledger.Ledger.write, the one door, and each migration) removes the token first, in
# the same transaction. v6 marks a ledger only versions that honour the token write to (an older version
# refuses a newer schema). Row triggers did the same from inside SQLite, but any row trigger, even one that
# never fires, made inserting firms and designations 2.7x slower (measured: 100k of each, 4.2 s -> 11.2 s CPU)
FACTS_TOKEN = "facts_cache"
V6 = f"""
DELETE FROM meta WHERE key = '{FACTS_TOKEN}';
"""

# v7, for bulk loads (issue 17). The trigram index holds a live firm's name and former names only: pinyin made
# it 4.6x larger (100k firms: name-only 0.37 s to build, with pinyin 1.7 s). A search term that could be pinyin
# (letters only) is tested against firms.pinyin itself (db/ledger_view.py: instr on each row, walking the sort
# order's index, as a 1-2 character term's LIKE), so every search finds what it found before. No bm25 ranking is
# used: columnsize=0 drops the per-row size table. Indexes no query uses, or that another covers (EXPLAIN QUERY
# PLAN of every sort, filter and search: tests/db/test_indexes.py) are dropped: firms_street and firms_officer
# (whole-table twins of firms_live and firms_live_officer), firms_live_code (the code's UNIQUE index orders and
# ranges as well), firms_live_name and firms_live_street_name (names sort by name_sort since v5), firms_flagged
# and firms_live_pinyin (never chosen: the flagged filter walks the sort order's index; the pinyin is tested row
# by row, ``+f.pinyin``, and SQLite 3.40 reads the row for deleted_at even through that partial index).
# SEARCH_TEXT: a firm's indexed text, for a row of ``firms f`` in hand (db/bulk.py fills new firms with it).
SEARCH_TEXT = ("f.name || ' ' || coalesce((SELECT group_concat(a.name, ' ') FROM firm_aliases a "
               "WHERE a.firm_id = f.id), '')")
_TEXT_OF = f"(SELECT {SEARCH_TEXT} FROM firms f WHERE f.id = {{id}})"
V7 = f"""
DROP TRIGGER firm_search_ai;
DROP TRIGGER firm_search_au;
DROP TRIGGER firm_search_ad;
DROP TRIGGER firm_search_alias_ai;
DROP TRIGGER firm_search_alias_au;
DROP TRIGGER firm_search_alias_ad;
DROP TABLE firm_search;
CREATE VIRTUAL TABLE firm_search USING fts5(text, tokenize = 'trigram', columnsize = 0);
INSERT INTO firm_search (rowid, text) SELECT f.id, {SEARCH_TEXT} FROM firms f WHERE f.deleted_at IS NULL ORDER BY f.id;
CREATE TRIGGER firm_search_ai AFTER INSERT ON firms WHEN new.deleted_at IS NULL BEGIN
    INSERT INTO firm_search (rowid, text) VALUES (new.id, {_TEXT_OF.format(id='new.id')});
END;
CREATE TRIGGER firm_search_au AFTER UPDATE OF name, deleted_at ON firms BEGIN
    DELETE FROM firm_search WHERE rowid = old.id;
    INSERT INTO firm_search (rowid, text) SELECT new.id, {_TEXT_OF.format(id='new.id')} WHERE new.deleted_at IS NULL;
END;
CREATE TRIGGER firm_search_ad AFTER DELETE ON firms BEGIN
    DELETE FROM firm_search WHERE rowid = old.id;
END;
CREATE TRIGGER firm_search_alias_ai AFTER INSERT ON firm_aliases BEGIN
    DELETE FROM firm_search WHERE rowid = new.firm_id;
    INSERT INTO firm_search (rowid, text) SELECT new.firm_id, {_TEXT_OF.format(id='new.firm_id')}
        WHERE EXISTS (SELECT 1 FROM firms WHERE id = new.firm_id AND deleted_at IS NULL);
END;
CREATE TRIGGER firm_search_alias_au AFTER UPDATE OF name, firm_id ON firm_aliases BEGIN
    DELETE FROM firm_search WHERE rowid IN (old.firm_id, new.firm_id);
    INSERT INTO firm_search (rowid, text) SELECT f.id, {SEARCH_TEXT} FROM firms f
        WHERE f.id IN (old.firm_id, new.firm_id) AND f.deleted_at IS NULL;
END;
CREATE TRIGGER firm_search_alias_ad AFTER DELETE ON firm_aliases BEGIN
    DELETE FROM firm_search WHERE rowid = old.firm_id;
    INSERT INTO firm_search (rowid, text) SELECT old.firm_id, {_TEXT_OF.format(id='old.firm_id')}
        WHERE EXISTS (SELECT 1 FROM firms WHERE id = old.firm_id AND deleted_at IS NULL);
END;
DROP INDEX firms_street;
DROP INDEX firms_officer;
DROP INDEX firms_live_code;
DROP INDEX firms_live_name;
DROP INDEX firms_live_street_name;
DROP INDEX firms_flagged;
DROP INDEX firms_live_pinyin;
CREATE INDEX audit_entity ON audit(entity, entity_id);
"""

# v8 (issue 17): the firms' CHECK on code_status as a chain of comparisons, not an IN list. SQLite evaluates an IN
# list of more than two constants through a small index it builds once per run of the statement, and an
# executemany runs the INSERT once a row: the CHECK cost 6-8 µs a firm (100k new firms: 1.9 s -> 1.1 s CPU
# inserting them, same machine). The two constraints accept exactly the same values (NULL included: NOT NULL
# refuses it first), so no row changes and the table's stored SQL is edited in place, as SQLite's documentation
# allows for a change of a CHECK every row already satisfies (https://www.sqlite.org/lang_altertable.html, "making
# other kinds of table schema changes"): O(1), not a copy of the table.
V8_CHECK_IN = "CHECK (code_status IN ('ok', 'bad_check', 'accepted', 'invalid', 'no_code'))"
V8_CHECK_OR = ("CHECK (code_status = 'ok' OR code_status = 'bad_check' OR code_status = 'accepted' "
               "OR code_status = 'invalid' OR code_status = 'no_code')")


def v8_code_status_check(conn: sqlite3.Connection) -> None:
    """firms' CHECK on code_status as comparisons (see above), inside the migration's transaction (a failure
    rolls the edit back with it)."""
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'firms'").fetchone()[0]
    if sql.count(V8_CHECK_IN) != 1:
        raise RuntimeError("台账 firms 表的 code_status 约束与预期不符，无法升级到结构版本 8")
    schema_version = conn.execute("PRAGMA schema_version").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    try:
        conn.execute("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'firms'",
                     (sql.replace(V8_CHECK_IN, V8_CHECK_OR),))
        conn.execute(f"PRAGMA schema_version = {int(schema_version) + 1}")     # every connection rereads the schema
    finally:
        conn.execute("PRAGMA writable_schema = OFF")
    # the integrity check SQLite's procedure ends with is db/migrate_safely.py's, on the upgraded copy, before it
    # replaces the ledger (a new ledger has no rows): not here, where it would read a 1M-firm table once more


# v9 (issue 17): the dashboard's cache is patched with the firms each write changed, logged by row triggers and by
# the bulk paths (db/facts_log.py), instead of read again in full after any write (1M firms: 3 s)
V9 = f"""
DELETE FROM meta WHERE key = '{FACTS_TOKEN}';
CREATE TABLE facts_log (id INTEGER PRIMARY KEY, token TEXT, lo INTEGER, hi INTEGER);
CREATE UNIQUE INDEX facts_log_token ON facts_log(token) WHERE token IS NOT NULL;
{facts_log.TRIGGER_SQL}"""

# v10: every log row gets a random salt from SQLite (db/facts_log.py's TABLE), so that a cache's position names one
# history even when two copies of a file were edited in another SQLite tool (no mark of the program's after the fork).
# A table column cannot be added with a default that is not constant: the log is made anew (its rows only serve
# caches, which then read in full once; migrate() logs "everything" and a mark after every migration)
V10 = f"""
DROP TABLE IF EXISTS facts_log;
{facts_log.TABLE}"""


# a migration's steps: SQL scripts and Python functions of the connection, run in order in one transaction
Step = Union[str, Callable[[sqlite3.Connection], None]]
MIGRATIONS: list[tuple[int, str, Union[Step, tuple[Step, ...]]]] = [
    (1, "initial ledger", V1),
    (2, "ledger table: trigram search index, sort indexes", V2),
    (3, "audit log: rows cannot be deleted", V3),
    (4, "firm legal form and address; the ledger's identity (meta ledger_id)", V4),
    (5, "one phrase-aware pinyin for every firm; firms.name_sort, the pinyin sort key, and its index; batch_rows",
     (V5_COLUMN, v5_recompute_pinyin, V5_INDEX)),
    (6, "the dashboard's facts cache: every write transaction removes its token", V6),
    (7, "bulk loads: names-only trigram index (pinyin searched in firms.pinyin); unused and covered indexes dropped; "
        "audit by entity (a new designation's id above every id the audit names)",
     V7),
    (8, "bulk loads: firms' CHECK on code_status as comparisons (an IN list cost 6-8 µs a new firm)",
     v8_code_status_check),
    (9, "the dashboard's facts cache kept current: the log of the firms each write changed (db/facts_log.py)", V9),
    (10, "the dashboard cache's log: a random salt on every row (two copies edited around the program)", V10),
]
LATEST = MIGRATIONS[-1][0]


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, *, upto: int | None = None) -> list[int]:
    """Apply every pending migration, each in its own transaction. Returns the applied versions."""
    applied = []
    current = version(conn)
    for number, name, steps in MIGRATIONS:
        if number <= current or (upto is not None and number > upto):
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for step in steps if isinstance(steps, tuple) else (steps,):
                if callable(step):
                    step(conn)
                    continue
                for statement in _statements(step):
                    conn.execute(statement)
            conn.execute("DELETE FROM meta WHERE key = ?", (FACTS_TOKEN,))    # the dashboard's cache goes
            if facts_log.has_log(conn):                                       # (v9 on: logged as everything)
                facts_log.log_everything(conn)
            conn.execute("INSERT INTO migrations (version, name, applied_at) VALUES (?, ?, ?)",
                         (number, name, datetime.now(timezone.utc).isoformat(timespec="seconds")))
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:     # SQLite may have rolled back already (disk full): keep the real error
                conn.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied


def _statements(sql: str):
    """Split a migration script into statements (triggers contain inner semicolons)."""
    buf = ""
    for line in sql.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                yield buf.strip()
            buf = ""
    if buf.strip():
        yield buf.strip()
