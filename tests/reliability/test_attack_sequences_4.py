"""Attacks on undo, restore and the firm's history in combination (issue 12: exact in any order and combination).

Each test here is a finding: it fails while the hole is open.

1. A restore of another ledger's backup (``--other-ledger``) keeps the replaced ledger's audit rows as history.
   One of them, a hand-over (an undo that gave firm 3 to batch 2), was read as if it were about the restored
   ledger's own firm 3 of its own batch 2: that firm lost its creation (its file and ``audit --firm`` showed no
   "由导入批次 2 新建"), and an undo of batch 2 counted it as not the batch's creation.
2. A ledger file copied while 星图 has it open (Explorer, a USB stick: the ``.db`` alone, not its ``-wal``) lacked
   every change since SQLite's last automatic checkpoint (1,000 pages: days of an officer's edits), silently: the
   copy opened as a whole ledger. Each write transaction now ends with a checkpoint (about 1 ms), so the file alone
   holds what was committed.
3. Moving a firm already in the recycle bin to the bin again (a selection that holds one) wrote an audit row saying
   it went in now, from outside the bin, while its time in the bin stayed the first one; taking a firm that is not
   in the bin out of it wrote a row saying it was taken out.
4. One writer per ledger: the lock file was put beside the path the ledger was opened by, so a ledger opened
   through a symbolic link (a shortcut folder) and through its real path by two programs had two locks, and both
   programs wrote.
5. A list naming one firm twice is imported once, from its first row; the second row's other values were never
   written, yet they were recorded as what the list asserted. Undoing an earlier batch (forced) then set the firm's
   field to the second row's value, one no write had ever given it.
6. Two hard links to one ledger file (two names of one file, as ``mklink /H`` or ``ln`` make) were two ledgers to
   the lock and to SQLite's -wal and -shm files, which are named after the name opened: two programs wrote the same
   pages, each through its own log. A file with other names now opens read-only, by either name.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from db import backup as bk
from db.creation import batch_entries, creation
from db.ledger import Ledger
from db.restore import restore_checked
from importers.plan import build_plan, commit_plan
from importers.undo import conflicts, undo_batch
from tests.importers.undo_helpers import CODES, TODAY, fresh, r, state, write_list


def test_a_hand_over_kept_from_the_replaced_ledger_does_not_take_the_restored_firms_creation(tmp_path):
    mine, theirs, dest = tmp_path / "l1.db", tmp_path / "l2.db", tmp_path / "bk"
    led = fresh(mine)                                    # firm 3 created by batch 1, handed over to batch 2
    a = commit_plan(led, build_plan(led, write_list(tmp_path, 0, [r(2, remark="甲")])))
    commit_plan(led, build_plan(led, write_list(tmp_path, 1, [r(2, remark="乙")])))
    assert undo_batch(led, a, force=True)["firms_handed_over"] == 1
    led.close()
    other = fresh(theirs)                                # another ledger: its firm 3 created by its batch 2
    commit_plan(other, build_plan(other, write_list(tmp_path, 2, [r(0, remark="丙")])))
    q = commit_plan(other, build_plan(other, write_list(tmp_path, 3, [r(3, remark="丁")])))
    fid = other.conn.execute("SELECT id FROM firms WHERE batch_id = ?", (q,)).fetchone()[0]
    want = creation(other.conn, fid)
    other.close()
    info = bk.backup(theirs, dest, "manual")
    restore_checked(info.path, mine, dest, other_ledger=True)
    with Ledger(mine, officer="测试专员") as led:
        assert led.conn.execute("SELECT batch_id FROM firms WHERE id = ?", (fid,)).fetchone() == (q,)
        assert creation(led.conn, fid) is not None and creation(led.conn, fid)[1] == want[1] == q, \
            "the restored firm's creation was taken by the replaced ledger's hand-over"
        made = [e for e in batch_entries(led.conn, fid) if e["entity"] == "firm"]
        assert len(made) == 1 and f"由导入批次 {q} " in made[0]["after"]
        with led.write() as w:                           # a person's edit of the firm: the undo names it
            w.update_firm(fid, remark="人改")
        assert fid in [f for f, _n in conflicts(led.conn, q)]


def test_a_ledger_file_copied_while_open_holds_every_committed_change(tmp_path):
    path = tmp_path / "l.db"
    led = fresh(path)
    try:
        commit_plan(led, build_plan(led, write_list(tmp_path, 0, [r(2, remark="导入")])))
        with led.write() as w:
            w.update_firm(1, remark="人改")
        shutil.copyfile(path, tmp_path / "副本.db")           # the file alone, while the ledger is open
    finally:
        led.close()
    conn = sqlite3.connect(tmp_path / "副本.db")
    try:
        assert conn.execute("SELECT remark FROM firms WHERE id = 1").fetchone() == ("人改",), \
            "a copy of the open ledger lacks a committed edit"
        assert conn.execute("SELECT COUNT(*) FROM firms").fetchone() == (3,)
        assert conn.execute("SELECT COUNT(*) FROM batches").fetchone() == (1,)
    finally:
        conn.close()


def test_the_recycle_bin_audits_only_what_it_changed(tmp_path):
    with fresh(tmp_path / "l.db") as led:
        with led.write() as w:
            w.remove_firm(1)
        first = led.conn.execute("SELECT deleted_at FROM firms WHERE id = 1").fetchone()[0]
        rows = led.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        with led.write() as w:
            w.remove_firm(1)             # in the bin already
            w.restore_firm(2)            # not in the bin
        assert led.conn.execute("SELECT deleted_at FROM firms WHERE id = 1").fetchone()[0] == first
        assert led.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] == rows, "an audit row for no change"


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need rights on Windows")
def test_a_ledger_opened_through_a_link_and_its_real_path_has_one_writer(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").mkdir()
    real = tmp_path / "real" / "l.db"
    fresh(real).close()
    os.symlink(real, tmp_path / "link" / "l.db")
    with Ledger(real) as led:
        assert not led.readonly
        code = ("import sys; from db.ledger import Ledger; "
                f"led = Ledger({str(tmp_path / 'link' / 'l.db')!r}, readonly=None); print(led.readonly)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parents[2])
        assert out.stdout.split() == ["True"], "a second program opened the ledger to write through a link"


def test_a_ledger_file_with_two_names_is_opened_read_only_by_either(tmp_path):
    from db.errors import LedgerError
    real = tmp_path / "l.db"
    with fresh(real) as led:
        firms = led.conn.execute("SELECT count(*) FROM firms").fetchone()
    os.link(real, tmp_path / "other.db")
    for name in ("l.db", "other.db"):
        with Ledger(tmp_path / name, readonly=None) as led:
            assert led.readonly and "硬链接" in led.readonly_reason
            assert led.conn.execute("SELECT count(*) FROM firms").fetchone() == firms
        with pytest.raises(LedgerError, match="另有 1 个硬链接"):
            Ledger(tmp_path / name)
    os.remove(tmp_path / "other.db")
    with Ledger(real) as led:                       # one name again: written as before
        assert not led.readonly


def test_a_firm_listed_twice_asserts_only_what_was_written(tmp_path):
    path = tmp_path / "l.db"
    led = fresh(path)
    try:
        a = commit_plan(led, build_plan(led, write_list(tmp_path, 0, [r(0, tag="原", remark="一")]), today=TODAY))
        twice = tmp_path / "两行.csv"
        twice.write_text(f"企业名称,统一社会信用代码,备注,曾用名\n武汉原0科技有限公司,{CODES[0]},二,\n"
                         f"武汉原0科技有限公司,{CODES[0]},三,武汉旧0有限公司\n", encoding="utf-8")
        commit_plan(led, build_plan(led, twice, today=TODAY))
        assert led.conn.execute("SELECT remark FROM firms WHERE id = 1").fetchone() == ("二",)
        undo_batch(led, a, force=True)
        got = state(led)
    finally:
        led.close()
    with fresh(tmp_path / "model.db") as model:                 # the second list alone
        commit_plan(model, build_plan(model, twice, today=TODAY))
        want = state(model)
    assert got[CODES[0]][3] == "二", "the undo set a value the list's second row gave, never written"
    assert got == want
