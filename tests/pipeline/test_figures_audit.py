"""An audit of the figures managers see, each against a small ledger worked out by hand: the indicator table
(pipeline.indicators, the report) and the dashboard (pipeline.dashboard) must give the same figure, and the one
the definitions in README ("What the numbers mean") give."""
from datetime import date

import numpy as np
import pytest

from pipeline import report
from pipeline.catalog import Catalog, Funnel, FunnelStep, Stage, Track
from pipeline.dashboard import Dashboard
from pipeline.dates import time_progress
from pipeline.indicators import Indicator, evaluate, for_street
from tests.pipeline.figures_helpers import CAT, EAST, GAOQI, KEXIAO, SEED_G, SEED_S, STREETS, WEST, ZJTX, cert, facts


def both(f, inds, year, as_of, street_id=None):
    """The indicator rows of the report and of the dashboard for the same ledger, date and street."""
    street = dict(STREETS).get(street_id)
    mine = [i for i in inds if i.street_id == street_id]
    rep = report.build(f, CAT, mine, year, as_of, street, street_id)["indicators"]
    dash = Dashboard(f, CAT, {year: inds}, STREETS).compute(year, as_of, street_id)["indicators"]
    return rep, dash


def figures(row):
    return {k: row[k] for k in ("name", "base", "target", "actual", "rate", "time_progress", "gap", "ahead")}


def gaoqi(kind, target, street_id=None, **kw):
    return Indicator(kw.pop("name", f"高企{kind}"), kind, kw.pop("stages", ["gaoqi"]), target,
                     dict(STREETS).get(street_id), street_id, **kw)


# --- checks that held --------------------------------------------------------------------------------------


def test_lapse_and_re_recognition_in_the_same_year_count_once():
    # firm 1: certificate 2020-05-01 lapses 2023-05-01, re-recognised 2023-09-01 (a gap of four months)
    # firm 2: certificate 2020-12-31 ends 2023-12-31 exactly: held on 30 Dec, not on 31 Dec
    f = facts([cert(1, "2020-05-01"), cert(1, "2023-09-01"), cert(2, "2020-12-31")], {1: EAST, 2: EAST})
    end = date(2023, 12, 31)
    rows = {r["kind"]: r for r in (evaluate(f, CAT, gaoqi(k, 1), 2023, end) for k in ("stock", "new", "net"))}
    assert rows["stock"]["actual"] == 1 and rows["stock"]["base"] == 2
    assert rows["new"]["actual"] == 1           # a re-recognition after a gap is new (README), once per firm
    assert rows["net"]["actual"] == -1          # 1 held now, 2 at the end of 2022: firm 1 is not counted twice
    assert evaluate(f, CAT, gaoqi("stock", 1), 2023, date(2023, 12, 30))["actual"] == 2


def test_a_firm_holding_two_stages_of_a_target_counts_once():
    # 金银种子 + 专精特新 = 60 counts firms (domain.md: "a count across several stages together")
    f = facts([(1, SEED_G, "2023-02-01", "2024-01-01"), cert(1, "2023-03-01", stage=ZJTX),
               (2, SEED_S, "2022-01-01", "2023-06-01"), (2, SEED_G, "2023-06-01", "2024-01-01")], {1: EAST, 2: WEST})
    ind = gaoqi("new", 60, name="金银种子+专精特新", stages=["silver", "gold", "zjtx"])
    row = evaluate(f, CAT, ind, 2023, date(2023, 12, 31))
    assert row["actual"] == 1                   # firm 2 moved silver -> gold seamlessly: not new
    stock = evaluate(f, CAT, gaoqi("stock", 60, stages=["silver", "gold", "zjtx"]), 2023, date(2023, 12, 30))
    assert stock["actual"] == 2


@pytest.mark.parametrize("as_of, share", [(date(2024, 1, 1), 1 / 366), (date(2024, 2, 29), 60 / 366),
                                          (date(2024, 12, 31), 1.0), (date(2023, 12, 31), 1.0),
                                          (date(2023, 3, 1), 60 / 365)])
