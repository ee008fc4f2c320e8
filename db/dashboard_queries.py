"""Reads for the dashboard, the targets editor and the reports (no writes here)."""
from __future__ import annotations

import json
import sqlite3

from pipeline.indicators import Indicator


def all_targets(conn: sqlite3.Connection) -> dict[int, list[Indicator]]:
    """Every target row of every year: district rows (street None) and street rows, in sort order."""
    out: dict[int, list[Indicator]] = {}
    rows = conn.execute(
        "SELECT t.year, t.indicator, t.kind, t.stages, t.require, t.target, t.base, t.base_year, t.unit, s.name, "
        "t.street_id FROM targets t LEFT JOIN streets s ON s.id = t.street_id "
        "ORDER BY t.year, t.sort, t.id")
    for r in rows:
        out.setdefault(r[0], []).append(Indicator(
            name=r[1], kind=r[2], stages=json.loads(r[3]), require=json.loads(r[4] or "[]"), target=r[5],
            base=r[6], base_year=r[7], unit=r[8], street=r[9], street_id=r[10]))
    return out


def target_rows(conn: sqlite3.Connection, year: int) -> list[dict]:
    """The year's target rows with their ids, for the editor: district rows first, then by street."""
    cur = conn.execute(
        "SELECT t.id, t.indicator, t.kind, t.stages, t.require, t.street_id, s.name, t.target, t.base, t.base_year, "
        "t.unit, t.sort FROM targets t LEFT JOIN streets s ON s.id = t.street_id WHERE t.year = ? "
        "ORDER BY t.sort, t.indicator, t.street_id IS NOT NULL, s.sort, t.id", (year,))
    keys = ("id", "indicator", "kind", "stages", "require", "street_id", "street", "target", "base", "base_year",
            "unit", "sort")
    out = []
    for r in cur:
        row = dict(zip(keys, r, strict=True))
        row["stages"] = json.loads(row["stages"])
        row["require"] = json.loads(row["require"] or "[]")
        out.append(row)
    return out


def firm_names(conn: sqlite3.Connection, firm_ids) -> dict[int, tuple[str, str | None, str | None]]:
    """firm id -> (name, code, street name) for the ids given (any number)."""
    ids = [int(i) for i in firm_ids]
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT f.id, f.name, f.code, s.name FROM firms f LEFT JOIN streets s ON s.id = f.street_id "
        "WHERE f.id IN (SELECT value FROM json_each(?))", (json.dumps(ids),))
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def designation_evidence(conn: sqlite3.Connection, firm_ids, stage_ids) -> dict[tuple[int, int], str]:
    """(firm id, stage id) -> the evidence (certificate number) of the firm's latest designation of the stage."""
    ids, stages = [int(i) for i in firm_ids], [int(s) for s in stage_ids]
    if not ids or not stages:
        return {}
    rows = conn.execute(
        "SELECT firm_id, stage_id, evidence FROM designations WHERE deleted_at IS NULL AND evidence IS NOT NULL "
        "AND firm_id IN (SELECT value FROM json_each(?)) AND stage_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY start_date", (json.dumps(ids), json.dumps(stages)))
    return {(f, s): e for f, s, e in rows}
