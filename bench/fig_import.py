"""Import of a 15-column list end to end, against a bare python-calamine parse and pandas + openpyxl.

"Ours" is ``importers.plan.build_plan`` + ``commit_plan`` (read, clean, validate, match, commit)
into a freshly initialised ledger copied before every round (the copy is not timed). The kind of
list is left for the importer to guess from the title and headers, as on the command line.
Each round also gives its breakdown, each step against the same bare parse: reading the file
(``build_plan(timings=…)["read"]``: opening, header, the rows), cleaning and planning (``["plan"]``)
and writing (``importers.commit.commit(timings=…)`` by step where it takes that parameter, else
the whole commit as one step).
Peak memory at the largest size is measured in fresh processes (bench/child.py), one for the
import and one for the bare parse; those two runs also give a one-round time ratio at that size.
A 2,000-row list is also imported by the command line in a fresh process, start-up included,
against a fresh process that only parses it with python-calamine.
"""
from __future__ import annotations

from pathlib import Path

from bench import generate
from bench.measure import FAILED, Context, Row, cpu_note, missing, not_measured, paired, profile_to, run_child, timed

KEYS = ("import_vs_calamine", "import_read", "import_plan", "import_write", "import_floor", "import_sql_floor",
        "import_vs_pandas",
        "import_process_2k", "import_peak_memory", "import_vs_calamine_big")
NEEDS = ("importers.plan", "importers.commit")
STEPS = (("read", "import_read", "导入分解：读文件（打开、表头、逐行读取）"),
         ("plan", "import_plan", "导入分解：清洗、校验、匹配、计划"),
         ("write", "import_write", "导入分解：写入台账"))
SMALL = 2_000


def ours_import(list_path: Path, db_path: Path | str, timings: dict | None = None) -> dict:
    """Plan and commit *list_path*; *timings* gets {"read", "plan", "write": seconds} and the write's own
    steps as "write:<step>" when ``importers.commit.commit`` reports them."""
    import inspect
    import time

    from db.ledger import Ledger
    from importers.commit import commit
    from importers.plan import build_plan
    steps = timings if timings is not None else {}
    with Ledger(db_path) as ledger:
        plan = build_plan(ledger, list_path, timings=steps)
        counts = plan.counts()
        start = time.perf_counter()
        if "timings" in inspect.signature(commit).parameters:
            parts: dict = {}
            counts["batch"] = commit(ledger, plan, timings=parts)
            steps.update({f"write:{k}": v for k, v in parts.items()})
        else:
            counts["batch"] = commit(ledger, plan)
        steps["write"] = time.perf_counter() - start
        counts["kind"] = plan.kind
        counts["stage"] = plan.stage
    return counts


def bare_calamine(list_path: Path) -> int:
    return len(bare_calamine_rows(list_path))


def bare_floor(list_path: Path, db_path: Path) -> int:
    """The least an importer that parses with calamine and keeps the rows in SQLite can do: the bare parse,
    then every cell as read into one plain table (no cleaning, no matching, no index, no search index, no
    audit) with one executemany in one transaction, in WAL mode like the ledger. What an import costs beyond
    this is the work it does on the rows."""
    import sqlite3
    from datetime import date, datetime
    for p in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        p.unlink(missing_ok=True)
    sqlite3.register_adapter(date, date.isoformat)            # what Python's default adapters did
    sqlite3.register_adapter(datetime, datetime.isoformat)
    rows = bare_calamine_rows(list_path)
    width = max(len(r) for r in rows)
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute(f"CREATE TABLE cells ({', '.join(f'c{i}' for i in range(width))})")
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO cells VALUES ({', '.join('?' * width)})",
                         (r if len(r) == width else [*r, *[None] * (width - len(r))] for r in rows))
        conn.execute("COMMIT")
    finally:
        conn.close()
    return len(rows)


def bare_calamine_rows(list_path: Path) -> list:
    from python_calamine import CalamineWorkbook
    return CalamineWorkbook.from_path(str(list_path)).get_sheet_by_index(0).to_python()