def test_time_progress_by_hand(as_of, share):
    assert time_progress(as_of.year, as_of) == pytest.approx(share)


def test_report_and_dashboard_agree_per_street_on_a_hand_ledger():
    rows = [cert(1, "2020-05-01"), cert(1, "2023-09-01"), cert(2, "2020-12-31"), cert(3, "2023-02-28"),
            (3, KEXIAO, "2022-03-01", "2023-01-01"), (4, KEXIAO, "2023-04-01", "2024-01-01"), cert(5, "2021-12-31")]
    f = facts(rows, {1: EAST, 2: WEST, 3: WEST, 4: EAST, 5: EAST})
    inds = [gaoqi("stock", 800), gaoqi("net", 80), gaoqi("new", 5), gaoqi("cumulative", 10, base_year=2021),
            gaoqi("net", 2, EAST), gaoqi("stock", 3, WEST)]
    for as_of in (date(2023, 1, 1), date(2023, 6, 30), date(2023, 12, 31)):
        for sid in (None, EAST, WEST):
            rep, dash = both(f, inds, 2023, as_of, sid)
            by_name = {r["name"]: figures(r) for r in dash}
            for r in rep:
                assert figures(r) == by_name[r["name"]], (as_of, sid)
    # by hand, district on 31 Dec 2023: held by 1 (re-recognised), 3 and 5 (ends 2024-12-31), not 2 (ended that
    # day); on 31 Dec 2022 by 1, 2 and 5; new 1 and 3; held some day of 2021-2023: 1, 2, 3, 5
    rep, _ = both(f, inds, 2023, date(2023, 12, 31))
    got = {r["name"]: r["actual"] for r in rep}
    assert got == {"高企stock": 3, "高企net": 3 - 3, "高企new": 2, "高企cumulative": 4}
    # east (1, 4, 5): the street's own 净增 target: held by 1 and 5 at both ends
    rep, _ = both(f, inds, 2023, date(2023, 12, 31), EAST)
    assert [(r["name"], r["base"], r["actual"]) for r in rep] == [("高企net", 2, 0)]


# --- defects found -----------------------------------------------------------------------------------------


def test_no_completion_rate_against_a_target_of_zero_or_below():
    """净增 -5 (the stock may fall by five at most; the target editor takes negative values): a stock that fell by
    ten is 'ahead' at 200% when the rate is actual / target, and one that fell by two 'behind' at 40%. No rate
    means anything there: the rate and 'ahead' are left out (None), the gap (target - actual) says it."""
    f = facts([cert(i, "2021-03-01") for i in range(1, 11)] + [cert(i, "2022-03-01") for i in range(11, 15)],
              {i: EAST if i <= 12 else WEST for i in range(1, 15)})
    # held on 31 Dec 2023: 14 (east 1-12); on 30 Jun 2024: 11-14 -> net -10 (district), east 11, 12 -> -10
    inds = [gaoqi("net", -5), gaoqi("net", -12, EAST), gaoqi("net", 0, WEST)]
    as_of = date(2024, 6, 30)
    for sid in (None, EAST, WEST):
        rep, dash = both(f, inds, 2024, as_of, sid)
        for r in rep + dash:
            assert r["rate"] is None and r["ahead"] is None, (sid, r)
        assert figures(rep[0]) == figures(next(d for d in dash if d["name"] == rep[0]["name"]))
    rep, _ = both(f, inds, 2024, as_of)
    assert (rep[0]["actual"], rep[0]["gap"]) == (-10, 5)
    streets = Dashboard(f, CAT, {2024: inds}, STREETS).compute(2024, as_of)["streets"]
    for s in streets:
        for c in s["cells"]:
            assert c["rate"] is None and c["ahead"] is None, (s["street"], c)
        assert s["mean_rate"] is None
    east = next(s for s in streets if s["street_id"] == EAST)["cells"][0]
    assert (east["actual"], east["gap"]) == (-10, -2)


