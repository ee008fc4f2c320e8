"""Undo of an import batch, exact in any order: the write side (importers/undo.py is the API).

The model: a firm's field holds the value of its latest *live* assertion, or, when none is live, its value
before the first change. An assertion is a firm's insert or update audit row, or what a batch's list said
about a firm it matched (``batch_rows``, changed or not); it is live unless its batch has been undone
(undo's own rows are not assertions). Undoing batch X marks X undone, then sets every field X asserted to
what the model gives. So a forced undo of A after B keeps what B changed or confirmed afterwards, restores
what only A set, and a later undo of B goes back past A to the original value.

A firm X created that a later live list matched stays, handed over to that list's batch with the values
the surviving assertions give (as if that list had created it). What cannot be restored exactly is refused,
naming the firms (``UndoRefused``), forced or not:
- a firm X created that a person changed afterwards (without X the firm would not have existed for them);
- a firm whose designations X added or changed when a later live change touched its designations or a
  later live list matched it (its designations, the tiers of a ladder above all, depend on both), or that was
  merged into another firm since (合并为一家企业, db/merge.py: that firm holds copies of them) until that is undone;
- a firm a later live list found through a former name that the undo takes away (without X that list
  would have renamed it).
Every row removed, restored or kept has one undo audit row, one per audit row of the batch.
"""
from __future__ import annotations

import json

from db import mappings
from db.creation import batch_row, created_designations_sql, created_values, creation
from db.errors import LedgerError
from db.ledger import FIRM_FIELDS
from db.mappings import PREFIX as MAPPING_PREFIX
from pipeline.names import name_key, pinyin_keys

MSG_REFUSED = ("撤销批次 {id} 无法把以下 {n} 家企业恢复为从未导入的样子（之后的导入或修改依赖这次导入）：{names}。"
               "请先撤销之后的批次或合并")
MSG_ELSEWHERE = ("撤销批次 {id} 未执行：这批导入的 {n} 家企业已移交您负责之外的街道（{streets}），您无权修改它们，"
                 "撤销会漏掉它们。请管理员撤销这一批次")
_MISSING = object()
_EMPTY = {"code_status": "no_code", "needs_review": 0}     # a firm's value where no surviving assertion gives one


class UndoRefused(LedgerError):
    """The batch cannot be undone exactly; ``firms`` lists (firm_id, name)."""

    def __init__(self, message: str, firms: list) -> None:
        super().__init__(message)
        self.firms = firms


def kept_out(conn, column: str = "id") -> str:
    """SQL true for an audit row that is not one a restore kept from the state it replaced. Those rows are the
    history of a ledger the restore discarded: no assertion, no conflict, no value before a change, no creation."""
    from db.restore import kept_ranges  # noqa: PLC0415
    return " AND ".join(f"{column} NOT BETWEEN {lo} AND {hi}" for lo, hi in kept_ranges(conn)) or "TRUE"


def live(conn, table: str = "") -> str:
    """SQL true for a live audit row (an assertion still in the ledger) of *table* (an alias, or the audit)."""
    p = f"{table}." if table else ""
    return (f"{p}source != 'undo' AND {kept_out(conn, p + 'id')} AND ({p}batch_id IS NULL OR {p}batch_id NOT IN "
            "(SELECT id FROM batches WHERE undone_at IS NOT NULL))")


def _name(conn, fid) -> str:
    row = conn.execute("SELECT name FROM firms WHERE id = ?", (fid,)).fetchone()
    return row[0] if row else ""


def _batch_rows(conn, batch_id: int) -> dict[int, dict]:
    return {fid: json.loads(v) for fid, v in
            conn.execute("SELECT firm_id, fields FROM batch_rows WHERE batch_id = ?", (batch_id,))}


