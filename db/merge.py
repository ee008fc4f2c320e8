"""Two records of one firm made one (企业 → 合并为一家企业), and that merge taken back.

An officer enters a firm by hand, a list later brings it under its registered name (the import warns of the near
name and never merges by itself), or two lists spell it two ways: the firm is in the ledger twice, and every figure
that counts it counts it twice. A merge keeps one record (*keep*) and puts the other (*gone*) in the recycle bin, so
it counts once, with everything the two held:

- gone's live designations the kept firm does not hold (same stage, same start) are added to it through
  ``Writer.add_designation`` (the one-tier-per-ladder rule applies as to any new designation), with their dates,
  evidence and list; one of a ladder on a day the kept firm holds another tier of it is not added: the two records
  disagree, and the plan says so (``clashes``) rather than choose;
- gone's name and former names become former names of the kept firm (search and the matching of lists find it);
- its live service records are copied to the kept firm;
- each field the kept firm leaves empty takes gone's value (street, industry, contacts, figures …); a field both
  fill differently keeps the kept firm's value, listed in ``differ``;
- gone goes to the recycle bin (its own rows stay as they were: restoring it is the undo).

Refused: one firm twice, a firm in the recycle bin, two different credit codes (two legal entities), and keeping
the one without a code when the other has one (keep that one: ``keeper``). Every write goes through the Writer
(audited, in one transaction); ``merge`` returns what it did, ``unmerge`` takes exactly that back, each change only
where it still holds what the merge wrote (db/conflict.py), else the undo is refused and nothing changes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from db import firm_file
from db.errors import LedgerError
from pipeline.catalog import Catalog
from pipeline.dates import parse_iso
from pipeline.fields import FIRM_ATTRS
from pipeline.ladder import place_tier
from pipeline.names import name_key

TAKEN = ("street_id", *FIRM_ATTRS)      # the fields an empty one of which the kept firm takes from the other
SERVICE = ("date", "officer", "kind", "notes", "follow_up")
DESIGNATION = ("stage_id", "start_date", "end_date", "evidence", "list_name")
OPEN = "9999-12-31"                     # an open end, compared as ISO days
MSG_SAME = "请选择两家不同的企业"
MSG_BIN = "“{name}”在回收站中，请先恢复再合并"
MSG_CODES = "两家企业的统一社会信用代码不同（{a}、{b}），是两家企业，不能合并"
MSG_DAY = "“{name}”的认定“{stage}”的日期“{day}”无法识别，请先在企业档案中改正再合并"
MSG_KEEP_CODED = "应保留有统一社会信用代码的“{name}”（{code}），另一家并入它"
MSG_SERVICE_DAY = "“{name}”的服务记录（{day}）中的日期“{value}”无法识别，请先在企业档案中改正再合并"
MSG_UNDO_PURGED = "无法撤销这次合并：合并涉及的企业（编号 {id}）此后已从回收站彻底删除"
MSG_UNDO_MERGED = ("“{name}”此后又并入了另一家企业（{into}），撤销这次合并会把这家企业算两次："
                   "请先撤销那次合并")


@dataclass
class MergePlan:
    keep: dict
    gone: dict
    fields: dict = field(default_factory=dict)          # {field: gone's value} where the kept firm's is empty
    differ: list[str] = field(default_factory=list)     # fields both fill, differently: the kept firm's stays
    designations: list[dict] = field(default_factory=list)  # gone's to add to the kept firm
    same: int = 0                                       # gone's the kept firm holds already
    clashes: list[dict] = field(default_factory=list)   # gone's ladder tiers on a day the kept firm holds another,
    #                                                     or that would end one of its tiers leaving days held by none
    shortened: list[tuple[dict, str]] = field(default_factory=list)  # the kept firm's tiers gone's end: (row, end)
    names: list[tuple[str, str | None]] = field(default_factory=list)  # (name, seen on): former names to add
    services: list[dict] = field(default_factory=list)  # gone's live service records, to copy
    same_services: int = 0                              # gone's the kept firm holds already (every field the same)


@dataclass
class MergeDone:
    """What ``merge`` wrote, for ``unmerge``: each row as written (what the undo expects to find)."""
    keep: int
    gone: int
    before: dict = field(default_factory=dict)          # the kept firm's fields before, and as the merge set them
    after: dict = field(default_factory=dict)
    added: dict[int, dict] = field(default_factory=dict)   # {designation id: its row as added}
    ended: list[tuple[int, str | None, str | None]] = field(default_factory=list)  # (id, end before, end set)
    dropped: list[int] = field(default_factory=list)    # same-day tiers the ladder rule replaced
    aliases: list[int] = field(default_factory=list)
    services: dict[int, dict] = field(default_factory=dict)
    mark: int = 0                                       # the merge's last audit row: later merges are after it


def firm_row(conn, firm_id: int) -> dict:
    """The firm's row (``firm_file.firm``); LedgerError, as ``Writer.firm``, when there is none."""
    found = firm_file.firm(conn, firm_id)
    if found is None:
        raise LedgerError(f"台账中没有编号为 {firm_id} 的企业")
    return found