@pytest.mark.parametrize("as_of", [date(2024, 6, 30), date(2022, 12, 31), date(2023, 1, 1) - date.resolution])
def test_the_figures_of_a_year_are_as_of_a_day_of_that_year(as_of):
    """Year 2023 as of 2024-06-30 counted the 2024 stock as 2023's 存量 and 净增 (新增 stopped at 31 Dec: the rows
    disagreed) at 序时进度 100%; as of a day of 2022 its 净增 was the stock then less the stock at the end of 2022.
    Both the report and the dashboard refuse such a date rather than label another day's figures 2023's."""
    f = facts([cert(1, "2021-03-01"), cert(2, "2024-03-01")], {1: EAST, 2: WEST})
    inds = [gaoqi("stock", 1), gaoqi("net", 1), gaoqi("new", 1)]
    with pytest.raises(ValueError, match="不在 2023 年内"):
        report.build(f, CAT, inds, 2023, as_of)
    with pytest.raises(ValueError, match="不在 2023 年内"):
        evaluate(f, CAT, inds[0], 2023, as_of)
    with pytest.raises(ValueError, match="不在 2023 年内"):
        Dashboard(f, CAT, {2023: inds}, STREETS).compute(2023, as_of)


@pytest.mark.parametrize("start, end", [("2020-02-29", "2023-03-01"), ("2021-07-01", "2024-07-01"),
                                        ("2021-03-01", "2024-03-01"), ("2023-01-31", "2023-03-01"),
                                        ("2020-12-31", "2023-12-31")])
def test_a_certificate_issued_on_a_day_its_last_year_lacks_holds_to_that_month_end(start, end):
    """36 months from 2020-02-29 held until 2023-02-27 (add_months clamps the end to 2023-02-28): on 2023-02-28,
    the certificate's last valid day, the firm was out of 高企总量. The validity ends the day after the last
    valid day (README: a designation holds up to, not including, its end)."""
    months = 1 if start == "2023-01-31" else 36
    stage = Stage(9, "x", "x", "x", 1, "months", months)
    assert stage.end_for(date.fromisoformat(start)).isoformat() == end
    f = facts([(1, GAOQI, "2020-02-29", CAT.stage("gaoqi").end_for(date(2020, 2, 29)).isoformat())], {1: EAST})
    assert evaluate(f, CAT, gaoqi("stock", 1), 2023, date(2023, 2, 28))["actual"] == 1
    assert evaluate(f, CAT, gaoqi("stock", 1), 2023, date(2023, 3, 1))["actual"] == 0


def test_the_default_as_of_date_is_a_day_of_the_year():
    """Today, within the year: a year over is counted at its 31 December, a year not begun (targets set ahead)
    at its 1 January; the former default (the earlier of today and 31 December) was a day of the year before."""
    from pipeline.dates import check_as_of, default_as_of
    today = date(2026, 11, 30)
    assert [default_as_of(y, today) for y in (2025, 2026, 2027)] == [
        date(2025, 12, 31), today, date(2027, 1, 1)]
    for y in (2025, 2026, 2027):
        check_as_of(y, default_as_of(y, today))


def test_conversion_by_hand_report_and_dashboard():
    # holding 科小 on 2023-12-31: 1, 2, 3, 5. 1 gains 高企 2024-05-01 (converted); 2 holds nothing in 2024
    # (dropped); 3 renews 科小 (neither); 5 held 高企 already: not in the base (a firm at 高企 does not move up to
    # it); 4 not base
    rows = [(k, KEXIAO, "2023-03-01", "2024-01-01") for k in (1, 2, 3, 5)] + [
        (3, KEXIAO, "2024-01-01", "2025-01-01"), cert(1, "2024-05-01"), cert(4, "2023-01-01"), cert(5, "2022-01-01")]
    f = facts(rows, {k: EAST for k in range(1, 6)})
    as_of = date(2024, 6, 30)
    rep = report.build(f, CAT, [], 2024, as_of)
    (step,) = rep["conversions"][0]["steps"]
    assert (step["base"], step["converted"], step["dropped"]) == (3, 1, 1)
    assert [s["count"] for s in rep["funnel"][0]["steps"]] == [1, 3]
    (conv,) = Dashboard(f, CAT, {2024: []}, STREETS).compute(2024, as_of)["funnels"][0]["conversions"]
    assert (conv["base"], conv["converted"], conv["dropped"]) == (3, 1, 1)
    assert conv["converted_ids"].tolist() == [1] and conv["dropped_ids"].tolist() == [2]


