"""Dashboard recompute on the big ledger (1M firms, about 5M designations).

"Ours" is ``pipeline.dashboard.Dashboard.compute`` (the whole dashboard: indicators, funnels,
cohorts, streets, trend, expiries) for a new as-of date, and for a new street on a date already
computed. Without pipeline/dashboard.py the older ``pipeline.report.build`` is measured instead,
and the row says so. The baseline is the least any recompute must do: one numpy pass over all
designations counting those held on the date. Loading the facts once when the dashboard opens
is reported too, against a bare fetch of the same rows.
"""
from __future__ import annotations

import sqlite3
import statistics
import time
from datetime import date

import numpy as np

from bench import generate
from bench.measure import FAILED, Context, Row, missing, not_measured, paired, profile_to, timed

KEYS = ("dashboard_load", "dashboard_as_of", "dashboard_street")
YEAR = 2025
DATES = [date(2025, 6, 30), date(2025, 3, 31), date(2025, 9, 30), date(2025, 11, 15), date(2025, 1, 31),
         date(2025, 8, 8), date(2025, 12, 31)]

LOAD_SQL = ("SELECT d.firm_id, d.stage_id, d.start_date, d.end_date FROM designations d "
            "JOIN firms f ON f.id = d.firm_id WHERE d.deleted_at IS NULL AND f.deleted_at IS NULL")


def _targets(conn):
    from db import queries  # noqa: PLC0415
    streets = conn.execute("SELECT id, name FROM streets WHERE active ORDER BY sort, id").fetchall()
    out = {}
    for year in queries.target_years(conn):
        rows = list(queries.targets(conn, year))
        for _, name in streets:
            rows += queries.targets(conn, year, name)
        out[year] = rows
    return out, streets


def _floor(facts, o: int) -> int:
    return int(np.count_nonzero((facts.start <= o) & (facts.end > o)))


def run(ctx: Context) -> list[Row]:
    n = ctx.big
    load = Row("dashboard_load", "看板载入数据（一次）", n, "s", baseline_name="sqlite3 直接取出同样的认定行（fetchall）")
    as_of = Row("dashboard_as_of", "看板重算：新统计日期", n, "ms", goal="≤ 300 ms", max_value=0.300,
                baseline_name="numpy 一遍扫描全部认定、数出当日持有数")
    street = Row("dashboard_street", "看板重算：换街道", n, "ms", goal="≤ 100 ms", max_value=0.100,
                 baseline_name="numpy 一遍扫描全部认定、数出当日持有数")
    absent = missing("db.queries", "pipeline.facts")
    if absent:
        return [not_measured(r, detail="、".join(absent)) for r in (load, as_of, street)]
    from db import catalog_store, queries  # noqa: PLC0415
    db = generate.ensure_ledger(n, ctx.log)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        ctx.log(f"看板：载入 {n:,} 家企业的认定 …")
        load.ours, load.baseline, load.samples = paired(
            lambda: queries.load_facts(conn), lambda: conn.execute(LOAD_SQL).fetchall(), 1)
        load.rounds = 1
        facts = queries.load_facts(conn)
        catalog = catalog_store.load_catalog(conn)
        targets, streets = _targets(conn)
        load.note = f"{len(facts):,} 条认定"
        if missing("pipeline.dashboard"):
            rows = _report_fallback(ctx, conn, facts, catalog, as_of, street)
        else:
            rows = _dashboard(ctx, facts, catalog, targets, streets, as_of, street)
    except Exception as exc:
        return [load] + [not_measured(r, FAILED, repr(exc)[:200]) for r in (as_of, street) if r.ours is None]
    finally:
        conn.close()
    return [load] + rows


def _dashboard(ctx, facts, catalog, targets, streets, as_of: Row, street: Row) -> list[Row]:
    from pipeline.dashboard import Dashboard  # noqa: PLC0415
    dash = Dashboard(facts, catalog, targets, streets)
    t = time.perf_counter()
    dash.compute(YEAR, date(2025, 5, 31))           # first open: builds the per-stage indexes
    first = time.perf_counter() - t
    samples = []
    floor = []
    for d in DATES[: max(3, ctx.rounds)]:
        t = time.perf_counter()
        dash.compute(YEAR, d)
        samples.append(time.perf_counter() - t)
        floor.append(timed(lambda d=d: _floor(facts, d.toordinal()), 1)[0])
    as_of.ours, as_of.baseline = statistics.median(samples), statistics.median(floor)
    as_of.samples = {"ours": [round(s, 4) for s in samples], "baseline": [round(s, 4) for s in floor]}
    as_of.rounds = len(samples)
    as_of.note = f"首次打开（建索引）{first:.2f} s；最慢一次 {max(samples) * 1000:.0f} ms"
    samples, floor = [], []
    day = DATES[0]
    for sid, _ in streets[: max(5, ctx.rounds)]:
        t = time.perf_counter()
        dash.compute(YEAR, day, sid)
        samples.append(time.perf_counter() - t)
        floor.append(timed(lambda: _floor(facts, day.toordinal()), 1)[0])
    street.ours, street.baseline = statistics.median(samples), statistics.median(floor)
    street.samples = {"ours": [round(s, 4) for s in samples], "baseline": [round(s, 4) for s in floor]}
    street.rounds = len(samples)
    street.note = f"最慢一次 {max(samples) * 1000:.0f} ms"
    if ctx.profile:
        saved = profile_to(ctx.work.parent / "profiles" / f"dashboard-{len(facts)}.txt",
                           lambda: dash.compute(YEAR, date(2025, 7, 7)))
        ctx.log(f"剖析：{saved}")
    return [as_of, street]


def _report_fallback(ctx, conn, facts, catalog, as_of: Row, street: Row) -> list[Row]:
    from db import queries  # noqa: PLC0415
    from pipeline import report  # noqa: PLC0415
    indicators = queries.targets(conn, YEAR)
    sid, sname = conn.execute("SELECT id, name FROM streets ORDER BY sort LIMIT 1").fetchone()
    local = queries.targets(conn, YEAR, sname)
    as_of.ours, as_of.baseline, as_of.samples = paired(
        lambda: report.build(facts, catalog, indicators, YEAR, DATES[1]),
        lambda: _floor(facts, DATES[1].toordinal()), ctx.rounds)
    street.ours, street.baseline, street.samples = paired(
        lambda: report.build(facts, catalog, local, YEAR, DATES[1], sname, sid),
        lambda: _floor(facts, DATES[1].toordinal()), ctx.rounds)
    for r in (as_of, street):
        r.rounds = ctx.rounds
        r.note = "pipeline/dashboard.py 缺失：测的是 pipeline.report.build（指标表 + 漏斗）"
    return [as_of, street]