def _rows(conn, sql: str, args) -> list[dict]:
    cur = conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def keeper(conn, a: int, b: int) -> tuple[int, int]:
    """(keep, gone) by default: the one with a credit code, else the one with more live designations, else the
    older record."""
    def weight(fid: int) -> tuple:
        firm = firm_row(conn, fid)
        held = conn.execute("SELECT COUNT(*) FROM designations WHERE firm_id = ? AND deleted_at IS NULL",
                            (fid,)).fetchone()[0]
        return (firm["code"] is not None, held, -fid)
    return (a, b) if weight(a) >= weight(b) else (b, a)


def plan(conn, catalog: Catalog, keep_id: int, gone_id: int) -> MergePlan:
    """What merging *gone_id* into *keep_id* writes; LedgerError (in Chinese) when it is refused."""
    if keep_id == gone_id:
        raise LedgerError(MSG_SAME)
    keep, gone = firm_row(conn, keep_id), firm_row(conn, gone_id)
    for firm in (keep, gone):
        if firm["deleted_at"]:
            raise LedgerError(MSG_BIN.format(name=firm["name"]))
    if keep["code"] and gone["code"]:
        raise LedgerError(MSG_CODES.format(a=keep["code"], b=gone["code"]))
    if gone["code"]:
        raise LedgerError(MSG_KEEP_CODED.format(name=gone["name"], code=gone["code"]))
    out = MergePlan(keep, gone)
    for key in TAKEN:
        mine, theirs = keep[key], gone[key]
        if theirs in (None, ""):
            continue
        if mine in (None, ""):
            out.fields[key] = theirs
        elif mine != theirs:
            out.differ.append(key)
    _plan_designations(conn, catalog, out)
    # by the matching key (firm_aliases is UNIQUE(firm_id, name_key)): a name the kept firm has already, written with
    # other brackets or spaces, is none to add (added, it took the key of the name its next rename keeps as a former
    # name, which was then not kept, and the undo deleted it)
    known = {name_key(keep["name"]), *(r[0] for r in conn.execute("SELECT name_key FROM firm_aliases WHERE "
                                                                  "firm_id = ?", (keep_id,)))}
    former = conn.execute("SELECT name, seen_on FROM firm_aliases WHERE firm_id = ? ORDER BY id", (gone_id,)).fetchall()
    for name, seen_on in [(gone["name"], None), *former]:
        if name_key(name) not in known:
            known.add(name_key(name))
            out.names.append((name, seen_on))
    services = f"SELECT {', '.join(SERVICE)} FROM service_records WHERE firm_id = ? AND deleted_at IS NULL " \
               "ORDER BY date, id"
    mine_too = {tuple(s.values()) for s in _rows(conn, services, (keep_id,))}  # one visit entered on both records
    theirs = _rows(conn, services, (gone_id,))
    out.services = [s for s in theirs if tuple(s.values()) not in mine_too]
    out.same_services = len(theirs) - len(out.services)
    for s in out.services:              # copied through add_service, which reads them as days
        for value, needed in ((s["date"], True), (s["follow_up"], False)):
            if _day(value) is None and (needed or value):
                raise LedgerError(MSG_SERVICE_DAY.format(name=gone["name"], day=s["date"], value=value))
    return out


