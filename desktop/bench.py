"""Benchmark of the ledger window on a generated ledger of 1,000,000 firms (``python -m desktop.bench``).

Not a test: prints timings. ``make_big_ledger`` writes the firms with one executemany in one
transaction (names are built from parts whose pinyin is known, so no per-name pypinyin call).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

PLACES = [("武汉", "wh", "wuhan"), ("湖北", "hb", "hubei"), ("武昌", "wc", "wuchang"), ("江城", "jc", "jiangcheng"),
          ("楚天", "ct", "chutian"), ("东湖", "dh", "donghu"), ("长江", "cj", "changjiang"), ("黄鹤", "hh", "huanghe")]
CORES = [("星辰", "xc", "xingchen"), ("光谷", "gg", "guanggu"), ("云帆", "yf", "yunfan"), ("智联", "zl", "zhilian"),
         ("华瑞", "hr", "huarui"), ("博远", "by", "boyuan"), ("鼎盛", "ds", "dingsheng"), ("新源", "xy", "xinyuan"),
         ("天成", "tc", "tiancheng"), ("锐思", "rs", "ruisi"), ("中科", "zk", "zhongke"), ("恒通", "ht", "hengtong")]
TRADES = [("科技", "kj", "keji"), ("信息技术", "xxjs", "xinxijishu"), ("生物医药", "swyy", "shengwuyiyao"),
          ("智能装备", "znzb", "zhinengzhuangbei"), ("新材料", "xcl", "xincailiao"), ("软件", "rj", "ruanjian")]
INDUSTRIES = ["软件和信息技术服务业", "专用设备制造业", "医药制造业", "科技推广和应用服务业", "电气机械和器材制造业"]
OFFICERS = ["张敏", "李强", "王芳", "刘洋", "陈静", "杨帆", "赵磊", "周婷"]


def make_big_ledger(path: Path, n: int, seed: int = 1) -> None:
    from db.ledger import Ledger
    from pipeline.uscc import make_code
    rnd = random.Random(seed)
    with Ledger(path) as ledger:
        streets = [sid for sid, _ in ledger.streets()]
        cat = ledger.catalog()
        stars = [s.id for s in cat.track("star").stages]
        other = [s.id for s in cat.stages if s.id not in stars]
        stamp = "2025-01-01T00:00:00+08:00"
        with ledger.write("demo") as w:
            rows, drows = [], []
            for i in range(1, n + 1):
                p, c, t = rnd.choice(PLACES), rnd.choice(CORES), rnd.choice(TRADES)
                name = f"{p[0]}{c[0]}{t[0]}{i}有限公司"
                pinyin = f"{p[1]}{c[1]}{t[1]}yxgs {p[2]}{c[2]}{t[2]}youxiangongsi"
                code = make_code("9", "1", "420106", f"{i:08d}"[-8:]) if i < 10 ** 8 else None
                rows.append((i, code, "ok", name, name, pinyin, rnd.choice(streets), rnd.choice(INDUSTRIES),
                             rnd.choice(OFFICERS), (date(2000, 1, 1) + timedelta(days=rnd.randrange(9000))).isoformat(),
                             round(rnd.uniform(10, 5000), 1), round(rnd.uniform(0, 90000), 1), rnd.randrange(1, 900),
                             stamp, stamp))
                if rnd.random() < 0.25 and stars:
                    start = date(2020, 1, 1) + timedelta(days=rnd.randrange(1800))
                    drows.append((i, rnd.choice(stars), start.isoformat(), None, None))
                if rnd.random() < 0.25 and other:
                    start = date(2019, 1, 1) + timedelta(days=rnd.randrange(2200))
                    drows.append((i, rnd.choice(other), start.isoformat(), (start + timedelta(days=1095)).isoformat(),
                                  f"GR{start.year}42{i:06d}"))
            w.conn.executemany(
                "INSERT INTO firms (id, code, code_status, name, name_key, pinyin, street_id, industry, officer, founded, "
                "reg_capital, revenue, employees, created_at, updated_at) VALUES (" + ",".join("?" * 15) + ")", rows)
            w.conn.executemany(
                "INSERT INTO designations (firm_id, stage_id, start_date, end_date, evidence, source, created_at) "
                "VALUES (?, ?, ?, ?, ?, 'demo', '2025-01-01')", drows)
        ledger.conn.execute("ANALYZE")
        ledger.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settle(app, model) -> None:
    """Until a background query (slow search) has delivered its first page."""
    while model.busy:
        model.wait(10)
        app.processEvents()


def measure(db: Path) -> dict:
    """Start-up to first page, search keystrokes, sorts and memory, in this process."""
    t0 = time.perf_counter()
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    import tempfile  # noqa: PLC0415
    from PySide6.QtCore import QSettings  # noqa: PLC0415
    QSettings.setDefaultFormat(QSettings.IniFormat)   # never the user's own settings
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp(prefix="xingtu-bench-"))
    from desktop.app import open_ledger_for_window
    from desktop.main_window import MainWindow
    ledger = open_ledger_for_window(db)
    win = MainWindow(ledger)
    win.resize(1440, 900)
    win.show()
    app.processEvents()
    panel = win.ledger_panel
    first = panel.model.data(panel.model.index(0, 0))
    t_first = time.perf_counter() - t0
    out = {"firms": panel.model.total, "first_page_s": round(t_first, 3), "first_row": first}
    searches = {}
    for text in ["武", "武汉", "武汉星", "武汉星辰", "whxc", "星辰科技", "914201060000", "yun", "123456有限", "鑫"]:
        t = time.perf_counter()
        panel.set_search_now(text)
        ui_ms = (time.perf_counter() - t) * 1000          # the UI thread was blocked this long
        _settle(app, panel.model)
        panel.model.data(panel.model.index(0, 0))
        app.processEvents()
        searches[text] = {"rows_ms": round((time.perf_counter() - t) * 1000, 1), "ui_blocked_ms": round(ui_ms, 1),
                          "matches": panel.model.total, "background": panel.model.busy or panel.ledger_view.is_slow(
                              panel.model.query)}
    panel.set_search_now("")
    _settle(app, panel.model)
    out["search_ms"] = searches
    sorts = {}
    for col in range(panel.model.columnCount()):
        if not panel.model.sortable(col):
            continue
        for order in (0, 1):
            t = time.perf_counter()
            panel.model.sort(col, order)
            _settle(app, panel.model)
            panel.model.data(panel.model.index(0, 0))
            app.processEvents()
            sorts[f"{panel.model.column_key(col)}{'↓' if order else '↑'}"] = round((time.perf_counter() - t) * 1000, 1)
    out["sort_ms"] = sorts
    t = time.perf_counter()
    panel.view.scrollTo(panel.model.index(panel.model.total // 2, 0))
    app.processEvents()
    out["jump_to_middle_ms"] = round((time.perf_counter() - t) * 1000, 1)
    out["rss_mb"] = round(rss_mb(), 1)
    win.close()
    ledger.close()
    return out


def bare_start(db: Path) -> float:
    """A bare QApplication + QTableView showing 200 rows of the same file, for comparison."""
    code = ("import sys,time,sqlite3;t=time.perf_counter();from PySide6.QtWidgets import QApplication,QTableView;"
            "from PySide6.QtGui import QStandardItemModel,QStandardItem;app=QApplication([]);"
            f"c=sqlite3.connect({str(db)!r});rows=c.execute('SELECT name,code FROM firms ORDER BY id LIMIT 200').fetchall();"
            "m=QStandardItemModel(len(rows),2);[m.setItem(i,j,QStandardItem(str(v))) for i,r in enumerate(rows) for j,v in enumerate(r)];"
            "v=QTableView();v.setModel(m);v.resize(1440,900);v.show();app.processEvents();print(time.perf_counter()-t)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    return float(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="台账窗口基准测试")
    ap.add_argument("--db", default="/tmp/xingtu-bench-1m.db")
    ap.add_argument("--firms", type=int, default=1_000_000)
    args = ap.parse_args(argv)
    db = Path(args.db)
    if not db.exists():
        t = time.perf_counter()
        make_big_ledger(db, args.firms)
        print(f"生成 {args.firms} 家企业用时 {time.perf_counter() - t:.1f} s", flush=True)
    bare = bare_start(db)
    res = measure(db)
    res["bare_qtableview_s"] = round(bare, 3)
    res["ratio_to_bare"] = round(res["first_page_s"] / bare, 2)
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
