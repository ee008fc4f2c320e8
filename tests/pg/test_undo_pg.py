"""Undo of an import batch on a shared ledger: the same ledger afterwards as before the import, the same report of
what was undone as on the file (the undo's SQL runs on both engines)."""
import csv
import sqlite3

import pytest

from db.ledger import Ledger
from importers.plan import build_plan, commit_plan
from importers.undo import undo_batch
from tests.importers.helpers import C
from tests.importers.undo_helpers import state


@pytest.fixture
def lists(demo_db, tmp_path):
    """Two overlapping lists: new firms with a 高企 and a star tier, a demo firm renamed with a new remark and
    street, and (the second) the same new firm again with another remark."""
    conn = sqlite3.connect(demo_db)
    name, code = conn.execute("SELECT name, code FROM firms WHERE code IS NOT NULL ORDER BY id LIMIT 1").fetchone()
    conn.close()
    head = ["企业名称", "统一社会信用代码", "所在街道", "备注", "星级", "认定日期", "层级"]
    rows_a = [["武汉撤销甲科技有限公司", C[0], "杨园", "甲", "繁星", "2024-03-01", "高新技术企业"],
              ["武汉撤销乙科技有限公司", C[1], "粮道", "", "", "2024-03-01", ""],
              [name + "（改）", code, "积玉桥", "改过", "", "2024-03-01", ""]]
    rows_b = [["武汉撤销甲科技有限公司", C[0], "杨园", "乙单", "", "2024-05-01", ""]]
    out = []
    for n, rows in enumerate((rows_a, rows_b)):
        path = tmp_path / f"名单{n}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(head)
            w.writerows(rows)
        out.append(path)
    return out


def _run(target, lists) -> list:
    """Import both lists, undo the second then the first: each step's state and undo report."""
    with Ledger(target) as led:
        before = state(led)
        a = commit_plan(led, build_plan(led, lists[0]))
        after_a = state(led)
        b = commit_plan(led, build_plan(led, lists[1]))
        undone_b = undo_batch(led, b)
        assert state(led) == after_a
        undone_a = undo_batch(led, a)
        assert state(led) == before
        return [undone_b, undone_a, after_a != before]


def test_undo_on_a_shared_ledger_restores_it_as_on_the_file(shared_demo, demo_copy, lists):
    on_file, shared = _run(demo_copy, lists), _run(shared_demo, lists)
    assert on_file[2] and shared[2]                               # the first list changed something
    strip = [{k: v for k, v in r.items() if k != "batch"} for r in (*on_file[:2], *shared[:2])]
    assert strip[:2] == strip[2:]
    assert strip[1]["firms_removed"] == 2 and strip[1]["designations_removed"] >= 2


def _out_of_order(target, lists) -> list:
    """Undo the first list while the second still asserts its firm: refused, then forced; then the second."""
    from importers.undo import UndoConflict, UndoRefused
    with Ledger(target) as led:
        before = state(led)
        a = commit_plan(led, build_plan(led, lists[0]))
        b = commit_plan(led, build_plan(led, lists[1]))
        kept = state(led)
        with pytest.raises((UndoConflict, UndoRefused)) as refused:
            undo_batch(led, a)
        assert state(led) == kept                                  # refused: nothing changed
        with pytest.raises(UndoRefused) as still:                  # forced too: a later list depends on it
            undo_batch(led, a, force=True)
        assert state(led) == kept
        last = undo_batch(led, b)
        first = undo_batch(led, a)
        assert state(led) == before
        return [sorted(n for _, n in refused.value.firms), sorted(n for _, n in still.value.firms), last, first]


def test_an_undo_out_of_order_is_refused_forced_or_not_then_exact_in_order_as_on_the_file(shared_demo, demo_copy,
                                                                                              lists):
    on_file, shared = _out_of_order(demo_copy, lists), _out_of_order(shared_demo, lists)
    assert on_file[:2] == shared[:2] == [["武汉撤销甲科技有限公司"]] * 2
    for f, s in zip(on_file[2:], shared[2:], strict=True):
        assert {k: v for k, v in f.items() if k != "batch"} == {k: v for k, v in s.items() if k != "batch"}


def test_undo_in_any_order_is_exact_on_a_shared_ledger(pg_server_found, tmp_path_factory):
    """The undo property test (tests/importers/test_undo_property.py) with the ledger under test on the server:
    random overlapping lists undone in random orders, forced or not, against a file model."""
    from hypothesis import HealthCheck, given, settings

    from db.pg import setup, transfer
    from tests import pg_server
    from tests.importers.undo_helpers import batches, order_of, run_case
    made: list[str] = []

    def shared(file_ledger):
        path = file_ledger.path
        file_ledger.close()
        name = pg_server.create_database(pg_server_found)
        made.append(name)
        url = pg_server_found.url_for(name)
        setup.init(url)
        transfer.push(path, url)
        return Ledger(url)

    @settings(max_examples=int(__import__("os").environ.get("XINGTU_PG_UNDO_EXAMPLES", "8")), deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(order_of(batches))
    def check(case):
        try:
            run_case(tmp_path_factory.mktemp("undo-pg"), *case, make=shared)
        finally:
            while made:
                pg_server.drop_database(pg_server_found, made.pop())
    check()
