"""Nothing silently wrong (issue 12 items 2 and 3): blank group cells are filled only where merged, or with
a warning a person can untick; dates that are not plausible for their field are errors naming the cell."""
from __future__ import annotations

import datetime as dt

import pytest

from importers.plan import build_plan, commit_plan
from tests.importers import real_lists as R
from tests.importers.helpers import seed

NAMES = [f"武汉填充{i}号科技有限公司" for i in range(10)]


def seed_on_street(ledger, street):
    sid = ledger.street_id(street)
    seed(ledger, *[(n, c, {"street_id": sid}) for n, c in zip(NAMES, R.CODES, strict=False)])


def streets(ledger):
    return [r[0] for r in ledger.conn.execute(
        "SELECT s.name FROM firms f LEFT JOIN streets s ON s.id = f.street_id ORDER BY f.id")]


# ---------------------------------------------------------------- item 2: fill-down
def test_an_unmerged_group_column_is_filled_only_with_a_warning_on_every_filled_row(ledger, tmp_path):
    seed_on_street(ledger, "粮道")
    plan = build_plan(ledger, R.write_unmerged_street_xlsx(tmp_path, NAMES, R.CODES[:10]))
    filled = [(r.excel_row, i.column, i.message) for r in plan.rows for i in r.issues if i.code == "filled_down"]
    assert [f[0] for f in filled] == list(range(4, 12))
    assert filled[0][1:] == ("所在街道", "第 4 行所在街道为空，沿用上一行“杨园”（第 3 行），请核对")
    assert all(r.changes["street"] == ("粮道", "杨园") for r in plan.rows)      # every change is shown
    for r in plan.rows:                                                          # the person unticks the guesses
        if any(i.code == "filled_down" for i in r.issues):
            r.include = False
    assert plan.unticked() == 8
    commit_plan(ledger, plan)
    assert streets(ledger) == ["杨园", "杨园"] + ["粮道"] * 8


def test_a_range_merged_downward_is_filled_without_a_warning(ledger, tmp_path):
    seed_on_street(ledger, "粮道")
    plan = build_plan(ledger, R.write_unmerged_street_xlsx(tmp_path, NAMES, R.CODES[:10], merged=True))
    assert not [i for r in plan.rows for i in r.issues]
    commit_plan(ledger, plan)
    assert streets(ledger) == ["杨园"] * 10


# ---------------------------------------------------------------- item 3: impossible dates
def _designation(ledger, tmp_path, rows, **kw):
    return build_plan(ledger, R.write_dates_xlsx(tmp_path, rows), kind="designation", stage="高企", **kw)


@pytest.mark.parametrize("cell, words", [
    (2023, "“2023”只有年份"), (1, "“1”是数字，不像日期（按 Excel 日期序号读是 1900-01-01）"), (True, "“True”是逻辑值"),
    (10000, "“10000”是数字，不像日期（按 Excel 日期序号读是 1927-05-18）"), ("20231", "无法识别的日期“20231”"),
    ("1940-03-01", "“1940-03-01”早于 1949 年，不是有效的认定日期"),
])
def test_an_impossible_designation_date_is_an_error_naming_cell_and_value(ledger, tmp_path, cell, words):
    plan = _designation(ledger, tmp_path, [["武汉日期一号科技有限公司", R.CODES[0], cell, None],
                                           ["武汉日期二号科技有限公司", R.CODES[1], "2023-12-28", None]])
    bad, good = plan.rows
    assert bad.status == "error" and good.status == "new"
    issue = bad.issues[0]
    assert (issue.row, issue.column, issue.level) == (2, "认定日期", "error") and words in issue.message


def test_expiry_before_start_is_an_error_not_a_default(ledger, tmp_path):
    plan = _designation(ledger, tmp_path, [["武汉日期三号科技有限公司", R.CODES[2], "2023-12-28", "2022-12-27"]])
    row = plan.rows[0]
    assert row.status == "error" and row.issues[0].column == "有效期至"
    assert row.issues[0].message == "有效期至 2022-12-27 早于认定日期 2023-12-28"


