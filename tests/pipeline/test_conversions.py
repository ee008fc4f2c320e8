"""A funnel conversion's year part (pipeline/conversions.py) gives, for every as-of date after the base day, the
firms the plain statement gives: of the base (holders of A but not B on the base day), those whose first spell of B from
the next day on starts by the as-of date, and those holding no step from A on on the as-of date; on random
ledgers full of renewals, touching and overlapping spells, open and far ends, firms without a street."""
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.conversions import YearConversion
from pipeline.dates import OPEN_END
from pipeline.facts import Facts
from pipeline.trend import SetIndex
from tests.pipeline import set_reference as ref
from tests.pipeline.helpers import random_facts

A, B, C = 1, 2, 3
FUNNELS = ([[A], [B], [C]], [[A, B], [C]], [[C], [A], [B]], [[B], [A, C]])
days = st.integers(date(2012, 6, 1).toordinal(), date(2027, 6, 1).toordinal())


def plain(facts: Facts, steps: list[list[int]], i: int, p: int, o: int) -> tuple[np.ndarray, np.ndarray]:
    base = ref.setdiff(ref.holders(SetIndex(facts, steps[i]), p), ref.holders(SetIndex(facts, steps[i + 1]), p))
    converted = ref.intersect(base, ref.gainers(SetIndex(facts, steps[i + 1]), p + 1, o))
    still = np.unique(np.concatenate([ref.holders(SetIndex(facts, s), o) for s in steps[i:]]))
    return converted, ref.setdiff(base, still)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), firms=st.integers(1, 150), p=days, later=st.lists(days, min_size=1, max_size=6),
       funnel=st.sampled_from(FUNNELS))
def test_converted_and_dropped_equal_the_plain_statement(seed, firms, p, later, funnel):
    facts = random_facts(seed, firms)
    indexes = [SetIndex(facts, s) for s in funnel]
    ends = np.unique(np.concatenate([ix.end for ix in indexes] + [ix.start for ix in indexes]))
    edges = [int(e) + k for e in ends[:: max(1, len(ends) // 15)] for k in (-1, 0, 1)]
    for i in range(len(funnel) - 1):
        yc = YearConversion(indexes[i].holders(p), p, indexes[i + 1], indexes[i:])
        for o in sorted({p + 1, p + 2, OPEN_END - 1, *later, *edges}):
            if not p < o < OPEN_END:
                continue
            converted, dropped = plain(facts, funnel, i, p, o)
            got_c, got_d = yc.converted(o), yc.dropped(o)
            assert got_c.dtype == got_d.dtype == np.int32
            assert got_c.tolist() == converted.tolist() and got_d.tolist() == dropped.tolist(), (i, o)


def test_as_of_dates_outside_the_year_part_are_refused():
    facts = random_facts(3, 40)
    ix = SetIndex(facts, [A])
    p = date(2020, 12, 31).toordinal()
    yc = YearConversion(ix.holders(p), p, SetIndex(facts, [B]), [ix])
    for o in (p, p - 30, OPEN_END):
        with pytest.raises(ValueError):
            yc.dropped(o)
