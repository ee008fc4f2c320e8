"""Street attainment and the decomposition check, worked out by hand."""
import numpy as np

from pipeline.indicators import Indicator
from pipeline.streets import attainment, by_street, gap_text, share_gaps

STREETS = [(1, "积玉桥"), (2, "杨园"), (3, "徐家棚")]
STREET_OF = np.array([-1, 1, 1, 2, 2, 2, -1], dtype=np.int32)     # firms 1-2 on 积玉桥, 3-5 on 杨园, 6 none


def test_by_street_counts_ignore_firms_without_a_street():
    assert list(by_street(np.array([1, 3, 4, 6]), STREET_OF, 4)) == [0, 1, 2, 0]
    assert list(by_street(np.array([], dtype=np.int32), STREET_OF, 4)) == [0, 0, 0, 0]


def test_attainment_stock_and_net():
    rows = [{"name": "高企总量", "kind": "stock", "firm_ids": np.array([1, 2, 3, 6])},
            {"name": "净增高企", "kind": "net", "firm_ids": np.array([1, 2, 3, 6]), "base_ids": np.array([1, 3, 4, 5])}]
    targets = {(1, "高企总量"): Indicator("高企总量", "stock", ["gaoqi"], 4),
               (2, "高企总量"): Indicator("高企总量", "stock", ["gaoqi"], 2),
               (1, "净增高企"): Indicator("净增高企", "net", ["gaoqi"], 2),
               (2, "净增高企"): Indicator("净增高企", "net", ["gaoqi"], 1)}
    table = attainment(rows, STREETS, targets, STREET_OF, 0.5)
    jyq, yy, xjp = table
    # 积玉桥: stock 2 of 4 = 50% (on pace at 0.5); net 2 - 1 = 1 of 2
    assert [(c["actual"], c["target"], c["rate"], c["ahead"]) for c in jyq["cells"]] == [
        (2, 4, 0.5, True), (1, 2, 0.5, True)]
    # 杨园: stock 1 of 2; net 1 - 3 = -2 of 1
    assert [(c["actual"], c["rate"], c["ahead"]) for c in yy["cells"]] == [(1, 0.5, True), (-2, -2.0, False)]
    assert yy["behind"] == 1 and yy["mean_rate"] == -0.75
    # 徐家棚 has no shares
    assert [c["target"] for c in xjp["cells"]] == [None, None] and xjp["mean_rate"] is None


def test_share_gaps_say_by_how_much():
    district = [Indicator("高企总量", "stock", ["gaoqi"], 800), Indicator("净增高企", "net", ["gaoqi"], 80),
                Indicator("新物种", "new", ["dengling"], 25)]
    streets = [Indicator("高企总量", "stock", ["gaoqi"], 500, street="积玉桥"),
               Indicator("高企总量", "stock", ["gaoqi"], 300, street="杨园"),
               Indicator("净增高企", "net", ["gaoqi"], 50, street="积玉桥"),
               Indicator("净增高企", "net", ["gaoqi"], 25, street="杨园")]
    gaps = share_gaps(district, streets)
    assert [(g["shares"], g["difference"], g["streets"]) for g in gaps] == [(800, 0, 2), (75, 5, 2), (0, 25, 0)]
    assert gap_text(gaps[0]) == "“高企总量”各街道分解合计 800，与全区目标一致"
    assert gap_text(gaps[1]) == "“净增高企”各街道分解合计 75，比全区目标 80 少 5"
    assert gap_text(gaps[2]) == "“新物种”尚未分解到街道"
