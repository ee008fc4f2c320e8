"""Write a generated demo district into a ledger, in one transaction."""
from __future__ import annotations

import json

from db import facts_log
from db.errors import LedgerError
from db.ledger import Ledger
from pipeline.catalog import Catalog
from pipeline.demo import DemoDistrict, generate
from pipeline.ladder import place_tier
from pipeline.names import name_key, pinyin_keys
from pipeline.uscc import validate


def generate_into(ledger: Ledger, firms: int, seed: int) -> dict:
    """A fictitious district of *firms* firms over the ledger's streets (``pipeline.demo.generate``), stored."""
    return store(ledger, generate([name for _, name in ledger.streets()], firms, seed))


def store(ledger: Ledger, demo: DemoDistrict) -> dict:
    catalog: Catalog = ledger.catalog()
    street_ids = {name: sid for sid, name in ledger.streets()}
    with ledger.write("demo") as w:
        conn = w.conn
        if conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0]:
            raise LedgerError("示例数据只能写入空台账")
        batch = conn.execute(
            "INSERT INTO batches (file_name, kind, os_user, officer, created_at, counts) "
            "VALUES (?, 'demo', ?, ?, ?, ?)",
            ("示例城区", ledger.user, ledger.officer, w.stamp,
             json.dumps({"firms": len(demo.firms), "designations": len(demo.designations)}))).lastrowid
        w.batch_id = batch
        rows = []
        keys = pinyin_keys([f.name for f in demo.firms])
        for i, f in enumerate(demo.firms):
            check = validate(f.code) if f.code else None
            status = "no_code" if check is None else "ok" if check.ok else "bad_check"
            rows.append((i + 1, check.code if check else None, status, f.name, name_key(f.name), *keys[i],
                         street_ids[f.street], f.industry, f.officer, f.contact_person, f.contact_phone,
                         f.founded.isoformat(), f.reg_capital, f.revenue, f.rd_spend, f.employees,
                         int(check is None), batch, w.stamp, w.stamp))
        conn.executemany(
            "INSERT INTO firms (id, code, code_status, name, name_key, pinyin, name_sort, street_id, industry, "
            "officer, contact_person, contact_phone, founded, reg_capital, revenue, rd_spend, employees, needs_review, "
            "batch_id, created_at, updated_at) VALUES (" + ",".join("?" * 21) + ")",
            rows,
        )
        for i, f in enumerate(demo.firms):          # former names: the write API's one former-name row
            for old, seen in f.aliases:
                w.add_alias(i + 1, old, seen)
        drows = []
        for firm, key, start, end, evidence, list_name in sorted(demo.designations, key=lambda r: (r[2], r[0])):
            stage = catalog.stage(key)
            end = end or stage.end_for(start)
            drows.append((firm + 1, stage.id, start.isoformat(), end.isoformat() if end else None, evidence,
                          list_name, "demo", batch, w.stamp))
        # the star ladder is exclusive: close each tier when the next move starts
        drows = _close_exclusive(drows, catalog)
        conn.executemany(
            "INSERT INTO designations (firm_id, stage_id, start_date, end_date, evidence, list_name, source, "
            "batch_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", drows)
        conn.executemany(
            "INSERT INTO service_records (firm_id, date, officer, kind, notes, follow_up, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (f + 1, d.isoformat(), o, k, n, fu.isoformat() if fu else None, w.stamp)
                for f, d, o, k, n, fu in demo.services
            ],
        )
        conn.execute("DELETE FROM targets")
        for t in demo.targets:
            conn.execute(
                "INSERT INTO targets (year, indicator, kind, stages, require, street_id, target, base_year, sort) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (t["year"], t["indicator"], t["kind"], json.dumps(t["stages"]), json.dumps(t["require"]),
                 street_ids.get(t["street"]) if t["street"] else None, t["target"], t["base_year"], t["sort"]))
        w.audit("import", "batch", batch, None, None,
                {"kind": "demo", "firms": len(rows), "designations": len(drows), "services": len(demo.services)})
    return {"batch": batch, "firms": len(rows), "designations": len(drows), "services": len(demo.services),
            "targets": len(demo.targets)}


def _close_exclusive(drows, catalog: Catalog):
    """One tier of a ladder at a time (pipeline.ladder.place_tier, the write API's rule), over the generated
    designations in order of their start."""
    exclusive = {s.id: s.track for t in catalog.tracks if t.exclusive for s in t.stages}
    held: dict[tuple, list[int]] = {}
    out = [list(r) for r in drows]
    dropped: set[int] = set()
    for i, r in enumerate(out):
        track = exclusive.get(r[1])
        if track is None:
            continue
        mine = held.setdefault((r[0], track), [])
        change = place_tier([(k, out[k][2], out[k][3]) for k in mine], r[2], r[3])
        for k, _before, after in change.ended:
            out[k][3] = after
        for k in change.replaced:
            dropped.add(k)
            mine.remove(k)
        r[3] = change.end
        mine.append(i)
    return [tuple(r) for i, r in enumerate(out) if i not in dropped]


GENERATED_FIRM_COLUMNS = ("id", "code", "code_status", "name", "name_key", "pinyin", "name_sort", "street_id",
                          "industry", "officer", "contact_person", "contact_phone", "founded", "reg_capital",
                          "revenue", "rd_spend", "employees", "needs_review", "created_at", "updated_at")


def load_generated(ledger: Ledger, file_name: str, counts: dict, firms, designations, targets) -> None:
    """A generated ledger for the benchmarks (bench/generate.py), as fast as SQLite allows: indexes dropped and
    rebuilt, no per-row audit, one transaction. *firms*: rows of GENERATED_FIRM_COLUMNS (the batch is added);
    *designations*: (firm_id, stage_id, start, end, evidence, list_name, created_at); *targets*: (year,
    indicator, kind, stages JSON, require JSON, street_id, target, base_year, sort). Only for an empty ledger."""
    conn = ledger.conn
    conn.execute("PRAGMA synchronous = OFF")
    indexes = conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                           "AND tbl_name IN ('firms', 'designations')").fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    with ledger.write("demo") as w:
        if conn.execute("SELECT COUNT(*) FROM firms").fetchone()[0]:
            raise LedgerError("示例数据只能写入空台账")
        batch = conn.execute(
            "INSERT INTO batches (file_name, kind, os_user, created_at, counts) VALUES (?, 'demo', ?, ?, ?)",
            (file_name, ledger.user, w.stamp, json.dumps(counts))).lastrowid
        cols = (*GENERATED_FIRM_COLUMNS[:-2], "batch_id", *GENERATED_FIRM_COLUMNS[-2:])
        with facts_log.untracked(conn, "firms", "designations"):       # logged as "everything" (db/facts_log.py)
            conn.executemany(f"INSERT INTO firms ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                             ((*r[:-2], batch, *r[-2:]) for r in firms))
            conn.executemany(
                "INSERT INTO designations (firm_id, stage_id, start_date, end_date, evidence, list_name, source, "
                "batch_id, created_at) VALUES (?, ?, ?, ?, ?, ?, 'demo', ?, ?)",
                ((*r[:-1], batch, r[-1]) for r in designations))
        conn.execute("DELETE FROM targets")
        conn.executemany("INSERT INTO targets (year, indicator, kind, stages, require, street_id, target, base_year, "
                         "sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", targets)
    for _, sql in indexes:
        conn.execute(sql)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
