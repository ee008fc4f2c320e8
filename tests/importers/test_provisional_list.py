"""A recognition list still under publicity (拟认定, 公示) is imported as the recognition it announces, and the
preview says so once for the file (an outside audit of the figures: it raised 高企总量 and 净增 unannounced)."""
from __future__ import annotations

from importers.plan import build_plan
from tests.importers.helpers import C, xlsx

ROWS = [["序号", "企业名称", "统一社会信用代码", "证书编号", "发证日期"],
        [1, "武汉星辰科技有限公司", C[0], "GR202342000001", "2023-12-08"],
        [2, "武汉楚天光电有限公司", C[1], "GR202342000002", "2023-12-08"]]


def _provisional(plan) -> list[str]:
    return [i.message for i in plan.file_issues if i.code == "provisional_list"]


def test_a_list_under_publicity_is_said_to_be_one(ledger, tmp_path):
    plan = build_plan(ledger, xlsx(tmp_path, ROWS, title="2023年湖北省第二批拟认定高新技术企业名单"))
    assert plan.kind == "designation"
    (message,) = _provisional(plan)
    assert "拟认定" in message and "高新技术企业" in message and "标题" in message
    assert plan.counts()["created"] == 2                      # imported all the same: the person decides


def test_the_file_name_tells_it_too(ledger, tmp_path):
    path = xlsx(tmp_path, ROWS, name="2024年第一批高新技术企业公示名单.xlsx", title="高新技术企业名单")
    (message,) = _provisional(build_plan(ledger, path))
    assert "文件名" in message and "公示" in message


def test_a_filed_list_and_a_roster_are_not(ledger, tmp_path):
    assert _provisional(build_plan(ledger, xlsx(tmp_path, ROWS, title="2023年第二批高新技术企业认定名单"))) == []
    roster = [["企业名称", "统一社会信用代码", "所在街道"], ["武汉星辰科技有限公司", C[0], "杨园街道"]]
    plan = build_plan(ledger, xlsx(tmp_path, roster, name="拟走访企业.xlsx"))
    assert plan.kind == "roster" and _provisional(plan) == []
