"""Reads that feed the maths, the reports and the exports (no writes here)."""
from __future__ import annotations

import json
import sqlite3
from datetime import date

from db.firm_fields import field_sql
from pipeline.facts import Facts
from pipeline.indicators import Indicator


def load_facts(conn: sqlite3.Connection) -> Facts:
    """Every live designation of every live firm, as arrays."""
    rows = conn.execute(
        "SELECT d.firm_id, d.stage_id, d.start_date, d.end_date FROM designations d "
        "JOIN firms f ON f.id = d.firm_id WHERE d.deleted_at IS NULL AND f.deleted_at IS NULL")
    streets = conn.execute("SELECT id, street_id FROM firms WHERE deleted_at IS NULL")
    return Facts.from_rows(rows, streets)


def targets(conn: sqlite3.Connection, year: int, street: str | None = None) -> list[Indicator]:
    """The year's indicators: district rows, or one street's rows when *street* is given.

    A street without its own row for an indicator gets none (its share was not
    decomposed); the caller may fall back to the district row."""
    if street is None:
        rows = conn.execute(
            "SELECT t.indicator, t.kind, t.stages, t.require, t.target, t.base, t.base_year, t.unit, NULL, NULL "
            "FROM targets t WHERE t.year = ? AND t.street_id IS NULL ORDER BY t.sort, t.id", (year,))
    else:
        rows = conn.execute(
            "SELECT t.indicator, t.kind, t.stages, t.require, t.target, t.base, t.base_year, t.unit, s.name, s.id "
            "FROM targets t JOIN streets s ON s.id = t.street_id WHERE t.year = ? AND s.name = ? "
            "ORDER BY t.sort, t.id", (year, street))
    return [Indicator(name=r[0], kind=r[1], stages=json.loads(r[2]), require=json.loads(r[3] or "[]"), target=r[4],
                      base=r[5], base_year=r[6], unit=r[7], street=r[8], street_id=r[9]) for r in rows]


def target_years(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT DISTINCT year FROM targets ORDER BY year")]


def firm_count(conn: sqlite3.Connection, *, deleted: bool = False) -> int:
    return conn.execute(f"SELECT COUNT(*) FROM firms WHERE deleted_at IS {'NOT ' if deleted else ''}NULL").fetchone()[0]


def holdings_on(conn: sqlite3.Connection, day: date, firm_ids=None) -> dict[int, list[tuple]]:
    """firm id -> [(stage_id, start, end)] of the designations held on *day*."""
    day_s = day.isoformat()
    sql = ("SELECT firm_id, stage_id, start_date, end_date FROM designations WHERE deleted_at IS NULL "
           "AND start_date <= ? AND (end_date IS NULL OR end_date > ?)")
    out: dict[int, list[tuple]] = {}
    for fid, sid, s, e in conn.execute(sql, (day_s, day_s)):
        out.setdefault(fid, []).append((sid, s, e))
    return out


NO_STREET = object()   # export_firms(street=NO_STREET): the firms without a street


def export_firms(conn: sqlite3.Connection, keys, *, street: str | None = None, stage_id: int | None = None,
                 day: date | None = None, firm_ids=None):
    """Rows (firm id, one value per key of *keys*) of the live firms (optionally on one street, holding one
    stage on *day*), ordered by street then name. *keys*: record fields of ``pipeline.fields`` or
    ``code_status`` (``db.firm_fields.field_sql``). *street* NO_STREET: only the firms with no street."""
    where = ["f.deleted_at IS NULL"]
    params: list = []
    if street is NO_STREET:
        where.append("f.street_id IS NULL")
    elif street:
        where.append("s.name = ?")
        params.append(street)
    if stage_id is not None:
        d = (day or date.today()).isoformat()
        where.append("EXISTS (SELECT 1 FROM designations d WHERE d.firm_id = f.id AND d.deleted_at IS NULL "
                     "AND d.stage_id = ? AND d.start_date <= ? AND (d.end_date IS NULL OR d.end_date > ?))")
        params += [stage_id, d, d]
    if firm_ids is not None:
        where.append("f.id IN (SELECT value FROM json_each(?))")
        params.append(json.dumps(list(map(int, firm_ids))))
    select = ", ".join(field_sql(k) for k in keys)
    sql = (f"SELECT f.id, {select} FROM firms f LEFT JOIN streets s ON s.id = f.street_id "
           f"WHERE {' AND '.join(where)} ORDER BY s.sort, f.name")
    return conn.execute(sql, params)
