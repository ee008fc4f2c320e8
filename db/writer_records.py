"""The Writer's writes that are not about a firm's identity: service records and targets (a mixin of
db.ledger.Writer, which supplies ``conn``, ``stamp`` and ``audit``), and two helpers of every write: the value
as the ledger stores it (``plain``) and the id an INSERT gave (``new_id``)."""
from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime

from db import conflict
from db.engine import PgCursor
from pipeline.dates import iso, parse_iso


def new_id(cur: sqlite3.Cursor | PgCursor) -> int:
    """The id of the row the INSERT on *cur* just added (``lastrowid`` is None only before any INSERT)."""
    rowid = cur.lastrowid
    if rowid is None:
        raise RuntimeError("no INSERT ran on this cursor")
    return rowid


def plain(value):
    """Values as SQLite stores them: dates as ISO text."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    return value


class RecordWrites:
    """Service records and targets; the Writer gives ``conn`` (its transaction's), ``stamp`` and ``audit``."""

    conn: sqlite3.Connection
    stamp: str

    def audit(self, action: str, entity: str, entity_id, firm_id, before, after) -> None:
        raise NotImplementedError    # db.ledger.Writer.audit

    # service records
    def add_service(self, firm_id: int, day: date | str, *, officer=None, kind=None, notes=None, follow_up=None) -> int:
        cur = self.conn.execute(
            "INSERT INTO service_records (firm_id, date, officer, kind, notes, follow_up, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (firm_id, iso(parse_iso(day)), officer, kind, notes, iso(parse_iso(follow_up)), self.stamp),
        )
        record_id = new_id(cur)
        self.audit("insert", "service", record_id, firm_id, None,
                   {"date": str(day), "officer": officer, "kind": kind, "notes": notes,
                    "follow_up": str(follow_up or "")})
        return record_id

    def service(self, record_id: int) -> dict:
        """The service record as the ledger holds it, locked until this write ends (its values as seen, for a later
        ``update_service``)."""
        return conflict.locked_row(self, "service_records", record_id, f"没有编号为 {record_id} 的服务记录")

    def update_service(self, record_id: int, *, seen: dict | None = None, **changes) -> dict:
        """*seen*: the record's values as last seen (by a person, or by an undo: what its edit set); refused with
        EditConflict when it changed since (db/conflict.py), as a firm's fields are."""
        allowed = {"date", "officer", "kind", "notes", "follow_up", "deleted_at"}
        current = self.service(record_id)
        conflict.check_seen(self, lambda: f"{current['date']} 的服务记录", current["firm_id"], current,
                            None if seen is None else {k: plain(v) for k, v in seen.items()})
        diff = {k: (current[k], plain(v)) for k, v in changes.items() if k in allowed and current[k] != plain(v)}
        if diff:
            self.conn.execute(f"UPDATE service_records SET {', '.join(f'{k} = ?' for k in diff)} WHERE id = ?",
                              (*[v[1] for v in diff.values()], record_id))
            self.audit("update", "service", record_id, current["firm_id"],
                       {k: v[0] for k, v in diff.items()}, {k: v[1] for k, v in diff.items()})
        return diff

    # targets
    def set_target(self, year: int, indicator: str, kind: str, stages: list[str], target: float, *,
                   street_id: int | None = None, require: list[str] | None = None, base: float | None = None,
                   base_year: int | None = None, unit: str = "家", sort: int = 0) -> int:
        before = self.conn.execute(
            "SELECT id, kind, stages, require, target, base, base_year FROM targets WHERE year = ? AND indicator = ? "
            "AND street_id IS ?", (year, indicator, street_id)).fetchone()
        values = (kind, json.dumps(stages), json.dumps(require or []), target, base, base_year, unit, sort)
        if before:
            self.conn.execute("UPDATE targets SET kind=?, stages=?, require=?, target=?, base=?, base_year=?, unit=?, "
                              "sort=? WHERE id = ?", (*values, before[0]))
            tid = before[0]
        else:
            tid = self.conn.execute(
                "INSERT INTO targets (kind, stages, require, target, base, base_year, unit, sort, year, indicator, "
                "street_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, year, indicator, street_id),
            ).lastrowid
        self.audit("update" if before else "insert", "target", tid, None,
                   dict(zip(("id", "kind", "stages", "require", "target", "base", "base_year"), before, strict=True))
                   if before else None,
                   {"year": year, "indicator": indicator, "kind": kind, "stages": stages, "street_id": street_id,
                    "target": target, "base": base})
        return tid

    def delete_target(self, target_id: int) -> None:
        cur = self.conn.execute("SELECT * FROM targets WHERE id = ?", (target_id,))
        row = cur.fetchone()
        if row:
            self.conn.execute("DELETE FROM targets WHERE id = ?", (target_id,))
            self.audit(
                "delete", "target", target_id, None, dict(zip([d[0] for d in cur.description], row, strict=True)), None
            )