def refused(conn, batch_id: int) -> list[tuple[int, str]]:
    """Firms the batch cannot be undone exactly for (see the module's docstring)."""
    last = conn.execute(f"SELECT MAX(id) FROM audit WHERE batch_id = ? AND source = 'import' AND {kept_out(conn)}",
                        (batch_id,)).fetchone()[0]
    if last is None:
        return []
    alive = live(conn)
    later_lists = ("SELECT r.firm_id FROM batch_rows r JOIN batches b ON b.id = r.batch_id "
                   "WHERE b.id > ? AND b.undone_at IS NULL")
    mine = "SELECT firm_id FROM audit WHERE batch_id = ? AND source = 'import' AND " + kept_out(conn) + " AND {cond}"
    created = "SELECT id FROM firms WHERE batch_id = ?"
    designated = (mine.format(cond="entity = 'designation'") + " UNION " +
                  created_designations_sql("?").replace("SELECT id ", "SELECT firm_id "))
    rows = conn.execute(
        f"SELECT DISTINCT firm_id FROM audit WHERE id > ? AND {alive} AND batch_id IS NULL AND firm_id IN ({created}) "
        f"UNION SELECT DISTINCT firm_id FROM audit WHERE id > ? AND {alive} AND entity = 'designation' "
        f"AND firm_id IN ({designated}) "
        f"UNION SELECT firm_id FROM ({later_lists}) later WHERE firm_id IN ({designated}) "
        # merged into another firm since (db/merge.py), and not taken back: that firm holds copies of its designations
        f"UNION SELECT DISTINCT firm_id FROM audit WHERE id > ? AND {alive} AND action = 'merge' "
        f"AND firm_id IN ({designated}) AND firm_id IN (SELECT id FROM firms WHERE deleted_at IS NOT NULL) ORDER BY 1",
        (last, batch_id, last, *[batch_id] * 3, batch_id, *[batch_id] * 3, last, *[batch_id] * 3)  # designated: 3 each
    ).fetchall()
    return [(fid, _name(conn, fid)) for (fid,) in rows]


def _still_found(conn, fids) -> list[int]:
    """Firms a live list found through a former name that is no longer one after the undo (without it that
    list would have renamed the firm: its plan depended on the batch being undone)."""
    bad = []
    for fid in sorted(fids):
        names = {name_key(n) for (n,) in conn.execute("SELECT name FROM firm_aliases WHERE firm_id = ?", (fid,))}
        for (fields,) in conn.execute("SELECT r.fields FROM batch_rows r JOIN batches b ON b.id = r.batch_id "
                                      "WHERE r.firm_id = ? AND b.undone_at IS NULL", (fid,)):
            listed = json.loads(fields).get("listed_as")
            if listed is not None and name_key(listed) not in names:
                bad.append(fid)
                break
    return bad


def _assertions(conn, fid: int) -> list[tuple[int, int | None, dict]]:
    """(position, batch or None, {field: value}) of the firm's live assertions, oldest first."""
    out = [(aid, batch, json.loads(after)) for aid, batch, after in conn.execute(
        f"SELECT id, batch_id, after FROM audit WHERE firm_id = ? AND entity = 'firm' "
        f"AND action IN ('insert', 'update') AND after IS NOT NULL AND {live(conn)}", (fid,))]
    made = creation(conn, fid)            # created by an import: its batch row is its creation (db/creation.py)
    if made is not None and not conn.execute("SELECT undone_at FROM batches WHERE id = ?", (made[1],)).fetchone()[0]:
        out.append((made[0], made[1], created_values(conn, fid, made[0])))
    out += [(pos, batch, json.loads(fields)) for batch, fields, pos in conn.execute(
        "SELECT r.batch_id, r.fields, (SELECT MAX(a.id) FROM audit a WHERE a.batch_id = r.batch_id "
        "AND a.source = 'import') FROM batch_rows r JOIN batches b ON b.id = r.batch_id "
        "WHERE r.firm_id = ? AND b.undone_at IS NULL", (fid,))]
    return sorted(out, key=lambda a: a[0] or 0)


def _base(conn, fid: int, field: str):
    """The field's value before its first recorded change (any batch), or _MISSING."""
    for (before,) in conn.execute("SELECT before FROM audit WHERE firm_id = ? AND entity = 'firm' AND action = "
                                  f"'update' AND source != 'undo' AND {kept_out(conn)} ORDER BY id", (fid,)):
        values = json.loads(before or "{}")
        if field in values:
            return values[field]
    return _MISSING


def _created_designations(conn, batch_id: int) -> list[tuple]:
    """The designations the batch added in bulk, as the insert audit rows they no longer have:
    (position, 'insert', 'designation', id, firm, None, after JSON)."""
    pos = batch_row(conn, batch_id)
    return conn.execute(
        "SELECT ?, 'insert', 'designation', d.id, d.firm_id, NULL, json_object('stage', s.key, 'start_date', "
        "d.start_date, 'end_date', d.end_date, 'evidence', d.evidence, 'list_name', d.list_name) "
        f"FROM designations d JOIN stages s ON s.id = d.stage_id WHERE d.id IN ({created_designations_sql('?')}) "
        "ORDER BY d.id DESC", (pos, batch_id, batch_id)).fetchall()


