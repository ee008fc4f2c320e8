"""Any sequence of imports, a person's edits, undos (forced or not), backups and restores leaves the ledger
exactly as a simple model says (issue 12: exact in any order and any combination), as a stateful test.

The model is a log of the operations that produced the ledger: each import (its list) and each edit a person
made that changed something (a field, a rename, a designation), in order, with every import marked live,
undone, or withdrawn (by a restore that went back to before it). What the ledger must contain (each firm's
name, street, industry, remark, former names and designations) is what a fresh ledger holds after the live
operations alone are replayed in order. So:
- an undo either succeeds (the batch drops out of the log), or is refused naming firms and changes nothing;
  an undo of the latest live operation always succeeds; an undone or withdrawn batch is refused with the
  reason, nothing written;
- a backup saves a copy of the log; a restore puts that copy back: batches made since are withdrawn;
- a person's edits include the recycle bin (in, back out, purged for good) and a designation's end date changed or
  the designation deleted; an import whose every row is an error (a firm in the recycle bin) is refused, nothing
  written;
- the audit log only grows: every row ever written is still there, unchanged; a restore keeps each row of the
  backup and of the ledger it replaces once (as many times as the one holding more copies) and adds one 恢复
  row; every firm an operation changed has a new audit row (for a firm an import created or gave a
  designation in bulk: its batch's row).
"""
from __future__ import annotations

import copy
import os
import shutil
import sqlite3
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from db import backup as bk
from db import merge
from db.creation import creation
from db.errors import LedgerError
from db.ledger import AUDIT_COLUMNS, Ledger
from db.restore import restore_checked
from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from importers.undo import UndoConflict, UndoRefused, undo_batch
from tests.importers.undo_helpers import CODES, TODAY, batch, counts, fresh, r, state, write_list
from tests.reliability.sequence_ops import EDITS, apply_edit, audit, firm_ids, logged


