"""``python -m bench.shared_import_ab [--rounds N] [--rows N] [--base DIR] [--who superuser,admin]``: the shared
ledger's import figure alone (issue 16), in alternating rounds, each run a whole fresh process as bench/fig_shared.py
``_import_figures`` measures it: a fresh database (named ``<XINGTU_BENCH_DB>_ab_<code>_<who>``), the empty ledger
pushed into it, then ``bench.child import``; the file's import of the same list as the baseline.

``--base DIR``: another copy of the code (e.g. ``git archive <commit> | tar -x -C DIR``) measured in the same rounds,
its database made by its own code; the file's import is always this code's. Prints each run's steps and the
medians (the ratio of medians and the median of each round's ratio). Machines shared with others are noisy: the
figure is only worth what several alternating rounds agree on.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS = ("read", "plan", "write:new_firms_pinyin", "write:new_firms_staging", "write:new_firms_insert_select",
         "write:new_firms_insert", "write:new_firms_indexes", "write:new_firms_search", "write:designations",
         "write:commit")
# run inside a copy of the code (its own bench, db and schema): a fresh database as fig_shared makes it, or the
# empty file ledger; prints where to import
PREPARE = """
import sys
from pathlib import Path
from bench import fig_shared as fs, generate
from db.pg.setup import add_user
from db.pg.transfer import push
who, database, work = sys.argv[1], sys.argv[2], Path(sys.argv[3])
work.mkdir(parents=True, exist_ok=True)
empty = generate.copy_ledger(generate.empty_ledger_path(), work / "import-empty.db")
if who == "file":
    print(empty)
    raise SystemExit
url = fs._fresh_database(database)
push(empty, url)
if who == "admin":
    add_user(url, fs.login(database, "admin1"), "admin", [])
    url = fs._url(database, fs.login(database, "admin1"))
print(url)
"""


def _env(root: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(root), PYTHONDONTWRITEBYTECODE="1")
    env["XDG_CONFIG_HOME"] = str(root / "bench" / "cache" / "config")
    env["XINGTU_DATA_DIR"] = str(root / "bench" / "cache" / "data")
    return env


def _run(root: Path, code: str, who: str, listed: Path) -> dict:
    """One import in a fresh process of *root*'s code; its result (bench/child.py) with the wall time."""
    from bench.fig_shared import PREFIX
    work = ROOT / "bench" / "cache" / f"ab-{code}"
    target = subprocess.run([sys.executable, "-c", PREPARE, who, f"{PREFIX}_ab_{code}_{who}", str(work)], cwd=root,
                            env=_env(root), capture_output=True, text=True, check=True).stdout.split()[-1]
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench.child", "import", str(listed), target], cwd=root,
                          env=_env(root), capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{code} {who} 导入失败：{done.stderr.strip()[-800:]}")
    result = json.loads([line for line in done.stdout.splitlines() if line.startswith("{")][-1])
    return result | {"wall": wall}


def _steps(timings: dict) -> str:
    return " ".join(f"{k.removeprefix('write:')} {timings[k]:.2f}" for k in STEPS if k in timings)


def _drop(codes: list[str], whos: list[str]) -> None:
    import psycopg

    from bench.fig_shared import PREFIX, server_url
    with psycopg.connect(server_url(), autocommit=True) as conn:
        for code in codes:
            for who in whos:
                name = f"{PREFIX}_ab_{code}_{who}"
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE starts_with(rolname, %s) "
                                            "ORDER BY rolname DESC", (f"{name}_",)).fetchall():
                    conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.shared_import_ab",
                                description="共享台账导入名单：与文件台账交替计时")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rows", type=int, default=100_000, help="名单行数")
    p.add_argument("--base", type=Path, help="另一份代码（对照），同轮交替计时")
    p.add_argument("--who", default="superuser,admin", help="共享台账的登录：superuser、admin，逗号分隔")
    args = p.parse_args(argv)
    from bench import generate
    listed = generate.ensure_list(args.rows)
    whos = args.who.split(",")
    runs = [("this", ROOT, "file")] + [(code, root, who) for code, root in
                                       (("this", ROOT), *((("base", args.base.resolve()),) if args.base else ()))
                                       for who in whos]
    got: dict[tuple, list[dict]] = {(code, who): [] for code, _root, who in runs}
    try:
        for k in range(args.rounds):
            for code, root, who in (runs if k % 2 == 0 else runs[::-1]):
                result = _run(root, code, who, listed)
                got[(code, who)].append(result)
                print(f"{k} {code}:{who} {result['wall']:.2f} s  {_steps(result['timings'])}", flush=True)
    finally:
        _drop(["this", "base"], whos)
    files = [r["wall"] for r in got[("this", "file")]]
    for (code, who), results in got.items():
        walls = [r["wall"] for r in results]
        median = statistics.median(walls)
        paired = statistics.median(w / f for w, f in zip(walls, files, strict=True))
        medians = {k: statistics.median(r["timings"].get(k, 0.0) for r in results) for k in STEPS}
        print(f"{code}:{who} 中位 {median:.2f} s，比文件 {median / statistics.median(files):.2f}×"
              f"（逐轮比的中位 {paired:.2f}×）  {_steps({k: v for k, v in medians.items() if v})}")


if __name__ == "__main__":
    main()
