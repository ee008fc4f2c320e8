"""Write an import plan: one transaction, one batch, every change audited so undo can restore it exactly.

Volume goes through ``executemany`` (new firms, new designations) and the audit
rows of created records are written by one ``INSERT … SELECT json_object(…)``
inside SQLite, so per-row Python work stays small. Updates, renames and the
closing of an exclusive track's current stage are rarer and go row by row.
"""
from __future__ import annotations

import json
import unicodedata
from datetime import date

from db.backup import backup_before
from importers.errors import InputError
from importers.plan import CODE_STATUSES, ERROR, NEW, UPDATE, Cancelled, ImportPlan
from pipeline.fields import FIRM_ATTRS
from pipeline.names import name_key, pinyin_keys

CHUNK = 5000
BULK = 500                      # from this many new firms on, the search index is filled in one statement
SEARCH_TRIGGER = "firm_search_ai"

# plan field key -> firms column (street is a name in the plan, an id in the ledger)
FIRM_COLUMNS = FIRM_ATTRS
INSERT_COLS = ("id", "code", "code_raw", "code_status", "name", "name_key", "pinyin", "name_sort", "street_id") + FIRM_COLUMNS + (
    "needs_review", "batch_id", "created_at", "updated_at")
AUDIT_FIRM_JSON = ", ".join(f"'{c}', {c}" for c in ("code", "code_raw", "code_status", "name", "street_id")
                            + FIRM_COLUMNS + ("needs_review",))

MSG_STALE = "预览之后台账已被修改（可能是另一位专员或另一次导入），请重新预览后再导入"


def _dumps(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def _plain(v):
    return v.isoformat() if isinstance(v, date) else v


def commit(ledger, plan: ImportPlan, *, progress=None, cancel=None) -> int:
    conn = ledger.conn
    catalog = ledger.catalog()
    street_ids = {name: sid for sid, name in ledger.streets()}
    store = plan.store
    inc = store.include
    todo = [i for i, st in enumerate(store.status) if st != ERROR and st <= UPDATE and inc[i]]
    total = len(todo)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, total)
        if cancel and cancel():
            raise Cancelled()

    backup_before(ledger, "import")  # a checked backup before every import (db/backup.py); raises if it fails
    with ledger.write("import") as w:
        mark = conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0]
        if mark != plan.audit_mark:
            raise InputError(MSG_STALE, file=plan.file)
        counts = plan.counts()
        mapping = {plan.headers[i] if i < len(plan.headers) else str(i): f for i, f in sorted(plan.mapping.items())}
        batch = conn.execute(
            "INSERT INTO batches (file_name, file_sha256, sheet, kind, stage_key, mapping, counts, os_user, officer, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (plan.file, plan.sha256, plan.sheet, plan.kind, plan.stage, json.dumps(mapping, ensure_ascii=False),
             json.dumps(counts, ensure_ascii=False), ledger.user, ledger.officer, w.stamp)).lastrowid
        w.batch_id = batch
        stamp = w.stamp
        audit_head = (stamp, ledger.user, ledger.officer)

        # 1. new firms, with explicit ids so their designations can refer to them
        first_firm = next_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM firms").fetchone()[0] + 1
        created: set[int] = set()                 # rows creating a firm
        status = store.status
        news = [i for i in todo if status[i] == NEW]
        suspended = _suspend_search_trigger(conn) if len(news) >= BULK else None
        dropped = _drop_indexes(conn, "firms") if _bulk(len(news), first_firm - 1) else None
        present = [c for c in FIRM_COLUMNS if c in set(plan.mapping.values())]
        cols = ("id", "code", "code_raw", "code_status", "name", "name_key", "pinyin", "name_sort", "street_id", *present,
                "needs_review", "batch_id", "created_at", "updated_at")
        insert = f"INSERT INTO firms ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        none = [None] * len(store)
        extras = [store.cols.get(c, none) for c in present]
        at = present.index("founded") if "founded" in present else None
        streets = store.cols.get("street", none)
        codes, names, code_status, review, firm_ids = store.code, store.name, store.code_status, store.review, \
            store.firm_id
        usable = {CODE_STATUSES.index(x) for x in ("ok", "bad_check", "accepted")}
        keys = store.key                        # the planner's name_key of each name
        for start in range(0, len(news), CHUNK):
            chunk = news[start:start + CHUNK]
            rows = []
            pinyins = pinyin_keys([names[i] for i in chunk])
            for i, (py, sort) in zip(chunk, pinyins):
                name, code, cs = names[i], codes[i], code_status[i]
                extra = [e[i] for e in extras]
                if at is not None and extra[at] is not None:
                    extra[at] = extra[at].isoformat()
                rows.append((next_id, code if cs in usable else None, code if cs not in usable else None,
                             CODE_STATUSES[cs], name, keys[i], py, sort, street_ids.get(streets[i]),
                             *extra, review[i], batch, stamp, stamp))
                firm_ids[i] = next_id
                next_id += 1
            created.update(chunk)
            conn.executemany(insert, rows)
            tick(len(chunk))
        if dropped:
            _recreate_indexes(conn, dropped)
        if suspended:
            _resume_search_trigger(conn, suspended, first_firm, next_id)
        if next_id > first_firm:
            conn.execute(
                "INSERT INTO audit (at, os_user, officer, action, entity, entity_id, firm_id, before, after, source, "
                f"batch_id) SELECT ?, ?, ?, 'insert', 'firm', id, id, NULL, json_object({AUDIT_FIRM_JSON}), 'import', ? "
                "FROM firms WHERE id >= ? AND id < ? ORDER BY id", (*audit_head, batch, first_firm, next_id))

        # 2. updates of existing firms (renames keep the old name as an alias)
        audit_rows = []
        updates = [i for i in todo if status[i] == UPDATE]
        for start in range(0, len(updates), CHUNK):
            chunk = updates[start:start + CHUNK]
            for i in chunk:
                changes = store.changes.get(i)
                if changes:
                    _update_firm(conn, firm_ids[i], changes, street_ids, stamp, batch, audit_head, audit_rows)
            if audit_rows:
                _flush_audit(conn, audit_rows)
            tick(len(chunk))

        # 3. designations
        _designations(conn, catalog, store, todo, created, batch, stamp, audit_head)

        w.audit("import", "batch", batch, None, None, {"file": plan.file, "sha256": plan.sha256, "kind": plan.kind,
                                                        "stage": plan.stage, **counts})
    return batch


