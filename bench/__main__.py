"""``python -m bench [--quick] [--sizes N ...] [--only NAME] [--profile]``: the performance table.

Full run: import and export timed on 10k and 100k firms, memory, desktop and dashboard on 1M.
``--quick``: 10k and 100k only (the "big" figures on 100k). Prints one table and writes
bench/results.json and bench/RESULTS.md (``--out`` elsewhere).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import fig_dashboard, fig_desktop, fig_export, fig_import, fig_shared, generate
from bench.measure import Context, Row, machine, now_iso, text_table, write_results

FAMILIES = {"export": fig_export, "dashboard": fig_dashboard, "desktop": fig_desktop, "import": fig_import,
            "shared": fig_shared}
ALL_KEYS = tuple(k for m in FAMILIES.values() for k in m.KEYS)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description="星图基准测试：速度与内存，对照同次运行的基线")
    p.add_argument("--quick", action="store_true", help="只用 1 万与 10 万家企业（约 2 分钟）")
    p.add_argument("--sizes", type=int, nargs="+", help="规模（企业数 / 名单行数）；最大者用于内存、桌面与看板")
    p.add_argument("--only", action="append", default=[],
                   help=f"只测某一类（{'、'.join(FAMILIES)}）或某一项（如 import_vs_calamine）；可重复")
    p.add_argument("--rounds", type=int, help="每项轮数（默认：完整 5 轮，--quick 3 轮；大规模自动减少）")
    p.add_argument(
        "--profile", action="store_true", help="另用 pyinstrument 剖析最慢的路径，写入 bench/cache/profiles/"
    )
    p.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent, help="results.json 与 RESULTS.md 的位置"
    )
    p.add_argument("--cache", type=Path, help="生成数据的缓存文件夹（默认 bench/cache/）")
    return p.parse_args(argv)


def plan_sizes(args) -> tuple[list[int], int]:
    if args.sizes:
        sizes = sorted(set(args.sizes))
        return [s for s in sizes if s <= 200_000] or sizes[:1], sizes[-1]
    if args.quick:
        return [10_000, 100_000], 100_000
    return [10_000, 100_000], 1_000_000


def selected(args) -> list[str]:
    if not args.only:
        return list(FAMILIES)
    out = []
    for name in args.only:
        for fam, mod in FAMILIES.items():
            if (name == fam or name in mod.KEYS) and fam not in out:
                out.append(fam)
        if not any(name == fam or name in mod.KEYS for fam, mod in FAMILIES.items()):
            raise SystemExit(f"--only {name}：没有这一类或这一项；可用：{'、'.join(FAMILIES)}、{'、'.join(ALL_KEYS)}")
    return out


def run(args, *, logger=log) -> tuple[list[Row], dict]:
    started = time.perf_counter()
    if args.cache:
        generate.CACHE = args.cache
    sizes, big = plan_sizes(args)
    families = selected(args)
    rounds = args.rounds or (3 if args.quick else 5)
    cache_root = generate.CACHE
    cache_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="run-", dir=cache_root))
    ctx = Context(sizes=sizes, big=big, rounds=rounds, work=work, quick=args.quick, profile=args.profile, log=logger)
    desc = f"{machine()}"
    logger(f"规模 {sizes}，大规模 {big:,}，{rounds} 轮；{desc}")
    t = time.perf_counter()
    needed_lists = set(sizes if "import" in families else []) | ({big} if "import" in families else set())
    needed_ledgers = set(sizes if "export" in families else []) | (
        {big} if {"dashboard", "desktop", "shared"} & set(families) else set())
    for n in sorted(needed_lists):
        generate.ensure_list(n, logger)
    for n in sorted(needed_ledgers):
        generate.ensure_ledger(n, logger)
    gen_s = time.perf_counter() - t
    rows: list[Row] = []
    try:
        for fam in families:
            t = time.perf_counter()
            got = FAMILIES[fam].run(ctx)
            if args.only:
                keys = [k for k in args.only if k not in FAMILIES]
                if keys and fam not in args.only:
                    got = [r for r in got if r.key in keys]
            rows += got
            logger(f"{fam} 完成，{time.perf_counter() - t:.1f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    meta = {"args": " ".join(sys.argv[1:]) if args is not None else "", "finished": now_iso(), "machine": desc,
            "elapsed_s": round(time.perf_counter() - started, 1), "generate_s": round(gen_s, 1),
            "sizes": sizes, "big": big, "rounds": rounds, "families": families}
    return rows, meta


def main(argv=None) -> int:
    args = parse_args(argv)
    rows, meta = run(args)
    meta["args"] = " ".join(argv if argv is not None else sys.argv[1:])
    print(text_table(rows))
    args.out.mkdir(parents=True, exist_ok=True)
    write_results(rows, meta, args.out)
    missed = [r for r in rows if r.met is False]
    print(f"\n共 {len(rows)} 项，达成 {sum(r.met is True for r in rows)}，未达成 {len(missed)}，"
          f"未测 {sum(r.ours is None for r in rows)}；用时 {meta['elapsed_s'] / 60:.1f} 分钟"
          f"（其中生成数据 {meta['generate_s']:.0f} s）。结果已写入 {args.out / 'results.json'} 与 RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
