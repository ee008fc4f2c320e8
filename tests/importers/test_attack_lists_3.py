"""A third outside attack on the importer (lists shaped like government attachments): every data row lands or is
reported with its Excel row, column and a Chinese reason; nothing is invented. Each test writes its own file into
tmp_path. Every test here failed when it was written."""
from __future__ import annotations

import datetime as dt

from importers.plan import build_plan, commit_plan
from tests.importers import real_lists as R
from tests.importers.fixtures import write_simple_xlsx


def _evidence(ledger):
    return [e for (e,) in ledger.conn.execute("SELECT evidence FROM designations ORDER BY id")]


# ---------------------------------------------------------------- a 编号 column of row numbers
def test_row_numbers_headed_bianhao_are_no_certificate_numbers(ledger, tmp_path):
    """"编号" (a synonym of 证书编号) heads the row numbers of many lists: the 1, 2 were stored as the firms'
    高企 certificate numbers, silently. The column is a 序号 column, said once."""
    rows = [["编号", "企业名称", "统一社会信用代码", "认定日期"], [1, "武汉编号一科技有限公司", R.CODES[0], "2023-12-08"],
            ["02", "武汉编号二科技有限公司", R.CODES[1], "2023-12-08"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "2023年高新技术企业名单.xlsx", rows))
    assert [r.status for r in plan.rows] == ["new", "new"]
    assert any("序号" in i.message and i.level == "warning" for i in plan.file_issues)
    commit_plan(ledger, plan)
    assert _evidence(ledger) == [None, None]


def test_a_street_roster_numbered_under_bianhao_is_a_roster(ledger, tmp_path):
    """The same 编号 column made a street's roster a designation list ("请用 --stage 指定"): obeying would have
    given every firm a designation it does not hold."""
    rows = [["编号", "企业名称", "统一社会信用代码", "所在街道"], [1, "武汉台账一科技有限公司", R.CODES[2], "杨园"],
            [2, "武汉台账二科技有限公司", R.CODES[3], "粮道"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "杨园街道企业台账.xlsx", rows))
    assert plan.kind == "roster" and [r.status for r in plan.rows] == ["new", "new"]
    assert all(not r.designations for r in plan.rows)


def test_certificate_numbers_headed_bianhao_are_still_read(ledger, tmp_path):
    """Guard: real numbers under 编号 stay certificate numbers."""
    rows = [["编号", "企业名称", "统一社会信用代码", "认定日期"],
            ["GR202342000101", "武汉证书一科技有限公司", R.CODES[4], "2023-12-08"],
            ["GR202342000102", "武汉证书二科技有限公司", R.CODES[5], "2023-12-08"]]
    plan = build_plan(ledger, write_simple_xlsx(tmp_path, "2023年高新技术企业名单.xlsx", rows))
    commit_plan(ledger, plan)
    assert _evidence(ledger) == ["GR202342000101", "GR202342000102"]
