"""The dashboard on the shared ledger (issue 16's "dashboard recompute on 1M firms"), beside the same file.

Both are opened as the app opens them (ui/dashboard/source.open_dashboard): the file read-only, so it is read in
full as after any write (no columnar cache: that open is bench/fig_dashboard.py's), the shared ledger as a manager
who reads every street (a viewer login: row-level security is evaluated). "Open" is reading the facts plus the
first view (a year's dashboard on one day: the per-stage indexes are built); "recompute" is the dashboard for a
new as-of date on the facts already loaded, the median of a few dates, the same numpy work on both once loaded.
The two engines alternate, two rounds of the open.
"""
from __future__ import annotations

import statistics
import time
from datetime import date

from bench.fig_dashboard import DATES, YEAR
from bench.measure import Row

FIRST_DAY = date(2025, 5, 31)


def rows(n: int) -> dict[str, Row]:
    file_same = "同一台账的本地文件（SQLite，只读打开：不用列缓存，如写入之后），同样的读取与计算"
    return {
        "shared_dashboard_open": Row("shared_dashboard_open", "共享台账：看板打开（读取全部认定 + 首屏计算，查看全区）",
                                     n, "s", baseline_name=file_same),
        "shared_dashboard_as_of": Row("shared_dashboard_as_of", "共享台账：看板重算：新统计日期", n, "ms",
                                      goal="≤ 100 ms", max_value=0.100, baseline_name=file_same),
    }


def _open(where: str) -> tuple[dict, object]:
    from db.ledger import Ledger
    from ui.dashboard.source import open_dashboard
    ledger = Ledger(where, readonly=True)
    try:
        c, t = time.process_time(), time.perf_counter()
        dash, _loaded = open_dashboard(ledger)
        loaded, loaded_cpu = time.perf_counter() - t, time.process_time() - c
        dash.compute(YEAR, FIRST_DAY)
        opened, opened_cpu = time.perf_counter() - t, time.process_time() - c
    finally:
        ledger.close()
    return {"load": loaded, "load_cpu": loaded_cpu, "open": opened, "open_cpu": opened_cpu,
            "designations": len(dash.facts) if hasattr(dash, "facts") else None}, dash


def _recompute(dash) -> list[float]:
    out = []
    for d in DATES[:5]:
        t = time.perf_counter()
        dash.compute(YEAR, d)
        out.append(time.perf_counter() - t)
    return out


def figures(ctx, found: dict[str, Row], url: str, file) -> None:
    """*url*: the manager's (a viewer of every street); *file*: the same ledger's file."""
    runs: dict[str, list[dict]] = {"shared": [], "file": []}
    dashes = {}
    for i in range(2):
        pair = [("shared", url), ("file", str(file))]
        for name, where in (pair if i % 2 == 0 else pair[::-1]):
            got, dashes[name] = _open(where)
            runs[name].append(got)
    again = {name: _recompute(dash) for name, dash in dashes.items()}
    med = statistics.median
    r = found["shared_dashboard_open"]
    r.ours, r.baseline, r.rounds = med(o["open"] for o in runs["shared"]), med(o["open"] for o in runs["file"]), 2
    r.samples = {k: [round(o["open"], 3) for o in v] for k, v in runs.items()}
    s, f = runs["shared"][-1], runs["file"][-1]
    r.note = (f"读取认定：共享 {s['load']:.2f} s（CPU {s['load_cpu']:.2f} s），文件 {f['load']:.2f} s"
              f"（CPU {f['load_cpu']:.2f} s）；首屏计算含在打开内")
    r = found["shared_dashboard_as_of"]
    r.ours, r.baseline, r.rounds = med(again["shared"]), med(again["file"]), len(again["shared"])
    r.samples = {k: [round(x, 4) for x in v] for k, v in again.items()}
    r.note = f"{len(again['shared'])} 个新日期的中位数；最慢一次 {max(again['shared']) * 1000:.0f} ms"
