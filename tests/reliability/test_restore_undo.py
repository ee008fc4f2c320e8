"""Undo after a restore (issue 12: undo, restore, backup and import exact in any order).

A restore keeps the audit rows written after the backup was made: they tell the history of a state the
restore discarded. They are history, not assertions: an undo after the restore must not take them for
changes still in the ledger (a conflict that is not one, a value brought back from the discarded state),
and the batches of the discarded state keep their numbers, so a later import never reuses one and an undo
of the new batch never acts on the old batch's rows."""
import pytest

from db import backup as bk
from db.ledger import Ledger
from db.restore import restore_checked
from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from importers.undo import batch_list, undo_batch
from tests.importers.undo_helpers import CODES, fresh, r, state, write_list


def _restore(path, info, dest):
    return restore_checked(info.path, path, dest)


def test_undo_after_restore_ignores_the_changes_the_restore_discarded(tmp_path):
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    led = fresh(path)
    start = state(led)
    a = commit_plan(led, build_plan(led, write_list(tmp_path, 0, [r(0, remark="一")])))
    info = bk.backup(path, dest, "manual")
    with led.write() as w:                               # discarded by the restore below
        w.update_firm(1, remark="人")
    led.close()
    _restore(path, info, dest)
    with Ledger(path, officer="测试专员") as led:
        out = undo_batch(led, a)                         # no conflict: the person's edit is not in this ledger
        assert out["conflicts"] == [] and state(led) == start


def test_a_batch_the_restore_discarded_keeps_its_number_and_says_so(tmp_path):
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    led = fresh(path)
    commit_plan(led, build_plan(led, write_list(tmp_path, 0, [r(0, remark="一")])))
    info = bk.backup(path, dest, "manual")
    b_rows = [(1, "甲", None, None, None, None, None, "2024-01-01", "高新技术企业")]
    b = commit_plan(led, build_plan(led, write_list(tmp_path, 1, b_rows)))
    led.close()
    _restore(path, info, dest)
    with Ledger(path, officer="测试专员") as led:
        listed = {x["id"]: x for x in batch_list(led)}
        assert listed[b]["undone_at"] and listed[b]["undone_by"] == "恢复备份"
        with pytest.raises(InputError, match="恢复备份时.*已随之撤回，无需撤销"):
            undo_batch(led, b)
        stage = led.conn.execute("SELECT key FROM stages WHERE active = 1 ORDER BY id LIMIT 1").fetchone()[0]
        with led.write() as w:                       # a person's designation, in the discarded one's place
            w.add_designation(2, stage, "2024-01-01")
        kept = state(led)
        c = commit_plan(led, build_plan(led, write_list(tmp_path, 2, [r(1, remark="三")])))
        assert c != b
        undo_batch(led, c)
        assert state(led) == kept                    # the person's designation is still there


def test_restore_keeps_every_copy_of_identical_audit_rows(tmp_path, monkeypatch):
    """An edit, Ctrl+Z and Ctrl+Y within one second write two identical audit rows (a→b twice); a backup made
    between them holds one: the restore must keep the other (the log would lose a change otherwise)."""
    import db.ledger as ledger_module
    monkeypatch.setattr(ledger_module, "now", lambda: "2026-11-29T10:00:00+08:00")
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    led = fresh(path)
    for remark in ("乙",):
        with led.write() as w:
            w.update_firm(1, remark=remark)
    info = bk.backup(path, dest, "manual")
    for remark in (None, "乙"):                       # undone and done again, the same second
        with led.write() as w:
            w.update_firm(1, remark=remark)
    rows = led.conn.execute("SELECT at, before, after FROM audit WHERE firm_id = 1 AND action = 'update'").fetchall()
    assert len(rows) == 3 and rows[0] == rows[2]
    led.close()
    _restore(path, info, dest)
    with Ledger(path) as led:
        again = led.conn.execute(
            "SELECT at, before, after FROM audit WHERE firm_id = 1 AND action = 'update'").fetchall()
    assert sorted(again) == sorted(rows)


def test_restoring_back_the_state_a_restore_replaced_leaves_its_batches_undoable(tmp_path):
    """Backup, import B, restore the backup, then restore the state that restore replaced (B is back): B's
    audit rows are the ledger's own again, not rows kept from before a restore; undoing B is exact."""
    from db.restore import kept_ranges
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    led = fresh(path)
    commit_plan(led, build_plan(led, write_list(tmp_path, 0, [r(0, remark="一")])))
    start = state(led)
    info = bk.backup(path, dest, "manual")
    b = commit_plan(led, build_plan(led, write_list(tmp_path, 1, [r(0, "乙", remark="二")])))
    led.close()
    first = _restore(path, info, dest)
    restore_checked(first.saved.path, path, dest)
    with Ledger(path, officer="测试专员") as led:
        b_rows = [i for (i,) in led.conn.execute("SELECT id FROM audit WHERE batch_id = ?", (b,))]
        assert b_rows and not any(lo <= i <= hi for i in b_rows for lo, hi in kept_ranges(led.conn))
        undo_batch(led, b)
        assert state(led) == start                   # the former name B added is gone again


def test_a_firm_created_after_a_restore_does_not_inherit_a_discarded_firms_history(tmp_path):
    """Backup, import A (a new firm), restore: the firm is gone; the next new firm does not get its number (it
    did, until a restore kept floors: db/restore.py), and its history (the audit listing and the firm file) must
    not show the discarded firm's creation."""
    from db import audit_log, firm_file
    path, dest = tmp_path / "l.db", tmp_path / "bk"
    led = fresh(path)
    info = bk.backup(path, dest, "manual")
    commit_plan(led, build_plan(led, write_list(tmp_path, 0, [r(2)])))
    gone = _ids_by_code(led)[CODES[2]]
    led.close()
    _restore(path, info, dest)
    with Ledger(path, officer="测试专员") as led:
        commit_plan(led, build_plan(led, write_list(tmp_path, 1, [r(3)])))
        fid = _ids_by_code(led)[CODES[3]]
        assert fid > gone           # never the number of a firm the restore discarded (its audit is kept)
        listed = [e.after for e in audit_log.entries(led.conn, firm_id=fid)]
        shown = [x["after"] or "" for x in firm_file.audit(led.conn, fid)]
        assert listed and not any(CODES[2] in str(a) for a in listed)
        assert shown and not any(CODES[2] in a for a in shown)
        everything = [e.after for e in audit_log.entries(led.conn)]
        # still in the log, as history: the discarded firm's creation audit is its batch's row (file, SHA-256)
        assert any(isinstance(a, dict) and a.get("file") == "名单0.csv" for a in everything)


def _ids_by_code(led):
    return {c: i for i, c in led.conn.execute("SELECT id, code FROM firms")}
