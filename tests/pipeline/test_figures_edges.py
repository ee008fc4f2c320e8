"""Figures on the edges of their definitions, each worked out by hand, report (pipeline.report.build) and
dashboard (pipeline.dashboard) alike (helper-figures' attack)."""
from datetime import date

from pipeline.dashboard import Dashboard
from pipeline.indicators import Indicator, evaluate
from tests.pipeline.figures_helpers import CAT, EAST, STREETS, cert, facts


def test_a_cumulative_counted_from_this_year_has_a_base_of_zero():
    """累计 from 2023 (base_year = the target's year): at the end of 2022 it had counted nothing, yet the 基期值
    was the firms holding the set over New Year (those with start <= 2022-12-31 < end and end > 2023-01-01)."""
    f = facts([cert(1, "2021-05-01"), cert(2, "2023-03-01"), cert(3, "2020-01-01")], {1: EAST, 2: EAST, 3: EAST})
    ind = Indicator("累计", "cumulative", ["gaoqi"], 10, base_year=2023)
    as_of = date(2023, 6, 30)
    row = evaluate(f, CAT, ind, 2023, as_of)
    assert (row["base"], row["actual"]) == (0, 2)           # firm 3's certificate ended 2023-01-01: not in 2023
    view = Dashboard(f, CAT, {2023: [ind]}, STREETS).compute(2023, as_of)["indicators"][0]
    assert (view["base"], view["actual"]) == (0, 2)
    since_2022 = Indicator("累计", "cumulative", ["gaoqi"], 10, base_year=2022)
    assert evaluate(f, CAT, since_2022, 2023, as_of)["base"] == 2      # 1 and 3 held in 2022


def _gains(rows, streets, as_of, inds=None):
    inds = inds or [Indicator("高企总量", "stock", ["gaoqi"], 10)]
    view = Dashboard(facts(rows, streets), CAT, {as_of.year: inds}, STREETS).compute(as_of.year, as_of)
    return view["indicators"][0]["forecast"]["expected_gains"]


def test_the_forecast_s_gains_to_come_start_the_day_after_the_as_of_date_last_year():
    """The forecast guesses the gains still to come from last year's gains after the same day. As of 2024-02-28
    the rest of the year is 29 Feb - 31 Dec; 29 Feb was taken back to 2023-02-28, so a batch recognised on
    2023-02-28 (the as-of day's own date last year, whose counterpart this year is already counted) was
    forecast to come again."""
    rows = [cert(1, "2023-02-28"), cert(2, "2023-03-01"), cert(3, "2023-02-27")]
    streets = {1: EAST, 2: EAST, 3: EAST}
    assert _gains(rows, streets, date(2024, 2, 28)) == 1              # firm 2 only
    assert _gains(rows, streets, date(2024, 2, 29)) == 1
    assert _gains(rows, streets, date(2024, 2, 27)) == 2              # firms 1 and 2
    leap = [cert(1, "2024-02-29"), cert(2, "2024-02-28"), cert(3, "2024-03-01")]
    assert _gains(leap, streets, date(2025, 2, 28)) == 2              # 29 Feb and 1 Mar 2024 come after 28 Feb
    assert _gains(leap, streets, date(2025, 2, 27)) == 3


def test_no_forecast_completion_rate_against_a_target_of_zero_or_below():
    """预计完成率 of the 年底预测 table was projected / target, worked out in the widget: against a 净增 of -5
    (the stock may fall by five) a projected fall of ten read 200%, the rule ``completion`` refuses."""
    f = facts([(1, 1, "2020-09-01", "2023-09-01"), (2, 1, "2020-10-01", "2023-10-01")], {1: EAST, 2: EAST})
    inds = [Indicator("净增", "net", ["gaoqi"], -1), Indicator("总量", "stock", ["gaoqi"], 4)]
    rows = Dashboard(f, CAT, {2023: inds}, STREETS).compute(2023, date(2023, 6, 30))["indicators"]
    net, stock = (r["forecast"] for r in rows)
    assert (net["projected"], net["rate"], net["will_meet"]) == (-2, None, False)
    assert (stock["projected"], stock["rate"]) == (0, 0.0)


def test_the_streets_table_says_what_it_leaves_out():
    """The streets table (看板, PDF) counts the firms of the listed streets; a firm with no street or on a
    deactivated street counted in 全区 only, so the streets summed short of the district with nothing saying why."""
    from pipeline.streets import outside_text
    f = facts([cert(1, "2022-05-01"), cert(2, "2023-03-01"), cert(3, "2023-04-01"), cert(4, "2020-06-01")],
              {1: EAST, 2: None, 3: 99, 4: 99})         # 99: a street no longer listed (deactivated)
    inds = [Indicator("总量", "stock", ["gaoqi"], 4), Indicator("净增", "net", ["gaoqi"], 1)]
    view = Dashboard(f, CAT, {2023: inds}, STREETS).compute(2023, date(2023, 12, 31))
    district = {r["name"]: r["actual"] for r in view["indicators"]}
    assert district == {"总量": 3, "净增": 1}                 # 1, 2, 3 now; 1 and 4 at the end of 2022
    left = {c["indicator"]: c["actual"] for c in view["streets_outside"]}
    assert left == {"总量": 2, "净增": 1}                    # 2, 3 now; 4 at the end of 2022
    for name, total in district.items():
        cells = [c for s in view["streets"] for c in s["cells"] if c["indicator"] == name]
        assert sum(c["actual"] for c in cells) + left[name] == total
    assert outside_text(view["streets_outside"]) == \
        "各街道合计不含未分街道或所在街道已停用的企业（总量 2、净增 1），全区数包含它们"
    every = Dashboard(facts([cert(1, "2022-05-01")], {1: EAST}), CAT, {2023: inds}, STREETS)
    assert outside_text(every.compute(2023, date(2023, 12, 31))["streets_outside"]) is None


def test_a_figure_exactly_on_pace_is_not_behind():
    """完成率 equal to 序时进度 is not behind (ahead is rate >= progress), yet on 35 days of 2023 a figure exactly on
    pace was flagged 落后: 序时进度 was elapsed / days + 1 / days, an ulp above the same share as one division."""
    from datetime import timedelta

    from pipeline.dates import time_progress
    from pipeline.indicators import completion
    for year, days in ((2023, 365), (2024, 366)):
        for n in range(1, days + 1):
            progress = time_progress(year, date(year, 1, 1) + timedelta(days=n - 1))
            assert completion(n, days, progress)[1] is True, (year, n)
            assert completion(n - 1, days, progress)[1] is False, (year, n)
    assert completion(8, 73, time_progress(2023, date(2023, 2, 9)))[1] is True        # 8 / 73 = 40 / 365
