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
from db.creation import creation
from db.ledger import AUDIT_COLUMNS, Ledger
from db.restore import restore_checked
from importers.errors import InputError
from importers.plan import build_plan, commit_plan
from importers.undo import UndoConflict, UndoRefused, undo_batch
from tests.importers.undo_helpers import CODES, TODAY, batch, counts, fresh, state, write_list

FIELDS = st.sampled_from([("remark", "人改"), ("remark", None), ("industry", "制造"), ("street", "杨园"),
                          ("street", None)])
FIRM = st.integers(0, len(CODES) - 1)
EDITS = st.one_of(                                      # a person's edit in the app, through the write API
    st.builds(lambda k, change: ("field", CODES[k], *change), FIRM, FIELDS),
    st.builds(lambda k, tag: ("rename", CODES[k], f"武汉{tag}{k}科技有限公司"), FIRM, st.sampled_from(["人", "甲"])),
    st.builds(lambda k, stage, day: ("designation", CODES[k], stage, day), FIRM,   # star tiers: a star move
              st.sampled_from(["gaoqi", "kexiao", "fanxing", "xinxing"]),
              st.sampled_from(["2023-03-01", "2025-01-01"])),
    st.builds(lambda k: ("remove", CODES[k]), FIRM),                                # to the recycle bin
    st.builds(lambda k: ("unremove", CODES[k]), FIRM),                              # back out of the bin
    st.builds(lambda k: ("purge", CODES[k]), FIRM),                                 # deleted for good from the bin
    st.builds(lambda k, stage, end: ("designation_end", CODES[k], stage, end), FIRM,   # a person's date edit
              st.sampled_from(["gaoqi", "kexiao", "fanxing", "xinxing"]),
              st.sampled_from(["2024-12-31", "2027-01-01", None])),
    st.builds(lambda k, stage: ("designation_delete", CODES[k], stage), FIRM,
              st.sampled_from(["gaoqi", "kexiao", "fanxing", "xinxing"])))


def _audit(led) -> Counter:
    return Counter(led.conn.execute(f"SELECT {', '.join(AUDIT_COLUMNS)} FROM audit").fetchall())


def _ids(led) -> dict[str, int]:
    return {code: fid for fid, code in led.conn.execute("SELECT id, code FROM firms WHERE deleted_at IS NULL")}


def _binned(led) -> dict[str, int]:
    return {code: fid for fid, code in led.conn.execute("SELECT id, code FROM firms WHERE deleted_at IS NOT NULL")}


def apply_edit(led, op) -> bool:
    """Apply a person's edit *op* to *led*; whether it changed anything (a firm it names missing: nothing).
    A designation of a star tier is a star move: the write API ends the tier held (one tier per ladder)."""
    if op[0] in ("unremove", "purge"):
        fid = _binned(led).get(op[1])
        if fid is None:
            return False
        with led.write() as w:
            w.restore_firm(fid) if op[0] == "unremove" else w.purge_firm(fid)
        return True
    fid = _ids(led).get(op[1])
    if fid is None:
        return False
    if op[0] in ("designation_end", "designation_delete"):
        held = led.conn.execute("SELECT d.id, d.start_date FROM designations d JOIN stages s ON s.id = d.stage_id "
                                "WHERE d.firm_id = ? AND s.key = ? AND d.deleted_at IS NULL ORDER BY d.start_date, "
                                "d.id LIMIT 1", (fid, op[2])).fetchone()
        if held is None or (op[0] == "designation_end" and op[3] is not None and op[3] <= held[1]):
            return False
        with led.write() as w:
            if op[0] == "designation_delete":
                w.delete_designation(held[0])
                return True
            return bool(w.update_designation(held[0], end_date=op[3]))
    with led.write() as w:
        if op[0] == "field":
            field, value = op[2], op[3]
            if field == "street":
                field, value = "street_id", led.street_id(value) if value else None
            return bool(w.update_firm(fid, **{field: value}))
        if op[0] == "rename":
            before = w.firm(fid)["name"]
            w.rename_firm(fid, op[2])
            return w.firm(fid)["name"] != before
        if op[0] == "remove":
            w.remove_firm(fid)
            return True
        taken = led.conn.execute("SELECT COUNT(*) FROM designations d JOIN stages s ON s.id = d.stage_id WHERE "
                                 "d.firm_id = ? AND s.key = ? AND d.deleted_at IS NULL", (fid, op[2])).fetchone()[0]
        if taken:
            return False
        w.add_designation(fid, op[2], op[3])
        return True


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
        self.seen = _audit(self.led)
        self.changed_by_restore = False

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
        before, ids = state(self.led), _ids(self.led)
        top = self.led.conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
        action()
        after = state(self.led)
        now = _audit(self.led)
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
                assert (ids.get(code) or _ids(self.led).get(code)) in touched, f"{code} changed, no audit row"

    # rules ----------------------------------------------------------------------------------------
    @rule(rows=batch)
    def import_list(self, rows) -> None:
        self.n += 1
        path = write_list(self.dir, self.n, rows)

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
            if apply_edit(self.led, op):
                self.log.append({"kind": "edit", "op": op})
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
            extra, now = _audit(self.led) - union, _audit(self.led)
            assert not (union - now), "a restore lost audit rows"
            assert [r[3] for r in extra.elements()] == ["restore"], "a restore duplicated audit rows"
            self.backups.append((report.saved.path, *current))      # the state replaced, restorable again
            self._kept()
            gone = {b: ("withdrawn" if s == "live" else s) for b, s in self.status.items() if b not in status}
            self.status = {**status, **gone}
            self.log = copy.deepcopy(log)
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
