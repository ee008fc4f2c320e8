"""Cohorts against a small chain worked out by hand."""
from datetime import date

from pipeline.cohorts import firms, km_median, pair_entries, table
from pipeline.facts import Facts
from pipeline.trend import SetIndex

A, B = 1, 2        # 科小 -> 高企
EAST, WEST = 10, 20


def chain():
    # firm 1: A 2020-03-01..2021-01-01 (306 days), B from 2021-02-01: 337 days later -> within 1 year
    # firm 2: A 2020-06-01..2022-01-01 (579 days), B from 2022-05-01: 699 days later -> within 2 years
    # firm 3: A from 2020-09-01, open, never B                       -> censored, not reached
    # firm 4: B since 2019-01-01, A 2020-04-01..2021-01-01 (275 days) -> already at B, out of the cohort
    # firm 5 (west): A 2021-01-10..2022-01-01, B from 2021-06-01     -> 2021 cohort, within 1 year
    rows = [(1, A, "2020-03-01", "2021-01-01"), (1, B, "2021-02-01", "2024-02-01"),
            (2, A, "2020-06-01", "2022-01-01"), (2, B, "2022-05-01", "2025-05-01"),
            (3, A, "2020-09-01", None),
            (4, B, "2019-01-01", None), (4, A, "2020-04-01", "2021-01-01"),
            (5, A, "2021-01-10", "2022-01-01"), (5, B, "2021-06-01", "2024-06-01")]
    f = Facts.from_rows(rows, {1: EAST, 2: EAST, 3: EAST, 4: EAST, 5: WEST}.items())
    return pair_entries(SetIndex(f, [A]), SetIndex(f, [B]), f.street_of, "科小", "高企")


def test_cohort_shares_and_median_after_three_years():
    p = chain()
    rows = table(p, date(2023, 12, 31))
    assert [r["year"] for r in rows] == [2020, 2021]
    r20 = rows[0]
    assert (r20["entered"], r20["already"], r20["size"]) == (4, 1, 3)
    assert [w["reached"] for w in r20["windows"]] == [1, 2, 2]
    assert [w["share"] for w in r20["windows"]] == [0.3333, 0.6667, 0.6667]
    assert [w["complete"] for w in r20["windows"]] == [True, True, True]
    # durations 275 (firm 4), 306, 579 ended; firm 3 censored: S = 3/4 after 275, 1/2 after 306
    assert r20["median_days"] == 306.0
    r21 = rows[1]
    assert (r21["size"], [w["reached"] for w in r21["windows"]]) == (1, [1, 1, 1])
    assert [w["complete"] for w in r21["windows"]] == [True, True, False]
    assert list(firms(p, date(2023, 12, 31), 2020)) == [1, 2, 3]
    assert list(firms(p, date(2023, 12, 31), 2020, window=1)) == [1]
    assert list(firms(p, date(2023, 12, 31), 2020, window=2)) == [1, 2]


def test_as_of_inside_the_window_counts_only_what_was_known():
    p = chain()
    rows = table(p, date(2021, 3, 1))
    r20, r21 = rows
    assert [w["reached"] for w in r20["windows"]] == [1, 1, 1]      # firm 2's gain in 2022 not yet known
    assert r20["windows"][0]["complete"] is False
    assert r21["entered"] == 1 and r21["windows"][0]["reached"] == 0   # firm 5 gains B in June
    # 2020 cohort on 2021-03-01: firm 3 censored at 182 days, firm 2 at 274; then firm 4 leaves at 275
    # with 2 at risk (4 and 1): S = 1/2 -> median 275
    assert r20["median_days"] == 275.0


def test_as_of_before_most_entries():
    rows = table(chain(), date(2020, 5, 1))
    assert len(rows) == 1
    assert (rows[0]["entered"], rows[0]["already"], rows[0]["size"]) == (2, 1, 1)
    assert rows[0]["median_days"] is None       # nobody has left A yet


def test_street_limits_the_cohort():
    rows = table(chain(), date(2023, 12, 31), street_id=WEST)
    assert [(r["year"], r["size"]) for r in rows] == [(2021, 1)]


def test_km_median_plain_cases():
    import numpy as np
    assert km_median(np.array([5, 10, 15]), np.array([True, True, True])) == 10.0
    assert km_median(np.array([5, 10, 15, 20]), np.array([True, False, False, False])) is None
    assert km_median(np.array([], dtype=np.int64), np.array([], dtype=bool)) is None


def test_a_next_step_gained_on_the_day_of_entry_is_already_held():
    """A firm recognised 科小 and 高企 on the same day held B on the day it entered A: out of the cohort
    (``already``), not a firm that reached 高企 from 科小 in 0 days (the search for B's spell before the entry
    left out a spell begun that very day)."""
    rows = [(1, A, "2020-03-01", None), (1, B, "2020-03-01", None), (2, A, "2020-03-01", None),
            (2, B, "2020-05-01", None), (3, B, "2019-01-01", "2020-03-01"), (3, A, "2020-03-01", None)]
    f = Facts.from_rows(rows, {1: EAST, 2: EAST, 3: EAST}.items())
    p = pair_entries(SetIndex(f, [A]), SetIndex(f, [B]), f.street_of, "科小", "高企")
    r = table(p, date(2023, 12, 31))[0]
    assert (r["entered"], r["already"], r["size"]) == (3, 1, 2)      # firm 3's B ended the day it entered A
    assert [w["reached"] for w in r["windows"]] == [1, 1, 1]
    assert list(firms(p, date(2023, 12, 31), 2020)) == [2, 3]
