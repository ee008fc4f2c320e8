"""bench/import_designs.py: each ledger design the import floor is measured on holds the import's rows, and has
exactly the indexes, search index and page size its label says."""
from __future__ import annotations

import sqlite3

import pytest

from bench import generate, import_designs, import_floor
from bench.fig_import import ours_import
from db import bulk

ROWS = 300


@pytest.fixture(scope="module", autouse=True)
def cache(tmp_path_factory):
    """The generated list and empty ledger in a cache of this module's own, not bench/cache."""
    saved, generate.CACHE = generate.CACHE, tmp_path_factory.mktemp("cache")
    try:
        yield generate.CACHE
    finally:
        generate.CACHE = saved


@pytest.fixture(scope="module")
def stored(cache):
    done = generate.copy_ledger(generate.empty_ledger_path(), cache / "done.db")
    ours_import(generate.ensure_list(ROWS, log=lambda *_: None), done)
    return import_floor.contents(done)


def _schema(path):
    conn = sqlite3.connect(path)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger')")}
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("firms", "designations", "firm_search")}
        return names, counts, conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("design", list(import_floor.DESIGNS))
def test_each_design_holds_the_import(design, stored, tmp_path):
    target = tmp_path / "floor.db"
    import_floor.prepare(generate.empty_ledger_path(), target, design)
    assert import_floor.write(target, stored) == len(stored["firms"][1]) > 0
    names, counts, page = _schema(target)
    assert counts["firms"] == len(stored["firms"][1]) and counts["designations"] == len(stored["designations"][1])
    no_sort = design.startswith("no_sort")
    assert all((name in names) != no_sort for name in import_floor.SORT_ONLY)
    assert "firms_live_name_sort" in names and "firms_name_key" in names       # never dropped
    no_search = design == "no_sort_no_search"
    assert (bulk.SEARCH_TRIGGER in names) != no_search
    assert (counts["firm_search"] == 0) == no_search
    assert page == (16384 if design == "page_16k" else 4096)


def test_measure_times_every_step_each_round(tmp_path, capsys):
    times = import_designs.measure(ROWS, 2, tmp_path)
    assert set(times) >= {"parse", "guard", *import_floor.DESIGNS}
    assert all(len(v) == 2 and all(t > 0 for t in v) for v in times.values())
    import_designs.report(ROWS, times)
    out = capsys.readouterr().out
    assert all(label in out for label in import_floor.DESIGNS.values())
