"""Undoable edits: each QUndoCommand calls db.ledger Writer methods (audited, one transaction)
and their inverses. The first redo() happens in ``apply()`` before the command is pushed, so
a refused write (LedgerError) never lands on the stack.

``notify(firm_ids)`` is called after every redo/undo so the views re-read;
``report(message)`` shows a failure of a later undo/redo to the person.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from PySide6.QtGui import QUndoCommand

from db import firm_file, merge
from db.errors import LedgerError
from db.ledger import FIRM_FIELDS
from db.merge import take_back_designations

FIELD_NAMES = firm_file.FIELD_NAMES


class LedgerCommand(QUndoCommand):
    def __init__(self, ledger, text: str, firm_ids, notify: Callable | None = None,
                 report: Callable | None = None) -> None:
        super().__init__(text)
        self.ledger = ledger
        self.firm_ids = list(firm_ids)
        self._notify = notify or (lambda ids: None)
        self._report = report or (lambda msg: None)
        self._applied_once = False
        self.done_text: str | None = None     # what the status bar says once done, when not the text

    def summary(self) -> str:
        """What was done, for the status bar ("为 5 家企业指派服务专员 周玲")."""
        return self.done_text or self.text()

    def apply(self) -> None:
        """Do the change the first time (raises LedgerError: then do not push)."""
        self._do()
        self._applied_once = True
        self._notify(self.firm_ids)

    def redo(self) -> None:
        if self._applied_once:
            self._applied_once = False   # already done by apply()
            return
        self._guard(self._do)

    def undo(self) -> None:
        self._guard(self._undo)

    def _guard(self, fn) -> None:
        try:
            fn()
        except LedgerError as exc:
            self.setObsolete(True)
            self._report(f"“{self.text()}”无法完成：{exc}")
        self._notify(self.firm_ids)

    def _do(self) -> None:
        raise NotImplementedError

    def _undo(self) -> None:
        raise NotImplementedError


class UpdateFirms(LedgerCommand):
    """Set the same fields on several firms (assign officer, set street, profile edits)."""

    def __init__(self, ledger, firm_ids, changes: dict, text: str | None = None, *,
                 seen: dict[int, dict] | None = None, **kw) -> None:
        """*seen*: {firm id: its values as the person saw them}: the first save is refused when a firm changed
        since (db/conflict.py). An undo writes the values back only where the fields still hold what this edit
        set, and a redo only where they still hold what the undo put back: a change made in between (an import,
        another window, a colleague) is never overwritten; the undo or redo is refused, naming it."""
        unknown = set(changes) - set(FIRM_FIELDS)
        if unknown:
            raise KeyError(", ".join(sorted(unknown)))
        label = text or "修改" + "、".join(FIELD_NAMES.get(k, k) for k in changes) + f"（{len(list(firm_ids))} 家）"
        super().__init__(ledger, label, firm_ids, **kw)
        self.changes = dict(changes)
        self.seen = seen or {}
        self.before: dict[int, dict] = {}     # {firm id: {field: value before this edit}}
        self.after: dict[int, dict] = {}      # {firm id: {field: value this edit set}}
        self.aliases: list[int] = []          # former names this command added (a rename keeps the old name)

    def _do(self) -> None:
        before, after, aliases = {}, {}, []
        with self.ledger.write("person") as w:
            for fid in self.firm_ids:
                changes = dict(self.changes)
                seen = self.seen.get(fid)
                old_name = w.firm(fid)["name"]
                if "name" in changes and changes["name"] != old_name:
                    new_name = changes.pop("name")
                    alias = w.rename_firm(fid, new_name, date.today(), seen=seen)
                    seen = None                 # checked; the rename itself changed the row since
                    if alias is not None:
                        aliases.append(alias)
                    before.setdefault(fid, {})["name"] = old_name
                    after.setdefault(fid, {})["name"] = new_name
                diff = w.update_firm(fid, seen=seen, **changes)
                before.setdefault(fid, {}).update({k: v[0] for k, v in diff.items()})
                after.setdefault(fid, {}).update({k: v[1] for k, v in diff.items()})
        self.before, self.after, self.aliases, self.seen = before, after, aliases, {}

    def _undo(self) -> None:
        with self.ledger.write("person") as w:
            for fid, fields in self.before.items():
                if fields:          # refused (EditConflict) when a field no longer holds what this edit set
                    w.update_firm(fid, seen=self.after.get(fid), **fields)
            for alias in self.aliases:          # the old name is current again, not a former name
                w.delete_alias(alias)
        self.seen = {fid: dict(fields) for fid, fields in self.before.items() if fields}   # what a redo expects


class RemoveFirms(LedgerCommand):
    """Move firms to the recycle bin (回收站); undo restores them."""

    def __init__(self, ledger, firm_ids, **kw) -> None:
        super().__init__(ledger, f"移入回收站（{len(list(firm_ids))} 家）", firm_ids, **kw)

    def _do(self) -> None:
        with self.ledger.write("person") as w:
            for fid in self.firm_ids:
                w.remove_firm(fid)

    def _undo(self) -> None:
        with self.ledger.write("person") as w:
            for fid in self.firm_ids:
                w.restore_firm(fid)


class RestoreFirms(LedgerCommand):
    """Take firms back out of the recycle bin; undo puts them back in."""

    def __init__(self, ledger, firm_ids, **kw) -> None:
        super().__init__(ledger, f"从回收站恢复（{len(list(firm_ids))} 家）", firm_ids, **kw)

    def _do(self) -> None:
        with self.ledger.write("person") as w:
            for fid in self.firm_ids:
                w.restore_firm(fid)

    def _undo(self) -> None:
        with self.ledger.write("person") as w:
            for fid in self.firm_ids:
                w.remove_firm(fid)


class _DesignationCommand(LedgerCommand):
    """Adds designations; undo deletes them and puts back what adding them ended or replaced."""

    def __init__(self, ledger, text, firm_ids, **kw) -> None:
        super().__init__(ledger, text, firm_ids, **kw)
        self.added: list[int] = []
        self.as_added: dict[int, dict] = {}            # {designation id: its row as added}: what an undo expects
        self.ended: list[tuple[int, str | None, str | None]] = []     # (designation id, end before, end set)
        self.dropped: list[int] = []                       # same-day designations replaced

    def _held_in_track(self, w, fid: int, track_key: str, day: str):
        return firm_file.held_in_track(w.conn, self.ledger.catalog(), fid, track_key, day)

    def _add(self, w, fid: int, stage, day: date, end=None, evidence=None, list_name=None) -> None:
        """The write API applies the one-tier-per-ladder rule; keep what it ended or replaced for undo."""
        did = w.add_designation(fid, stage.key, day, end, evidence=evidence, list_name=list_name)
        self.added.append(did)
        row = w.designation(did)
        self.as_added[did] = {k: row[k] for k in ("start_date", "end_date", "evidence", "list_name", "deleted_at")}
        if w.ladder is not None:
            self.ended.extend(w.ladder.ended)
            self.dropped.extend(w.ladder.replaced)

    def _undo(self) -> None:
        with self.ledger.write("person") as w:      # each refused when changed since (db/conflict.py)
            take_back_designations(w, {did: self.as_added.get(did) for did in self.added}, self.ended, self.dropped)
        self.added, self.ended, self.dropped, self.as_added = [], [], [], {}


class AddDesignation(_DesignationCommand):
    def __init__(self, ledger, firm_ids, stage_key: str, start: date, end: date | None = None, *,
                 evidence: str | None = None, list_name: str | None = None, **kw) -> None:
        stage = ledger.catalog().stage(stage_key)
        super().__init__(ledger, f"添加认定“{stage.name}”（{len(list(firm_ids))} 家）", firm_ids, **kw)
        self.stage, self.start, self.end = stage, start, end
        self.evidence, self.list_name = evidence, list_name

    def _do(self) -> None:
        self.added, self.ended, self.dropped = [], [], []
        with self.ledger.write("person") as w:
            for fid in self.firm_ids:
                self._add(w, fid, self.stage, self.start, self.end, self.evidence, self.list_name)


def plan_star_moves(ledger, conn, firm_ids, step: int, day: date) -> list[tuple]:
    """(firm id, tier held on *day* or None, tier it becomes or None) for each firm: one tier up (a firm
    without a tier gets the first) or one down (a firm without a tier, or at the top going up, stays).
    The preview of the star dialog and the move itself both read this, so what is shown is what is done."""
    catalog = ledger.catalog()
    track = catalog.track("star")
    out = []
    for fid in firm_ids:
        held = firm_file.held_in_track(conn, catalog, fid, "star", day.isoformat())
        current = catalog.by_id(held[-1][1]) if held else None
        if current is None:
            target = track.stages[0] if step > 0 else None
        else:
            target = catalog.next_in_track(current, step)
        out.append((fid, current, target))
    return out


class MoveStar(_DesignationCommand):
    """Promote (step +1) or demote (step -1) the star tier of each firm, effective *day*.

    A firm without a tier is promoted to the first one; a firm at the top (or without a tier,
    when demoting) is left as it is and counted in ``skipped``."""

    def __init__(self, ledger, firm_ids, step: int, day: date, evidence: str | None = None, **kw) -> None:
        word = "星级晋升" if step > 0 else "星级下调"
        super().__init__(ledger, f"{word}（{len(list(firm_ids))} 家）", firm_ids, **kw)
        self.step, self.day, self.evidence = step, day, evidence
        self.skipped: list[int] = []

    def summary(self) -> str:
        moved = len(self.firm_ids) - len(self.skipped)
        word = "晋升" if self.step > 0 else "下调"
        extra = (
            f"（{len(self.skipped)} 家已在{'最高' if self.step > 0 else '最低'}星级，未调整）" if self.skipped else ""
        )
        return f"为 {moved} 家企业{word}星级{extra}"

    def _do(self) -> None:
        self.added, self.ended, self.dropped, self.skipped = [], [], [], []
        with self.ledger.write("person") as w:
            for fid, _current, target in plan_star_moves(self.ledger, w.conn, self.firm_ids, self.step, self.day):
                if target is None:
                    self.skipped.append(fid)
                    continue
                self._add(w, fid, target, self.day, evidence=self.evidence)
        if len(self.skipped) == len(self.firm_ids):
            raise LedgerError("所选企业都已在最高（或最低）星级，没有可调整的")


def plan_leave(ledger, conn, firm_ids, day: date) -> list[tuple[int, list[tuple]]]:
    """(firm id, [(designation id, stage, start, end)]) of what 迁出或注销 on *day* ends: each designation the firm
    holds that day, begun before it. The dialog's preview and the command both read this."""
    catalog = ledger.catalog()
    return [(fid, [(did, catalog.by_id(sid), start, end) for did, sid, start, end in
                   firm_file.held_on(conn, fid, day.isoformat())]) for fid in firm_ids]


