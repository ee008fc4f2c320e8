"""``python -m bench.import_ab [--rev REV] [--rows N] [--rounds R]``: the import of the bench's N-row list into a fresh
copy of the empty ledger, this code against another revision's, in alternating rounds, each run a fresh process.

The other revision is extracted with ``git archive REV`` into a temporary directory (default: ``main``'s first
parent ``HEAD~1``; give the commit before a change). Each run copies the empty ledger (not timed), then times
``bench.fig_import.ours_import`` of that revision (read, plan, write and the write's steps) and prints them as JSON;
both revisions use this checkout's virtual environment and the same cached list. Prints every run, the load average
before each, and the medians by revision. A shared machine is noisy: report the load with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from bench.fig_import import ours_import
steps = {}
start = time.perf_counter()
ours_import(Path(sys.argv[2]), Path(sys.argv[3]), steps)
steps["total"] = time.perf_counter() - start
print(json.dumps(steps))
"""


def _extract(rev: str, into: Path) -> None:
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


def _run(code_root: Path, lst: Path, empty: Path, work: Path) -> dict:
    target = work / "ab.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(empty, target)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    out = subprocess.run([sys.executable, "-c", CHILD, str(code_root), str(lst), str(target)], cwd=code_root,
                         env=env, check=True, capture_output=True, text=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rev", default="HEAD~1")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench import generate
    lst, empty = generate.ensure_list(args.rows), generate.empty_ledger_path()
    runs: dict[str, list[dict]] = {"this": [], args.rev: []}
    with tempfile.TemporaryDirectory() as tmp:
        other, work = Path(tmp) / "other", Path(tmp) / "work"
        other.mkdir()
        work.mkdir()
        _extract(args.rev, other)
        for i in range(args.rounds):
            order = (("this", ROOT), (args.rev, other)) if i % 2 == 0 else ((args.rev, other), ("this", ROOT))
            for name, code_root in order:
                load = os.getloadavg()[0]
                got = _run(code_root, lst, empty, work)
                runs[name].append(got)
                print(f"{name:>10} load {load:.2f} " + " ".join(f"{k}={v:.2f}" for k, v in sorted(got.items())),
                      flush=True)
    for name, got in runs.items():
        keys = sorted({k for r in got for k in r})
        print(f"median {name:>10} " + " ".join(f"{k}={statistics.median(r.get(k, 0.0) for r in got):.2f}"
                                                for k in keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
