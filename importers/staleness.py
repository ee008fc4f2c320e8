"""Is an import plan still right? The check ``commit`` makes before it writes: a plan refuses only when something
it depends on changed since its preview, so an officer's import is not refused by another officer's unrelated work.

A plan depends on
- the firms it matched (by code, by name, by a former name, by the organisation code inside an old code): any
  change of one of them, of its designations (the tiers of a ladder the rows are placed against) or of its
  former names;
- the absence of any other firm with a code or a name (current or former) of its rows: a firm that appeared, or
  changed its code or name, since the preview could be the one a row means (the row would now match it, or
  match two);
- for an officer of a shared ledger, the firms of other streets with a new row's code or name (the server hides
  them; db/pg/session.other_street_firms tells their street): a row the preview let through as new would now be
  another street's firm;
- the catalog: the stages (their keys, names, aliases, validity) and the streets. A catalog change after the
  mark refuses (an officer of a shared ledger cannot read the admin's catalog audit rows: there the catalog the
  ledger holds since the preview is compared with the catalog now, and the stages and streets the rows name
  must still be there).
What changed since the preview is read by db/plan_staleness.py. In doubt it refuses: a plan on a shared ledger
that recorded no snapshot of the server at its preview.
"""
from __future__ import annotations

from operator import itemgetter

from db import catalog_store, plan_staleness
from importers.plan import ERROR, NEW, UNCHANGED, UPDATE

WHY_FIRM = "企业“{name}”在预览之后被修改"
WHY_NEW = "台账中出现了与名单第 {row} 行同代码或同名称的企业“{name}”"
WHY_OTHER = "其他街道出现了与名单第 {row} 行同代码或同名称的企业（{street}）"
WHY_CATALOG = "认定类别目录在预览之后被修改"
WHY_STREET = "名单中的街道“{street}”在预览之后被改名或停用"
WHY_MARK = "预览时没有记下共享台账的状态，无法核对预览之后的修改，请重新预览"
WHY_GONE = "名单第 {row} 行匹配的企业在预览之后已不在您可查看的街道内"


def why_stale(ledger, conn, plan) -> str | None:
    """The reason the plan can no longer be committed as previewed (one Chinese phrase), or None."""
    store = plan.store
    if ledger.shared:       # the firms commit writes to: no one changes them between this check and those writes
        matched = {f for f, st, inc in zip(store.firm_id, store.status, store.include, strict=True)
                   if f and inc and st in (UPDATE, UNCHANGED)}
        gone = plan_staleness.hold(conn, matched)
        if gone:            # moved to a street the login cannot see (its audit rows are hidden with it)
            return WHY_GONE.format(row=store.excel_row[store.firm_id.index(min(gone))])
        # another import writing a firm of a row's code or name (making it, or renaming a firm to it), not yet
        # committed, is waited for: then seen
        rows = [i for i in range(len(store)) if store.status[i] in (NEW, UPDATE, UNCHANGED) and store.include[i]]
        plan_staleness.hold_keys(conn, [v for i in rows for v in (store.code[i], store.key[i])])
    since = plan_staleness.since(conn, plan.audit_mark, ledger.shared, plan.audit_snapshot)
    if since.mark_lost:
        return WHY_MARK
    changed = since.firms | plan_staleness.batch_touched(conn, since.batches)
    changed = changed.intersection(store.firm_id) - {0} if changed else changed      # the firms the plan matched
    if changed:
        return WHY_FIRM.format(name=plan_staleness.firm_name(conn, min(changed)))
    if since.catalog:
        return WHY_CATALOG
    return (_new_namesake(conn, store, since) or _other_street(ledger, conn, store)
            or _catalog(ledger, conn, plan))


def _new_namesake(conn, store, since) -> str | None:
    """A firm changed or made since the preview that has a code, name or former name of a row of the plan (the
    rows are searched for those few values, not indexed: a list of a million rows costs milliseconds)."""
    candidates = since.firms | plan_staleness.batch_named(conn, since.batches)
    for fid, code, key, former in plan_staleness.names_of(conn, candidates):
        codes = {code, code[8:17]} - {None, ""} if code else set()      # a row may give the old organisation code
        keys = {key, *former} - {None, ""}
        for column, wanted in ((store.code, codes), (store.vcode, codes), (store.key, keys)):
            found = wanted.intersection(column)
            if found:
                row = min(column.index(v) for v in found)
                return WHY_NEW.format(row=store.excel_row[row], name=plan_staleness.firm_name(conn, fid))
    return None


def _other_street(ledger, conn, store) -> str | None:
    if not (ledger.shared and getattr(ledger, "role", None) == "officer"):
        return None
    from db.pg.session import other_street_firms  # noqa: PLC0415  (a shared ledger only: a file's import never loads db.pg)
    new = [i for i in range(len(store)) if store.status[i] == NEW and store.include[i]]
    by_row: dict[str, int] = {}
    for i in new:
        if store.code[i]:
            by_row.setdefault(store.code[i], i)
        if store.key[i]:
            by_row.setdefault(store.key[i], i)
    by_code, by_key = other_street_firms(conn, [store.code[i] for i in new if store.code[i]],
                                         [store.key[i] for i in new if store.key[i]])
    for value, street in (*by_code.items(), *by_key.items()):
        return WHY_OTHER.format(row=store.excel_row[by_row[value]], street=street)
    return None


def _catalog(ledger, conn, plan) -> str | None:
    """The stages as the plan was made with them (the ledger's catalog, which commit writes with) against the
    catalog now; the streets the rows to write name against the streets now."""
    fresh = catalog_store.load_catalog(conn)
    if fresh.tracks != ledger.catalog().tracks:
        return WHY_CATALOG
    store = plan.store
    keys = {s.key for s in fresh.stages}
    if plan.stage and plan.stage not in keys:
        return WHY_CATALOG
    used = set(map(itemgetter(0), filter(None, store.des)))
    used.update(d[0] for more in store.more_des.values() for d in more)
    if used - keys:
        return WHY_CATALOG
    col = store.cols.get("street")
    if col is None:
        return None
    gone = set(col) - {name for _, name in catalog_store.streets(conn)} - {None, ""}
    for i, street in enumerate(col) if gone else ():
        if street in gone and store.status[i] != ERROR and store.include[i]:
            return WHY_STREET.format(street=street)
    return None
