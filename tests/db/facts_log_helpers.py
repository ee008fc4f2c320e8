"""What the tests of the dashboard cache's log share (tests/db/test_facts_log*.py): the full read they compare with,
a count of full reads, and one write of each kind through the ledger's API."""
from datetime import date, timedelta

import numpy as np
from hypothesis import event

from db import dashboard_queries, facts_cache
from importers.plan import build_plan, commit_plan
from importers.undo import UndoConflict, UndoRefused, undo_batch
from tests.importers.undo_helpers import TODAY, write_list

COLUMNS = ("firm", "stage", "start", "end", "street_of")
FULL_READ = dashboard_queries.load_facts


def tampered_backup(ledger, dest):
    """A backup of *ledger* written to around its triggers: facts_designation_au dropped, then the first live
    designation's start date changed (a change its log misses)."""
    import sqlite3

    from db import backup as bk
    info = bk.backup(ledger, dest, "manual")
    raw = sqlite3.connect(info.path, isolation_level=None)
    bk.backup_seal.remove(info.path)      # unsealed, as a backup from before seals: a sealed one edited is refused
    raw.execute("DROP TRIGGER facts_designation_au")
    raw.execute("UPDATE designations SET start_date = '2001-02-03' WHERE id = (SELECT min(id) FROM designations "
                "WHERE deleted_at IS NULL)")
    raw.close()
    return info


def same(a, b) -> bool:
    return all(np.array_equal(getattr(a, k), getattr(b, k)) for k in COLUMNS)


def load(led, folder):
    return facts_cache.load_facts(led.conn, led.path, folder)


def full(led):
    return FULL_READ(led.conn, led.path)


def _pick(led, sql: str, k: int):
    rows = [r[0] for r in led.conn.execute(sql)]
    return rows[k % len(rows)] if rows else None


def _stages(led) -> list[str]:
    return [r[0] for r in led.conn.execute("SELECT key FROM stages WHERE active = 1 ORDER BY id")]


LIVE_FIRMS = "SELECT id FROM firms WHERE deleted_at IS NULL ORDER BY id"
BINNED = "SELECT id FROM firms WHERE deleted_at IS NOT NULL ORDER BY id"
LIVE_DESIGNATIONS = "SELECT id FROM designations WHERE deleted_at IS NULL ORDER BY id"


def _day(k: int) -> str:
    return (date(2020, 1, 1) + timedelta(days=37 * k)).isoformat()


def apply(led, folder, op, state) -> None:
    """One write of the kind *op* names, through the ledger's API (a refused one, as a person's, changes nothing)."""
    kind, k, j = op
    with led.write() as w:
        if kind == "add":
            firm = _pick(led, LIVE_FIRMS, k)
            stages = _stages(led)
            w.add_designation(firm, stages[j % len(stages)], _day(j))
        elif kind == "end":
            did = _pick(led, LIVE_DESIGNATIONS, k)
            start = led.conn.execute("SELECT start_date FROM designations WHERE id = ?", (did,)).fetchone()[0]
            w.update_designation(did, end_date=(date.fromisoformat(start[:10]) + timedelta(days=30 + j)).isoformat())
        elif kind == "start":
            did = _pick(led, LIVE_DESIGNATIONS, k)
            w.update_designation(did, start_date="2001-01-0" + str(1 + j % 9))
        elif kind == "drop":
            w.delete_designation(_pick(led, LIVE_DESIGNATIONS, k))
        elif kind == "recycle":
            w.remove_firm(_pick(led, LIVE_FIRMS, k))
        elif kind == "restore" and (firm := _pick(led, BINNED, k)) is not None:
            w.restore_firm(firm)
        elif kind == "purge" and (firm := _pick(led, BINNED, k)) is not None:
            w.purge_firm(firm)
        elif kind == "street":
            streets = [None] + [s for s, _ in led.streets()]
            w.update_firm(_pick(led, LIVE_FIRMS, k), street_id=streets[j % len(streets)])
        elif kind == "new":
            w.insert_firm(f"武汉新增{state['n']}科技有限公司", street_id=led.streets()[j % 3][0])
            state["n"] += 1
        elif kind == "phone":          # not a fact of the dashboard: the cache holds as it is
            w.update_firm(_pick(led, LIVE_FIRMS, k), contact_phone=f"1380000{j:04d}")
        elif kind == "catalog":        # the catalog: "everything", a full read
            w.conn.execute("UPDATE stages SET name = name WHERE id = (SELECT min(id) FROM stages)")
    if kind == "import":
        rows = state["lists"][k % len(state["lists"])]
        batch_id = commit_plan(led, build_plan(led, write_list(folder, state["n"], rows), today=TODAY))
        state["n"] += 1
        if batch_id:
            state["batches"].append(batch_id)
    elif kind == "undo" and state["batches"]:
        try:
            undo_batch(led, state["batches"].pop())
        except (UndoConflict, UndoRefused):
            pass
    elif kind in ("merge", "unmerge"):
        _merge(led, kind, k, state)


def _merge(led, kind: str, k: int, state) -> None:
    """A record without a code merged into another firm (企业 → 合并为一家企业), or the latest merge taken back
    (Ctrl+Z); refused ones change nothing."""
    from db import merge
    from db.errors import LedgerError
    merges = state.setdefault("merges", [])
    try:
        with led.write() as w:
            if kind == "unmerge":
                if merges:
                    merge.unmerge(w, merges.pop())
                    event("a merge undone")
                return
            gone = _pick(led, "SELECT id FROM firms WHERE deleted_at IS NULL AND code IS NULL ORDER BY id", k)
            keep = _pick(led, LIVE_FIRMS, k // 7)
            if gone is not None and keep is not None:
                merges.append(merge.merge(w, keep, gone))
                event("merged")
    except LedgerError:
        pass


def backup_or_restore(led, folder, k: int, state):
    """The first time a backup of *led*; then each time, the restore of one of the backups taken so far (the window
    reopens the ledger: the undo stack of merges is cleared). Returns the ledger open on the same path."""
    from db import backup as bk
    from db.ledger import Ledger
    from db.restore import restore_checked
    backups = [b for b in state.get("backups", []) if b.exists()]     # retention may have pruned the oldest
    state["backups"] = backups
    if not backups or k % 3 == 0:
        backups.append(bk.backup(led.path, folder / "bk", "manual").path)
        return led
    path = led.path
    led.close()
    report = restore_checked(backups[k % len(backups)], path, folder / "bk")
    backups.append(report.saved.path)
    state["merges"] = []
    event("restored")
    state["batches"] = []           # the batches of the history replaced: an undo of one is refused (its own test)
    return Ledger(path, officer="测试专员")
