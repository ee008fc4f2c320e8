"""Fill-down never invents a star tier, stage or industry (the lead's rule, see importers/read.py)."""
from pathlib import Path

from importers.read import open_table
from tests.importers.fixtures import write_simple_xlsx


def rows_of(table):
    return [r.values for chunk in table.iter_rows() for r in chunk]


def test_roster_sorted_by_star_keeps_blank_stars_blank(tmp_path: Path):
    rows = [["企业名称", "统一社会信用代码", "星级", "所属行业", "所在街道"],
            ["甲公司", "", "明星", "电子信息", "杨园"],
            ["乙公司", "", "", "", ""],
            ["丙公司", "", "", "", ""],
            ["丁公司", "", "亮星", "新材料", "粮道"],
            ["戊公司", "", "", "", ""],
            ["己公司", "", "", "", ""]]
    table = open_table(write_simple_xlsx(tmp_path, "roster.xlsx", rows))
    got = rows_of(table)
    star, industry, street = (table.headers.index(h) for h in ("星级", "所属行业", "所在街道"))
    assert [r[star] or None for r in got] == ["明星", None, None, "亮星", None, None]
    assert [r[industry] or None for r in got] == ["电子信息", None, None, "新材料", None, None]
    # a street written on each group's first row only is the official lists' pattern: filled down
    assert [r[street] for r in got] == ["杨园", "杨园", "杨园", "粮道", "粮道", "粮道"]