class EndDesignations(_DesignationCommand):
    """企业迁出或注销 on *day*: every designation each firm holds that day ends then (held up to, not including,
    *day*), so the firm leaves the figures from that day on and keeps its past in every earlier figure, which
    移入回收站 (for firms entered by mistake) takes away. Undo puts each end back unless changed since."""

    def __init__(self, ledger, firm_ids, day: date, **kw) -> None:
        super().__init__(ledger, f"迁出或注销（{len(list(firm_ids))} 家）", firm_ids, **kw)
        self.day = day
        self.firms_left = 0         # firms with a designation ended

    def summary(self) -> str:
        return f"结束 {self.firms_left} 家企业的 {len(self.ended)} 项认定（自 {self.day} 起不再计入）"

    def _do(self) -> None:
        self.added, self.ended, self.dropped, self.firms_left = [], [], [], 0
        day = self.day.isoformat()
        with self.ledger.write("person") as w:
            for _fid, held in plan_leave(self.ledger, w.conn, self.firm_ids, self.day):
                self.firms_left += bool(held)
                for did, _stage, _start, end in held:
                    w.update_designation(did, seen={"end_date": end}, end_date=day)
                    self.ended.append((did, end, day))
        if not self.ended:
            raise LedgerError(f"所选企业在 {day} 没有有效的认定，没有可结束的")