def _fields(conn, fid: int) -> dict:
    cur = conn.execute(f"SELECT {', '.join(FIRM_FIELDS)} FROM firms WHERE id = ?", (fid,))
    row = cur.fetchone()
    return dict(zip(FIRM_FIELDS, row, strict=True)) if row else {}


def _handed(conn, fid: int) -> bool:
    """The firm was created by a batch since undone (it was handed over to a later list)."""
    handed = conn.execute("SELECT 1 FROM audit WHERE firm_id = ? AND action = 'undo' AND entity = 'firm' "
                          "AND json_extract(after, '$.batch_id') IS NOT NULL "
                          f"AND {kept_out(conn)} LIMIT 1", (fid,)).fetchone()
    if handed:
        return True
    row = conn.execute("SELECT batch_id FROM audit WHERE entity = 'firm' AND action = 'insert' AND entity_id = ? "
                       f"AND source != 'undo' AND {kept_out(conn)} ORDER BY id LIMIT 1", (fid,)).fetchone()
    return bool(row and row[0] is not None and conn.execute(
        "SELECT undone_at IS NOT NULL FROM batches WHERE id = ?", (row[0],)).fetchone()[0])


def final_values(conn, fid: int, fields, *, base: bool | None = None) -> tuple[dict, dict]:
    """{field: value} the model gives for *fields* of firm *fid* (fields it cannot tell are left out), and
    {field: batch or None} of the assertion each value comes from. A firm handed over (``base`` False; by
    default found out) did not exist before its first surviving assertion: a field no survivor gives is empty."""
    if base is None:
        base = not _handed(conn, fid)
    values, owners = {}, {}
    found = _assertions(conn, fid)
    for field in fields:
        for _pos, batch, asserted in reversed(found):
            if field in asserted:
                values[field], owners[field] = asserted[field], batch
                break
        else:
            old = _base(conn, fid, field) if base else _EMPTY.get(field)
            if old is not _MISSING:
                values[field], owners[field] = old, None
    return values, owners


def set_firm(w, fid: int, values: dict) -> dict:
    """Write *values* into firm *fid* (the name's keys follow the name); returns {field: before} of what changed."""
    cur = w.conn.execute("SELECT * FROM firms WHERE id = ?", (fid,))
    row = cur.fetchone()
    if row is None:
        return {}
    current = dict(zip([d[0] for d in cur.description], row, strict=True))
    diff = {k: v for k, v in values.items() if k in current and current[k] != v}
    if not diff:
        return {}
    sets = dict(diff)
    if "name" in sets:
        sets["name_key"] = name_key(sets["name"])
        sets["pinyin"], sets["name_sort"] = pinyin_keys((sets["name"],))[0]
    last = w.conn.execute(f"SELECT MAX(at) FROM audit WHERE firm_id = ? AND entity = 'firm' AND {live(w.conn)}",
                          (fid,)).fetchone()[0]
    sets["updated_at"] = last or w.stamp          # the time of the firm's latest surviving change
    w.conn.execute(f"UPDATE firms SET {', '.join(f'{k} = ?' for k in sets)} WHERE id = ?", (*sets.values(), fid))
    return {k: current[k] for k in diff}


def hold(w, batch_id: int) -> None:
    """Shared ledger: lock every firm the batch made or named (in id order) before the undo reads what it may do. An
    import still writing one of them (it locked it: db/plan_staleness.hold) is waited for and then seen: an admin's
    undo read no later change, the officer's import committed an update of a firm the batch had created, and the
    undo deleted the firm with that update and its list row, no conflict named, the officer's batch left live
    (found by an attack; one at a time, the undo names the conflict, and forced hands the firm over). The file
    has one writer (BEGIN IMMEDIATE): nothing to lock."""
    if not w.ledger.shared:
        return
    # the batch's row first: two undos of one batch at once (both read it live before their write) wait for each other,
    # and the second finds it undone (importers/undo.py reads it again); a batch the login may not change: no row
    w.conn.execute(f"SELECT id FROM batches WHERE id = ?{w.ledger.engine.lock_rows}", (batch_id,)).fetchall()
    w.conn.execute("SELECT id FROM firms WHERE id IN (SELECT id FROM firms WHERE batch_id = ? UNION "
                   "SELECT firm_id FROM batch_rows WHERE batch_id = ? UNION SELECT firm_id FROM audit "
                   f"WHERE batch_id = ? AND firm_id IS NOT NULL){w.ledger.engine.lock_rows}",
                   (batch_id, batch_id, batch_id)).fetchall()


