"""One simulated officer on a shared ledger (``python -m bench.child officer URL SECONDS SEED HOT``), for
bench/fig_shared.py: for SECONDS it searches the ledger table, edits firms of its streets and imports small lists,
as a person at a desk would (one action after another, no think time), and prints what happened. With no HOT
firms (``-``) it only searches, on a read-only ledger: the same searches as a baseline on a file.

Edits are made so lost updates can be counted: each one adds 1 to a hot firm's employee count, carrying the value
the officer read as ``seen`` (db/conflict.py). A save the server refuses because someone changed the firm in
between is a *conflict* (the person is told and looks again), not an error. The parent adds up, per firm, the
increments that were saved: the count in the ledger must have grown by exactly that much, or an update was lost.
"""
from __future__ import annotations

import random
import time
from pathlib import Path


def _search_terms(names: list[str], rng: random.Random) -> list[str]:
    """What an officer types: the first 1–4 characters of a firm's distinctive part, one keystroke at a time."""
    name = rng.choice(names)
    core = name[2:] if len(name) > 4 else name             # past the city name 武汉
    return [core[:k] for k in range(1, min(4, len(core)) + 1)]


def _write_list(folder: Path, n: int, firms: list[tuple[str, str]], rng: random.Random) -> Path:
    """A small roster of the officer's own firms (name, code) with a remark each: an update list."""
    import csv
    path = folder / f"名单{n}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["企业名称", "统一社会信用代码", "备注"])
        for name, code in rng.sample(firms, min(20, len(firms))):
            out.writerow([name, code, f"走访{n}-{rng.randint(0, 9999)}"])
    return path


def officer(url: str, seconds: str, seed: str, hot: str) -> dict:
    import tempfile

    from db.conflict import EditConflict
    from db.ledger import Ledger
    from db.ledger_view import LedgerQuery, LedgerView
    from importers.plan import build_plan, commit_plan
    rng = random.Random(int(seed))
    hot_ids = [int(x) for x in hot.split(",") if x.strip().isdigit()]
    weights = (6, 3, 1) if hot_ids else (1, 0, 0)
    out: dict = {"latency": {"search": [], "edit": [], "import": []}, "errors": [], "conflicts": 0, "saved": {}}
    folder = Path(tempfile.mkdtemp(prefix="xingtu-officer-"))
    with Ledger(url, readonly=not hot_ids) as ledger:
        view = LedgerView.open(ledger)
        own = ledger.conn.execute("SELECT name, code FROM firms WHERE deleted_at IS NULL AND code IS NOT NULL "
                                  "ORDER BY id LIMIT 400").fetchall()
        names = [r[0] for r in own]
        end = time.perf_counter() + float(seconds)
        n = 0
        while time.perf_counter() < end:
            n += 1
            action = rng.choices(("search", "edit", "import"), weights=weights)[0]
            t = time.perf_counter()
            try:
                if action == "search":
                    for term in _search_terms(names, rng):
                        q = LedgerQuery(search=term)
                        view.page(q)
                        view.count(q)
                elif action == "edit":
                    fid = rng.choice(hot_ids)          # as a person: read the firm, type, then save
                    seen = ledger.conn.execute("SELECT employees FROM firms WHERE id = ?", (fid,)).fetchone()[0]
                    time.sleep(0.02)
                    with ledger.write() as w:
                        w.update_firm(fid, seen={"employees": seen}, employees=(seen or 0) + 1)
                    out["saved"][str(fid)] = out["saved"].get(str(fid), 0) + 1
                else:
                    commit_plan(ledger, build_plan(ledger, _write_list(folder, n, own, rng)))
            except EditConflict:
                out["conflicts"] += 1
            except Exception as exc:  # noqa: BLE001  (every failure is a finding of the benchmark)
                out["errors"].append(f"{action}: {type(exc).__name__}: {str(exc)[:160]}")
            out["latency"][action].append(time.perf_counter() - t)
        view.close()
    return out
