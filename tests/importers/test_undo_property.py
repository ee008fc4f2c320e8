"""Undo in any order is exact (issue 12, item 1): random overlapping batches (new firms, updates of street,
industry, remark and name, former names, star tiers) are imported in sequence, then undone in a random order,
forced or not. Each undo either refuses (naming firms; nothing changes) or leaves the ledger exactly as a
fresh ledger into which only the surviving batches were imported, in their order."""
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from importers.plan import build_plan, commit_plan
from importers.undo import UndoConflict, UndoRefused, undo_batch
from tests.importers.undo_helpers import TODAY, batches, counts, fresh, r, state, write_list


def run_case(tmp_path, lists, order, make=None):
    """*make*: the ledger under test from a fresh file ledger's path (default: that file; tests/pg: a shared
    ledger pushed from it); the model is always a file."""
    led = make(fresh(tmp_path / "a.db")) if make else fresh(tmp_path / "a.db")
    try:
        paths = [write_list(tmp_path, n, rows) for n, rows in enumerate(lists)]
        ids = [commit_plan(led, build_plan(led, p, today=TODAY)) for p in paths]
        undone = set()
        for k, force in order:
            if k in undone:
                continue
            before, rows = state(led), counts(led)
            try:
                out = undo_batch(led, ids[k], force=force)
                undone.add(k)
                after = counts(led)                          # the reported counts are what happened
                assert (rows[0] - after[0], rows[1] - after[1], rows[2] - after[2]) == (
                    out["firms_removed"], out["designations_removed"], out["aliases_removed"])
            except (UndoConflict, UndoRefused) as exc:
                assert exc.firms and state(led) == before      # refused: names firms, changes nothing
        got = state(led)
        audit_ok = led.shared or led.conn.execute("PRAGMA foreign_key_check").fetchall() == []  # the server checks
    finally:
        led.close()
    model = fresh(tmp_path / "b.db")
    try:
        for n, p in enumerate(paths):
            if n not in undone:
                commit_plan(model, build_plan(model, p, today=TODAY))
        want = state(model)
    finally:
        model.close()
    assert audit_ok
    assert got == want, f"undone {sorted(undone)} of {len(lists)}"


def _order(draw_lists):
    return draw_lists.flatmap(lambda ls: st.tuples(
        st.just(ls), st.lists(st.tuples(st.integers(0, len(ls) - 1), st.booleans()), min_size=1, max_size=6)))


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(_order(batches))
@example(([[r(0)], [r(0, "乙")]], [(0, True)]))                          # renamed twice, the first undone
@example(([[r(0)], [r(0, former="旧名")]], [(0, True)]))
@example(([[r(0)], [r(0), r(2)], [r(2, "乙")]], [(1, True)]))            # created by 1, renamed by 2: handed over
@example(([[r(3, remark="一")], [r(3)], [r(3, remark="一")]], [(0, False), (2, False)]))   # then its remark undone
@example(([[r(0)], [r(0, "乙")], [r(0)]], [(0, True)]))                   # a list naming a former name the first added
@example(([[r(0)], [r(2)], [r(2, "乙")], [r(2)]], [(1, True), (2, False)]))   # handed over to a list naming one
@example(([[r(0)], [r(0), r(2)], [r(0), r(2)], [r(0)]], [(1, False), (2, False)]))   # handed over, then removed
@example(([[r(2, remark="一")], [r(2)]], [(0, True)]))     # handed over: what only the undone creation gave is gone
def test_undo_in_any_order_is_exact_quick(tmp_path_factory, case):
    run_case(tmp_path_factory.mktemp("undo"), *case)


@pytest.mark.slow
@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(_order(batches))
def test_undo_in_any_order_is_exact_long(tmp_path_factory, case):
    run_case(tmp_path_factory.mktemp("undo"), *case)