def out_of_reach(w, batch_id: int) -> None:
    """UndoRefused when the batch made or matched firms the login cannot see now (a shared ledger's officer, a firm an
    admin moved to another street): the undo would pass them by and mark the batch undone (found by an attack)."""
    away = w.ledger.engine.out_of_reach(w.conn, batch_id)
    if away:
        streets = "、".join(dict.fromkeys(s or "未分街道" for _f, s in away))
        raise UndoRefused(MSG_ELSEWHERE.format(id=batch_id, n=len(away), streets=streets),
                          [(fid, "") for fid, _s in away])


def undo(w, batch_id: int) -> dict:
    """Undo *batch_id* inside the open write *w* (source 'undo'); the caller checked refusals and conflicts."""
    conn = w.conn
    out_of_reach(w, batch_id)
    rows = conn.execute("SELECT id, action, entity, entity_id, firm_id, before, after FROM audit WHERE batch_id = ? "
                        f"AND source = 'import' AND entity != 'batch' AND {kept_out(conn)} ORDER BY id DESC",
                        (batch_id,)).fetchall()
    rows += _created_designations(conn, batch_id)      # their creation audit is the batch row (db/creation.py)
    listed = _batch_rows(conn, batch_id)
    conn.execute("UPDATE batches SET undone_at = ?, undone_by = ? WHERE id = ?",
                 (w.stamp, w.ledger.officer or w.ledger.user, batch_id))
    created = {fid for (fid,) in conn.execute("SELECT id FROM firms WHERE batch_id = ?", (batch_id,))}
    handed = _hand_over(w, batch_id, created)
    # created: no audit row of their own. Only integer firm ids: a text in audit.firm_id (written around the
    # program, or by the test fixtures' generator for v1-v8) made sorting them a TypeError (found by an attack)
    touched = {r[4] for r in rows if type(r[4]) is int} | set(listed) | created
    created -= set(handed)
    fields: dict[int, set] = {}
    for _id, action, entity, _eid, fid, _b, after in rows:
        if entity == "firm" and action == "update" and type(fid) is int:
            fields.setdefault(fid, set()).update(json.loads(after or "{}"))
    for fid, asserted in listed.items():
        fields.setdefault(fid, set()).update(k for k in asserted if k != "former_name")
    finals, changed = {}, {}
    for fid, names in fields.items():
        if fid not in created:
            finals[fid], _ = final_values(conn, fid, names)
            changed[fid] = set_firm(w, fid, finals[fid])
    out = {"batch": batch_id, "designations_removed": 0, "designations_restored": 0, "aliases_removed": 0,
           "firms_restored": sum(1 for c in changed.values() if c), "firms_removed": 0}
    audit, fates = [], {}
    for fid in sorted(touched):
        fate, removed = _reconcile_aliases(w, out, fid)
        fates.update(fate)
        audit += removed
    stuck = _still_found(conn, touched)
    if stuck:
        raise UndoRefused(MSG_REFUSED.format(id=batch_id, n=len(stuck), names="、".join(
            _name(conn, f) for f in stuck[:10])), [(f, _name(conn, f)) for f in stuck])
    for _id, action, entity, eid, fid, before, after in rows:
        if not (entity == "firm" and action == "insert" and eid in handed):      # audited by _hand_over
            audit.append(_undo_row(w, out, action, entity, eid, fid, before, after, changed, finals, fates))
    covered: dict[int, set] = {}
    for _id, action, entity, _eid, fid, _b, after in rows:
        if entity == "firm" and action == "update" and type(fid) is int:
            covered.setdefault(fid, set()).update(json.loads(after or "{}"))
    for fid, before in changed.items():             # values only the batch's list confirmed, now changed back
        extra = {k: v for k, v in before.items() if k not in covered.get(fid, ())}
        if extra:
            audit.append(("undo", "firm", fid, fid, extra, {k: finals[fid][k] for k in extra}))
    inserted = {r[3] for r in rows if r[2] == "firm" and r[1] == "insert"}
    audit += [("undo", "firm", fid, fid, {"batch_id": batch_id, **_fields(conn, fid)}, None)
              for fid in sorted(created - inserted)]  # created in bulk (db/creation.py), or handed over to the batch
    w.audit_many([a for a in audit if a is not None])
    for fid in sorted(created, reverse=True):
        out["firms_removed"] += conn.execute("DELETE FROM firms WHERE id = ?", (fid,)).rowcount
    out["firms_handed_over"] = len(handed)
    return out