def _plan_designations(conn, catalog: Catalog, out: MergePlan) -> None:
    sql = f"SELECT {', '.join(DESIGNATION)} FROM designations WHERE firm_id = ? AND deleted_at IS NULL " \
          "ORDER BY start_date, id"
    mine = _rows(conn, sql, (out.keep["id"],))
    held = {(d["stage_id"], d["start_date"]) for d in mine}
    ladder_days = {(catalog.by_id(d["stage_id"]).track, d["start_date"]) for d in mine
                   if catalog.track(catalog.by_id(d["stage_id"]).track).exclusive}
    ladders: dict[str, list[list]] = {}     # each ladder's tiers as add_designation sees them: [row, start, end, kept]
    for d in mine:
        if _on_ladder(catalog, d["stage_id"]):
            ladders.setdefault(catalog.by_id(d["stage_id"]).track, []).append([d, d["start_date"], d["end_date"], True])
    for d in _rows(conn, sql, (out.gone["id"],)):
        stage = catalog.by_id(d["stage_id"])
        for day in (d["start_date"], d["end_date"]):
            if _day(day) is None and day:       # written around the program: a person corrects it first
                raise LedgerError(MSG_DAY.format(name=out.gone["name"], stage=stage.name, day=day))
        if (d["stage_id"], d["start_date"]) in held:
            out.same += 1
        elif not catalog.track(stage.track).exclusive:
            out.designations.append(d)
        elif (stage.track, d["start_date"]) in ladder_days:
            out.clashes.append(d)
        else:
            placed = _ladder_step(ladders.setdefault(stage.track, []), d, _on_ladder(catalog, d["stage_id"]))
            (out.clashes if placed is None else out.designations).append(placed or d)
    out.shortened = [(row, end) for tiers in ladders.values() for row, _s, end, kept in tiers
                     if kept and end != row["end_date"]]


def _on_ladder(catalog: Catalog, stage_id: int) -> bool:
    """A stage add_designation places one tier at a time (an active stage of an exclusive track)."""
    track = catalog.track(catalog.by_id(stage_id).track)
    return track.exclusive and any(s.id == stage_id for s in track.stages)


def _ladder_step(tiers: list[list], d: dict, active: bool) -> dict | None:
    """Gone's tier *d* added to its ladder's *tiers* as add_designation will (pipeline.ladder): *d* with the end it
    gets, or None (and *tiers* unchanged) when it ends a tier of the kept firm before the end that firm held it to
    and no tier covers the days lost: the two records disagree (gone's 繁星 of 2022 ended 2023 would end the kept
    firm's 新星 held since 2021, and the firm held no star from 2023: it left every count of today)."""
    change = place_tier([(k, t[1], t[2]) for k, t in enumerate(tiers)], d["start_date"], d["end_date"])
    ends = {k: after for k, _before, after in change.ended}
    trial = [[t[0], t[1], ends.get(k, t[2]), t[3]] for k, t in enumerate(tiers) if k not in change.replaced]
    placed = {**d, "end_date": change.end}
    mine = [*trial, [placed, placed["start_date"], change.end, False]]
    if any(kept and end != row["end_date"] and _uncovered(mine, end, row["end_date"]) for row, _s, end, kept in mine):
        return None
    tiers[:] = mine if active else trial
    return placed