def bare_pandas(list_path: Path) -> int:
    import pandas as pd
    return len(pd.read_excel(list_path, engine="openpyxl", header=1))


def _check(counts: dict, n: int) -> str:
    done = counts.get("created", 0) + counts.get("updated", 0) + counts.get("unchanged", 0)
    note = f"导入 {done:,}/{n:,} 行（{counts.get('kind')}，{counts.get('stage')}），错误 {counts.get('errors', 0)}，" \
           f"警告 {counts.get('warnings', 0)}"
    if done < 0.95 * n:
        note += "；导入行数不足，比值不可信"
    return note


def run(ctx: Context) -> list[Row]:
    rows: list[Row] = []
    absent = missing(*NEEDS)
    empty = generate.empty_ledger_path()
    target = ctx.work / "import.db"

    def fresh() -> None:
        generate.copy_ledger(empty, target)

    for n in ctx.sizes:
        path = generate.ensure_list(n, ctx.log)
        rounds = ctx.rounds_for(n)
        cal = Row("import_vs_calamine", "导入名单（15 列）vs calamine 解析", n, "s", goal="≤ 2.0×",
                  max_ratio=2.0, baseline_name="python-calamine 直接解析同一文件（to_python）", rounds=rounds)
        floor = Row("import_floor", "导入下限：calamine 解析 + 原样写入 SQLite", n, "s", goal="—",
                    baseline_name="python-calamine 直接解析同一文件（to_python）", rounds=rounds)
        pd_row = Row("import_vs_pandas", "导入名单（15 列）vs pandas+openpyxl", n, "s", goal="—",
                     baseline_name="pandas.read_excel(engine='openpyxl') 读同一文件", rounds=rounds)
        if absent:                                   # the baselines still tell what the goal will mean
            ctx.log(f"导入模块缺失；只测基线 {n:,} 行 …")
            cal.baseline, s = timed(lambda p=path: bare_calamine(p), rounds)
            cal.samples = {"baseline": s}
            pd_row.baseline, s = timed(lambda p=path: bare_pandas(p), rounds if n <= 20_000 else 1)
            pd_row.samples = {"baseline": s}
            pd_row.note = f"pandas 是 calamine 的 {pd_row.baseline / cal.baseline:.1f} 倍"
            rows += [not_measured(r, detail="、".join(absent)) for r in (cal, floor, pd_row)]
            continue
        ctx.log(f"导入 {n:,} 行 × {rounds} 轮 …")
        counts: dict = {}
        steps: list[dict] = []
        try:
            def ours(p=path, found=counts, runs=steps) -> None:
                runs.append({})
                found.update(ours_import(p, target, runs[-1]))

            cal.ours, cal.baseline, cal.samples = paired(ours, lambda p=path: bare_calamine(p), rounds, setup=fresh)
            cal.note = f"{_check(counts, n)}；{cpu_note(cal.samples)}"
            parts = breakdown(n, rounds, steps, cal.baseline)
            floor.ours, floor.baseline, floor.samples = paired(lambda p=path: bare_floor(p, ctx.work / "floor.db"),
                                                               lambda p=path: bare_calamine(p), rounds)
            floor.note = (f"任何“calamine 解析 + 写入 SQLite”的导入都不会低于此比值；星图是此下限的 "
                          f"{cal.ours / floor.ours:.1f} 倍；{cpu_note(floor.samples)}")
            sql = sql_floor(ctx, n, path, target, rounds, cal.ours)
            # pandas is slow: its own rounds, compared with the median import above
            p_rounds = rounds if n <= 20_000 else 1
            pd_row.ours = cal.ours
            _, pd_row.baseline, s = paired(lambda: None, lambda p=path: bare_pandas(p), p_rounds)
            pd_row.samples = {"ours": cal.samples["ours"], "baseline": s["baseline"]}
            pd_row.rounds = p_rounds
            pd_row.note = "星图与上一行为同一组导入；pandas 只读不清洗、不写库"
        except Exception as exc:  # noqa: BLE001  (a broken importer is a finding, not a crash of the whole run)
            rows += [not_measured(cal, FAILED, repr(exc)[:200]), not_measured(floor, FAILED, repr(exc)[:200]),
                     not_measured(pd_row, FAILED, repr(exc)[:200])]
            continue
        rows += [cal, *parts, floor, sql, pd_row]
        if ctx.profile and n == max(ctx.sizes):
            fresh()
            saved = profile_to(ctx.work.parent / "profiles" / f"import-{n}.txt", lambda p=path: ours_import(p, target))
            ctx.log(f"剖析：{saved}")

    rows.append(process_small(ctx, absent))
    rows += big(ctx, absent)
    return rows