def _hand_over(w, batch_id: int, created: set) -> dict[int, int]:
    """Firms the batch created that a later live list matched: {firm: that list's batch}. Each keeps the values
    the surviving assertions give (NULL where none does) and is now the later batch's own creation."""
    conn = w.conn
    out = {}
    for fid in sorted(created):
        row = conn.execute("SELECT MIN(r.batch_id) FROM batch_rows r JOIN batches b ON b.id = r.batch_id "
                           "WHERE r.firm_id = ? AND b.undone_at IS NULL AND b.id > ?", (fid, batch_id)).fetchone()
        if row[0] is None:
            continue
        owner = out[fid] = row[0]
        values, _ = final_values(conn, fid, FIRM_FIELDS, base=False)
        if not values.get("name"):          # the later list found it through a former name: it names no firm
            raise UndoRefused(MSG_REFUSED.format(id=batch_id, n=1, names=_name(conn, fid)), [(fid, _name(conn, fid))])
        before = set_firm(w, fid, values)
        conn.execute("UPDATE firms SET batch_id = ? WHERE id = ?", (owner, fid))
        w.audit("undo", "firm", fid, fid, {**before, "batch_id": batch_id}, {**{k: values[k] for k in before},
                                                                           "batch_id": owner})
    return out


# the columns an undo sets back on a designation: the keys of an audit row's JSON are data, never SQL (on a shared
# ledger an officer writes audit rows: a key holding SQL ran as the admin who undid the batch, found by an attack)
_DESIGNATION_UNDO = frozenset({"stage_id", "start_date", "end_date", "evidence", "list_name", "deleted_at"})
MSG_OTHER_FIRM = "撤销批次时发现认定 {id} 不属于审计记录所记的企业 {firm}，未撤销（审计记录与台账不符）"


def _of_its_firm(conn, done: int, eid, fid) -> None:
    """An undo acts on a designation only through the firm its audit row names (an officer's audit rows name only
    their own firms): one that now stands under another firm is refused, not skipped."""
    if not done and conn.execute("SELECT 1 FROM designations WHERE id = ?", (eid,)).fetchone() is not None:
        raise UndoRefused(MSG_OTHER_FIRM.format(id=eid, firm=fid), [])


def _undo_row(w, out, action, entity, eid, fid, before, after, changed, finals, fates):
    """Undo one audit row of the batch; returns its undo audit row (action, entity, id, firm, before, after)."""
    conn = w.conn
    before_v, after_v = json.loads(before) if before else None, json.loads(after) if after else None
    if entity == "firm" and action == "update":
        keys = list(after_v or {})
        now = {k: finals.get(fid, {}).get(k) for k in keys if k in finals.get(fid, {})}
        was = {k: changed.get(fid, {}).get(k, now.get(k)) for k in now}
        return ("undo", "firm", eid, fid, was, now)
    if entity == "firm" and action == "insert":
        return ("undo", "firm", eid, fid, after_v, None)
    if entity == "designation" and action == "insert":
        gone = conn.execute("DELETE FROM designations WHERE id = ? AND firm_id = ?", (eid, fid)).rowcount
        _of_its_firm(conn, gone, eid, fid)
        out["designations_removed"] += gone
        return ("undo", "designation", eid, fid, after_v, None) if gone else None
    if entity == "designation" and action == "update" and before_v:   # an update row names what it changed
        values = {k: v for k, v in before_v.items() if k in _DESIGNATION_UNDO}
        if not values:
            return None
        cols = ", ".join(f"{k} = ?" for k in values)
        done = conn.execute(f"UPDATE designations SET {cols} WHERE id = ? AND firm_id = ?",
                            (*values.values(), eid, fid)).rowcount
        _of_its_firm(conn, done, eid, fid)
        out["designations_restored"] += done
        return ("undo", "designation", eid, fid, after_v, values) if done else None
    if entity == "alias" and action == "insert":
        kept = fates.get(eid) == "kept"
        return ("undo", "alias", eid, fid, after_v, after_v if kept else None) if eid in fates else None
    if entity == "mapping":
        return _undo_mapping(w, before_v, after_v)
    return None