def test_a_firm_already_at_the_next_step_is_no_conversion_even_when_it_renews():
    """科小 → 高企 in 2023: both firms held 高企 at the start of the year (firm 1's lapsed in May and was recognised
    again in September). They were the base and firm 1's re-recognition a 转入下一级: 1 of 2 (50%) moved up though
    neither did. Now neither is in the base (report and 看板 alike)."""
    rows = [(k, KEXIAO, "2022-01-01", "2024-01-01") for k in (1, 2)] + [
        cert(1, "2020-05-01"), cert(1, "2023-09-01"), cert(2, "2021-05-01")]
    f = facts(rows, {1: EAST, 2: EAST})
    as_of = date(2023, 12, 31)
    (step,) = report.build(f, CAT, [], 2023, as_of)["conversions"][0]["steps"]
    assert (step["base"], step["converted"], step["rate"]) == (0, 0, None)
    (conv,) = Dashboard(f, CAT, {2023: []}, STREETS).compute(2023, as_of)["funnels"][0]["conversions"]
    assert (conv["base"], conv["converted"], conv["rate"]) == (0, 0, None)


def test_a_cohort_reaches_the_next_step_within_k_years_on_the_anniversary():
    """科小 entered 2019-03-01, 高企 gained 2020-03-01: within one year (the anniversary day counts, as the cohort
    docstring says), though 366 days pass; a count of 365.25-day years left it out (and 2021-03-01 -> 2024-03-01
    out of three years). An entry on 29 February has its anniversary on 28 February."""
    from pipeline import cohorts
    rows = [(1, KEXIAO, "2019-03-01", "2022-01-01"), cert(1, "2020-03-01"),
            (2, KEXIAO, "2021-03-01", None), cert(2, "2024-03-01"),
            (3, KEXIAO, "2020-02-29", None), cert(3, "2021-02-28"),
            (4, KEXIAO, "2020-02-29", None), cert(4, "2021-03-01")]
    f = facts(rows, {k: EAST for k in range(1, 5)})
    dash = Dashboard(f, CAT, {2024: []}, STREETS)
    as_of = date(2024, 12, 31)
    for window, year, want in ((1, 2019, [1]), (3, 2021, [2]), (1, 2020, [3]), (2, 2020, [3, 4])):
        assert dash.cohort_firms("chain", 0, as_of, year, window).tolist() == want, (window, year)
    table = {r["year"]: r for r in dash.compute(2024, as_of)["cohorts"][0]["rows"]}
    assert [w["reached"] for w in table[2019]["windows"]] == [1, 1, 1]
    assert [w["reached"] for w in table[2020]["windows"]] == [1, 2, 2]
    assert [w["reached"] for w in table[2021]["windows"]] == [0, 0, 1]
    assert cohorts.within(np.array([date(2019, 3, 1).toordinal()]), np.array([date(2020, 3, 2).toordinal()]), 1)[0] \
        == False  # noqa: E712
    assert [w["complete"] for w in table[2021]["windows"]] == [True, True, True]      # 31 Dec 2021 + 3 years
    assert not cohorts.complete(2021, 3, date(2024, 12, 30).toordinal())