class AddService(LedgerCommand):
    def __init__(self, ledger, firm_id: int, values: dict, **kw) -> None:
        super().__init__(ledger, "添加服务记录", [firm_id], **kw)
        self.values = dict(values)
        self.record_id: int | None = None
        self.created: dict = {}         # the record as added: what an undo expects to find

    def _do(self) -> None:
        v = self.values
        with self.ledger.write("person") as w:
            self.record_id = w.add_service(self.firm_ids[0], v["date"], officer=v.get("officer"), kind=v.get("kind"),
                                           notes=v.get("notes"), follow_up=v.get("follow_up"))
            row = w.service(self.record_id)
        self.created = {k: row[k] for k in ("date", "officer", "kind", "notes", "follow_up", "deleted_at")}

    def _undo(self) -> None:
        with self.ledger.write("person") as w:     # refused when the record was changed since (db/conflict.py)
            w.update_service(self.record_id, seen=self.created, deleted_at=w.stamp)


class EditService(LedgerCommand):
    def __init__(self, ledger, firm_id: int, record_id: int, values: dict, *, seen: dict | None = None, **kw) -> None:
        """*seen*: the record as the person saw it: the first save is refused when it changed since, as a profile's
        (db/conflict.py)."""
        super().__init__(ledger, "修改服务记录", [firm_id], **kw)
        self.record_id, self.values = record_id, dict(values)
        self.before: dict = {}
        self.after: dict = {}
        self.seen: dict | None = seen     # then, for a redo after an undo: what the undo put back

    def _do(self) -> None:
        with self.ledger.write("person") as w:
            diff = w.update_service(self.record_id, seen=self.seen, **self.values)
        self.before, self.after = {k: v[0] for k, v in diff.items()}, {k: v[1] for k, v in diff.items()}

    def _undo(self) -> None:
        """As ``UpdateFirms``: only where the record still holds what this edit set (db/conflict.py)."""
        if self.before:
            with self.ledger.write("person") as w:
                w.update_service(self.record_id, seen=self.after, **self.before)
            self.seen = dict(self.before)


class MergeFirms(LedgerCommand):
    """合并为一家企业: *gone* merged into *keep* (db/merge.py: its designations, names, service records and the
    fields *keep* leaves empty; *gone* to the recycle bin). Undo takes back exactly that, unless changed since."""

    def __init__(self, ledger, keep: int, gone: int, **kw) -> None:
        super().__init__(ledger, "合并为一家企业", [keep, gone], **kw)
        self.keep, self.gone = keep, gone
        self.done: merge.MergeDone | None = None

    def summary(self) -> str:
        d = self.done
        if d is None:
            return self.text()
        return (f"合并为一家企业：并入 {len(d.added)} 项认定、{len(d.aliases)} 个曾用名、"
                f"{len(d.services)} 条服务记录，另一条记录已移入回收站")

    def _do(self) -> None:
        with self.ledger.write("person") as w:
            self.done = merge.merge(w, self.keep, self.gone)

    def _undo(self) -> None:
        if self.done is not None:
            with self.ledger.write("person") as w:
                merge.unmerge(w, self.done)
