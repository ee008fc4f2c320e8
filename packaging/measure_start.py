"""Start-up of the one-folder app against `make run` (python main.py), window painted, offscreen.

    python packaging/measure_start.py [--rounds N] [--firms N] [--cold]

Each round starts both programs in fresh processes (alternating which goes first) on the same demo
ledger, with XINGTU_STARTUP_PROBE=1: the app prints FIRST_PAINT once its window has painted and quits;
the time is taken from spawning the process to that line. ``--cold`` empties the page cache before
every start (root on Linux: /proc/sys/vm/drop_caches), so the files are read from disk as after a reboot.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def first_paint(cmd: list[str], env: dict, cwd: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    elapsed = None
    for line in proc.stdout:
        if line.strip() == "FIRST_PAINT" and elapsed is None:
            elapsed = time.perf_counter() - t0
    if proc.wait(timeout=120) != 0 or elapsed is None:
        raise RuntimeError(f"{cmd[0]} 没有画出窗口（退出码 {proc.returncode}）")
    return elapsed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--firms", type=int, default=8000, help="demo ledger size (make run's demo.db has 8,000)")
    ap.add_argument("--cold", action="store_true")
    ap.add_argument("--app", default=str(ROOT / "dist" / "xingtu" / "xingtu"))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xingtu-start-"))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XINGTU_STARTUP_PROBE": "1",
           "XINGTU_DATA_DIR": str(work / "data"), "XDG_CONFIG_HOME": str(work / "config")}
    env.pop("PYTHONPATH", None)
    db = work / "demo.db"
    subprocess.run([sys.executable, str(ROOT / "main.py"), "demo", "--db", str(db), "--firms", str(args.firms)],
                   env=env, check=True, capture_output=True)
    programs = {"make run (python main.py)": [sys.executable, str(ROOT / "main.py"), "--db", str(db)],
                "dist/xingtu/xingtu": [args.app, "--db", str(db)]}
    times: dict[str, list[float]] = {name: [] for name in programs}
    cold_ok = None
    for i in range(args.rounds):
        order = list(programs.items())
        for name, cmd in (order if i % 2 == 0 else order[::-1]):
            if args.cold:
                cold_ok = drop_caches()
            times[name].append(first_paint(cmd, env, work))
    note = (
        "" if not args.cold else ("（每次启动前清空页缓存）" if cold_ok else "（无法清空页缓存：不是 root 或在容器中）")
    )
    print(f"窗口画出用时，{args.firms:,} 家企业的台账，{args.rounds} 轮{note}：")
    for name, samples in times.items():
        print(f"  {name:28} 中位 {statistics.median(samples):.2f} s  "
              f"（{' / '.join(f'{s:.2f}' for s in samples)}）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