def _reconcile_aliases(w, out, fid: int) -> tuple[dict[int, str], list]:
    """Every former name of a firm the batch touched, against the model: a former name stays when a live
    write added it for its own sake (a 曾用名 value, a person), a live list still gives it as a former name,
    or the live sequence of the firm's names moved away from it; otherwise it is removed. Returns
    {alias id: 'kept' | 'removed'} and the undo audit rows of removed ones the batch did not add."""
    conn = w.conn
    found = _assertions(conn, fid)
    first = _MISSING if _handed(conn, fid) else _base(conn, fid, "name")
    seq = ([] if first is _MISSING else [first]) + [a["name"] for _p, _b, a in found if "name" in a]
    collapsed = [n for k, n in enumerate(seq) if k == 0 or seq[k - 1] != n]
    moved_from = set(collapsed[:-1])
    listed = {n for _p, _b, a in found for n in (a.get("former_name") or ())}
    renames = set()
    for b, before in conn.execute("SELECT batch_id, before FROM audit WHERE firm_id = ? AND entity = 'firm' "
                                  f"AND action = 'update' AND source != 'undo' AND {kept_out(conn)}", (fid,)):
        old = json.loads(before or "{}")
        if "name" in old:
            renames.add((b, old["name"]))
    live = {b for (b,) in conn.execute("SELECT id FROM batches WHERE undone_at IS NULL")}
    fate, audit = {}, []
    for aid, name, seen_on in conn.execute("SELECT id, name, seen_on FROM firm_aliases WHERE firm_id = ?",
                                           (fid,)).fetchall():
        made = conn.execute("SELECT batch_id, source FROM audit WHERE entity = 'alias' AND action = 'insert' "
                            f"AND entity_id = ? AND source != 'undo' AND {kept_out(conn)}", (aid,)).fetchall()
        if not made:
            continue                              # from before the audit knew where former names came from
        own = any((b is None or b in live) and (b, name) not in renames for b, _src in made)
        if own or name in listed or name in moved_from:
            fate[aid] = "kept"
            continue
        conn.execute("DELETE FROM firm_aliases WHERE id = ?", (aid,))
        out["aliases_removed"] += 1
        fate[aid] = "removed"
        if all(b != out["batch"] for b, _src in made):
            audit.append(("undo", "alias", aid, fid, {"name": name, "seen_on": seen_on}, None))
    return fate, audit


def _undo_mapping(w, before_v, after_v):
    """A mapping the batch remembered is forgotten again, or the one that stands without it put back: the latest
    remember or forget of that header still in force (not of an undone batch, not an undo). Only while the mapping
    is still the batch's: a later import's or a person's stays (undoing the first of two imports that remembered a
    mapping deleted the second's, and undoing the second then put back the first's: found by an attack)."""
    sig = (after_v or {}).get("signature")
    if not sig:
        return None
    conn = w.conn
    mine = {k: v for k, v in after_v.items() if k != "signature"}
    if mappings.read(conn, sig) != mappings.read_value(mine):
        return None
    standing = None
    for action, before, after in conn.execute(
            "SELECT a.action, a.before, a.after FROM audit a LEFT JOIN batches b ON b.id = a.batch_id "
            f"WHERE a.entity = 'mapping' AND a.action IN ('remember', 'forget') AND b.undone_at IS NULL "
            f"AND {kept_out(conn, 'a.id')} ORDER BY a.id DESC"):
        value = json.loads(after if action == "remember" else before or "{}") or {}
        if value.get("signature") == sig:
            standing = {k: v for k, v in value.items() if k != "signature"} if action == "remember" else None
            break
    if standing:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     (MAPPING_PREFIX + sig, json.dumps(standing, ensure_ascii=False)))
    else:
        conn.execute("DELETE FROM meta WHERE key = ?", (MAPPING_PREFIX + sig,))
    return ("undo", "mapping", None, None, after_v, {"signature": sig, **standing} if standing else None)