def _uncovered(tiers: list[list], start: str, end: str | None) -> bool:
    """Whether some day of [start, end) (None: open) is held by none of *tiers*."""
    pos, stop = start, end or OPEN
    while pos < stop:
        reach = max((e or OPEN for _row, s, e, _kept in tiers if s <= pos < (e or OPEN)), default=None)
        if reach is None:
            return True
        pos = reach
    return False


def merge(w, keep_id: int, gone_id: int) -> MergeDone:
    """Merge *gone_id* into *keep_id* inside the Writer *w*'s transaction (planned again here, on the rows as they
    are now, both locked first)."""
    for firm_id in sorted({keep_id, gone_id}):     # in id order: two merging the pair each way never deadlock
        w.firm_to_change(firm_id)
    catalog = w.ledger.catalog()
    p = plan(w.conn, catalog, keep_id, gone_id)
    done = MergeDone(keep_id, gone_id)
    diff = w.update_firm(keep_id, **p.fields) if p.fields else {}
    done.before, done.after = {k: v[0] for k, v in diff.items()}, {k: v[1] for k, v in diff.items()}
    for d in p.designations:
        did = w.add_designation(keep_id, catalog.by_id(d["stage_id"]).key, d["start_date"], d["end_date"],
                                evidence=d["evidence"], list_name=d["list_name"], open_end=d["end_date"] is None)
        if w.ladder is not None:
            done.ended.extend(w.ladder.ended)
            done.dropped.extend(w.ladder.replaced)
            touched = {e[0] for e in w.ladder.ended} | set(w.ladder.replaced)
            for other in touched & done.added.keys():   # an earlier copy the ladder rule ended or replaced: as now
                done.added[other] = _as_added(w.designation(other))
        done.added[did] = _as_added(w.designation(did))
    done.aliases = [a for a in (w.add_alias(keep_id, name, _day(seen_on)) for name, seen_on in p.names)
                    if a is not None]
    for s in p.services:
        sid = w.add_service(keep_id, s["date"], officer=s["officer"], kind=s["kind"], notes=s["notes"],
                            follow_up=s["follow_up"])
        done.services[sid] = {k: v for k, v in w.service(sid).items() if k in (*SERVICE, "deleted_at")}
    w.remove_firm(gone_id)
    _say(w, "merge", p.keep, p.gone)
    done.mark = w.conn.execute("SELECT MAX(id) FROM audit WHERE firm_id = ?", (gone_id,)).fetchone()[0]
    return done


def merged_into(conn, firm_ids) -> dict[int, str]:
    """{firm: the firm it was merged into, as its history names it} for those of *firm_ids* whose latest merge was not
    taken back: the kept firm holds copies of their designations, so taking one out of the recycle bin by hand
    counts the firm twice (the undo of the merge takes back both)."""
    return {fid: into for fid in firm_ids if (into := _merged_since(conn, fid, 0)) is not None}


def _names_since(conn, firm_id: int, after_id: int) -> set[str]:
    """The matching keys of the names the firm was given after audit row *after_id*."""
    out = set()
    for (after,) in conn.execute("SELECT after FROM audit WHERE firm_id = ? AND entity = 'firm' AND entity_id = ? "
                                 "AND action = 'update' AND id > ?", (firm_id, firm_id, after_id)):
        said = _said(after)
        if isinstance(said, dict) and said.get("name"):
            out.add(name_key(said["name"]))
    return out


def _merged_since(conn, firm_id: int, after_id: int) -> str | None:
    """The firm it was merged into (as its history names it) when the firm was merged away after audit row
    *after_id* and that merge was not undone; else None. A merge and its undo each write the merged-away record a
    row naming the kept one (``_say``)."""
    into: list[str] = []
    for action, after in conn.execute("SELECT action, after FROM audit WHERE firm_id = ? AND entity = 'firm' AND "
                                      "entity_id = ? AND id > ? AND action IN ('merge', 'unmerge') ORDER BY id",
                                      (firm_id, firm_id, after_id)):
        said = _said(after)
        if isinstance(said, dict) and "merged_into" in said:
            if action == "merge":
                into.append(str(said["merged_into"]))
            elif into:
                into.pop()
    return into[-1] if into else None


