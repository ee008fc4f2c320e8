"""Write an import plan: one checked backup, then one transaction, one batch, every change audited (a created
firm or designation by the batch's row, a change of an existing firm by its before/after row).

This module turns the plan's rows into plain values; every write goes through the write API in db/
(db.bulk for the volume path, db.ledger.Writer for renames, former names and the tiers of a ladder), so
each ledger rule (pinyin, former names, one tier of a ladder at a time, the audit row) exists once.
The backup is taken here, whoever commits (the command line or the app's wizard): one per import.
"""
from __future__ import annotations

from datetime import date
from operator import itemgetter

from db import bulk
from db.backup import backup_before
from importers import infer, mapping_store, staleness
from importers.errors import InputError
from importers.plan import CODE_STATUSES, ERROR, NEW, UNCHANGED, UPDATE, USABLE_CODES, Cancelled, ImportPlan, gc_paused
from importers.plan_clean import OPEN_END
from pipeline.fields import BY_KEY, FIRM_ATTRS

CHUNK = bulk.CHUNK
BULK = bulk.BULK
FIRM_COLUMNS = FIRM_ATTRS
MSG_STALE = "预览之后台账已被修改（可能是另一位专员或另一次导入），请重新预览后再导入"
WHY_RACE = "导入的同时，另一位专员录入了名单中某行同代码或同名称的企业"
_USABLE = {CODE_STATUSES.index(x) for x in USABLE_CODES}


def _plain(v):
    return v.isoformat() if isinstance(v, date) else v


def commit(ledger, plan: ImportPlan, *, progress=None, cancel=None, remember_mapping: bool = False,
           timings: dict | None = None) -> int:
    """Write *plan* as one batch; returns its id. ``remember_mapping``: the person asked to remember the column
    mapping for files with the same header (importers.mapping_store); never otherwise. ``timings``: filled with
    {step: seconds} (the bench's breakdown of a commit)."""
    store = plan.store
    todo = [i for i, st in enumerate(store.status) if st != ERROR and st <= UPDATE and store.include[i]]
    done = 0
    lap = bulk.Laps(timings)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(todo))
        if cancel and cancel():
            raise Cancelled()

    backup_before(ledger, "import")  # the one checked backup of an import (db/backup.py); raises if it fails
    lap("backup")
    try:
        with gc_paused(), ledger.write("import") as w:        # the collector paused: importers.plan.gc_paused
            stale = staleness.why_stale(ledger, w.conn, plan)     # what the plan depends on (importers/staleness.py)
            if stale:
                raise InputError(f"{MSG_STALE}（{stale}）", file=plan.file)
            batch = _write(w, plan, todo, tick, lap)
            if remember_mapping:
                mapping_store.remember(ledger, plan.headers, plan.mapping, source="import")
    except ledger.engine.integrity_errors as exc:
        if not ledger.shared:        # the file has one writer: the check above saw everything
            raise
        # a shared ledger: a colleague's write, still open at the check (so unseen), committed a firm with a
        # row's code or name while this insert waited on it; everything is rolled back
        raise InputError(f"{MSG_STALE}（{WHY_RACE}）", file=plan.file) from exc
    lap("commit")
    return batch


def _write(w, plan: ImportPlan, todo: list[int], tick, lap) -> int:
    """The batch's rows, inside the import's transaction (the plan checked as still right); the batch's id."""
    store = plan.store
    counts = plan.counts()
    mapping = {plan.headers[i] if i < len(plan.headers) else str(i): f for i, f in sorted(plan.mapping.items())}
    batch = bulk.open_batch(w, file_name=plan.file, sha256=plan.sha256, sheet=plan.sheet, kind=plan.kind,
                            stage_key=plan.stage, mapping=mapping, counts=counts)
    bulk.audit_batch(w, {"file": plan.file, "sha256": plan.sha256, "kind": plan.kind, "stage": plan.stage, **counts})
    street_ids = {name: sid for sid, name in w.ledger.streets()}
    lap("batch")
    news, updates = [i for i in todo if store.status[i] == NEW], [i for i in todo if store.status[i] == UPDATE]
    _new_firms(w, plan, news, street_ids, tick, lap)
    _updates(w, store, updates, street_ids, tick)
    lap("updates")
    _former_names(w, store, todo)
    lap("former_names")
    _designations(w, w.ledger.catalog(), store, todo)
    lap("designations")
    asserted = _asserted(store, street_ids)
    bulk.record_rows(w, asserted)
    lap("batch_rows")
    bulk.analyze_touched(w, {"firms": len(news) + len(updates), "batch_rows": len(asserted)})
    lap("analyze")
    return batch


