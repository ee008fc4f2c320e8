"""The desktop window on the big ledger, each round in a fresh process (bench/child.py).

Start-up is timed from spawning the process to the first page of the table painted
(offscreen), for 星图's window (``desktop.main_window.MainWindow``, or the ledger panel alone
while the main window does not exist) and for a bare QApplication + QTableView showing the
first 200 firms of the same file. Keystrokes, sorts and scrolling are timed until the visible
page has been repainted; their baseline is a repaint of one page of the bare QTableView.
The ledger is opened read-only so the cached file stays as generated.
"""
from __future__ import annotations

import statistics

from bench import generate
from bench.measure import FAILED, Context, Row, missing, not_measured, run_child

KEYS = ("desktop_start", "desktop_search_worst", "desktop_search_median", "desktop_sort_worst", "desktop_page_down",
        "desktop_jump_middle", "desktop_memory")
NEEDS = ("PySide6", "db.ledger_view", "ui.ledger.model", "ui.ledger.panel")


def _rows(n: int, rounds: int) -> dict[str, Row]:
    repaint = "裸 QTableView（QStandardItemModel，同样 9 列）重画一页（viewport.repaint）"
    return {
        "desktop_start": Row("desktop_start", "桌面启动到表格第一页", n, "s", goal="≤ 1 s 且 ≤ 3×", max_ratio=3.0,
                             max_value=1.0, rounds=rounds,
                             baseline_name="新进程中裸 QApplication + QTableView 显示同一文件的前 200 家企业"),
        "desktop_search_worst": Row("desktop_search_worst", "搜索按键（最慢的一键）", n, "ms", goal="≤ 50 ms",
                                    max_value=0.050, baseline_name=repaint, rounds=rounds),
        "desktop_search_median": Row("desktop_search_median", "搜索按键（中位数）", n, "ms", goal="≤ 50 ms",
                                     max_value=0.050, baseline_name=repaint, rounds=rounds),
        "desktop_sort_worst": Row("desktop_sort_worst", "按列排序（最慢的一列）", n, "ms", goal="≤ 200 ms",
                                  max_value=0.200, baseline_name=repaint, rounds=rounds),
        "desktop_page_down": Row("desktop_page_down", "向下翻一页", n, "ms", baseline_name=repaint, rounds=rounds),
        "desktop_jump_middle": Row("desktop_jump_middle", "跳到表格正中", n, "ms", baseline_name=repaint,
                                   rounds=rounds),
        "desktop_memory": Row("desktop_memory", "打开台账后的常驻内存", n, "MB", goal="< 300 MB", max_value=300.0,
                              baseline_name="裸 QApplication + QTableView 进程的常驻内存", rounds=rounds),
    }


def run(ctx: Context) -> list[Row]:
    n = ctx.big
    rounds = max(1, min(ctx.rounds, 3))
    rows = _rows(n, rounds)
    absent = missing(*NEEDS)
    if absent:
        return [not_measured(r, detail="、".join(absent)) for r in rows.values()]
    db = generate.ensure_ledger(n, ctx.log)
    ctx.log(f"桌面：{n:,} 家企业 × {rounds} 轮（每轮两个新进程）…")
    ours, bare = [], []
    try:
        for i in range(rounds):
            pair = [("desktop", ours), ("qt_bare", bare)]
            for task, out in (pair if i % 2 == 0 else pair[::-1]):
                out.append(run_child(task, db, marker="FIRST_PAGE", timeout=600))
    except Exception as exc:  # noqa: BLE001  (a failed child is a finding in the results)
        return [not_measured(r, FAILED, str(exc)[:200]) for r in rows.values()]
    med = statistics.median
    repaint = med(b["repaint_s"] for b in bare)
    own_repaint = med(o["repaint_s"] for o in ours)

    r = rows["desktop_start"]
    r.ours, r.baseline = med(o["marker_s"] for o in ours), med(b["marker_s"] for b in bare)
    r.samples = {"ours": [round(o["marker_s"], 3) for o in ours], "baseline": [round(b["marker_s"], 3) for b in bare]}
    r.note = f"窗口：{ours[0]['window']}，{ours[0]['firms']:,} 行；星图重画一页未变的表格 {own_repaint * 1000:.0f} ms"

    per_key: dict[str, list] = {}
    per_key_cpu: dict[str, list] = {}
    for o in ours:
        for text, s, _count, cpu in o["keystrokes"]:
            per_key.setdefault(text, []).append(s)
            per_key_cpu.setdefault(text, []).append(cpu)
    key_meds = {k: med(v) for k, v in per_key.items()}
    cpu_meds = {k: med(v) for k, v in per_key_cpu.items()}
    worst = max(key_meds, key=key_meds.get)
    r = rows["desktop_search_worst"]
    r.ours, r.baseline = key_meds[worst], repaint
    r.note = (f"最慢：输入“{worst or '（清空）'}”（CPU {cpu_meds[worst] * 1000:.0f} ms）；共 {len(key_meds)} 次按键，"
              f"超过 50 ms 的：{'、'.join(repr(k) for k, v in key_meds.items() if v > 0.05) or '无'}")
    r.samples = {"ours": {k: round(v, 4) for k, v in key_meds.items()},
                 "ours_cpu": {k: round(v, 4) for k, v in cpu_meds.items()}}
    r = rows["desktop_search_median"]
    r.ours, r.baseline = med(key_meds.values()), repaint
    r.note = f"CPU 时间中位 {med(cpu_meds.values()) * 1000:.0f} ms"

    per_sort: dict[str, list] = {}
    for o in ours:
        for key, order, s in o["sorts"]:
            per_sort.setdefault(f"{key} {order}", []).append(s)
    sort_meds = {k: med(v) for k, v in per_sort.items()}
    r = rows["desktop_sort_worst"]
    if sort_meds:
        worst = max(sort_meds, key=sort_meds.get)
        r.ours, r.baseline = sort_meds[worst], repaint
        r.note = f"最慢：{worst}；共 {len(sort_meds)} 种排序"
        r.samples = {"ours": {k: round(v, 4) for k, v in sort_meds.items()}}

    r = rows["desktop_page_down"]
    r.ours, r.baseline = med(s for o in ours for s in o["page_down_s"]), repaint
    r.note = f"最慢一次 {max(s for o in ours for s in o['page_down_s']) * 1000:.0f} ms"
    r = rows["desktop_jump_middle"]
    r.ours, r.baseline = med(o["jump_middle_s"] for o in ours), repaint
    r.note = f"跳到末尾 {med(o['jump_end_s'] for o in ours) * 1000:.0f} ms"

    r = rows["desktop_memory"]
    r.ours, r.baseline = med(o["rss_mb"] for o in ours), med(b["rss_mb"] for b in bare)
    r.note = f"刚打开时 {med(o['start_rss_mb'] for o in ours):.0f} MB，峰值 {max(o['peak_mb'] for o in ours):.0f} MB"
    return list(rows.values())