def _bulk(new: int, existing: int) -> bool:
    """Rebuild rather than maintain the secondary indexes: a large batch relative to the table. Measured on
    100k new firms: inserting with migration 2's 18 indexes 3.0 s; without them 0.7 s + 1.0 s to rebuild
    (one sorted pass per index is ~2.5x cheaper per entry than a random B-tree insert)."""
    return new >= BULK and new >= existing


def _drop_indexes(conn, table: str) -> list[tuple[str, str]]:
    """Drop *table*'s own indexes (not UNIQUE/primary-key ones) inside the open transaction; returns their SQL.
    They are recreated by ``_recreate_indexes`` before the transaction ends, so a failure, a cancel or a kill
    rolls the drop back with everything else."""
    found = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                         "AND sql IS NOT NULL", (table,)).fetchall()
    for name, _ in found:
        conn.execute(f'DROP INDEX "{name}"')
    return found


def _recreate_indexes(conn, found: list[tuple[str, str]]) -> None:
    threads = conn.execute("PRAGMA threads").fetchone()[0]
    conn.execute("PRAGMA threads = 2")          # the sorter may use a helper thread for CREATE INDEX
    try:
        for _, sql in found:
            conn.execute(sql)
    finally:
        conn.execute(f"PRAGMA threads = {int(threads)}")


def _suspend_search_trigger(conn):
    """For a bulk load, the per-row search-index trigger (schema v2) is dropped inside the transaction and
    the new firms are indexed by one statement afterwards (≈5x faster); the trigger is recreated from its own
    SQL before the transaction ends, so a failure or a cancel rolls everything back together."""
    row = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (SEARCH_TRIGGER,)).fetchone()
    if not row:
        return None
    conn.execute(f"DROP TRIGGER {SEARCH_TRIGGER}")
    return row[0]


# the text of schema v2's _SEARCH_TEXT for a row of ``firms f`` in hand. ORDER BY id matters: FTS5 flushes its
# pending terms whenever a rowid is not above the last one, and without it the planner may walk a partial index
# on deleted_at IS NULL in another order (100k new firms: 2.5 s -> 1.3 s)
_NEW_SEARCH_TEXT = ("f.name || ' ' || coalesce((SELECT group_concat(a.name, ' ') FROM firm_aliases a "
                    "WHERE a.firm_id = f.id), '') || ' ' || f.pinyin")


def _resume_search_trigger(conn, sql, first: int, stop: int) -> None:
    conn.execute(f"INSERT INTO firm_search (rowid, text) SELECT f.id, {_NEW_SEARCH_TEXT} FROM firms f "
                 "WHERE f.id >= ? AND f.id < ? AND f.deleted_at IS NULL ORDER BY f.id", (first, stop))
    conn.execute(sql)


