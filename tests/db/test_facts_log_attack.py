"""Attacks on the dashboard cache's log (db/facts_log.py, db/facts_cache.py): each a way an open could differ from a
full read of the same moment, found in review, with the fix it needed."""
import sqlite3

import pytest

from db import backup as bk
from db import facts_log
from db.ledger import Ledger
from db.restore import restore_checked
from tests.db.facts_log_helpers import apply, full, load, same, tampered_backup


def test_a_position_after_an_unmarked_everything_names_one_history(demo_copy, tmp_path, reads):
    """The restore's repair logs "everything" without a mark: the full read after it was saved under the backup's
    mark and a row past it. Restoring the state the restore replaced (its own automatic backup: the same mark, a
    log one row shorter) and writing once put that row id on another history's mark, and the open took the
    tampered backup's facts for this ledger's, patched with the one write. (The mark check of ``changes`` alone
    catches that write; the ledger edited around the program too, before the first restore, its rows after the
    mark are unmarked as well: only the mark after "everything" tells the two apart.)"""
    dest = tmp_path / "bk"
    with Ledger(demo_copy, officer="测试专员") as led:
        load(led, tmp_path)
    info = tampered_backup(demo_copy, dest)
    raw = sqlite3.connect(demo_copy, isolation_level=None)
    raw.execute("UPDATE designations SET end_date = '2031-01-01' WHERE id = (SELECT max(id) FROM designations "
                "WHERE deleted_at IS NULL)")
    raw.close()
    report = restore_checked(info.path, demo_copy, dest)
    assert report.saved is not None
    with Ledger(demo_copy, officer="测试专员") as led:
        assert same(load(led, tmp_path), full(led))           # the tampered state, read in full
    restore_checked(report.saved.path, demo_copy, dest)      # back to the state before the first restore
    with Ledger(demo_copy, officer="测试专员") as led:
        assert same(load(led, tmp_path), full(led))
        apply(led, tmp_path, ("add", 3, 4), {})
        assert same(load(led, tmp_path), full(led))


def test_the_log_is_pruned_whatever_the_size_of_the_writes(monkeypatch):
    """A prune ran only when a mark's row id was a multiple of PRUNE_EVERY: writes of a fixed number of rows each
    (one new designation: a mark and a row) put every mark on ids of one residue, and when it was not 0 the log
    grew for ever."""
    monkeypatch.setattr(facts_log, "KEEP", 8)
    monkeypatch.setattr(facts_log, "PRUNE_EVERY", 4)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(facts_log.TABLE)
    for k in range(200):                 # marks on rows 1, 5, 9, ...: never a multiple of 4
        conn.execute("BEGIN")
        facts_log.mark(conn)
        facts_log.log_firms(conn, [k])
        facts_log.log_firms(conn, [k + 2])
        facts_log.log_firms(conn, [k + 4])
        conn.execute("COMMIT")
    assert conn.execute("SELECT count(*) FROM facts_log").fetchone()[0] <= 8 + 4 + 4


def test_an_interrupted_mark_alone_leaves_no_transaction_open(tmp_path, monkeypatch):
    """``mark_alone`` (an open's full read of a ledger without a mark) rolled back on an sqlite3.Error only: a
    Ctrl+C between its BEGIN IMMEDIATE and COMMIT left the write transaction open on the ledger's connection, every
    later write refused (NestingError) and other processes locked out of writing until the app closed."""
    conn = sqlite3.connect(tmp_path / "l.db", isolation_level=None)
    conn.executescript(facts_log.TABLE)

    def interrupted(_conn):
        raise KeyboardInterrupt
    monkeypatch.setattr(facts_log, "mark", interrupted)
    with pytest.raises(KeyboardInterrupt):
        facts_log.mark_alone(conn)
    assert not conn.in_transaction


def test_a_restore_puts_its_own_mark_on_the_restored_history(demo_copy, tmp_path, reads):
    """A backup and the ledger both edited around the program, through its triggers (a date edited in another
    SQLite tool, the same designation, two values): each logs the firm in the same rows, without a mark. The
    edited backup, restored and opened, saved its facts under the backup's mark and those rows; the ledger as it
    was (the restore's own backup) restored in turn matched that position exactly, and its open took the backup's
    date for the ledger's. A restore now marks the history it starts."""
    dest = tmp_path / "bk"
    with Ledger(demo_copy, officer="测试专员") as led:
        load(led, tmp_path)
        info = bk.backup(demo_copy, dest, "manual")
    for path, day in ((info.path, "2001-02-03"), (demo_copy, "2002-03-04")):
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("UPDATE designations SET start_date = ? WHERE id = (SELECT min(id) FROM designations "
                    "WHERE deleted_at IS NULL)", (day,))
        bk.backup_seal.remove(path)           # unsealed, as a backup from before seals
        raw.close()
    report = restore_checked(info.path, demo_copy, dest)
    assert report.saved is not None and not report.repaired
    with Ledger(demo_copy, officer="测试专员") as led:
        assert same(load(led, tmp_path), full(led))
    restore_checked(report.saved.path, demo_copy, dest)
    with Ledger(demo_copy, officer="测试专员") as led:
        assert same(load(led, tmp_path), full(led))


@pytest.mark.parametrize(("trigger", "kind"), [("facts_designation_au", "end"), ("facts_firm_au", "street"),
                                               ("facts_firm_ai", "new"), ("facts_designation_ai", "add")])