class LedgerSequences(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="xingtu-seq-"))
        self.path, self.dest = self.dir / "l.db", self.dir / "bk"
        self.led = fresh(self.path)
        self.log: list[dict] = []          # {"kind": "import"|"edit", "op"/"path", "batch", "status"}
        self.backups: list[tuple[Path, list, dict]] = []
        self.status: dict[int, str] = {}   # batch -> live | undone | withdrawn
        self.n = 0
        self.seen = audit(self.led)
        self.changed_by_restore = False
        self.merges: list[tuple[merge.MergeDone, dict]] = []   # the window's undo stack of merges (a restore clears it)
        self.redos: list[tuple[int, int]] = []     # merges undone, to redo (Ctrl+Y) until a person's next edit

    def teardown(self) -> None:
        self.led.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    # the model ------------------------------------------------------------------------------------
    def expected(self) -> dict:
        model = fresh(self.dir / f"model{self.n}.db")
        try:
            for entry in self.log:
                if entry["kind"] == "import" and entry["status"] == "live":
                    plan = build_plan(model, entry["path"], today=TODAY)
                    if plan.lands():      # the model's rows may be errors where the ledger's were not: then the
                        commit_plan(model, plan)   # state differs and the invariant says so
                elif entry["kind"] == "edit":
                    apply_edit(model, entry["op"])
            return state(model)
        finally:
            model.close()
            (self.dir / f"model{self.n}.db").unlink()

    def _step(self, action) -> None:
        """Run *action*; then the audit log lost nothing and every firm changed has a new audit row."""
        before, ids = state(self.led), firm_ids(self.led)
        top = self.led.conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
        action()
        after = state(self.led)
        now = audit(self.led)
        assert not (self.seen - now), "audit rows lost or altered"
        self.seen = now
        if self.changed_by_restore:
            self.changed_by_restore = False
            return
        touched = {r[0] for r in self.led.conn.execute("SELECT firm_id FROM audit WHERE id > ?", (top,))}
        # a firm an import created, or gave a designation in bulk, is audited by its batch's row (db/creation.py)
        touched |= {fid for (fid,) in self.led.conn.execute("SELECT id FROM firms")
                    if (creation(self.led.conn, fid) or (0,))[0] > top}
        touched |= {fid for (fid,) in self.led.conn.execute(
            "SELECT firm_id FROM designations WHERE batch_id IN (SELECT entity_id FROM audit WHERE id > ? "
            "AND entity = 'batch' AND action = 'import')", (top,))}
        for code in set(before) | set(after):
            if before.get(code) != after.get(code):
                assert (ids.get(code) or firm_ids(self.led).get(code)) in touched, f"{code} changed, no audit row"

    # rules ----------------------------------------------------------------------------------------
    @rule(rows=batch, codes=st.sampled_from([True, True, False]))
    def import_list(self, rows, codes=True) -> None:
        """A list; one in three names its firms without their codes (matched by name and former names)."""
        self.n += 1
        self._import(write_list(self.dir, self.n, rows, codes))

    @precondition(lambda self: self.n)
    @rule(pick=st.integers(0, 50))
    def import_again(self, pick) -> None:
        """The same file imported again (the import warns; the person goes on)."""
        self._import(self.dir / f"名单{pick % self.n + 1}.csv")

    def _import(self, path) -> None:
        def run():
            plan = build_plan(self.led, path, today=TODAY)
            if not plan.lands():          # every row an error (a firm in the recycle bin): refused, nothing written
                before = state(self.led)
                with pytest.raises(InputError):
                    commit_plan(self.led, plan)
                assert state(self.led) == before
                return
            bid = commit_plan(self.led, plan)
            assert bid not in self.status, "a batch number used twice"
            self.status[bid] = "live"
            self.log.append({"kind": "import", "path": path, "batch": bid, "status": "live"})
        self._step(run)

    @rule(op=EDITS)
    def person_edit(self, op) -> None:
        self._edit(op)

    def _edit(self, op) -> None:
        def run():
            before, replayed = state(self.led), logged(self.led, op)
            done = apply_edit(self.led, op)
            if done:
                entry = {"kind": "edit", "op": replayed}
                self.log.append(entry)
                self.redos.clear()             # a new command on the window's stack: nothing left to redo
                if isinstance(done, merge.MergeDone):
                    self.merges.append((done, entry))
            elif op[0] == "merge":
                assert state(self.led) == before, "a refused merge wrote"
        self._step(run)

    @precondition(lambda self: self.merges)
    @rule()
    def undo_merge(self) -> None:
        """Ctrl+Z of the latest merge, whatever came since: exact, or refused with nothing written."""
        done, entry = self.merges.pop()

        def run():
            before = state(self.led)
            try:
                with self.led.write() as w:
                    merge.unmerge(w, done)
            except LedgerError:
                assert state(self.led) == before, "a refused undo of a merge wrote"
                return
            # the merge drops out of the model; its undo is still a later change to each list before it (the audit
            # rows of a merge and of its undo stay: an undo of such a list is refused unless forced, never wrong)
            self.log.remove(entry)
            self.log.append({"kind": "edit", "op": ("unmerged",)})
            self.redos.append((done.keep, done.gone))
        self._step(run)

    @precondition(lambda self: self.redos)
    @rule()
    def redo_merge(self) -> None:
        """Ctrl+Y of a merge undone, imports and undos of lists since or not: the merge of the two records again."""
        keep, gone = self.redos.pop()

        def run():
            before = state(self.led)
            names = dict(self.led.conn.execute("SELECT id, name FROM firms WHERE id IN (?, ?)", (keep, gone)))
            code = self.led.conn.execute("SELECT code FROM firms WHERE id = ?", (keep,)).fetchone()
            try:
                with self.led.write() as w:
                    done = merge.merge(w, keep, gone)
            except LedgerError:
                assert state(self.led) == before, "a refused redo of a merge wrote"
                return
            entry = {"kind": "edit", "op": ("merge", code[0], names[gone], names[keep])}
            self.log.append(entry)
            self.merges.append((done, entry))
        self._step(run)

    @precondition(lambda self: self.status)
    @rule(pick=st.integers(0, 50), force=st.booleans())
    def undo(self, pick, force) -> None:
        bid = sorted(self.status)[pick % len(self.status)]
        entry = next((e for e in self.log if e.get("batch") == bid), None)
        last = [e for e in self.log if e["kind"] == "edit" or e["status"] == "live"][-1:]

        def run():
            before, rows = state(self.led), counts(self.led)
            try:
                out = undo_batch(self.led, bid, force=force)
            except (UndoConflict, UndoRefused) as exc:
                assert self.status[bid] == "live" and exc.firms and state(self.led) == before
                assert last != [entry], "the latest change refused"
                return
            except InputError as exc:
                assert self.status[bid] != "live", str(exc)
                assert ("恢复备份" in str(exc)) == (self.status[bid] == "withdrawn"), str(exc)
                assert state(self.led) == before
                return
            assert self.status[bid] == "live"
            after = counts(self.led)
            assert (rows[0] - after[0], rows[1] - after[1], rows[2] - after[2]) == (
                out["firms_removed"], out["designations_removed"], out["aliases_removed"])
            self.status[bid] = entry["status"] = "undone"
        self._step(run)

    def _kept(self) -> None:
        """Retention (db.backup): the newest KEEP_LAST backups of the ledger always survive pruning; older ones
        may go, and a restore can only pick one still there."""
        assert all(p.exists() for p, _, _ in self.backups[-bk.KEEP_LAST:]), "a recent backup was pruned"
        self.backups = [b for b in self.backups if b[0].exists()]

    @rule()
    def backup(self) -> None:
        info = bk.backup(self.path, self.dest, "manual")
        self.backups.append((info.path, copy.deepcopy(self.log), dict(self.status)))
        self._kept()

    @precondition(lambda self: self.backups)
    @rule(pick=st.integers(0, 50))
    def restore(self, pick) -> None:
        path, log, status = self.backups[pick % len(self.backups)]
        current = (copy.deepcopy(self.log), dict(self.status))

        def run():
            self.led.close()
            with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
                union = self.seen | Counter(conn.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit").fetchall())
            report = restore_checked(path, self.path, self.dest)
            self.led = Ledger(self.path, officer="测试专员")
            self.changed_by_restore = True
            extra, now = audit(self.led) - union, audit(self.led)
            assert not (union - now), "a restore lost audit rows"
            assert [r[3] for r in extra.elements()] == ["restore"], "a restore duplicated audit rows"
            self.backups.append((report.saved.path, *current))      # the state replaced, restorable again
            self._kept()
            gone = {b: ("withdrawn" if s == "live" else s) for b, s in self.status.items() if b not in status}
            self.status = {**status, **gone}
            self.log = copy.deepcopy(log)
            self.merges.clear()            # the window reopens the ledger: its undo stack is cleared
            self.redos.clear()
        self._step(run)

    @invariant()
    def ledger_is_the_model(self) -> None:
        assert state(self.led) == self.expected()
        assert self.led.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_eleven_backups_then_restores():
    """The sequence the long run found (shrunk): more backups than retention keeps, then restores; the model
    offered a backup pruning had removed."""
    m = LedgerSequences()
    try:
        for step in ["b", "b", "b", 43, "b", "b", "b", "edit", "b", "b", "b", 43, 33]:
            if step == "b":
                m.backup()
            elif step == "edit":
                m.person_edit(("field", CODES[0], "remark", "人改"))
            else:
                m.restore(step)
            m.ledger_is_the_model()
        assert len(m.backups) >= bk.KEEP_LAST
    finally:
        m.teardown()


HAND, OTHER_HAND = "武汉甲2科技有限公司", "武汉手2科技有限公司"
# interleavings the fixed seed of CI (derandomized) may never reach, always played: each step a rule and its
# arguments, the model checked after every one
PLAYED = {
    "backup, undo, restore, undo again": [("import_list", [r(0, "乙"), r(2)]), ("backup",), ("undo", 0, False),
                                          ("restore", 0), ("undo", 0, False), ("restore", 1), ("undo", 0, True)],
    "a batch made after the backup, withdrawn by its restore, then undone": [
        ("backup",), ("import_list", [r(3, remark="一")]), ("restore", 0), ("undo", 0, False),
        ("import_again", 0), ("undo", 1, True)],
    "the same file twice, the first undone": [("import_list", [r(0, "乙", former="旧名"), r(2)]), ("import_again", 0),
                                              ("undo", 0, False), ("undo", 0, True), ("undo", 1, False)],
    "a hand-entered record given its code by a list, merged, the list undone, the merge undone": [
        ("person_edit", ("hand", HAND, "kexiao")), ("import_list", [r(2)]),
        ("person_edit", ("hand", OTHER_HAND, "xinxing")), ("person_edit", ("merge", CODES[2], OTHER_HAND)),
        ("import_again", 0), ("undo", 0, True), ("undo_merge",), ("undo", 1, True)],
    "a merge, a list touching the kept firm, the merge undone, a backup of the merge restored": [
        ("import_list", [r(2)]), ("person_edit", ("hand", OTHER_HAND, "xinxing")), ("backup",),
        ("person_edit", ("merge", CODES[2], OTHER_HAND)), ("backup",), ("import_list", [r(2, "乙", remark="二")]),
        ("undo_merge",), ("undo", 1, False), ("redo_merge",), ("undo", 1, True), ("undo_merge",), ("restore", 1),
        ("undo", 1, True), ("restore", 0)],
    "a firm merged, then binned and purged, the merge's undo refused": [
        ("person_edit", ("hand", OTHER_HAND, None)), ("person_edit", ("merge", CODES[0], OTHER_HAND)),
        ("person_edit", ("remove", CODES[0])), ("person_edit", ("purge", CODES[0])), ("undo_merge",)],
}


@pytest.mark.parametrize("steps", PLAYED.values(), ids=PLAYED.keys())
def test_a_sequence_ci_must_try(steps):
    m = LedgerSequences()
    try:
        for name, *args in steps:
            getattr(m, name)(*args)
            m.ledger_is_the_model()
    finally:
        m.teardown()


LedgerSequences.TestCase.settings = settings(max_examples=4, stateful_step_count=8, deadline=None,
                                             suppress_health_check=list(HealthCheck))
test_sequences_quick = LedgerSequences.TestCase


class LedgerSequencesLong(LedgerSequences):
    pass


# CI runs the slow set on every landing: 25 sequences of 14 steps (about 4 minutes here). XINGTU_SEQUENCES=N
# explores more: 80 derandomised sequences (CI=true) pass (14 min); the failure they once found was the model
# offering a backup that retention had pruned (test_eleven_backups_then_restores), and a deadlock of the lock table
# when a dropped Ledger was finalized inside try_acquire (tests/reliability/test_lock.py)
LedgerSequencesLong.TestCase.settings = settings(max_examples=int(os.environ.get("XINGTU_SEQUENCES", "25")),
                                                 stateful_step_count=14, deadline=None,
                                                 suppress_health_check=list(HealthCheck))
test_sequences_long = pytest.mark.slow(LedgerSequencesLong.TestCase)