def _said(after):
    """An audit row's *after*: JSON text in a file, already a value on the server (jsonb)."""
    return json.loads(after) if isinstance(after, str) else after


def _say(w, action: str, keep: dict, gone: dict) -> None:
    """One audit row on each firm's history naming the other (the rows of each change are there already)."""
    w.audit(action, "firm", gone["id"], gone["id"], None, {"merged_into": f"{keep['name']}（编号 {keep['id']}）"})
    w.audit(action, "firm", keep["id"], keep["id"], None, {"merged_from": f"{gone['name']}（编号 {gone['id']}）"})


def _day(text: str | None) -> date | None:
    """A day as the ledger holds it, None for one no date reads (a former name's: the alias is dated today)."""
    try:
        return parse_iso(text)
    except (TypeError, ValueError):
        return None


def _as_added(row: dict) -> dict:
    return {k: row[k] for k in ("start_date", "end_date", "evidence", "list_name", "deleted_at")}


def unmerge(w, done: MergeDone) -> None:
    """Take back exactly what ``merge`` wrote, inside *w*'s transaction: refused (EditConflict, LedgerError) when
    something it wrote was changed since, or the merged-away firm was purged; then nothing changes."""
    for fid in (done.keep, done.gone):
        if firm_file.firm(w.conn, fid) is None:         # purged from the recycle bin since: say so, not "no firm N"
            raise LedgerError(MSG_UNDO_PURGED.format(id=fid))
    rows = {fid: w.firm_to_change(fid) for fid in sorted((done.keep, done.gone))}      # in id order, as merge
    keep, gone = rows[done.keep], rows[done.gone]
    # neither merged away since (a colleague, another window): that merge copied what this one wrote, or the other
    # record's designations, to a third record, and the undo would count the firm twice
    for firm in (keep, gone):
        into = _merged_since(w.conn, firm["id"], done.mark)
        if into is not None:
            raise LedgerError(MSG_UNDO_MERGED.format(name=firm["name"], into=into))
    w.restore_firm(done.gone)
    for sid, row in done.services.items():
        w.update_service(sid, seen=row, deleted_at=w.stamp)
    # a former name the merge added that the kept firm has since carried as its name (a list named it so, then
    # another renamed it) stays: that rename found it a former name already and added none of its own
    carried = _names_since(w.conn, done.keep, done.mark) - {name_key(keep["name"])}
    for alias in done.aliases:
        row = w.conn.execute("SELECT name_key FROM firm_aliases WHERE id = ? AND firm_id = ?", (alias, done.keep))
        if (key := row.fetchone()) is not None and key[0] not in carried:
            w.delete_alias(alias)
    take_back_designations(w, done.added, done.ended, done.dropped)
    if done.before:
        w.update_firm(done.keep, seen=done.after, **done.before)
    _say(w, "unmerge", w.firm(done.keep), w.firm(done.gone))


def take_back_designations(w, added: dict[int, dict], ended: list[tuple[int, str | None, str | None]],
                           dropped: list[int]) -> None:
    """The undo of designations added through ``Writer.add_designation``: each deleted unless changed since
    (*added*: {id: its row as added}), each end the ladder rule set put back unless changed again, each
    same-day tier it replaced restored. Used by every undoable command that adds designations."""
    for did, row in added.items():
        w.delete_designation(did, seen=row)
    for did, end_before, end_after in ended:
        if did not in added:            # one of the added themselves is gone already
            w.update_designation(did, seen={"end_date": end_after}, end_date=end_before)
    for did in dropped:
        if did not in added:
            w.update_designation(did, deleted_at=None)
