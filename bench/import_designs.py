"""``python -m bench.import_designs [--rows N] [--rounds R] [--sort-ledger FILE]``: where the import's 2.0× goal stops
being reachable, by design, against the bare python-calamine parse of the bench's N-row list in the same rounds.

Each round times, alternating with the bare parse:
- the reader an Arrow-native import would use: fastexcel to Arrow (when fastexcel is installed; it is not one of
  星图's dependencies, so ``pip install fastexcel pyarrow`` into a scratch environment to measure it);
- the guard every reader needs before calamine allocates a sheet (``importers.guards.scan_sheet_xml``);
- the SQLite-only floor (``bench/import_floor.py``: an import's rows written again, nothing computed in Python) into
  each ledger design of ``import_floor.DESIGNS``.
The sum guard + reader + floor is the least any import of that design can cost, before cleaning, matching, audit.
With ``--sort-ledger``, a large ledger's first sorted page by each sort-only column, with and without its index
(``NOT INDEXED``): what dropping those indexes costs the table. A shared machine is noisy: report the load.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from bench import generate, import_floor
from bench.fig_import import bare_calamine, ours_import


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _fastexcel(path: Path):
    try:
        import fastexcel
    except ImportError:
        return None
    return lambda: fastexcel.read_excel(str(path)).load_sheet(0, header_row=None, dtypes="string").to_arrow()


def _guard(path: Path) -> None:
    from importers.guards import scan_sheet_xml
    with zipfile.ZipFile(path) as zf:
        member = next(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
        scan_sheet_xml(zf, member, str(path), "bench", {})


def measure(rows: int, rounds: int, work: Path) -> dict[str, list[float]]:
    path = generate.ensure_list(rows)
    empty = generate.empty_ledger_path()
    done = generate.copy_ledger(empty, work / "done.db")
    ours_import(path, done)                                     # the contents of one import (not timed)
    stored = import_floor.contents(done)
    steps = {"parse": lambda: bare_calamine(path), "guard": lambda: _guard(path)}
    if (reader := _fastexcel(path)) is not None:
        steps["fastexcel"] = reader
    times: dict[str, list[float]] = {k: [] for k in [*steps, *import_floor.DESIGNS]}
    for r in range(rounds):
        for key, fn in steps.items():
            times[key].append(_timed(fn))
        for design in import_floor.DESIGNS:
            target = work / f"{design}.db"
            import_floor.prepare(empty, target, design)
            times[design].append(_timed(lambda t=target: import_floor.write(t, stored)))
        print(f"第 {r + 1} 轮（负载 {os.getloadavg()[0]:.1f}）：" +
              "，".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)
    return times


def report(rows: int, times: dict[str, list[float]]) -> None:
    med = {k: statistics.median(v) for k, v in times.items() if v}
    parse = med["parse"]
    reader = med.get("fastexcel", parse)
    name = "fastexcel 转 Arrow" if "fastexcel" in med else "calamine 解析（未装 fastexcel）"
    print(f"\n{rows:,} 行：calamine 解析 {parse:.3f} s；{name} {reader / parse:.2f}×；"
          f"读前检查 {med['guard'] / parse:.2f}×")
    for design, label in import_floor.DESIGNS.items():
        floor = med[design] / parse
        least = (med["guard"] + reader) / parse + floor
        print(f"  {label}：只计 SQLite {floor:.2f}×；检查 + 读取 + 写入至少 {least:.2f}×")


def sort_costs(ledger: Path, rounds: int = 3) -> None:
    conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        for name in import_floor.SORT_ONLY:
            col = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]
            col = col.split("(", 1)[1].split(")", 1)[0]
            costs = []
            for hint in ("", " NOT INDEXED"):
                sql = f"SELECT {col}, id FROM firms f{hint} WHERE deleted_at IS NULL ORDER BY {col}, id LIMIT 200"
                costs.append(statistics.median(_timed(lambda s=sql: conn.execute(s).fetchall())
                                               for _ in range(rounds)))
            print(f"  按 {col} 排序第一页：有索引 {costs[0] * 1000:.1f} ms，无索引 {costs[1] * 1000:.0f} ms")
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, nargs="+", default=[100_000])
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--sort-ledger", type=Path, 
                   help="按列排序有无索引的对比所用的台账（如 bench/cache 的 100 万家台账）")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="designs-", dir=generate.CACHE) as tmp:
        for rows in args.rows:
            report(rows, measure(rows, args.rounds, Path(tmp)))
    if args.sort_ledger:
        print(f"\n{args.sort_ledger.name}：")
        sort_costs(args.sort_ledger)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