def test_year_end_forecast_by_hand():
    # on 2023-06-30: 1 lapses 2023-09-01 (to come), 2 holds into 2025, 3 gained 2022-08-01 (holds to 2025-08-01,
    # and is last year's only gain of the rest of the year); too few past lapses for a renewal rate (0)
    f = facts([(1, GAOQI, "2020-09-01", "2023-09-01"), (2, GAOQI, "2022-05-01", "2025-05-01"), cert(3, "2022-08-01")],
              {1: EAST, 2: EAST, 3: WEST})
    rows = {r["name"]: r for r in Dashboard(f, CAT, {2023: [gaoqi("stock", 3), gaoqi("net", 1)]}, STREETS)
            .compute(2023, date(2023, 6, 30))["indicators"]}
    fs, fn = rows["高企stock"]["forecast"], rows["高企net"]["forecast"]
    assert (fs["floor"], fs["expected_renewals"], fs["expected_gains"], fs["projected"]) == (2, 0, 1, 3)
    assert fs["lapse_ids"].tolist() == [1] and fs["will_meet"] is True
    assert (fn["floor"], fn["projected"], fn["will_meet"]) == (2 - 3, 0, False)    # base: 1, 2, 3 on 2022-12-31


@pytest.mark.parametrize("seed", [3, 11])
def test_report_and_dashboard_agree_on_random_ledgers_full_of_edge_cases(seed):
    """tests/pipeline/helpers.random_facts (batches on 30/31 December, seamless and late renewals, far ends):
    every indicator kind, with and without require, district and streets, on the year's edges and inside."""
    from tests.pipeline.helpers import A, B, C, random_facts
    cat = Catalog([Track("t", "t", False, (Stage(A, "a", "甲", "t", 1), Stage(B, "b", "乙", "t", 2))),
                   Track("u", "u", False, (Stage(C, "c", "丙", "u", 1),))],
                  [Funnel("f", "链", (FunnelStep("甲", ("a",)), FunnelStep("乙", ("b",)), FunnelStep("丙", ("c",))))])
    streets = [(10, "一"), (20, "二"), (30, "三")]
    f = random_facts(seed)
    for year in (2019, 2024):
        inds = [Indicator("存量", "stock", ["a", "b"], 50), Indicator("净增", "net", ["a"], -3),
                Indicator("新增", "new", ["b"], 10), Indicator("累计", "cumulative", ["c"], 80, base_year=year - 3),
                Indicator("规上新增", "new", ["a"], 5, require=["c"]),
                Indicator("规上存量", "stock", ["b"], 5, require=["c"]),
                Indicator("净增", "net", ["a"], 2, street="一", street_id=10)]
        dash = Dashboard(f, cat, {year: inds}, streets)
        for as_of in (date(year, 1, 1), date(year, 2, 28), date(year, 12, 30), date(year, 12, 31)):
            for sid, name in [(None, None)] + streets:
                mine = [i for i in inds if i.street_id is None] if sid is None else for_street(inds, sid, name)
                rep = report.build(f, cat, mine, year, as_of, name, sid)
                view = dash.compute(year, as_of, sid)
                assert [figures(r) for r in rep["indicators"]] == [figures(r) for r in view["indicators"]], \
                    (year, as_of, sid)
                assert [s["count"] for s in rep["funnel"][0]["steps"]] == \
                    [s["count"] for s in view["funnels"][0]["steps"]]
                want = [(c["base"], c["converted"], c["dropped"]) for c in rep["conversions"][0]["steps"]]
                assert want == [(c["base"], c["converted"], c["dropped"]) for c in view["funnels"][0]["conversions"]]


def test_the_anniversary_looked_up_equals_the_calendar():
    """``cohorts.anniversary_wait`` works the calendar out once per day of the entries' span and looks it up: the
    same waits as the calendar arithmetic on every day, 29 February and the span's ends included."""
    from pipeline import cohorts
    rng = np.random.default_rng(5)
    leap = date(2020, 2, 29).toordinal()
    days = np.r_[rng.integers(date(1990, 1, 1).toordinal(), date(2060, 1, 1).toordinal(), 50_000), leap, leap + 365]
    for k in (1, 2, 3, 4):
        assert (cohorts.anniversary_wait(days, k) == cohorts._anniversary_wait(days, k)).all()
    assert cohorts.anniversary_wait(np.array([leap]), 1)[0] == date(2021, 2, 28).toordinal() - leap