def test_a_ledger_missing_a_facts_trigger_is_read_in_full(trigger, kind, demo_copy, tmp_path, reads):
    """A facts trigger dropped around the program (another SQLite tool's table edit rebuilds the table without
    it; a later migration that rebuilds a table would too) left every later write of the program unlogged: the
    open used the cache as it was, for ever. Now such a ledger is read in full, and the program's next write puts
    the trigger back (logging "everything"); then an altered one, the same."""
    with Ledger(demo_copy, officer="测试专员") as led:
        load(led, tmp_path)
        state = {"n": 0}
        for k, broken in enumerate(("", " WHEN 0")):       # dropped, then altered to log nothing
            led.conn.execute(f"DROP TRIGGER {trigger}")
            if broken:
                head, _, rest = facts_log.TRIGGERS[trigger][1].partition(" BEGIN ")
                led.conn.execute(f"CREATE TRIGGER {trigger} {head}{broken} BEGIN {rest}")
            assert not facts_log.whole(led.conn)
            apply(led, tmp_path, (kind, 3 + k, 4 + k), state)
            assert facts_log.whole(led.conn)
            assert same(load(led, tmp_path), full(led))
            apply(led, tmp_path, (kind, 5 + k, 6 + k), state)
            assert same(load(led, tmp_path), full(led))


def test_a_copy_edited_by_another_tool_and_opened_names_its_own_history(demo_copy, tmp_path, reads):
    """A copy of the ledger (a backup opened as it is, say) edited in another SQLite tool logs the firm through the
    triggers, but without a mark: its open saved its facts under the shared mark and that row id, and the
    ledger's next write (a mark, a row) reached the same row id: its open took the copy's facts. A position now
    holds only where its mark is the latest up to its row. (Two copies both edited around the program, the same
    firms logged in the same number of rows: the rows' salts tell them apart, the test after this one.)"""
    import shutil
    with Ledger(demo_copy, officer="测试专员") as led:
        load(led, tmp_path)
        led.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    copy = tmp_path / "copy.db"
    shutil.copy(demo_copy, copy)
    raw = sqlite3.connect(copy, isolation_level=None)
    raw.execute("UPDATE designations SET start_date = '2001-02-03' WHERE id = (SELECT min(id) FROM designations "
                "WHERE deleted_at IS NULL)")
    raw.close()
    with Ledger(copy, officer="测试专员") as other:
        assert same(load(other, tmp_path), full(other))
    with Ledger(demo_copy, officer="测试专员") as led:
        apply(led, tmp_path, ("end", 3, 4), {})
        assert same(load(led, tmp_path), full(led))


def test_two_copies_edited_around_the_program_share_no_position(demo_copy, tmp_path, reads):
    """A copy of the ledger's file (the same identity, so the same cache file), then each copy edited in another
    SQLite tool through the triggers: the same number of log rows after the same mark, under the same ids. The
    first copy's open saved its facts at that row; the second copy's position was the same (mark, row), and its
    open took the first copy's dates for its own, with nothing to patch. The rows' salts (schema v10) differ."""
    with Ledger(demo_copy, officer="测试专员") as led:
        load(led, tmp_path)
    other = tmp_path / "copy.db"
    other.write_bytes(demo_copy.read_bytes())
    for path, day in ((demo_copy, "2001-02-03"), (other, "2002-03-04")):
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("UPDATE designations SET start_date = ? WHERE id = (SELECT min(id) FROM designations "
                    "WHERE deleted_at IS NULL)", (day,))
        raw.close()
    reads.clear()
    with Ledger(demo_copy, officer="测试专员") as led:
        assert same(load(led, tmp_path), full(led))
        first = facts_log.position(led.conn)
    with Ledger(other, officer="测试专员") as led:
        second = facts_log.position(led.conn)
        assert (second.token, second.row) == (first.token, first.row)     # what v9 keyed the cache by
        assert second.salt != first.salt
        assert same(load(led, tmp_path), full(led))


def test_a_key_without_the_salt_is_no_position():
    """A cache saved by schema v9 (key "token.row") is read in full once, not taken as a position of row 0 or
    mistaken for another."""
    assert facts_log.Position.of_key("ab12.34") is None
    assert facts_log.Position.of_key("ab12.34.zz") is None
    at = facts_log.Position("ab12", 34, -5)
    assert facts_log.Position.of_key(at.key()) == at
    at = facts_log.Position("ab12", 34, (1 << 63) - 1)
    assert facts_log.Position.of_key(at.key()) == at


def test_a_trigger_dropped_then_an_edit_around_the_program_is_read_in_full(demo_copy, tmp_path, reads):
    """Another SQLite tool drops a facts trigger (a table rebuilt) and edits a date: nothing is logged, and an open
    without a write of the program's in between took the cache as it was. Such a ledger is now read in full at
    open; the program's next write puts the trigger back and logs "everything"; the writes after it are logged
    again and patched (until v10 every write logged "everything": a full read at every open)."""
    with Ledger(demo_copy, officer="测试专员") as led:
        load(led, tmp_path)
    raw = sqlite3.connect(demo_copy, isolation_level=None)
    raw.execute("DROP TRIGGER facts_designation_au")
    raw.execute("UPDATE designations SET start_date = '2001-02-03' WHERE id = (SELECT min(id) FROM designations "
                "WHERE deleted_at IS NULL)")
    raw.close()
    with Ledger(demo_copy, officer="测试专员") as led:
        assert same(load(led, tmp_path), full(led))
        apply(led, tmp_path, ("end", 3, 4), {})
        assert facts_log.whole(led.conn)
        assert same(load(led, tmp_path), full(led))
        reads.clear()
        apply(led, tmp_path, ("end", 5, 6), {})
        assert same(load(led, tmp_path), full(led))
        assert not reads                            # the open patched