def _new_firms(w, plan, news: list[int], street_ids: dict, tick, lap) -> None:
    """New firms, built column by column (one C-level pick per column; db.bulk zips them as it writes)."""
    store = plan.store
    if not news:
        return
    present = [c for c in FIRM_COLUMNS if c in set(plan.mapping.values())]
    columns = ("code", "code_raw", "code_status", "name", "name_key", "street_id", *present, "needs_review")
    pick = _picker(news)
    codes, statuses = pick(store.code), pick(store.code_status)
    usable = [cs in _USABLE for cs in statuses]
    extras = []
    for c in present:
        values = pick(store.cols[c]) if c in store.cols else [None] * len(news)
        extras.append([_plain(v) for v in values] if BY_KEY[c].kind == "date" else values)
    streets = pick(store.cols["street"]) if "street" in store.cols else [None] * len(news)
    data: list[list] = [[c if u else None for c, u in zip(codes, usable, strict=True)],
                        [None if u else c for c, u in zip(codes, usable, strict=True)],
                        [CODE_STATUSES[cs] for cs in statuses], pick(store.name), pick(store.key),
                        [street_ids.get(s) for s in streets], *extras, pick(store.review)]
    lap("new_firms_rows")
    for i, fid in zip(news, bulk.insert_firms(w, columns, data, tick, lap), strict=True):
        store.firm_id[i] = fid


def _picker(rows: list[int]):
    """A function giving the values of a column at *rows*, in order (a list, also for one row)."""
    get = itemgetter(*rows)
    return (lambda col: [get(col)]) if len(rows) == 1 else (lambda col: list(get(col)))


def _updates(w, store, updates: list[int], street_ids: dict, tick) -> None:
    """Changes of existing firms through the write API: a rename keeps the old name as a former name."""
    seen_on = date.fromisoformat(w.stamp[:10])
    for start in range(0, len(updates), CHUNK):
        chunk = updates[start:start + CHUNK]
        plain: dict[int, dict] = {}
        for i in chunk:
            changes = store.changes.get(i)
            if not changes:
                continue
            fid = store.firm_id[i]
            sets = {("street_id" if k == "street" else k): (street_ids.get(new) if k == "street" else new)
                    for k, (_old, new) in changes.items() if k != "name"}
            if "name" in changes:
                w.rename_firm(fid, changes["name"][1], seen_on)
            if sets:
                if fid in plain:                   # the same firm twice in a chunk: keep the order of writes
                    w.update_firms(plain)
                    plain = {}
                plain[fid] = sets
        w.update_firms(plain)
        tick(len(chunk))


def _former_names(w, store, todo: list[int]) -> None:
    """A mapped 曾用名 column: each value becomes a former name of the firm (audited, searchable), also on a
    row that changes nothing else (the plan counts it unchanged). The firm's current name is not a former name."""
    col = store.cols.get("former_name")
    if col is None:
        return
    rows = set(todo) | {i for i, st in enumerate(store.status) if st == UNCHANGED and store.include[i]}
    current = {}
    for i in sorted(rows):
        fid = store.firm_id[i]
        names = infer.former_names(col[i])
        if not fid or not names:
            continue
        if fid not in current:
            current[fid] = w.firm(fid)["name"]
        for name in names:
            if name != current[fid]:
                w.add_alias(fid, name)


def _designations(w, catalog, store, todo: list[int]) -> None:
    exclusive = {s.id for t in catalog.tracks if t.exclusive for s in t.stages}
    rows = []
    spans: dict = {}            # (stage key, start, end) -> (stage id, start ISO, end ISO): few distinct in a list
    for i in todo:
        d1 = store.des[i]
        if d1 is None:
            continue
        fid = store.firm_id[i]
        for key, start, end, evidence, list_name, _ in store.more_des.get(i, (d1,)):
            span = spans.get((key, start, end))
            if span is None:
                stage = catalog.stage(key)
                stop = None if end == OPEN_END else end if end is not None else stage.end_for(start)
                span = spans[(key, start, end)] = (stage.id, start.isoformat(), stop.isoformat() if stop else None)
            if span[0] in exclusive:        # one tier of a ladder at a time: the write API's rule
                is_open = end == OPEN_END   # 长期 in the ledger's export: held without an end
                w.add_designation(fid, key, start, None if is_open else end, evidence=evidence, list_name=list_name,
                                  open_end=is_open)
            else:
                rows.append((fid, *span, evidence, list_name))
    bulk.insert_designations(w, rows)


def _asserted(store, street_ids: dict) -> list[tuple[int, dict]]:
    """What the list said about each existing firm it matched: the non-blank firm fields of the row."""
    out = []
    fields = [f for f in ("street", *FIRM_COLUMNS, "former_name") if f in store.cols]
    for i, status in enumerate(store.status):
        if status not in (UPDATE, UNCHANGED) or not store.include[i] or not store.firm_id[i]:
            continue
        old_name = any(x.code == "old_name" for x in store.issues.get(i, ()))
        # a list using a former name asserts no name: it was matched through that former name (undo checks it)
        values = {"listed_as": store.name[i]} if old_name else {"name": store.name[i]}
        if store.code_status[i] in _USABLE:
            values["code"], values["code_status"] = store.code[i], CODE_STATUSES[store.code_status[i]]
        if store.review[i]:
            values["needs_review"] = 1
        for f in fields:
            v = store.cols[f][i]
            if v is None or v == "":
                continue
            if f == "street":
                if v in street_ids:
                    values["street_id"] = street_ids[v]
            elif f == "former_name":
                values[f] = infer.former_names(v)
            else:
                values[f] = _plain(v)
        out.append((store.firm_id[i], values))
    return out
