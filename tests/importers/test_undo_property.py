"""Undo in any order is exact (issue 12, item 1): random overlapping batches (new firms, updates of street,
industry, remark and name, former names, star tiers) are imported in sequence, then undone in a random order,
forced or not. Each undo either refuses (naming firms; nothing changes) or leaves the ledger exactly as a
fresh ledger into which only the surviving batches were imported, in their order."""
import pytest
from hypothesis import HealthCheck, example, given, settings

from tests.importers.undo_helpers import batches, order_of, r, run_case


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(order_of(batches))
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
@given(order_of(batches))
def test_undo_in_any_order_is_exact_long(tmp_path_factory, case):
    run_case(tmp_path_factory.mktemp("undo"), *case)