def test_the_date_option_fills_only_empty_cells(ledger, tmp_path):
    plan = _designation(ledger, tmp_path, [["武汉日期四号科技有限公司", R.CODES[3], None, None],
                                           ["武汉日期五号科技有限公司", R.CODES[4], "明天", None]],
                        on_date=dt.date(2024, 3, 1))
    empty, unreadable = plan.rows
    assert empty.designation["start"] == dt.date(2024, 3, 1)
    assert unreadable.status == "error" and [i.message for i in unreadable.issues] == ["无法识别的日期“明天”"]


def test_founding_dates_years_and_absurd_numbers(ledger, tmp_path):
    header = ("企业名称", "统一社会信用代码", "成立日期", "注册资本", "从业人员")
    rows = [["武汉数值一号科技有限公司", R.CODES[5], "2099-01-01", "-500万", 10],
            ["武汉数值二号科技有限公司", R.CODES[6], "2015-05-05", 1e308, -3],
            ["武汉数值三号科技有限公司", R.CODES[7], "2016-06-06", "6,400(万元人民币)", 120]]
    plan = build_plan(ledger, R.write_dates_xlsx(tmp_path, rows, header=header))
    future, absurd, fine = plan.rows
    assert future.status == "error" and [(i.column, i.level, i.message) for i in future.issues] == [
        ("成立日期", "error", "成立日期“2099-01-01”在今天之后"), ("注册资本", "warning", "“-500万”是负数，未填入")]
    assert [(i.column, i.message) for i in absurd.issues] == [("注册资本", "“1e+308”大得不合常理，未填入"),
                                                              ("从业人员", "“-3”是负数，未填入")]
    assert absurd.values["reg_capital"] is None and absurd.values["employees"] is None
    assert fine.values["reg_capital"] == 6400.0 and not fine.issues


def test_a_column_of_years_is_read_as_years_and_each_row_says_so(ledger, tmp_path):
    header = ("企业名称", "统一社会信用代码", "成立年份")
    rows = [["武汉年份一号科技有限公司", R.CODES[8], 2015], ["武汉年份二号科技有限公司", R.CODES[9], "2018年"],
            ["武汉年份三号科技有限公司", R.CODES[10], "2019"]]
    plan = build_plan(ledger, R.write_dates_xlsx(tmp_path, rows, header=header))
    assert [r.values["founded"] for r in plan.rows] == [dt.date(2015, 1, 1), dt.date(2018, 1, 1), dt.date(2019, 1, 1)]
    assert [i.message for i in plan.rows[0].issues] == ["“成立年份”列只写年份：“2015”按 2015-01-01 记"]


def test_the_day_an_import_counts_as_today_is_one_the_caller_can_fix(ledger, tmp_path):
    """build_plan(today=): a founding date is in the future against that day, and a roster's undated star starts on
    it (a ledger and a model replaying the same lists after midnight must agree: tests/importers/undo_helpers)."""
    header = ("企业名称", "统一社会信用代码", "成立日期", "星级")
    rows = [["武汉今日一号科技有限公司", R.CODES[8], "2025-05-05", "繁星"]]
    path = R.write_dates_xlsx(tmp_path, rows, header=header)
    early = build_plan(ledger, path, today=dt.date(2025, 1, 1))
    assert early.rows[0].status == "error" and "在今天之后" in early.rows[0].issues[0].message
    plan = build_plan(ledger, path, today=dt.date(2025, 6, 30))
    assert plan.rows[0].status == "new"
    assert [i.message for i in plan.file_issues if i.code == "no_stage_date"] == [
        "“星级”列没有对应的认定日期，按 2025-06-30 记为认定日期"]
    commit_plan(ledger, plan)
    assert ledger.conn.execute("SELECT start_date FROM designations").fetchall() == [("2025-06-30",)]