def sql_floor(ctx: Context, n: int, path: Path, target: Path, rounds: int, ours: float) -> Row:
    """The same ledger contents written with nothing computed in Python (bench/import_floor.py), against the bare
    parse in the same rounds; its note gives (parse + that) / parse, the least ratio of such an import."""
    from bench import import_floor
    row = Row("import_sql_floor", "导入下限：同样内容写入台账（行已备好，只计 SQLite）", n, "s", goal="—",
              baseline_name="python-calamine 直接解析同一文件（to_python）", rounds=rounds)
    generate.copy_ledger(generate.empty_ledger_path(), target)
    ours_import(path, target)                      # the contents of one import, read back (not timed)
    stored = import_floor.contents(target)
    copy = ctx.work / "sql-floor.db"
    row.ours, row.baseline, row.samples = paired(
        lambda: import_floor.write(copy, stored), lambda: bare_calamine(path), rounds,
        setup=lambda: generate.copy_ledger(generate.empty_ledger_path(), copy))
    least = (row.ours + row.baseline) / row.baseline
    row.note = (f"解析 + 此项 = 解析的 {least:.2f} 倍：整表用 calamine 解析、台账保留同样索引与搜索索引的导入"
                f"不会低于此；"
                f"星图导入是其 {ours / (row.ours + row.baseline):.1f} 倍；{cpu_note(row.samples)}")
    return row


def breakdown(n: int, rounds: int, runs: list[dict], bare: float) -> list[Row]:
    """One row per step (median seconds over the rounds), each against the median bare parse."""
    import statistics
    out = []
    for step, key, figure in STEPS:
        values = [r[step] for r in runs if step in r]
        row = Row(key, figure, n, "s", baseline=bare, rounds=rounds,
                  baseline_name="python-calamine 直接解析同一文件（to_python），与上一行同一组")
        if not values:
            out.append(not_measured(row, FAILED, "没有这一步的计时"))
            continue
        row.ours = statistics.median(values)
        row.samples = {"ours": [round(v, 4) for v in values]}
        if step == "write":
            subs = sorted({k for r in runs for k in r if k.startswith("write:")})
            row.note = "；".join(f"{k[6:]} {statistics.median([r.get(k, 0.0) for r in runs]):.3f} s" for k in subs) \
                or "写入尚未分步计时（commit 不接受 timings），整段计为一步"
        out.append(row)
    return out


