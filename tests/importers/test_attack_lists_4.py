"""A fourth outside attack on the importer: every data row lands or is reported with its Excel row, column and a
Chinese reason; nothing is invented. Each test writes its own file into tmp_path. Every test here failed when it
was written (the guards excepted, as marked)."""
from __future__ import annotations

import datetime as dt

from importers.plan import build_plan, commit_plan
from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx

D = dt.date


def _dated(plan):
    return [(r.excel_row, r.status, r.designation and (r.designation["start"], r.designation["end"]))
            for r in plan.rows]


# ---------------------------------------------------------------- 有效期 holding a period
RANGES = ["2023.12.08-2026.12.07", "2023-12-08至2026-12-07", "2023年12月8日～2026年12月7日", "2023/12/08 - 2026/12/07",
          "2023.12.08 －2026.12.07", "2023.12.08—2026.12.07", " 2023-12-08 ~ 2026-12-07 ", "20231208-20261207"]


def test_a_validity_cell_holding_a_period_gives_start_and_end(ledger, tmp_path):
    """A 有效期 column of "2023.12.08-2026.12.07" and the like (no 认定日期 column): the list was refused ("请用
    --date"), and with --date every row was an error. The period's start is the start, its end the last valid day,
    stored as an 有效期至 value is (the day after)."""
    rows = [["序号", "企业名称", "统一社会信用代码", "有效期"]]
    rows += [[i + 1, f"武汉期间{i}科技有限公司", R.CODES[i], v] for i, v in enumerate(RANGES)]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "2023年高新技术企业名单.xlsx", rows))
    assert _dated(plan) == [(i + 2, "new", (D(2023, 12, 8), D(2026, 12, 8))) for i in range(len(RANGES))]
    assert not list(plan.issues())
    commit_plan(ledger, plan)
    got = ledger.conn.execute("SELECT start_date, end_date FROM designations ORDER BY id").fetchall()
    assert {tuple(str(x)[:10] for x in r) for r in got} == {("2023-12-08", "2026-12-08")}


def test_a_period_beside_a_start_column_must_agree_with_it(ledger, tmp_path):
    """A separate 认定日期 column: a period that starts on the same day is read; one that starts on another day is
    an error on the row, naming the 有效期 cell and both days."""
    rows = [["企业名称", "统一社会信用代码", "认定日期", "有效期"],
            ["武汉同日科技有限公司", R.CODES[20], "2023-12-08", "2023.12.08-2026.12.07"],
            ["武汉异日科技有限公司", R.CODES[21], "2023-12-01", "2023.12.08-2026.12.07"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "2023年高新技术企业名单.xlsx", rows))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "new"), (3, "error")]
    assert plan.rows[0].designation["end"] == D(2026, 12, 8)
    (e,) = [i for i in plan.rows[1].issues if i.level == "error"]
    assert (e.row, e.column) == (3, "有效期") and "2023-12-01" in e.message and "2023-12-08" in e.message


def test_an_unreadable_or_backwards_period_stays_an_error_naming_the_cell(ledger, tmp_path):
    """Guard and attack: a period missing its day, one ending before it starts, one with an impossible day, and
    a period in a 认定日期 column (one day expected) are errors on their row, naming the column."""
    rows = [["企业名称", "统一社会信用代码", "认定日期", "有效期"],
            ["武汉缺日科技有限公司", R.CODES[22], "2023-12-08", "2023.12-2026.12"],
            ["武汉倒序科技有限公司", R.CODES[23], "2023-12-08", "2026.12.07-2023.12.08"],
            ["武汉无日科技有限公司", R.CODES[24], "2023-12-08", "2023.02.30-2026.02.28"],
            ["武汉错列科技有限公司", R.CODES[25], "2023.12.08-2026.12.07", None]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "2023年高新技术企业名单.xlsx", rows))
    assert [r.status for r in plan.rows] == ["error"] * 4
    cols = [[i.column for i in r.issues if i.level == "error"] for r in plan.rows]
    assert cols == [["有效期"], ["有效期"], ["有效期"], ["认定日期"]]
    assert "止日早于起日" in plan.rows[1].issues[0].message
    assert "一段期间" in plan.rows[3].issues[0].message


