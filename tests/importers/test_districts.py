"""A city-wide list whose 所在区 column names several districts: every row is imported into this ledger, and the
file gets one warning naming the districts (an outside attack: other districts' firms landed without a word)."""
from __future__ import annotations

from importers.plan import build_plan
from tests.importers.helpers import xlsx


def _rows(header: str, districts: list[str]) -> list[list]:
    return [["企业名称", header, "所属行业"]] + [[f"武汉星{i}科技有限公司", d, "软件"] for i, d in enumerate(districts)]


def _warned(plan) -> list[str]:
    return [i.message for i in plan.file_issues if i.code == "several_districts"]


def test_several_districts_are_named_once_for_the_file(ledger, tmp_path):
    plan = build_plan(ledger, xlsx(tmp_path, _rows("所在区", ["武昌区", "洪山区", "武昌区", "江夏区", "武昌区",
                                                           "洪山区"])))
    (message,) = _warned(plan)
    assert "“所在区”列中有 3 个不同的地区" in message
    assert "武昌区 3 行（第 2 行起）、洪山区 2 行（第 3 行起）、江夏区 1 行（第 5 行起）" in message
    assert plan.counts()["created"] == 6                       # imported all the same: the person decides


def test_more_districts_than_shown(ledger, tmp_path):
    names = [f"第{i}区" for i in range(8)]
    (message,) = _warned(build_plan(ledger, xlsx(tmp_path, _rows("所属区县", names))))
    assert "8 个不同的地区" in message and message.count("行（第") == 5 and "等" in message


def test_one_district_or_another_column_is_not_warned(ledger, tmp_path):
    assert _warned(build_plan(ledger, xlsx(tmp_path, _rows("区域", ["武昌区"] * 4)))) == []
    assert _warned(build_plan(ledger, xlsx(tmp_path, _rows("所属园区", ["光谷", "车谷"])))) == []


def test_a_provinces_list_is_read_by_its_city_column_and_the_finest_column_wins(ledger, tmp_path):
    """A province's list names each firm's 市州 (a national one its 省份): the same choice, one level up. A list
    with both a city and a district column is read by the district's."""
    plan = build_plan(ledger, xlsx(tmp_path, _rows("所在市州", ["武汉市", "宜昌市", "武汉市"])))
    assert plan.district_column == "所在市州" and sorted(d for d in plan.districts if d) == ["宜昌市", "武汉市"]
    both = [["企业名称", "省份", "市州", "区县"], ["武汉甲科技有限公司", "湖北省", "武汉市", "武昌区"],
            ["宜昌乙科技有限公司", "湖北省", "宜昌市", "西陵区"]]
    plan = build_plan(ledger, xlsx(tmp_path, both, name="三级.xlsx"))
    assert plan.district_column == "区县" and set(plan.districts) == {"武昌区", "西陵区"}
    national = [["企业名称", "省份"], ["武汉甲科技有限公司", "湖北省"], ["长沙乙科技有限公司", "湖南省"]]
    assert build_plan(ledger, xlsx(tmp_path, national, name="全国.xlsx")).district_column == "省份"


def test_spellings_of_one_district_are_one_place(ledger, tmp_path):
    """A district's own list writing its name three ways (武昌, 武 昌 区, 湖北省武汉市武昌区) was warned as "3 个不同的
    地区", as if it mixed districts; they are one place (as --district 武昌区 keeps them all). Another district
    among them is still warned, with every spelling shown."""
    one = ["武昌区", "武昌", "湖北省武汉市武昌区", "武昌区"]
    assert _warned(build_plan(ledger, xlsx(tmp_path, _rows("所在区", one)))) == []
    (message,) = _warned(build_plan(ledger, xlsx(tmp_path, _rows("所在区", [*one, "洪山区"]), name="两区.xlsx")))
    assert "2 个不同的地区" in message and "武昌 1 行" in message and "洪山区 1 行" in message
    (message,) = _warned(build_plan(ledger, xlsx(tmp_path, _rows("所在区县", ["长沙县", "长沙市"]), name="县市.xlsx")))
    assert "2 个不同的地区" in message                       # a county and the city around it are two places
