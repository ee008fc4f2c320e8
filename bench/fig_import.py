"""Import of a 15-column list end to end, against a bare python-calamine parse and pandas + openpyxl.

"Ours" is ``importers.plan.build_plan`` + ``commit_plan`` (read, clean, validate, match, commit)
into a freshly initialised ledger copied before every round (the copy is not timed). The kind of
list is left for the importer to guess from the title and headers, as on the command line.
Peak memory at the largest size is measured in fresh processes (bench/child.py), one for the
import and one for the bare parse; those two runs also give a one-round time ratio at that size.
"""
from __future__ import annotations

from pathlib import Path

from bench import generate
from bench.measure import FAILED, Context, Row, cpu_note, missing, not_measured, paired, profile_to, run_child, timed

KEYS = ("import_vs_calamine", "import_floor", "import_vs_pandas", "import_peak_memory", "import_vs_calamine_big")
NEEDS = ("importers.plan", "importers.commit")


def ours_import(list_path: Path, db_path: Path) -> dict:
    from db.ledger import Ledger
    from importers.plan import build_plan, commit_plan
    with Ledger(db_path) as ledger:
        plan = build_plan(ledger, list_path)
        counts = plan.counts()
        counts["batch"] = commit_plan(ledger, plan)
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
        cal = Row("import_vs_calamine", "导入名单（15 列）vs calamine 解析", n, "s", goal="≤ 1.5×（力争 1.3×）",
                  max_ratio=1.5, baseline_name="python-calamine 直接解析同一文件（to_python）", rounds=rounds)
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
        try:
            def ours(p=path, found=counts) -> None:
                found.update(ours_import(p, target))

            cal.ours, cal.baseline, cal.samples = paired(ours, lambda p=path: bare_calamine(p), rounds, setup=fresh)
            cal.note = f"{_check(counts, n)}；{cpu_note(cal.samples)}"
            floor.ours, floor.baseline, floor.samples = paired(lambda p=path: bare_floor(p, ctx.work / "floor.db"),
                                                               lambda p=path: bare_calamine(p), rounds)
            floor.note = (f"任何“calamine 解析 + 写入 SQLite”的导入都不会低于此比值；星图是此下限的 "
                          f"{cal.ours / floor.ours:.1f} 倍；{cpu_note(floor.samples)}")
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
        rows += [cal, floor, pd_row]
        if ctx.profile and n == max(ctx.sizes):
            fresh()
            saved = profile_to(ctx.work.parent / "profiles" / f"import-{n}.txt", lambda p=path: ours_import(p, target))
            ctx.log(f"剖析：{saved}")

    rows += big(ctx, absent)
    return rows


def big(ctx: Context, absent: list[str]) -> list[Row]:
    n = ctx.big
    mem = Row("import_peak_memory", "导入峰值内存 vs calamine 解析", n, "MB", goal="≤ 1.3×", max_ratio=1.3,
              baseline_name="新进程中 python-calamine 解析同一文件的峰值常驻内存（VmHWM）", rounds=1)
    t = Row("import_vs_calamine_big", "导入名单（15 列）vs calamine 解析（子进程单轮）", n, "s", goal="≤ 1.5×",
            max_ratio=1.5, baseline_name="新进程中 python-calamine 直接解析同一文件", rounds=1)
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
    t.note = _check(ours["counts"], n)
    return [mem, t]