# ---------------------------------------------------------------- 15-digit 注册号
def test_an_old_registration_number_is_matched_by_name_and_flagged(ledger, tmp_path):
    """A 15-digit 工商注册号 in the code column was an error ("应为 18 位"): like an 组织机构代码, the firm is matched
    by name (or created without a credit code) and flagged for review, the number kept as its original code."""
    commit_plan(ledger, build_plan(ledger, write_simple_xlsx(tmp_path, "现有.xlsx", [
        ["企业名称", "统一社会信用代码"], ["武汉老号科技有限公司", R.CODES[30]]])))
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "旧名单.xlsx", [
        ["企业名称", "统一社会信用代码", "所属行业"], ["武汉老号科技有限公司", "420106000012345", "软件"],
        ["武汉新老号科技有限公司", "４２０１０６００００５４３２１", "软件"],
        ["武汉数字老号科技有限公司", 420106000067890, "软件"], ["武汉坏号科技有限公司", "42010600001234", "软件"]]))
    assert [(r.excel_row, r.status) for r in plan.rows] == [(2, "update"), (3, "new"), (4, "new"), (5, "error")]
    for r in plan.rows[:3]:
        (w,) = r.issues
        assert (w.code, w.column, w.level, r.review) == ("reg_number", "统一社会信用代码", "warning", True)
        assert "注册号" in w.message and "不是统一社会信用代码" in w.message
    assert "武汉老号科技有限公司" in plan.rows[0].issues[0].message
    commit_plan(ledger, plan)
    got = ledger.conn.execute("SELECT name, code, code_raw, needs_review FROM firms ORDER BY id").fetchall()
    assert [tuple(r) for r in got] == [("武汉老号科技有限公司", R.CODES[30], None, 1),
                                       ("武汉新老号科技有限公司", None, "420106000054321", 1),
                                       ("武汉数字老号科技有限公司", None, "420106000067890", 1)]


# ---------------------------------------------------------------- text far too long to be a value
def test_a_name_of_a_paragraph_is_an_error_with_its_length(ledger, tmp_path):
    """A 300-character "name" (a note pasted into the name column, ending in 有限公司) was created as a firm."""
    long_name = "武汉" + "说明" * 149 + "有限公司"
    rows = [["企业名称", "统一社会信用代码"], [long_name, R.CODES[40]], ["武汉正常科技有限公司", R.CODES[41]]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "长名称.xlsx", rows))
    assert [r.status for r in plan.rows] == ["error", "new"]
    (e,) = [i for i in plan.rows[0].issues if i.level == "error"]
    assert (e.row, e.column) == (2, "企业名称") and f"企业名称过长（{len(long_name)} 字）" in e.message


def test_a_huge_remark_lands_with_a_warning_and_a_huge_short_field_does_not(ledger, tmp_path):
    """A 30,000-character 备注 landed silently, and so did a 5,000-character 所属行业. The remark is kept (a
    person's note, nothing lost) with a warning giving its length; the 所属行业 is not a value: warned, not filled."""
    rows = [["企业名称", "统一社会信用代码", "所属行业", "备注"],
            ["武汉长备注科技有限公司", R.CODES[42], "软件", "备" * 30000],
            ["武汉长行业科技有限公司", R.CODES[43], "行" * 5000, "短备注"],
            ["武汉普通备注科技有限公司", R.CODES[44], "软件", "注" * 1500]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "长备注.xlsx", rows))
    assert [r.status for r in plan.rows] == ["new"] * 3
    assert [[(i.column, i.level) for i in r.issues] for r in plan.rows] == [
        [("备注", "warning")], [("所属行业", "warning")], []]
    assert "30000 字" in plan.rows[0].issues[0].message and "5000 字" in plan.rows[1].issues[0].message
    assert len(plan.rows[0].values["remark"]) == 30000 and plan.rows[1].values["industry"] is None


# ---------------------------------------------------------------- 名称⏎（曾用名：旧名）
def test_a_former_name_on_a_second_line_in_brackets_is_just_the_name(ledger, tmp_path):
    """"武汉新行科技有限公司⏎（曾用名：武汉旧行科技有限公司）": the former name was stored with its bracket and
    label, "（曾用名：武汉旧行科技有限公司）", an alias no search finds."""
    rows = [["企业名称", "统一社会信用代码"],
            ["武汉新行科技有限公司\n（曾用名：武汉旧行科技有限公司）", R.CODES[45]],
            ["武汉另行科技有限公司\n(原名：武汉另旧行科技有限公司)", R.CODES[46]],
            ["武汉简称\n武汉全称科技有限公司", R.CODES[47]]]               # guard: a short name stays as it was
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "两行原名.xlsx", rows))
    assert [(r.name, r.values.get("former_name")) for r in plan.rows] == [
        ("武汉新行科技有限公司", "武汉旧行科技有限公司"), ("武汉另行科技有限公司", "武汉另旧行科技有限公司"),
        ("武汉全称科技有限公司", "武汉简称")]
    commit_plan(ledger, plan)
    aliases = [a for (a,) in ledger.conn.execute("SELECT name FROM firm_aliases ORDER BY id")]
    assert aliases == ["武汉旧行科技有限公司", "武汉另旧行科技有限公司", "武汉简称"]