def _update_firm(conn, fid, changes, street_ids, stamp, batch, audit_head, audit_rows) -> None:
    sets, before, after = {}, {}, {}
    for key, (old, new) in changes.items():
        if key == "street":
            col, old_v, new_v = "street_id", street_ids.get(old) if old else None, street_ids.get(new)
        else:
            col, old_v, new_v = key, _plain(old), _plain(new)
        sets[col] = new_v
        before[col], after[col] = old_v, new_v
    if "name" in changes:
        old_name, new_name = changes["name"]
        cur = conn.execute(
            "INSERT OR IGNORE INTO firm_aliases (firm_id, name, name_key, seen_on, batch_id) VALUES (?, ?, ?, ?, ?)",
            (fid, old_name, name_key(old_name), stamp[:10], batch))
        if cur.rowcount:
            audit_rows.append((*audit_head, "insert", "alias", cur.lastrowid, fid, None,
                               _dumps({"name": old_name, "seen_on": stamp[:10]}), "import", batch))
        prev = conn.execute("SELECT name_key, pinyin, name_sort FROM firms WHERE id = ?", (fid,)).fetchone()
        sets["name_key"] = name_key(new_name)
        sets["pinyin"], sets["name_sort"] = pinyin_keys((new_name,))[0]
        before["name_key"], before["pinyin"], before["name_sort"] = prev
        after["name_key"], after["pinyin"], after["name_sort"] = sets["name_key"], sets["pinyin"], sets["name_sort"]
    prev_updated = conn.execute("SELECT updated_at FROM firms WHERE id = ?", (fid,)).fetchone()[0]
    sets["updated_at"] = stamp
    before["updated_at"], after["updated_at"] = prev_updated, stamp
    conn.execute(f"UPDATE firms SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", (*sets.values(), fid))
    audit_rows.append((*audit_head, "update", "firm", fid, fid, _dumps(before), _dumps(after), "import", batch))


def _flush_audit(conn, audit_rows: list) -> None:
    conn.executemany(
        "INSERT INTO audit (at, os_user, officer, action, entity, entity_id, firm_id, before, after, source, batch_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", audit_rows)
    audit_rows.clear()


def _designations(conn, catalog, store, todo, created, batch, stamp, audit_head) -> None:
    exclusive = {s.id: [x.id for x in t.stages] for t in catalog.tracks if t.exclusive for s in t.stages}
    first = next_id = conn.execute("SELECT COALESCE(MAX(id), 0) FROM designations").fetchone()[0] + 1
    rows, audit_rows = [], []
    des, more, firm_ids = store.des, store.more_des, store.firm_id
    spans: dict = {}            # (stage key, start, end) -> (stage id, start ISO, end ISO): few distinct in a list
    for i in todo:
        d1 = des[i]
        if d1 is None:
            continue
        fid = firm_ids[i]
        for key, start, end, evidence, list_name, _ in (more[i] if i in more else (d1,)):
            span = spans.get((key, start, end))
            if span is None:
                stage = catalog.stage(key)
                stop = end if end is not None else stage.end_for(start)
                span = spans[(key, start, end)] = (stage.id, start.isoformat(), stop.isoformat() if stop else None)
            sid, s_iso, e_iso = span
            if sid in exclusive and i not in created:
                _close_track(conn, fid, exclusive[sid], s_iso, stamp, batch, audit_head, audit_rows)
            rows.append((next_id, fid, sid, s_iso, e_iso, evidence, list_name, "import", batch, stamp))
            next_id += 1
    if audit_rows:
        _flush_audit(conn, audit_rows)
    if not rows:
        return
    conn.executemany(
        "INSERT INTO designations (id, firm_id, stage_id, start_date, end_date, evidence, list_name, source, batch_id, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute(
        "INSERT INTO audit (at, os_user, officer, action, entity, entity_id, firm_id, before, after, source, batch_id) "
        "SELECT ?, ?, ?, 'insert', 'designation', d.id, d.firm_id, NULL, json_object('stage', s.key, 'start_date', "
        "d.start_date, 'end_date', d.end_date, 'evidence', d.evidence, 'list_name', d.list_name), 'import', ? "
        "FROM designations d JOIN stages s ON s.id = d.stage_id WHERE d.id >= ? AND d.id < ? ORDER BY d.id",
        (*audit_head, batch, first, next_id))


def _close_track(conn, firm_id, stage_ids, start, stamp, batch, audit_head, audit_rows) -> None:
    """In an exclusive track (the star ladder) the current stage ends the day the new one starts."""
    marks = ",".join("?" * len(stage_ids))
    for did, old_end in conn.execute(
            f"SELECT id, end_date FROM designations WHERE firm_id = ? AND deleted_at IS NULL AND stage_id IN ({marks}) "
            "AND start_date < ? AND (end_date IS NULL OR end_date > ?)", (firm_id, *stage_ids, start, start)).fetchall():
        conn.execute("UPDATE designations SET end_date = ? WHERE id = ?", (start, did))
        audit_rows.append((*audit_head, "update", "designation", did, firm_id, _dumps({"end_date": old_end}),
                           _dumps({"end_date": start}), "import", batch))