def process_small(ctx: Context, absent: list[str]) -> Row:
    """A 2,000-row list imported by ``main.py import`` in a fresh process, start-up included."""
    import statistics
    import subprocess
    import sys
    import time

    from bench.measure import ROOT, child_env
    n = min(SMALL, *ctx.sizes)              # 2,000 rows (fewer in a smoke run of smaller sizes)
    row = Row("import_process_2k", f"导入 {n:,} 行名单：整个进程（命令行，含启动）", n, "s", goal="≤ 1 s",
              max_value=1.0, baseline_name="新进程中 python-calamine 直接解析同一文件（含启动）", rounds=ctx.rounds)
    if absent:
        return not_measured(row, detail="、".join(absent))
    path = generate.ensure_list(n, ctx.log)
    target = ctx.work / "import-2k.db"
    ours_cmd = [sys.executable, str(ROOT / "main.py"), "import", str(path), "--db", str(target), "--json"]
    base_cmd = [sys.executable, "-m", "bench.child", "parse", str(path)]
    ctx.log(f"导入 {n:,} 行（整个进程）× {ctx.rounds} 轮 …")
    times: dict[str, list[float]] = {"ours": [], "baseline": []}
    try:
        for i in range(ctx.rounds):
            for name, cmd in ((("ours", ours_cmd), ("baseline", base_cmd)) if i % 2 == 0
                              else (("baseline", base_cmd), ("ours", ours_cmd))):
                if name == "ours":
                    generate.copy_ledger(generate.empty_ledger_path(), target)
                t = time.perf_counter()
                subprocess.run(cmd, cwd=ROOT, env=child_env(), check=True, capture_output=True, timeout=300)
                times[name].append(time.perf_counter() - t)
    except (subprocess.SubprocessError, OSError) as exc:
        return not_measured(row, FAILED, str(exc)[:200])
    row.ours, row.baseline = statistics.median(times["ours"]), statistics.median(times["baseline"])
    row.samples = {k: [round(x, 4) for x in v] for k, v in times.items()}
    return row


def big(ctx: Context, absent: list[str]) -> list[Row]:
    n = ctx.big
    mem = Row("import_peak_memory", "导入峰值内存 vs calamine 解析", n, "MB", goal="≤ 1.3×", max_ratio=1.3,
              baseline_name="新进程中 python-calamine 解析同一文件的峰值常驻内存（VmHWM）", rounds=1)
    t = Row("import_vs_calamine_big", "导入名单（15 列）vs calamine 解析（子进程单轮）", n, "s", goal="≤ 2.5×",
            max_ratio=2.5, baseline_name="新进程中 python-calamine 直接解析同一文件", rounds=1)
    path = generate.ensure_list(n, ctx.log)
    if absent:
        try:
            base = run_child("parse", path, timeout=1200)
            mem.baseline, t.baseline = base["peak_mb"], base["elapsed"]
        except Exception as exc:  # noqa: BLE001  (the baseline is optional: logged, the run goes on)
            ctx.log(f"calamine 解析子进程失败：{exc}")
        return [not_measured(mem, detail="、".join(absent)), not_measured(t, detail="、".join(absent))]
    target = ctx.work / "import-big.db"
    generate.copy_ledger(generate.empty_ledger_path(), target)
    ctx.log(f"导入 {n:,} 行（子进程，测峰值内存）…")
    try:
        base = run_child("parse", path, timeout=1200)
        ours = run_child("import", path, target, timeout=1800)
    except Exception as exc:  # noqa: BLE001  (a failed child is a finding in the results)
        return [not_measured(mem, FAILED, str(exc)[:200]), not_measured(t, FAILED, str(exc)[:200])]
    mem.ours, mem.baseline = ours["peak_mb"], base["peak_mb"]
    mem.note = f"解析后常驻 {base['rss_mb']:.0f} MB；导入后常驻 {ours['rss_mb']:.0f} MB"
    t.ours, t.baseline = ours["elapsed"], base["elapsed"]
    t.note = _check(ours["counts"], n) + _breakdown(ours.get("timings") or {})
    t.samples = {"timings": {k: round(v, 3) for k, v in (ours.get("timings") or {}).items()}}
    return [mem, t]


def _breakdown(steps: dict) -> str:
    """The import's steps in seconds (read, plan, write and the write's own steps, largest first)."""
    if not steps:
        return ""
    parts = [f"{name} {steps[key]:.1f}" for key, name in (("read", "读文件"), ("plan", "清洗与计划"), ("write", "写入"))
             if key in steps]
    writes = sorted(((k[6:], v) for k, v in steps.items() if k.startswith("write:") and v >= 0.05),
                    key=lambda kv: -kv[1])
    detail = "（" + "、".join(f"{k} {v:.1f}" for k, v in writes) + "）" if writes else ""
    return "；分步（s）：" + "、".join(parts) + detail
