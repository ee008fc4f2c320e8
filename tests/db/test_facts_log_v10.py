"""Schema v10 of the dashboard cache's log (a salt on every row; ``repair`` in ``mark``): what review found it broke,
each test failing on the first version of the change."""
import secrets
import shutil
import sqlite3
from pathlib import Path

from db import connection, facts_cache, schema
from db import lock as ledger_lock
from db.ledger import Ledger
from tests.db.facts_log_helpers import apply, full, load, same

DATA = Path(__file__).resolve().parents[1] / "data"


def _v9_ledger(tmp_path) -> Path:
    """A ledger of schema v9 (the facts log without the salt), as a v9 星图 left it: identified, migrated."""
    path = tmp_path / "v9.db"
    shutil.copy(DATA / "ledger_v7.db", path)
    conn = connection.connect(path)
    try:
        schema.migrate(conn, upto=9)
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('ledger_id', ?)", (secrets.token_hex(16),))
        assert schema.version(conn) == 9
    finally:
        conn.close()
    return path


def test_a_v9_ledger_opened_read_only_shows_its_dashboard(tmp_path, reads):
    """A v9 ledger opened read-only (readonly=True; or the desktop app's fallback: a read-only folder, or the lock
    held by a colleague still on v9 during the rollout) is not migrated: ``cache_file`` accepted it (version >= 9),
    and ``position`` / ``changes`` selected the column ``salt`` that only v10 has: OperationalError, the dashboard
    did not open. Now it is read in full, without a cache (as a ledger before v9 always was)."""
    path = _v9_ledger(tmp_path)
    with Ledger(path, readonly=True) as led:
        assert schema.version(led.conn) == 9
        assert same(load(led, tmp_path), full(led))
        facts_cache.current_token(led.conn)


def test_a_v9_ledger_locked_by_an_older_program_shows_its_dashboard(tmp_path, reads):
    """The same through the desktop app's door (readonly=None): the lock is held elsewhere, the ledger falls back
    to read-only and is not migrated."""
    path = _v9_ledger(tmp_path)
    held, _ = ledger_lock.try_acquire(path)
    assert held is not None
    try:
        with Ledger(path, readonly=None, create=False) as led:
            assert led.readonly and schema.version(led.conn) == 9
            assert same(load(led, tmp_path), full(led))
    finally:
        ledger_lock.release(held)


def test_a_facts_log_rebuilt_without_the_salt_default_is_repaired_or_read_in_full(demo_copy, tmp_path, reads):
    """Another SQLite tool rebuilds facts_log (a table edit: new table, rows copied, old dropped, renamed) and the
    expression default ``(random())`` is lost while NOT NULL stays. Every facts trigger and every mark then failed
    (NOT NULL constraint failed: facts_log.salt): no write of the program succeeded again. Now the salt may be NULL
    (no position: read in full), and ``whole`` compares the log's table too: an open reads in full, the program's
    next write makes the log anew ("everything"), and the writes after it are patched again."""
    with Ledger(demo_copy, officer="测试专员") as led:
        load(led, tmp_path)
    raw = sqlite3.connect(demo_copy, isolation_level=None)
    raw.execute("PRAGMA legacy_alter_table = ON")      # as table editors do (DB Browser for SQLite)
    raw.executescript("""
        BEGIN;
        CREATE TABLE facts_log_new (id INTEGER PRIMARY KEY, token TEXT, lo INTEGER, hi INTEGER, salt INTEGER NOT NULL);
        INSERT INTO facts_log_new SELECT id, token, lo, hi, salt FROM facts_log;
        DROP TABLE facts_log;
        ALTER TABLE facts_log_new RENAME TO facts_log;
        CREATE UNIQUE INDEX facts_log_token ON facts_log(token) WHERE token IS NOT NULL;
        COMMIT;
    """)
    raw.close()
    with Ledger(demo_copy, officer="测试专员") as led:
        assert same(load(led, tmp_path), full(led))
        apply(led, tmp_path, ("end", 3, 4), {})
        assert same(load(led, tmp_path), full(led))
        reads.clear()
        apply(led, tmp_path, ("end", 5, 6), {})
        assert same(load(led, tmp_path), full(led))
        assert not reads                            # patched: the log works again
