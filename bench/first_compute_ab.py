"""``python -m bench.first_compute_ab [--rounds N] [--base DIR] [--ledger PATH] [--as-of ISO]``: the dashboard's
first compute (a fresh ``pipeline.dashboard.Dashboard``, nothing adopted: every stage set's index, the cohort pairs
and the conversions built) on the 1M-firm bench ledger, this code against another copy of it in alternating rounds.

Each run is a fresh process that loads the facts, catalog, targets and streets from files saved once under /tmp (the
ledger is read once, read-only, by this code's ``db.dashboard_queries.load_facts``), then times one
``Dashboard(...).compute(2025, as_of)``: wall and CPU (process time: both cores count). ``--base DIR``: the other
copy (e.g. ``git archive <commit> pipeline | tar -x -C DIR``; only its ``pipeline`` is used; default: this branch's
``main``, extracted to a temporary directory; ``--rev`` another commit). Each run also reports its minor page
faults (fresh memory: most of a first build's cost on the bench VM). Prints each run, the load average and the
medians. A machine shared with others is noisy: report the load with the figures.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = Path("/tmp/first-compute-facts.npz")
PARTS = Path("/tmp/first-compute-parts.pkl")
YEAR = 2025

CHILD = """
import json, pickle, resource, sys, time
from datetime import date
import numpy as np
from pipeline.facts import Facts
from pipeline.dashboard import Dashboard
z = np.load(sys.argv[1])
facts = Facts(*(np.ascontiguousarray(z[k]) for k in ("firm", "stage", "start", "end", "street_of")))
facts.presorted = True
with open(sys.argv[2], "rb") as fh:
    catalog, targets, streets = pickle.load(fh)
as_of = date.fromisoformat(sys.argv[3])
if sys.argv[4] == "serial":
    import pipeline.dashboard
    pipeline.dashboard.AHEAD_ROWS = 1 << 62
dash = Dashboard(facts, catalog, targets, streets)
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
c, t = time.process_time(), time.perf_counter()
view = dash.compute(%d, as_of)
wall, cpu = time.perf_counter() - t, time.process_time() - c
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
print(json.dumps({"wall": wall, "cpu": cpu, "fresh_mb": faults * 4 / 1024, "indexes": len(dash._index)}))
""" % YEAR


def prepare(ledger: Path) -> None:
    """Facts, catalog, targets and streets of *ledger* (opened read-only) saved under /tmp, once."""
    import sqlite3

    import numpy as np

    from bench.fig_dashboard import _targets
    from db import catalog_store, dashboard_queries
    conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True)
    try:
        facts = dashboard_queries.load_facts(conn, ledger)
        catalog = catalog_store.load_catalog(conn)
        targets, streets = _targets(conn)
    finally:
        conn.close()
    if not facts.presorted:
        raise RuntimeError("facts not presorted")
    np.savez(FACTS, firm=facts.firm, stage=facts.stage, start=facts.start, end=facts.end, street_of=facts.street_of)
    with open(PARTS, "wb") as fh:
        pickle.dump((catalog, targets, streets), fh)


def _base_tree(rev: str) -> Path:
    out = Path(tempfile.mkdtemp(prefix="first-compute-base-"))
    archive = subprocess.run(["git", "archive", rev, "pipeline"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out


def _run(tree: Path, as_of: str, how: str = "") -> dict:
    env = dict(os.environ, PYTHONPATH=f"{tree}{os.pathsep}{ROOT}", PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, "-c", CHILD, str(FACTS), str(PARTS), as_of, how], cwd=tree, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr.strip()[-1500:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--base", type=Path, default=None)
    ap.add_argument("--rev", default="main")
    ap.add_argument("--ledger", type=Path, default=None)
    ap.add_argument("--as-of", default="2025-06-30")
    ap.add_argument("--serial", action="store_true", help="also this code on one thread (no builds ahead)")
    args = ap.parse_args()
    if args.ledger is not None or not FACTS.exists():
        if args.ledger is None:
            raise SystemExit("no saved facts: give --ledger")
        prepare(args.ledger)
    base = args.base or _base_tree(args.rev)
    arms = [("base", base, ""), ("ours", ROOT, "")] + ([("ours-serial", ROOT, "serial")] if args.serial else [])
    runs: dict[str, list[dict]] = {name: [] for name, _, _ in arms}
    for r in range(args.rounds):
        for name, tree, how in (arms if r % 2 == 0 else arms[::-1]):
            got = _run(tree, args.as_of, how)
            runs[name].append(got)
            print(f"round {r} {name}: wall {got['wall']:.3f} s  cpu {got['cpu']:.3f} s  "
                  f"fresh {got['fresh_mb']:.0f} MB  load {_load()}", flush=True)
    for name, got in runs.items():
        wall = statistics.median(g["wall"] for g in got)
        cpu = statistics.median(g["cpu"] for g in got)
        fresh = statistics.median(g["fresh_mb"] for g in got)
        print(f"{name}: median wall {wall:.3f} s, cpu {cpu:.3f} s, fresh {fresh:.0f} MB ({len(got)} runs)")
    ratio = [o["wall"] / b["wall"] for o, b in zip(runs["ours"], runs["base"], strict=True)]
    print(f"ours/base wall: median of rounds {statistics.median(ratio):.3f}")


if __name__ == "__main__":
    main()
